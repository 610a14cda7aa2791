"""Tell a message in another language from English (knowledge/languages.yml).

No language model: each language has a list of common words that differ from
English ones, and the language whose words a message uses most, clearly more
than English words, is taken. Enough for "me duele mucho el pecho" vs "my chest
hurts"; a message it cannot place is treated as English, and an English message
the bot does not understand is still never routine (bot.patient.triage).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml

LANGUAGES_FILE = KNOWLEDGE_DIR / "languages.yml"
ENGLISH = "en"
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class Languages:
    """Word lists and replies per language, and the detection thresholds."""

    words: dict[str, frozenset[str]]
    replies: dict[str, str]
    red_flags: dict[str, tuple[str, ...]]  # word beginnings of warning signs, per language
    min_hits: int
    min_share: float
    min_words: int


@lru_cache(maxsize=None)
def load_languages(path: Path = LANGUAGES_FILE) -> Languages:
    """Read knowledge/languages.yml; every language but English needs a reply."""
    data = read_yaml(path)
    words, replies, red_flags = {}, {}, {}
    for code, entry in data["languages"].items():
        words[code] = frozenset(str(w).lower() for w in entry["words"])
        red_flags[code] = tuple(str(w).lower() for w in entry.get("red_flags") or ())
        if code != ENGLISH:
            if not entry.get("reply"):
                raise ValueError(f"{path.name}: language '{code}' needs a reply")
            replies[code] = " ".join(entry["reply"].split())
    if ENGLISH not in words:
        raise ValueError(f"{path.name}: needs the English word list")
    return Languages(
        words, replies, red_flags, int(data["min_hits"]), float(data["min_share"]), int(data["min_words"])
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
    """Whether a message in language `code` uses a word of a warning sign (see languages.yml)."""
    stems = load_languages().red_flags.get(code, ())
    lowered = " " + " ".join(_WORD.findall(text.lower().replace("\u2019", "'")))
    return any(" " + stem in lowered for stem in stems)


def foreign_reply(code: str) -> str | None:
    """The reply template for a language (placeholders for the site's numbers), if we have one."""
    return load_languages().replies.get(code)
