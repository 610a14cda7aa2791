"""Read-side of the knowledge base: entry selection, full-text search, vocabularies."""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Collection

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.kb.models import Entry, Source, Topic, Vocabulary

WORD = re.compile(r"[a-z0-9]+")
# A query term is evidence of relevance only if it is rarer than this share of passages.
INFORMATIVE_DF = 0.25
# Share of a query's informative terms the best passage must contain to be offered.
MIN_COVERAGE = 0.5
# A word no passage holds, even after spelling correction, still counts against a
# passage's coverage ("who won the football" is not about the one passage saying "last"),
# as a word half as telling as one only a single passage holds.
UNKNOWN_WORD_WEIGHT = 0.5
# How close a misspelt word must be to a word of the passages to be read as it.
SPELLING_CUTOFF = 0.85


@dataclass(frozen=True)
class KbEntry:
    """One cited passage, as the bot uses it."""

    id: str
    topic: str
    title: str
    intent: str | None
    answer: str
    source_label: str
    cite_tags: tuple[str, ...]
    when: dict[str, frozenset[str]]

    @property
    def source_line(self) -> str:
        """The line that ends every answer, e.g. 'Source: Table 1, CARE-MS I and II [1][3]'."""
        return f"Source: {self.source_label} {''.join(self.cite_tags)}".strip()


@dataclass(frozen=True)
class SearchHit:
    """A full-text match: the entry, its bm25 rank (lower is better) and matched terms."""

    entry: KbEntry
    rank: float
    matched: tuple[str, ...]
    informative: tuple[str, ...]
    weights: tuple[float, ...] = ()

    @property
    def coverage(self) -> float:
        """The share of the question's informative words the passage holds, each word
        weighted by its rarity (1 / the number of passages holding it): "aciclovir"
        counts for more than "need"."""
        weights = self.weights or tuple(1.0 for _ in self.informative)
        total = sum(weights)
        held = sum(w for t, w in zip(self.informative, weights) if t in self.matched)
        return held / total if total else 0.0

    @property
    def relevant(self) -> bool:
        """True when the passage holds enough of the question's informative words."""
        return bool(self.informative) and self.coverage >= MIN_COVERAGE


def query_terms(text: str, stop_words: Collection[str]) -> list[str]:
    """Content words of a question, lower-cased, without stop words, in order, unique."""
    terms: list[str] = []
    for word in WORD.findall(text.lower()):
        if word not in stop_words and len(word) > 1 and word not in terms:
            terms.append(word)
    return terms


