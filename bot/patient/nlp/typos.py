"""Read a misspelt warning-sign word as the word it nearly is ("sweling", "chets", "sittin").

The lexicon and grammar list the words of each warning sign; spelling.yml lists the
misspellings someone has seen. Patients make new ones every day, and a sentence
embedding cannot read them either (WordPiece splits them into noise). So a word
that is not English (not in spaCy's English lemma table, as a form or a lemma) and
is one edit (a letter added, dropped, changed or two swapped) from exactly one
word of our vocabulary of at least `MIN_LENGTH` letters is read as that word; a
dropped final g ("sittin", "achin") is read back when the -ing word is ours.
Real English words are never changed, so "wired" stays "wired" and "peeling"
stays "peeling".
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

MIN_LENGTH = 5
_ALPHA = re.compile(r"^[a-z]+$")


def _lookups(name: str) -> dict[str, Any]:
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / f"en_{name}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return dict(json.load(f))


@lru_cache(maxsize=1)
def english_lemmas() -> dict[str, str]:
    """spaCy's English lemma lookup table (spacy-lookups-data) as a plain dict: form -> lemma."""
    return _lookups("lemma_lookup")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Words known to be English: the lemma table's forms and lemmas, its index of lemmas
    by part of speech (adverbs such as "rarely" do not inflect) and spaCy's stop words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    lemmas = english_lemmas()
    indexed = (w for words in _lookups("lemma_index").values() for w in words)
    return frozenset((*lemmas, *lemmas.values(), *indexed, *STOP_WORDS))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one inserted, deleted, changed or swapped (adjacent) letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class TypoReader:
    """Maps a message's non-English words to the vocabulary word they nearly are."""

    def __init__(self, vocabulary: Iterable[str], english: Iterable[str]) -> None:
        self.english = frozenset(english)
        words = {w for w in vocabulary if len(w) >= MIN_LENGTH and _ALPHA.match(w)}
        self.index: dict[str, set[str]] = {}
        for word in words:
            for key in _deletes(word) | {word}:
                self.index.setdefault(key, set()).add(word)
        self.dropped_g = {w[:-1]: w for w in words if w.endswith("ing")}

    def correct(self, word: str) -> str | None:
        """The vocabulary word `word` is a slip for, or None."""
        if len(word) < MIN_LENGTH - 1 or word in self.english or not _ALPHA.match(word):
            return None
        if word in self.dropped_g:
            return self.dropped_g[word]
        if len(word) < MIN_LENGTH or word in self.index and word in self.index[word]:
            return None
        candidates = {
            c for key in _deletes(word) | {word} for c in self.index.get(key, ()) if one_edit(word, c)
        }
        return candidates.pop() if len(candidates) == 1 else None

    def corrections(self, words: Iterable[str], known: Mapping[str, str]) -> dict[str, str]:
        """word -> correction for the words of a message not already respelled by `known`."""
        found = {}
        for word in {w.lower() for w in words} - set(known):
            fixed = self.correct(word)
            if fixed:
                found[word] = fixed
        return found
