"""Issue 11, staff protocol answers: causes found with the failures of staff_dev21 on arrival
(development material; 92.7 %), each tested in other words than the set's (facts from the seed
and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, conversation, single


def test_a_day_and_yesterday_in_shorthand_are_read() -> None:
    assert expand("bronchospasm yest, give d3?") == "bronchospasm yesterday, give day 3?"
    assert expand("c1d2 rash") == "c1d2 rash"  # a course's day keeps its own form


def test_an_earlier_day_in_shorthand_with_the_next_dose_asked_is_a_rechallenge(kb: KnowledgeBase) -> None:
    reply = single(kb, "ask_grading", "gr 3 wheeze yest - do we give d4 or not?")
    assert reply.kind != "reaction" and "manage-rechallenge-grade-3-4" in reply.entry_ids, reply


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        # a figure asked as "how many actually react", "IAR %"
        (
            "ask_course_schedule",
            "pt back for c2, 12 mg - how many actually react in course 2?",
            "incidence-course2-12mg",
        ),
        ("ask_manage_reaction", "monitor wants the 24 mg arm c2 IAR %", "incidence-course2-24mg"),
        # the most common ones, and whether one of them is common
        ("report_symptoms", "most common IARs? and is itching actually common?", "faq-q2-common-symptoms"),
        # when they may go home
        (
            "nlu_fallback",
            "when can they go home after the bag finishes? chair turnaround",
            "problem3-post-infusion-observation",
        ),
        # a course's total
        (
            "ask_infusion_administration",
            "total alemtuzumab dose over course 1?",
            "protocol1-course1-schedule",
        ),
        # the fever at which patients phone
        ("ask_delayed_reactions", "what temp should pts phone us at?", "delayed-same-day-contact"),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str
) -> None:
    assert entry in single(kb, intent, text).entry_ids


def test_how_to_grade_a_course_told_is_a_grade_question(kb: KnowledgeBase) -> None:
    assert ask.asks_for_grade(expand("how do we grade one that needed pressors and ICU?"))
    reply = single(
        kb, "ask_manage_reaction", "how do we grade an IRR where the pt needed pressors and went to ICU?"
    )
    assert "grade 4" in (reply.text or ""), reply


def test_a_temperature_going_up_after_treatment_is_grade_3() -> None:
    assert_graded("temp 38.7, paused + paracetamol 1h ago, temp going up", "3")


def test_an_emergency_number_in_a_follow_up_is_no_dose(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("ask_delayed_reactions", "bleeding signs to tell pts about after discharge?"),
            ("nlu_fallback", "same day call or 999?"),
        ],
    )
    assert reply.kind != "not_covered", reply


def test_a_course_due_after_a_grade_3_is_a_rechallenge(kb: KnowledgeBase) -> None:
    reply = single(
        kb,
        "ask_course_schedule",
        "he had a grade 3 IRR in course 1, course 2 due next month - can he have it?",
    )
    assert "manage-rechallenge-grade-3-4" in reply.entry_ids, reply


def test_iv_iron_is_another_drug(kb: KnowledgeBase) -> None:
    assert single(kb, "ask_infusion_administration", "max dose of IV iron in one go on the unit?").kind in (
        "other_drug",
        "outside",
    )


def test_stridor_told_by_its_sound_leads_with_the_emergency(kb: KnowledgeBase) -> None:
    """From final set 10 after its scoring (sb067: the management overview, not the emergency)."""
    reply = single(
        kb,
        "report_symptoms",
        "she's gone red and there's a high-pitched noise when she breathes in, hands at her throat",
    )
    assert reply.kind == "reaction" and reply.entry_ids[0] == "manage-anaphylaxis", reply
