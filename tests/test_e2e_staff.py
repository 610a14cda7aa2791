"""End to end: both servers running, staff questions asked over the REST channel."""
from __future__ import annotations

import pytest

from tests.conftest import RestClient

pytestmark = pytest.mark.e2e

# The acceptance questions of the staff Q&A issue, with the facts the answer must hold.
QUESTIONS = [
    ("How common are IARs?", ["90.1 %"]),
    ("IAR rate in course 2 at 12 mg?", ["68.6 %"]),
    ("premeds?", ["methylprednisolone", "1,000 mg", "first 3 days"]),
    ("how long do we watch the patient after?", ["at least 2 hours"]),
    ("grade 2 reaction, what do I do?", ["pause", "symptomatic", "50 %"]),
    ("patient in anaphylaxis", ["stop", "emergency", "epinephrine"]),
]


@pytest.mark.parametrize("question, facts", QUESTIONS)
def test_acceptance_questions_get_correct_sourced_answers(
        rest: RestClient, question: str, facts: list[str]) -> None:
    answer = rest.text(f"staff-{abs(hash(question))}", question, role="staff")
    for fact in facts:
        assert fact.lower() in answer.lower(), f"{fact!r} not in {answer!r}"
    assert "Source: " in answer


def test_other_drug_is_not_answered_as_alemtuzumab(rest: RestClient) -> None:
    answer = rest.text("staff-other", "what premedication is used for ocrelizumab?", role="staff")
    assert "ocrelizumab" in answer and "methylprednisolone" not in answer.lower()


def test_unrelated_question_gets_dont_know_with_topics(rest: RestClient) -> None:
    answer = rest.text("staff-unknown", "who won the football last night?", role="staff")
    assert "don't know" in answer and "premedication" in answer.lower()


def test_conversation_keeps_going(rest: RestClient) -> None:
    assert "Hello" in rest.text("staff-chat", "hello", role="staff")
    assert "Source: " in rest.text("staff-chat", "how often do we take obs during the infusion?",
                                   role="staff")
