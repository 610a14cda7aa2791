"""Pure quiz logic: question choice (missed first, no repeats, topic) and scoring."""

from __future__ import annotations

import random

import pytest

from bot.quiz.bank import Question
from bot.quiz.engine import choose_questions, score


def question(qid: str, topic: str = "grading") -> Question:
    return Question(qid, topic, "entry", f"{qid}?", ("x", "y", "z"), 0, "why", "Source: s")


QUESTIONS = [question(f"q{i}", "grading" if i % 2 else "premedication") for i in range(20)]


def test_draws_the_requested_number_without_repeats() -> None:
    for seed in range(20):
        ids = choose_questions(QUESTIONS, 10, rng=random.Random(seed))
        assert len(ids) == len(set(ids)) == 10


def test_order_is_random() -> None:
    draws = {tuple(choose_questions(QUESTIONS, 10, rng=random.Random(s))) for s in range(5)}
    assert len(draws) > 1


def test_missed_questions_come_first_in_their_order() -> None:
    ids = choose_questions(QUESTIONS, 10, missed=["q7", "q3", "q7", "gone"], rng=random.Random(1))
    assert ids[:2] == ["q7", "q3"] and len(set(ids)) == 10


def test_more_missed_than_asked_fills_the_quiz_with_missed_ones() -> None:
    missed = [f"q{i}" for i in range(12)]
    assert choose_questions(QUESTIONS, 10, missed=missed) == missed[:10]


def test_topic_filter_and_small_topics() -> None:
    ids = choose_questions(QUESTIONS, 15, missed=["q2", "q3"], topic="grading", rng=random.Random(2))
    assert len(ids) == 10 and ids[0] == "q3"
    assert all(int(i[1:]) % 2 for i in ids)


@pytest.mark.parametrize("correct, passed", [(10, True), (8, True), (7, False), (0, False)])
def test_pass_mark(correct: int, passed: bool) -> None:
    outcomes = [(q, i < correct) for i, q in enumerate(QUESTIONS[:10])]
    result = score(outcomes, 0.8)
    assert (result.correct, result.total, result.passed) == (correct, 10, passed)
    assert result.fraction == pytest.approx(correct / 10)


def test_topics_to_review_follow_the_topic_order() -> None:
    outcomes = [
        (question("a", "management"), False),
        (question("b", "grading"), False),
        (question("c", "grading"), False),
        (question("d", "incidence"), True),
    ]
    result = score(outcomes, 0.8, ["incidence", "grading", "management"])
    assert result.review_topics == ("grading", "management") and not result.passed


def test_empty_quiz_does_not_pass() -> None:
    assert not score([], 0.8).passed
