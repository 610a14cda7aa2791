"""Issue 11, staff protocol answers: causes found with the failures of staff_dev19 on arrival
(220 questions weighted to grading, management, re-challenge and delayed reactions:
development material; 83.2 % on arrival), each tested in other words than the set's (facts
from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask, reaction
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, assert_holds, conversation, single


def test_a_call_word_is_no_word_inside_another() -> None:
    """ "rang" placed "obs all within normal range" after the infusion."""
    assert not ask.after_infusion(expand("flushed 1hr in, obs all within normal range"))
    assert ask.after_infusion(expand("pt rang, rash at home"))


@pytest.mark.parametrize("intent", ["ask_delayed_reactions", "report_symptoms"])
def test_a_call_from_the_unit_is_a_reaction_at_the_chair(kb: KnowledgeBase, intent: str) -> None:
    reply = single(kb, intent, "nurse just rang me, pt has hives on her back 40 mins in, obs fine. plan?")
    assert reply.kind == "reaction" and "manage-grade-1-2" in reply.entry_ids, reply


@pytest.mark.parametrize(
    "text, outcome",
    [
        # a baseline told after its reading
        ("bp 150/90 at start, now 98/60, dizzy", "3-4"),
        # back after the restart
        ("paused for rigors, paracetamol, restarted at 50%, now 38.9 again", "3"),
        # settled with nothing given
        ("flushing that settled on its own, nothing given", "1"),
        # a pressure back in range with fluids
        ("BP 85/50, 500 ml saline, BP back in the 120s in 10 min", "2-prompt"),
    ],
)
def test_the_course_of_a_reaction_in_new_words_is_graded(text: str, outcome: str) -> None:
    assert_graded(text, outcome)


def test_a_bare_temperature_is_read_unless_one_is_named() -> None:
    told = reaction.assess(expand("pt rang: 38.4 at home, day 3"))
    assert told is not None and any(f.id == "fever" for f in told.findings), told
    named = reaction.assess(expand("temp 37.6 now, down from 38.5, restart?"))
    assert named is None or not any(f.id == "fever" for f in named.findings), named


def test_a_grade_asked_about_is_not_a_grade_stated(kb: KnowledgeBase) -> None:
    reply = single(
        kb,
        "report_symptoms",
        "BP 86/50 at 2h, bolus given, back in the 120s within 10 min. does needing fluids make it grade 3?",
    )
    assert "grade 2" in (reply.text or ""), reply


def test_a_dose_compared_after_its_unit_is_two_doses() -> None:
    text = expand("overall IAR % in the 24mg arm vs 12?")
    assert "dose" in ask.several_named(text)


def test_signs_told_only_as_an_earlier_course_are_history(kb: KnowledgeBase) -> None:
    reply = single(
        kb,
        "report_symptoms",
        "she's dreading c2 as last yr she had everything (rash, temps, headache). whats the course 2 rate at 12mg?",
    )
    assert_holds(reply, "incidence-course2-12mg", ["68.6"])


def test_a_bare_ordinal_follow_up_is_that_course(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb, [("ask_incidence", "IAR rate at 12 mg in the first course?"), ("nlu_fallback", "and second?")]
    )
    assert "68.6" in (reply.text or ""), reply


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        # chat words beside a protocol question
        ("nlu_fallback", "rota is a nightmare - how long does each infusion take?", "protocol1-infusion"),
        # the hypotension threshold
        (
            "ask_grading",
            "what counts as hypotension - a number or a drop from their baseline?",
            "grading-grade3-signs",
        ),
        # preparing beyond the premedication
        (
            "ask_premedication",
            "apart from the steroids, anything to cut down on reactions?",
            "problem1-patient-preparation",
        ),
        # the grades told apart (the "line" is read as the infusion's)
        ("nlu_fallback", "explain the line between grade 2 and grade 3 for me?", "grading-overview"),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str
) -> None:
    assert entry in single(kb, intent, text).entry_ids


def test_a_heart_attack_follow_up_gets_the_emergency_signs(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("ask_delayed_reactions", "stroke signs to warn pts about after the infusion?"),
            ("nlu_fallback", "and heart attack?"),
        ],
    )
    assert_holds(reply, "delayed-emergency-signs", ["chest"])


def test_off_topic_office_chat_is_declined(kb: KnowledgeBase) -> None:
    assert single(kb, "nlu_fallback", "label printer won't talk to EPR again, any ideas?").kind == "unknown"


def test_a_protocol_question_read_as_a_quiz_request_is_a_question() -> None:
    assert ask.small_talk_without_cue("start_quiz", "what does grade 4 mean? the new nurse asked me")
    assert not ask.small_talk_without_cue("start_quiz", "quiz me on grade 4 please?")
