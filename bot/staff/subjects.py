"""The subject a staff question names decides its entry (issue 11).

A question naming a delayed event, the long-term tests or the drug's target ("stroke risk -
time window?", "ITP risk %?") was often given a neighbouring entry that mentions the word
in passing (the serious-IAR figures list stroke). The cue words and the entries about each
subject are reviewed data in knowledge/subjects.yml; a question quoting figures ("is 68.6
or 68.8 right?") gets the entry that holds them all. Pure functions over the expanded text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml

SUBJECTS_FILE = KNOWLEDGE_DIR / "subjects.yml"
# A figure quoted with a decimal point ("68.6", "62.3"): it names one published value.
DECIMAL = re.compile(r"(?<![\d.])(\d{1,3}\.\d)(?![\d])")
# Whole figures quoted beside a decimal one ("68 and the table says 68.6"); a course, grade
# or day number (one digit) or a dose (mg) is none.
# a reading told with its name ("temperature 36.8", "heart rate 78", after shorthand expansion):
# the patient's value, not a figure quoted from the entries
READING = re.compile(
    r"\b(?:temperature|blood pressure|heart rate|oxygen saturation|saturation|respiratory rate)"
    r"\s*(?:of\s*|is\s*|was\s*)?\d+(?:\.\d+)?(?:/\d+)?"
)
WHOLE = re.compile(r"(?<![\d.])(\d{2,3})(?![\d.])(?!\s*mg)")


@dataclass(frozen=True)
class Subject:
    name: str
    pattern: re.Pattern[str]
    entries: tuple[str, ...]
    unless: re.Pattern[str] | None = None
    # a compound subject: named only with one of these words too ("why" + the premedication)
    also: re.Pattern[str] | None = None
    # other entries that already answer a question on it (the course's schedule names its
    # premedication days): a reply holding one is kept
    answered_by: tuple[str, ...] = ()

    def named_in(self, lowered: str) -> re.Match[str] | None:
        """Where the (lower-case) text names this subject, or None."""
        match = self.pattern.search(lowered)
        if not match or (self.unless and self.unless.search(lowered)):
            return None
        return match if not self.also or self.also.search(lowered) else None


@lru_cache(maxsize=1)
def subjects(path: Path = SUBJECTS_FILE) -> tuple[Subject, ...]:
    data = read_yaml(Path(path))["subjects"]
    return tuple(
        Subject(
            name,
            _words(spec["words"]),
            tuple(spec["entries"]),
            _words(spec["unless"]) if spec.get("unless") else None,
            _words(spec["also"]) if spec.get("also") else None,
            tuple(spec.get("answered_by", ())),
        )
        for name, spec in data.items()
    )


def _words(words: Iterable[str]) -> re.Pattern[str]:
    """Any of the words or phrases, whole: not inside a word ("don't"), but quoted ("'aggressive
    support'")."""
    return re.compile(
        r"(?<![\w-])(?<!\w')(?:" + "|".join(re.escape(w.lower()) for w in words) + r")(?![\w-])"
    )


@lru_cache(maxsize=1)
def _expected(path: Path = SUBJECTS_FILE) -> re.Pattern[str]:
    return _words(read_yaml(Path(path))["expected_words"])


@lru_cache(maxsize=1)
def _readings_normal(path: Path = SUBJECTS_FILE) -> re.Pattern[str]:
    return _words(read_yaml(Path(path))["readings_normal_words"])


def asks_if_expected(text: str) -> bool:
    """The message asks whether what it tells is expected ("can't sleep after the steroids,
    normal?"): a question about its subject, not a reaction to grade. Readings told normal
    ("obs all normal") ask nothing."""
    lowered = _readings_normal().sub(" ", text.lower().replace("\u2019", "'"))
    return bool(_expected().search(lowered))


def named(text: str, table: Iterable[Subject] | None = None) -> list[Subject]:
    """The subjects the text names, in the order they are named."""
    lowered = text.lower().replace("\u2019", "'")
    found = []
    for subject in subjects() if table is None else table:
        match = subject.named_in(lowered)
        if match:
            found.append((match.start(), subject))
    return [subject for _, subject in sorted(found, key=lambda pair: pair[0])]


def named_entries(text: str, table: Iterable[Subject] | None = None) -> list[str]:
    """The entries about each subject the text names, in the order the subjects are named,
    each once; [] when it names none."""
    return list(dict.fromkeys(e for subject in named(text, table) for e in subject.entries))


def answering_entries(text: str, table: Iterable[Subject] | None = None) -> set[str]:
    """Entries outside the subjects' own that already answer a question on them."""
    return {e for subject in named(text, table) for e in subject.answered_by}


def wants_every_entry(text: str, table: Iterable[Subject] | None = None) -> bool:
    """The question asks for every entry its subjects name, not any one of them: it names
    several subjects ("premeds, infusion, monitoring") or a compound one ("why" + the
    premedication), whose entries answer it together."""
    found = named(text, table)
    return len(found) > 1 or any(subject.also for subject in found)


def quoted_figure_entries(text: str, answers: Mapping[str, str]) -> list[str]:
    """Entries holding every figure the text quotes as a percentage, when it quotes at least
    one with a decimal point ("is 68.6 or 68.8 the right course 2 figure?"): the passages
    that give them side by side with their sources."""
    text = READING.sub(" ", text)
    decimals = DECIMAL.findall(text)
    if not decimals:
        return []
    whole = set(WHOLE.findall(DECIMAL.sub(" ", text)))
    # every figure quoted, else the decimal ones alone ("course 2" quotes no figure)
    for figures in (set(decimals) | whole, set(decimals)):
        wanted = [re.compile(rf"(?<![\d.]){re.escape(f)}\s*%") for f in figures]
        held = [i for i, answer in answers.items() if all(w.search(answer) for w in wanted)]
        if held:
            return held
    return []
