"""Follow-up questions and constraints the knowledge base does not cover (bot/staff/ask.py,
bot/staff/answers.py), over the real knowledge base."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question
from bot.staff.ask import constraints
from bot.staff.shorthand import expand


@pytest.mark.parametrize(
    "text, expected",
    [
        ("IAR incidence yr 2", {"course": "2"}),
        ("24mg course 1 irr rate", {"course": "1", "dose": "24"}),
        ("second course at 12 mg", {"course": "2", "dose": "12"}),
        ("gr III mgmt", {"grade": "3"}),
        ("MP 1000mg", {}),  # methylprednisolone, not an alemtuzumab dose
        ("patient in anaphylaxis", {"reaction": "anaphylaxis"}),
    ],
)
def test_constraints_from_staff_shorthand(text: str, expected: dict) -> None:
    assert constraints(expand(text)) == expected


def _ask(kb: KnowledgeBase, turns: list[tuple[str, str, float]]):
    """Play (intent, text, confidence) turns, passing each reply's context to the next."""
    previous, reply = None, None
    for intent, text, confidence in turns:
        reply = answer_question(kb, intent, [], text, confidence=confidence, previous=previous)
        previous = reply.context or previous
    return reply


@pytest.mark.parametrize(
    "turns, facts",
    [
        (
            [("ask_premedication", "premeds?", 0.9), ("nlu_fallback", "and for course 2?", 0.3)],
            ["methylprednisolone", "1,000 mg"],
        ),
        (
            [("ask_incidence", "iar rate course 1 on 12mg", 0.9), ("quiz_answer", "and course 2?", 0.6)],
            ["68.6 %"],
        ),
        ([("ask_incidence", "overall incidence at 12 mg", 0.9), ("quiz_answer", "and 24?", 0.7)], ["96.9 %"]),
        (
            [("ask_manage_reaction", "grade 2 management", 0.9), ("ask_grading", "and grade 3?", 0.8)],
            ["stop the infusion", "emergency"],
        ),
        (
            [("ask_manage_reaction", "what do we give for anaphylaxis", 0.9), ("nlu_fallback", "dose?", 0.2)],
            ["0.5 mg IM"],
        ),
        (
            [("ask_incidence", "24mg course 1 irr rate", 0.9), ("ask_serious_iars", "serious ones?", 0.8)],
            ["not specified"],
        ),
        (
            [
                ("nlu_fallback", "pt has hives and itching, we paused", 0.3),
                ("affirm", "ok settled after piriton, can we carry on?", 0.6),
            ],
            ["grade 2", "50 %"],
        ),
    ],
)
def test_follow_up_reuses_the_previous_topic(kb: KnowledgeBase, turns, facts) -> None:
    reply = _ask(kb, turns)
    assert reply.kind in ("answer", "reaction"), reply
    for fact in facts:
        assert fact in reply.text, (fact, reply.text)


def test_acknowledgement_is_not_a_follow_up(kb: KnowledgeBase) -> None:
    reply = _ask(kb, [("ask_premedication", "premeds?", 0.9), ("affirm", "ok thanks", 0.9)])
    assert reply.kind == "unknown"


def test_a_new_question_is_not_a_follow_up(kb: KnowledgeBase) -> None:
    reply = _ask(
        kb,
        [
            ("ask_incidence", "course 2 incidence at 12mg", 0.9),
            ("ask_premedication", "what premedication do we give before each infusion", 0.9),
        ],
    )
    assert "methylprednisolone" in reply.text and "68.6" not in reply.text


@pytest.mark.parametrize(
    "turns, asked",
    [
        ([("ask_incidence", "course 4 iar %", 0.9)], "course 4"),
        ([("ask_incidence", "iar rate at 36 mg dose", 0.9)], "dose 36 mg"),
        ([("ask_manage_reaction", "grade 6 reaction, what do I do", 0.9)], "grade 6"),
        ([("ask_incidence", "course 2 incidence 12mg", 0.9), ("nlu_fallback", "course 4?", 0.3)], "course 4"),
    ],
)
def test_uncovered_grade_course_or_dose_is_said_not_answered_with_a_neighbour(
    kb: KnowledgeBase, turns, asked: str
) -> None:
    reply = _ask(kb, turns)
    assert reply.kind == "not_covered" and reply.asked == asked and reply.text == ""


def test_restart_after_grade_3_is_not_the_grade_1_2_answer(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_restart_rate", [], "can we restart after a grade 3")
    assert reply.kind == "answer" and "do not restart" in reply.text
    assert "manage-restart-grade-1-2" not in reply.entry_ids


def test_unclear_question_offers_close_entries_by_title(kb: KnowledgeBase) -> None:
    # two entries are titled by the word (one titled entry, "hydration", is given as it is)
    reply = answer_question(kb, "nlu_fallback", [], "tell me about monitoring")
    assert reply.kind == "offer" and 2 <= len(reply.offers) <= 3
    titles = [title for _, title in reply.offers]
    assert all(title == kb.entries[i].title for i, title in reply.offers) and titles


def test_quiz_request_in_other_words_is_recognised(kb: KnowledgeBase) -> None:
    for text in (
        "I need to practise for my competency sign-off, can you test me",
        "give me some practice questions on premeds",
    ):
        assert answer_question(kb, "ask_premedication", [], text).kind == "quiz"


@pytest.mark.parametrize(
    "text",
    ["what should I do if my lips swell?", "and for course 2?", "and what do we tell them at discharge"],
)
def test_no_grading_follow_up_or_offer_for_someone_not_known_as_staff(kb: KnowledgeBase, text: str) -> None:
    previous = {"intent": "ask_premedication", "constraints": {}}
    reply = answer_question(kb, "nlu_fallback", [], text, previous=previous, staff=False)
    assert reply.kind in ("search", "unknown") and not reply.offers
