"""The red-flag screen: one question listing the emergency warning signs in plain words.

No patient report ends below `emergency` until the patient has answered it
(bot.patient.intake asks it first); any yes is an emergency at once. Free-text reading
of symptoms then makes the conversation shorter, never less safe. Pure
functions over knowledge/red_flag_screen.yml, free of Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml
from bot.patient.symptoms import load_lexicon

SCREEN_FILE = KNOWLEDGE_DIR / "red_flag_screen.yml"
NONE, YES, UNCLEAR = "none", "yes", "unclear"
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "7th": 7,
    "last": -1,
}
_NUMBER = re.compile(r"^(?:the\s+|option\s+|number\s+|no\.?\s*|#)?(\d{1,2})(?:\s+one)?$")
_ORDINAL = re.compile(r"\b(" + "|".join(ORDINALS) + r")\b(?:\s+one)?")
_WORDS = re.compile(r"[a-z0-9']+")


class ScreenConfigError(ValueError):
    """knowledge/red_flag_screen.yml is invalid; the message names the entry."""


@dataclass(frozen=True)
class ScreenOption:
    """One group of warning signs on the screen."""

    id: str
    label: str
    symptoms: tuple[str, ...]
    words: frozenset[str]
    hints: frozenset[str] = frozenset()  # further signs that put this option first


@dataclass(frozen=True)
class Screen:
    """The screen's wording and options."""

    question: str
    reask: str
    none: str
    options: tuple[ScreenOption, ...]
    yes: frozenset[str]
    no: frozenset[str]

    def option(self, option_id: str) -> ScreenOption | None:
        return next((o for o in self.options if o.id == option_id), None)


def _clean(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower().replace("\u2019", "'")))


@lru_cache(maxsize=None)
def load_screen(path: Path = SCREEN_FILE) -> Screen:
    """Read and check the screen: every option names emergency symptoms of the lexicon."""
    data = read_yaml(path) or {}
    symptoms = load_lexicon().symptoms
    options = []
    for raw in data.get("options") or []:
        where = f"{path.name}: option '{raw.get('id', '?')}'"
        if not (raw.get("id") and raw.get("label") and raw.get("symptoms")):
            raise ScreenConfigError(f"{where}: needs id, label and symptoms")
        for symptom in raw["symptoms"]:
            if symptom not in symptoms or symptoms[symptom].cls != "emergency":
                raise ScreenConfigError(f"{where}: '{symptom}' is not an emergency symptom id")
        options.append(
            ScreenOption(
                raw["id"],
                " ".join(raw["label"].split()),
                tuple(raw["symptoms"]),
                frozenset(str(w).lower() for w in raw.get("words") or ()),
                frozenset(raw.get("hints") or ()),
            )
        )
    if len({o.id for o in options}) != len(options) or not options:
        raise ScreenConfigError(f"{path.name}: needs options with unique ids")
    for key in ("question", "reask", "none", "yes_words", "no_words"):
        if not data.get(key):
            raise ScreenConfigError(f"{path.name}: missing '{key}'")
    return Screen(
        data["question"],
        data["reask"],
        data["none"],
        tuple(options),
        frozenset(_clean(w) for w in data["yes_words"]),
        frozenset(_clean(w) for w in data["no_words"]),
    )


def ordered_options(screen: Screen, first: Iterable[str] = ()) -> list[ScreenOption]:
    """The options, those naming any of the signs in `first` (signs the message hinted
    at, most likely first) before the others, which keep their file order."""
    hinted = list(dict.fromkeys(first))

    def rank(option: ScreenOption) -> int:
        return next(
            (i for i, sign in enumerate(hinted) if sign in option.symptoms or sign in option.hints),
            len(hinted),
        )

    return sorted(screen.options, key=rank)


def read_answer(text: str, screen: Screen, shown: list[str] | None = None) -> str | None:
    """What a reply to the screen says: an option id, "yes" (some sign, not which),
    "none", or None when it cannot be told. `shown` is the order the options were
    listed in, for "the first one" or "2"."""
    clean = _clean(text)
    shown = shown or [o.id for o in screen.options]
    if clean == _clean(screen.none):
        return NONE
    for option in screen.options:
        if clean == _clean(option.label):
            return option.id
    position = _NUMBER.match(clean) or _ORDINAL.search(clean)
    if position:
        raw = position.group(1)
        index = ORDINALS.get(raw, int(raw) if raw.isdigit() else 0)
        if index == -1 or 1 <= index <= len(shown):
            return shown[index - 1] if index != -1 else shown[-1]
    if clean in screen.yes:
        return YES
    if clean in screen.no:
        return NONE
    words = clean.split()
    if words and words[0] in screen.no:  # "no, my chest is fine"
        return NONE
    named = [o.id for o in screen.options if o.words.intersection(words)]
    if named:
        return named[0]
    if words and (words[0] in screen.yes or " ".join(words[:2]) in screen.yes):
        return YES
    return None
