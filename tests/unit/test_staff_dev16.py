"""Issue 11, staff protocol answers: causes found with the failures of staff_dev16 on arrival
(development material; one possible stroke relayed by phone was answered with patient
education), each tested in other words than the set's (facts from the seed and
../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, assert_holds, conversation, single


def test_a_face_dropped_on_one_side_is_a_stroke_sign() -> None:
    assert_graded("pt rang, his face has dropped on one side since lunch", "stroke")


@pytest.mark.parametrize(
    "text", ["last infusion 3 months ago, now swollen ankles", "her infusion was yesterday, rash now"]
)
def test_a_time_ago_dates_the_signs_after_the_infusion(text: str) -> None:
    assert ask.after_infusion(expand(text))


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # a stroke sign relayed by phone, read as another question type
        (
            "ask_patient_preparation",
            "daughter rang: mum's face drooped on one side this afternoon, speech is slurred, infusion was yesterday",
            "delayed-emergency-signs",
            ["stroke"],
        ),
        # no steroid on day 4
        (
            "ask_mechanism",
            "day 5 of course 1 - why no steroid today?",
            "protocol1-premedication",
            ["first 3 days"],
        ),
        # which infusion has the most reactions
        (
            "ask_common_symptoms",
            "which day has the most IARs usually?",
            "faq-q4-iar-trend",
            ["first infusion"],
        ),
        # fully gone before restarting
        (
            "ask_common_symptoms",
            "must symptoms be completely gone before restarting? and what rate",
            "manage-restart-rate",
            ["50 %"],
        ),
        # whether the grade logged is right
        (
            "ask_optional_premedication",
            "logged as grade 1, but the bag was held 20 min and cetirizine given, settled fast - grade 1 correct?",
            "manage-grade-1-2",
            ["grade 2"],
        ),
        # excluded from the next course after anaphylaxis
        (
            "ask_manage_reaction",
            "anaphylaxis in course 1 - is she excluded from course 2?",
            "manage-rechallenge-grade-3-4",
            ["risk"],
        ),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


def test_going_back_in_after_a_grade_is_its_restart_rate(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("ask_manage_reaction", "grade 1 IRR management?"),
            ("nlu_fallback", "and what rate do we go back in at?"),
        ],
    )
    assert_holds(reply, "manage-restart-grade-1-2", ["50 %"])


def test_are_most_reactions_mild_is_not_which_infusion_has_most(kb: KnowledgeBase) -> None:
    assert "faq-q4-iar-trend" not in single(kb, "ask_common_symptoms", "are most IARs mild?").entry_ids


def test_chest_pressure_into_the_jaw_relayed_by_a_call_is_an_emergency_case(kb: KnowledgeBase) -> None:
    """From final set 8 after its scoring (hb079: a closest passage, not the emergency reply)."""
    reply = single(
        kb,
        "report_symptoms",
        "patient calling now: pressure in the chest radiating to her jaw, day 2 after course 2",
    )
    assert reply.kind == "reaction" and "delayed-emergency-signs" in reply.entry_ids, reply
