"""Tell a message in another language from English (knowledge/languages.yml).

No language model: each language has a list of common words that differ from
English ones, and the language whose words a message uses most, clearly more
than English words, is taken. Enough for "me duele mucho el pecho" vs "my chest
hurts"; a message it cannot place is treated as English, and an English message
the bot does not understand is still never routine (bot.patient.triage).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml

LANGUAGES_FILE = KNOWLEDGE_DIR / "languages.yml"
ENGLISH = "en"
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_CLAUSE_END = re.compile(r"[,.;:!?\n]")  # a denial reaches only the words of its own clause


@dataclass(frozen=True)
class Languages:
    """Word lists and replies per language, and the detection thresholds."""

    words: dict[str, frozenset[str]]
    replies: dict[str, str]
    red_flags: dict[str, tuple[str, ...]]  # word beginnings of warning signs, per language
    min_hits: int
    min_share: float
    min_words: int
    denials: dict[str, "Denials"] = field(default_factory=dict)


@dataclass(frozen=True)
class Denials:
    """A language's words that deny or only ask about a warning sign (see languages.yml)."""

    negations: frozenset[str] = frozenset()
    breaks: frozenset[str] = frozenset()
    inability: frozenset[str] = frozenset()
    fine: frozenset[str] = frozenset()
    never_denied: tuple[str, ...] = ()
    questions: tuple[tuple[str, ...], ...] = ()
    look_alikes: tuple[str, ...] = ()  # redness, taste
    look_alike_parts: tuple[str, ...] = ()  # face, mouth
    skin_parts: tuple[str, ...] = ()  # chest: redness there is a rash unless a pain word is said
    throat: tuple[str, ...] = ()  # a throat word with a pain word near it is a sore throat
    throat_pains: tuple[str, ...] = ()
    same_day_signs: tuple[str, ...] = ()  # blood, swollen
    same_day_parts: tuple[str, ...] = ()  # gums, legs, feet, urine
    keeps_going: tuple[str, ...] = ()  # "won't stop": bleeding that will not stop stays a warning sign

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Denials:
        def words(key: str) -> list[str]:
            found = list(entry.get(key) or ())
            if any(not isinstance(w, str) for w in found):  # YAML reads a bare no as false
                raise ValueError(f'languages.yml: {key} {found} holds a non-word; quote it (e.g. "no")')
            return [w.lower() for w in found]

        return cls(
            negations=frozenset(words("negations")),
            breaks=frozenset(words("breaks")),
            inability=frozenset(words("inability")),
            fine=frozenset(words("fine")),
            never_denied=tuple(words("never_denied")),
            questions=tuple(tuple(_WORD.findall(q)) for q in words("questions")),
            look_alikes=tuple(words("look_alikes")),
            look_alike_parts=tuple(words("look_alike_parts")),
            skin_parts=tuple(words("skin_parts")),
            throat=tuple(words("throat")),
            throat_pains=tuple(words("throat_pains")),
            same_day_signs=tuple(words("same_day_signs")),
            same_day_parts=tuple(words("same_day_parts")),
            keeps_going=tuple(words("keeps_going")),
        )


@lru_cache(maxsize=None)
def load_languages(path: Path = LANGUAGES_FILE) -> Languages:
    """Read knowledge/languages.yml; every language but English needs a reply."""
    data = read_yaml(path)
    words, replies, red_flags, denials = {}, {}, {}, {}
    for code, entry in data["languages"].items():
        words[code] = frozenset(str(w).lower() for w in entry["words"])
        red_flags[code] = tuple(str(w).lower() for w in entry.get("red_flags") or ())
        denials[code] = Denials.from_entry(entry)
        if code != ENGLISH:
            if not entry.get("reply"):
                raise ValueError(f"{path.name}: language '{code}' needs a reply")
            replies[code] = " ".join(entry["reply"].split())
    if ENGLISH not in words:
        raise ValueError(f"{path.name}: needs the English word list")
    return Languages(
        words,
        replies,
        red_flags,
        int(data["min_hits"]),
        float(data["min_share"]),
        int(data["min_words"]),
        denials,
    )


def detect_language(text: str) -> str | None:
    """The ISO code of a message clearly not in English, else None."""
    config = load_languages()
    tokens = [t.lower() for t in _WORD.findall(text.replace("\u2019", "'"))]
    if len(tokens) < config.min_words:
        return None
    hits = {code: sum(t in words for t in tokens) for code, words in config.words.items()}
    english = hits.pop(ENGLISH)
    code, best = max(hits.items(), key=lambda item: item[1])
    if best >= config.min_hits and best > english and best >= config.min_share * len(tokens):
        return code
    return None


