"""Turn raw entity text from NLU ("grade II", "2nd course", "12mg") into canonical values."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

NUMBER_WORDS = {
    "one": "1",
    "first": "1",
    "two": "2",
    "second": "2",
    "three": "3",
    "third": "3",
    "four": "4",
    "fourth": "4",
    "five": "5",
    "fifth": "5",
}
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
DIGITS = re.compile(r"\d+")
WORDS = re.compile(r"[a-z]+")


def _number(raw: str) -> str | None:
    """First number in the text, written as digits, words, ordinals or roman numerals."""
    digits = DIGITS.search(raw)
    if digits:
        return str(int(digits.group()))
    for word in WORDS.findall(raw.lower()):
        if word in NUMBER_WORDS:
            return NUMBER_WORDS[word]
        if word in ROMAN:
            return ROMAN[word]
    return None


def normalize_grade(raw: str, severity_words: Mapping[str, str]) -> str | None:
    """'grade 2', 'G2', 'grade II' → '2'; severity words map through the knowledge base."""
    text = raw.lower().strip()
    for word, grade in sorted(severity_words.items(), key=lambda kv: -len(kv[0])):
        if word in text:
            return grade
    number = _number(text)
    return number if number in {"1", "2", "3", "4", "5"} else None


def normalize_entities(
    entities: Iterable[Mapping[str, Any]], severity_words: Mapping[str, str]
) -> dict[str, str]:
    """Canonical values of the staff-question entities (grade, course, dose, reaction)."""
    values: dict[str, str] = {}
    for ent in entities:
        name, raw = ent.get("entity"), str(ent.get("value", ""))
        if name in values:
            continue
        if name == "grade":
            value = normalize_grade(raw, severity_words)
        elif name in ("course", "dose"):
            value = _number(raw)
        elif name == "reaction":
            value = "anaphylaxis" if "anaphyla" in raw.lower() else None
        else:
            continue
        if value:
            values[name] = value
    return values