class KnowledgeBase:
    """The built knowledge database, read once into memory; FTS queries go to SQLite."""

    def __init__(self, db_path: Path) -> None:
        if not Path(db_path).exists():
            raise FileNotFoundError(f"knowledge database {db_path} not found: build it with 'make kb'")
        engine = create_engine(f"sqlite:///{db_path}", future=True)
        with Session(engine) as session:
            rows = session.scalars(select(Entry)).all()
            self.entries = {row.id: _to_entry(row) for row in rows}
            self.topics = [(t.id, t.label) for t in session.scalars(select(Topic).order_by(Topic.position))]
            self.source_tags = {s.id: s.tag for s in session.scalars(select(Source))}
            self._vocabulary: dict[str, dict[str, str]] = {}
            for v in session.scalars(select(Vocabulary)):
                self._vocabulary.setdefault(v.kind, {})[v.word] = v.value
        engine.dispose()
        stop_words = set(self.vocabulary("stop_words"))
        self._words = sorted(
            {w for e in self.entries.values() for w in WORD.findall(f"{e.title} {e.answer}".lower())}
            - stop_words
        )
        self._fts = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._df: dict[str, int] = {}

    def vocabulary(self, kind: str) -> dict[str, str]:
        """A word list from the knowledge files (word → value)."""
        return self._vocabulary.get(kind, {})

    def names_a_subject(self, text: str) -> bool:
        """The text holds a word that picks passages out (a word few passages hold), rather than
        only words most passages share ("infusion", "days") or none holds ("mostly")."""
        with self._lock:
            return any(
                self._is_informative(self._spelled(t))
                for t in query_terms(text, self.vocabulary("stop_words"))
            )

    def answers_for(self, intent: str, entities: dict[str, str]) -> list[KbEntry]:
        """The most specific entries for an intent whose `when` constraints all hold.

        Several entries come back only when they are equally specific (e.g. a
        course and a dose asked together with no entry for that pair).
        """
        matching = [
            e
            for e in self.entries.values()
            if e.intent == intent and all(entities.get(k) in v for k, v in e.when.items())
        ]
        if not matching:
            return []
        best = max(len(e.when) for e in matching)
        return [e for e in matching if len(e.when) == best]

    def constraint_values(self, intent: str, kind: str) -> set[str]:
        """The values of one constraint (e.g. course) that this intent's entries cover."""
        return {v for e in self.entries.values() if e.intent == intent for v in e.when.get(kind, ())}

    def search(self, text: str, limit: int = 3) -> list[SearchHit]:
        """Full-text search over all passages, best first."""
        with self._lock:
            terms = [self._spelled(t) for t in query_terms(text, self.vocabulary("stop_words"))]
            if not terms:
                return []
            match = " OR ".join(f'"{t}"' for t in terms)
            rows = self._fts.execute(
                "SELECT entry_id, bm25(passages) FROM passages WHERE passages MATCH ? "
                "ORDER BY bm25(passages) LIMIT ?",
                (match, limit),
            ).fetchall()
            informative = tuple(t for t in terms if self._is_informative(t) or not self._df[t])
            weights = tuple(1.0 / self._df[t] if self._df[t] else UNKNOWN_WORD_WEIGHT for t in informative)
            hits = []
            for entry_id, rank in rows:
                matched = tuple(t for t in terms if self._row_matches(entry_id, t))
                hits.append(SearchHit(self.entries[entry_id], rank, matched, informative, weights))
        return hits

    def coverage(self, text: str, entry_id: str) -> SearchHit | None:
        """How much of the question one entry holds (its hit, ranked 0), or None for a
        question with no content words."""
        with self._lock:
            terms = [self._spelled(t) for t in query_terms(text, self.vocabulary("stop_words"))]
            if not terms:
                return None
            informative = tuple(t for t in terms if self._is_informative(t) or not self._df[t])
            weights = tuple(1.0 / self._df[t] if self._df[t] else UNKNOWN_WORD_WEIGHT for t in informative)
            matched = tuple(t for t in terms if self._row_matches(entry_id, t))
        return SearchHit(self.entries[entry_id], 0.0, matched, informative, weights)

    def _spelled(self, term: str) -> str:
        """The term, or the passages' word it misspells ("managment" → "management"). A typo
        keeps the word's first letter: a word another letter begins is another word
        ("reacting" is not "treating")."""
        if self._document_frequency(term) or term.isdigit() or len(term) < 5:
            return term
        same_start = [w for w in self._words if w[:1] == term[:1]]
        close = get_close_matches(term, same_start, n=1, cutoff=SPELLING_CUTOFF)
        return close[0] if close else term

    def _row_matches(self, entry_id: str, term: str) -> bool:
        return (
            self._fts.execute(
                "SELECT 1 FROM passages WHERE passages MATCH ? AND entry_id = ?", (f'"{term}"', entry_id)
            ).fetchone()
            is not None
        )

    def _document_frequency(self, term: str) -> int:
        if term not in self._df:
            self._df[term] = self._fts.execute(
                "SELECT count(*) FROM passages WHERE passages MATCH ?", (f'"{term}"',)
            ).fetchone()[0]
        return self._df[term]

    def _is_informative(self, term: str) -> bool:
        return 0 < self._document_frequency(term) <= INFORMATIVE_DF * len(self.entries)


def _to_entry(row: Entry) -> KbEntry:
    when: dict[str, set[str]] = {}
    for c in row.conditions:
        when.setdefault(c.entity, set()).add(c.value)
    return KbEntry(
        id=row.id,
        topic=row.topic_id,
        title=row.title,
        intent=row.intent,
        answer=row.answer,
        source_label=row.source_label,
        cite_tags=tuple(c.source.tag for c in row.citations),
        when={k: frozenset(v) for k, v in when.items()},
    )