def names_red_flag(text: str, code: str) -> bool:
    """Whether a message in language `code` uses a word of a warning sign (see languages.yml)
    that it neither denies ("sin dolor de cabeza ni rigidez de cuello"), nor only asks
    about ("was soll ich tun, wenn…"), nor uses for flushing or a taste ("rougeur au visage", "gosto metálico na boca")."""
    config = load_languages()
    stems, denials = config.red_flags.get(code, ()), config.denials.get(code, Denials())
    lowered = text.lower().replace("\u2019", "'")
    tokens = _WORD.findall(lowered)
    asked_from = _after_question(tokens, denials.questions)
    keeps_going = _says(tokens, denials.keeps_going)
    clause_start = 0
    for words in _clauses(lowered, denials.breaks):
        for i in range(min(len(words), asked_from - clause_start)):
            rest = " ".join(words[i : i + 3])
            stem = next((s for s in stems if rest.startswith(s)), None)
            if stem is None or (not keeps_going and _same_day_sign(words, i, denials)):
                continue
            if rest.startswith(denials.never_denied) or not _denied(words, i, denials):
                return True
        clause_start += len(words)
    return False


def _clauses(text: str, breaks: frozenset[str]) -> list[list[str]]:
    """The words of each clause: split at punctuation and at the language's "and"/"but"."""
    clauses: list[list[str]] = []
    for part in _CLAUSE_END.split(text):
        clauses.append([])
        for word in _WORD.findall(part):
            if word in breaks:
                clauses.append([])
            clauses[-1].append(word)
    return clauses


def _says(tokens: list[str], phrases: tuple[str, ...]) -> bool:
    """Whether a phrase (word beginnings) starts at any word of the message."""
    return bool(phrases) and any(" ".join(tokens[i : i + 4]).startswith(phrases) for i in range(len(tokens)))


def _same_day_sign(words: list[str], i: int, denials: Denials) -> bool:
    """Whether the warning-sign word at `i` is a blood or swelling word paired with a part
    where it is a same-day sign, or that part paired with one ("mes gencives saignent",
    "spuchnięte nogi"): bleeding gums, swollen legs, blood in the urine are urgent in the
    reference, while swollen lips or a bleeding that will not stop stay warning signs."""
    signs, parts = denials.same_day_signs, denials.same_day_parts
    if not signs or not parts:
        return False
    near = words[max(0, i - 4) : i] + words[i + 1 : i + 5]
    if words[i].startswith(signs):
        return any(w.startswith(parts) for w in near)
    return words[i].startswith(parts) and any(w.startswith(signs) for w in near)


def _after_question(tokens: list[str], questions: tuple[tuple[str, ...], ...]) -> int:
    """Index of the first word after a "what should I do if" phrase (len(tokens) if none)."""
    for i in range(len(tokens)):
        for q in questions:
            if q and tuple(tokens[i : i + len(q)]) == q:
                return i
    return len(tokens)


def _denied(tokens: list[str], i: int, denials: Denials) -> bool:
    """Whether the warning-sign word at `i` of a clause is denied: one negation (before, unless an
    inability word says the sign, or just after) or one "fine" after it, not both; within
    5 words before and 3 after ("pas de raideur dans la nuque", "klatka piersiowa mnie nie boli")."""
    before, after = tokens[max(0, i - 5) : i], tokens[i + 1 : i + 4]
    negated = any(w in denials.negations for w in before + after)
    if negated and any(w in denials.inability for w in before):
        return False  # "no puedo tragar": an inability said outright, whatever is near
    near = tokens[max(0, i - 4) : i + 4]
    if (
        denials.throat
        and tokens[i].startswith(denials.throat)
        and any(w.startswith(denials.throat_pains) for w in tokens)
    ):
        return True  # "me duele la garganta al tragar": a sore throat, an infection sign
    if tokens[i].startswith(denials.look_alike_parts) and any(
        w.startswith(denials.look_alikes) for w in near if denials.look_alikes
    ):
        return True
    if (
        denials.skin_parts
        and tokens[i].startswith(denials.skin_parts)
        and any(w.startswith(denials.look_alikes) for w in near if denials.look_alikes)
        and not any(w.startswith(denials.throat_pains) for w in tokens if denials.throat_pains)
    ):
        return True  # "rossore con prurito sul petto": a rash on the chest, not chest pain
    if any(w in denials.inability for w in before):
        return False
    fine = any(w in denials.fine for w in after)
    return negated != fine


def foreign_reply(code: str) -> str | None:
    """The reply template for a language (placeholders for the site's numbers), if we have one."""
    return load_languages().replies.get(code)
