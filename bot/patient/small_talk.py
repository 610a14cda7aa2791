"""Whether a patient's message is only the small talk the intent classifier took it for.

The classifier picks the closest intent it knows, so "suddenly cant see the right half of
things" can come out as `goodbye` and a stroke in Spanish as `forget_me`. Small talk is
said in few, common words: a message with several words that the examples of its intent
never use says something else, and for a patient that something else goes to the triage
(where a message nothing is recognised in is never routine).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Mapping

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# More words than this outside the intent's examples, and the message is not small talk.
MAX_UNKNOWN_WORDS = 1


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept inside them ("can't")."""
    return WORD.findall(text.lower().replace("\u2019", "'"))


def vocabularies(examples: Iterable[tuple[str, str]], intents: Iterable[str]) -> dict[str, frozenset[str]]:
    """The words each of `intents` is trained on, from (text, intent) examples."""
    wanted, found = set(intents), defaultdict(set)
    for text, intent in examples:
        if intent in wanted:
            found[intent].update(words(text))
    return {intent: frozenset(found[intent]) for intent in sorted(wanted)}


def says_more(text: str, intent: str, vocabulary: Mapping[str, frozenset[str]]) -> bool:
    """Whether `text` uses more words foreign to `intent`'s examples than small talk does."""
    known = vocabulary.get(intent)
    if known is None:
        return False
    return sum(word not in known for word in words(text)) > MAX_UNKNOWN_WORDS
