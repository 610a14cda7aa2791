"""Issue 11, staff protocol answers: causes found with the failures of staff_dev15 on arrival
(development material: long anxious messages, terse ones and simple English), each tested in
other words than the set's (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.core.roles import AFTER_INFUSION
from bot.kb import KnowledgeBase
from bot.staff import ask, reaction
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, assert_holds, conversation, single


@pytest.mark.parametrize(
    "text, after",
    [
        ("stopped the pump and called for the reg, 1h in", False),
        ("called the doctor, rash 40 min in", False),
        ("pt called the unit this morning with a rash", True),
    ],
)
def test_staff_calling_for_help_is_not_the_patient_calling_later(text: str, after: bool) -> None:
    assert bool(AFTER_INFUSION.search(text)) is after


def test_d2_post_inf_is_after_the_infusion() -> None:
    assert ask.after_infusion(expand("pt d3 post inf with a headache"))


def test_starting_again_the_same_day_is_a_restart() -> None:
    assert (
        ask.restart_question(expand("rash gone now, can we start again at the same rate?"))
        == "ask_restart_rate"
    )


@pytest.mark.parametrize(
    "text, outcome",
    [
        # back on restarting, worse than before: grade 3
        (
            "fever settled with a pause, restarted at half rate, now spikes again and rigors worse than before",
            "3",
        ),
        # a temperature got is a fever
        ("she gets a temperature in the evening", "1-2"),
    ],
)
def test_the_course_of_a_reaction_in_staff_words(text: str, outcome: str) -> None:
    assert_graded(text, outcome)


def test_a_heavy_chest_names_the_cardiac_sign() -> None:
    assessment = reaction.assess(expand("pt says chest is heavy, 2h in"))
    assert assessment is not None and "cardiac" in {f.id for f in assessment.findings}


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        ("ask_manage_reaction", "grade 1 IRR: stop or slow?", "manage-grade-1-2", ["reduce the rate"]),
        ("ask_manage_reaction", "grade 2 reaction, what's the drill?", "manage-grade-1-2", ["50 %"]),
        (
            "ask_common_symptoms",
            "must we pause the bag for every IRR, even for a bit of flushing?",
            "manage-grade-1",
            ["not indicated"],
        ),
        (
            "report_symptoms",
            "is 12 mg every day of the course, or the total split over the days?",
            "protocol1-dose-per-day",
            ["12 mg"],
        ),
        (
            "ask_common_symptoms",
            "at what point do we escalate to HDU?",
            "manage-grade-3-4",
            ["higher level of care"],
        ),
        (
            "nlu_fallback",
            "anaphylaxis on course 1 - is she eligible for course 2?",
            "manage-rechallenge-grade-3-4",
            ["risk"],
        ),
        (
            "nlu_fallback",
            "symptoms gone now after we stopped, can we start again at the same speed?",
            "manage-restart-rate",
            ["50 %"],
        ),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


def test_a_dose_named_by_its_arm_is_a_follow_up(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb, [("ask_incidence", "IAR rate in course 2 at 12 mg?"), ("nlu_fallback", "and in the 24 arm?")]
    )
    assert_holds(reply, "incidence-course2-24mg", ["81.9 %"])


@pytest.mark.parametrize("text", ["could you make small exam for me on premeds", "make me a test on grading"])
def test_an_exam_asked_in_simple_words_is_a_quiz(text: str) -> None:
    assert ask.asks_for_quiz(text)


def test_a_fever_later_after_a_phone_follow_up_is_same_day(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("report_symptoms", "phone f/u day 2 post c1: tired and a bit flushed"),
            ("nlu_fallback", "what if she develops a temperature later?"),
        ],
    )
    assert_holds(reply, "delayed-same-day-contact", ["same day"])


def test_a_quiz_request_without_quiz_words_asking_what_to_do_is_a_question() -> None:
    assert ask.small_talk_without_cue("start_quiz", "grade 2 IRR - what's the drill?")
    assert not ask.small_talk_without_cue("start_quiz", "drill me on grading")
