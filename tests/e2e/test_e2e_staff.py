"""End to end: both servers running, staff questions asked over the REST channel."""

from __future__ import annotations

import pytest

from tests.support.rest import RestClient

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
    rest: RestClient, question: str, facts: list[str]
) -> None:
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
    assert "Source: " in rest.text(
        "staff-chat", "how often do we take obs during the infusion?", role="staff"
    )


# Issue 11: a reaction described by what the nurse sees, restart after a grade 3, shorthand
# for the course, and a follow-up in the same conversation; as staff (Slack/Teams metadata).
def _staff(rest: RestClient, sender: str, message: str) -> str:
    return rest.text(sender, message, role="staff")


def test_reaction_described_by_signs_leads_with_stop_emergency_epinephrine(rest: RestClient) -> None:
    answer = _staff(rest, "staff-11-wheeze", "pt started wheezing 30 min in, sats 91%, what now")
    lead = answer.split("\n")[0].lower()
    assert "stop the infusion" in lead and "emergency" in lead and "epinephrine" in lead
    assert "grade 3–4" in answer and "SpO2 91 %" in answer and "Source: " in answer


def test_restart_after_grade_3_is_not_the_grade_1_2_passage(rest: RestClient) -> None:
    answer = _staff(rest, "staff-11-restart", "can we restart after a grade 3")
    assert "not restart" in answer and "Source: " in answer
    assert "50 % of the previous rate" not in answer


def test_incidence_in_year_2_is_the_course_2_figure(rest: RestClient) -> None:
    answer = _staff(rest, "staff-11-yr2", "IAR incidence yr 2")
    assert "68.6 %" in answer and "course 2" in answer and "90.1" not in answer


def test_follow_up_keeps_the_topic_of_the_previous_question(rest: RestClient) -> None:
    assert "methylprednisolone" in _staff(rest, "staff-11-follow", "premeds?")
    answer = _staff(rest, "staff-11-follow", "and for course 2?")
    assert "methylprednisolone" in answer and "1,000 mg" in answer and "don't know" not in answer


def test_follow_up_to_an_uncovered_course_says_so(rest: RestClient) -> None:
    assert "68.6 %" in _staff(rest, "staff-11-c4", "course 2 incidence at 12 mg")
    answer = _staff(rest, "staff-11-c4", "and course 4?")
    assert "not covered" in answer and "course 4" in answer and "62.3" not in answer


def test_unclear_staff_question_offers_entries_as_buttons(rest: RestClient) -> None:
    replies = rest.say("staff-11-offer", "the discharge thing", role="staff")
    buttons = [b for r in replies for b in r.get("buttons") or []]
    assert 2 <= len(buttons) <= 3 and "Did you mean" in replies[0]["text"]
    chosen = rest.text("staff-11-offer", buttons[1]["payload"], role="staff")
    assert buttons[1]["title"] and "Source: " in chosen


def test_patient_never_gets_staff_offers(rest: RestClient) -> None:
    replies = rest.say("patient-11-offer", "and what do we tell them at discharge", role="patient")
    offers = [
        b
        for r in replies
        for b in r.get("buttons") or []
        if str(b.get("payload", "")).startswith("/show_entry")
    ]
    assert offers == []  # the patient gets the red-flag screen's buttons, never protocol entries
    assert not any("Did you mean" in (r.get("text") or "") for r in replies)


@pytest.mark.parametrize(
    "request_text, topic",
    [
        ("I need to practise for my competency sign-off, can you test me", "all topics"),
        ("give me some practice questions on premeds", "premedication"),
        ("test me on handling reactions mid-infusion", "managing an active reaction"),
    ],
)
def test_quiz_asked_for_in_staff_words_starts_it(rest: RestClient, request_text: str, topic: str) -> None:
    sender = f"staff-11-quiz-{abs(hash(request_text))}"
    answer = _staff(rest, sender, request_text)
    assert "Onboarding quiz" in answer and topic in answer and "Question 1 of" in answer
    feedback = _staff(rest, sender, "the answer is b")
    assert "Correct" in feedback or "Not quite" in feedback
    assert "Question 2 of" in feedback
