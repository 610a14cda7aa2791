"""Expand the clinical shorthand staff type in chat ("pt wheezy, sats 91, gr 3?") into the
words the knowledge base and the NLU training data use, from knowledge/shorthand.yml.

One list serves both the NLU tokenizer and the answer logic, so what the model learnt
and what the action reads are the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml

SHORTHAND_FILE = KNOWLEDGE_DIR / "shorthand.yml"
NUMBER = r"(\d+(?:\.\d+)?)"


@dataclass(frozen=True)
class Replacement:
    """One expanded span of the original text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Shorthand:
    """The compiled list: one alternation, longest keys first, matched on word boundaries.

    `groups` maps the regex group of each key to its expansion and to the group of the
    number it captures (keys with `\\d`), if any.
    """

    pattern: re.Pattern[str]
    groups: dict[int, tuple[str, int | None]]

    def replacements(self, text: str) -> list[Replacement]:
        """The spans of `text` to expand, left to right, never overlapping."""
        found = []
        for match in self.pattern.finditer(text):
            group = next(g for g in self.groups if match.group(g) is not None)
            template, number_group = self.groups[group]
            number = match.group(number_group) if number_group else ""
            found.append(Replacement(match.start(), match.end(), template.replace("{n}", number)))
        return found

    def expand(self, text: str) -> str:
        """The text with every shorthand replaced by its expansion."""
        out, last = [], 0
        for r in self.replacements(text):
            out += [text[last : r.start], r.text]
            last = r.end
        return "".join(out + [text[last:]])


def compile_shorthand(expansions: dict[str, str]) -> Shorthand:
    """Compile {key: expansion}; `\\d` in a key matches a number, `{n}` puts it back."""
    parts, groups, group = [], {}, 0
    for key in sorted(expansions, key=lambda k: (-len(k), k)):
        group += 1
        pieces = key.lower().split("\\d")
        number_group = group + 1 if len(pieces) > 1 else None
        groups[group] = (expansions[key], number_group)
        group += len(pieces) - 1
        # a number and its unit, unless another number follows: "39.5 HR 125" is a
        # temperature then a heart rate, not "39.5 hours"
        reading = r"(?!\s*\d)" if key.startswith("\\d") else ""
        parts.append("(" + NUMBER.join(re.escape(p) for p in pieces) + reading + ")")
    # not inside a word, nor after a slash ("ml/hr" is not "ml/heart rate")
    pattern = re.compile(r"(?<![\w'/])(?:" + "|".join(parts) + r")(?![\w'])", re.IGNORECASE)
    return Shorthand(pattern, groups)


def load_shorthand(path: Path = SHORTHAND_FILE) -> Shorthand:
    """Read and compile the shorthand list; a malformed file fails loudly, naming it."""
    data = read_yaml(Path(path)) or {}
    expansions = data.get("expansions")
    if not isinstance(expansions, dict) or not expansions:
        raise ValueError(f"{path}: needs a non-empty 'expansions' mapping")
    for key, value in expansions.items():
        if "{n}" in str(value) and "\\d" not in str(key):
            raise ValueError(f"{path}: '{key}' uses {{n}} but its key has no \\d")
    return compile_shorthand({str(k): str(v) for k, v in expansions.items()})


@lru_cache(maxsize=1)
def shorthand() -> Shorthand:
    """The project's shorthand list, read once."""
    return load_shorthand()


def expand(text: str) -> str:
    """`text` with the project's shorthand expanded."""
    return shorthand().expand(text)
