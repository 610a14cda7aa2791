"""Issue 11, staff protocol answers: causes found with the failures of staff_dev12 on arrival
(development material), each tested in other words than the set's, with a question type a
classifier may read there (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.core.roles import AFTER_INFUSION
from bot.kb import KnowledgeBase
from bot.staff import ask
from tests.support.staff_answers import assert_holds, conversation, single


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # what to do for a grade, asked as "the plan" or what is "actually" done
        ("ask_grading", "grade 2 infusion reaction, what do we actually do", "manage-grade-1-2", ["50 %"]),
        ("ask_grading", "gr 1 IRR - what's the plan?", "manage-grade-1", ["monitoring"]),
        # a night in hospital and "won't settle" make it grade 3, not a sign after the infusion
        (
            "ask_optional_premedication",
            "temp 38.9 and rigors, had to keep her overnight as it won't settle with a pause. grade?",
            "manage-grade-3-4",
            ["grade 3"],
        ),
        # a clock time after "since" is the same day at the chair
        (
            "ask_optional_premedication",
            "shaking since 10:40, stopped the bag at 10:45, antipyretic given, 11:50 and not settling",
            "manage-grade-3-4",
            ["grade 3"],
        ),
        # "is it 3 or 4": the grade of what is told
        (
            "ask_manage_reaction",
            "anaphylaxis needing IM adrenaline and an ITU bed - is it 3 or 4?",
            "manage-anaphylaxis",
            ["grade 4"],
        ),
        # what to do for two grades side by side
        (
            "ask_grading",
            "what we do with the bag for grade 1 vs grade 3, main difference?",
            "manage-overview",
            ["do not restart"],
        ),
        # the observations once a reaction has started
        (
            "ask_post_infusion_observation",
            "how do we do obs during a reaction",
            "protocol1-vital-signs",
            ["more frequently"],
        ),
        # moving a patient up after a severe reaction
        (
            "ask_rechallenge",
            "severe IRR - at what point do we transfer to ICU?",
            "manage-grade-3-4",
            ["higher level of care"],
        ),
        # how many severe reactions before treatment stops
        (
            "inform",
            "how many severe episodes before a pt is withdrawn from the study?",
            "manage-restart-grade-3-4",
            ["third"],
        ),
        # the usual MS symptom, unchanged for years, asked whether to flag
        (
            "ask_common_symptoms",
            "f/u call: her usual arm numbness, been like that for years. flag it?",
            "delayed-new-versus-usual-ms",
            ["usual"],
        ),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


@pytest.mark.parametrize(
    "turns, entry, facts",
    [
        # when the risk of the signs just taught is greatest
        (
            [
                ("ask_delayed_reactions", "stroke signs for the discharge talk?"),
                ("nlu_fallback", "and when is the risk greatest"),
            ],
            "delayed-stroke-timing",
            ["1–3 days"],
        ),
        # a figure over both courses after one course's
        (
            [("ask_incidence", "24 mg course 2 IAR %"), ("ask_course_schedule", "and across both courses?")],
            "incidence-24mg",
            ["96.9 %"],
        ),
        # signs after a question on signs at home are still at home
        (
            [
                ("report_symptoms", "pt phoned, mild itch the day after the infusion"),
                ("report_symptoms", "what if the rash spreads everywhere, breathing ok"),
            ],
            "delayed-same-day-contact",
            ["same day"],
        ),
        # restarting after a reaction told before, read as the infusion's administration
        (
            [
                ("report_symptoms", "pt wheezing, sats 89, 20 min into the infusion"),
                ("ask_infusion_administration", "neb given, chest clear now - ok to restart this afternoon?"),
            ],
            "manage-restart-grade-3-4",
            ["do not restart"],
        ),
    ],
)
def test_a_follow_up_keeps_what_was_asked_or_told(
    kb: KnowledgeBase, turns: list[tuple[str, str]], entry: str, facts: list[str]
) -> None:
    assert_holds(conversation(kb, turns), entry, facts)


def test_a_couple_of_questions_on_a_topic_is_a_quiz(kb: KnowledgeBase) -> None:
    assert single(kb, "ask_premedication", "can you give me a couple of qs on premeds").kind == "quiz"


@pytest.mark.parametrize(
    "intent, text, question",
    [
        ("greet", "hello, steroid dose on day 2?", True),
        ("thank", "cheers. and for course 2?", True),
        ("greet", "hello there, anyone around?", False),
        ("thank", "thanks for the premed info", False),
    ],
)
def test_a_greeting_or_thanks_holding_a_protocol_question_is_the_question(
    intent: str, text: str, question: bool
) -> None:
    assert ask.small_talk_without_cue(intent, text) is question


@pytest.mark.parametrize(
    "text, after",
    [
        ("rash since 13:20, paused the infusion", False),
        ("rash since yesterday evening", True),
        ("kept overnight as the fever would not settle", False),
        ("rash came up overnight", True),
    ],
)
def test_a_clock_time_or_a_night_in_hospital_is_not_after_the_infusion(text: str, after: bool) -> None:
    assert bool(AFTER_INFUSION.search(text)) is after
