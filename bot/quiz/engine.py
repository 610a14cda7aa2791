"""Pure quiz logic: which questions to ask, the score, pass or fail, topics to review."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence

from bot.quiz.bank import Question


def choose_questions(
    questions: Iterable[Question],
    count: int,
    missed: Sequence[str] = (),
    topic: str | None = None,
    rng: random.Random | None = None,
) -> list[str]:
    """Up to `count` question ids without repeats: missed ones first, then a random draw.

    With a topic, only that topic's questions are asked.
    """
    pool = [q.id for q in questions if topic is None or q.topic == topic]
    first = [qid for qid in dict.fromkeys(missed) if qid in pool][:count]
    rest = [qid for qid in pool if qid not in first]
    (rng or random.Random()).shuffle(rest)
    return (first + rest)[:count]


@dataclass(frozen=True)
class Result:
    """The outcome of a finished quiz."""

    correct: int
    total: int
    passed: bool
    review_topics: tuple[str, ...]

    @property
    def fraction(self) -> float:
        """Share of questions answered correctly (skipped ones count as wrong)."""
        return self.correct / self.total if self.total else 0.0


def score(
    outcomes: Sequence[tuple[Question, bool]], pass_mark: float, topic_order: Sequence[str] = ()
) -> Result:
    """Score (question, answered correctly) pairs; missed topics come in `topic_order`."""
    correct = sum(ok for _, ok in outcomes)
    missed = {q.topic for q, ok in outcomes if not ok}
    order = list(topic_order) + sorted(missed - set(topic_order))
    total = len(outcomes)
    passed = total > 0 and correct / total >= pass_mark - 1e-9
    return Result(correct, total, passed, tuple(t for t in order if t in missed))
