"""Issue 11, staff protocol answers: causes found with the failures of staff_dev9 on arrival
(development material), each tested in other words than the set's, with a question type a
classifier may read there (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question
from tests.support.staff_answers import assert_holds, conversation, single


@pytest.mark.parametrize(
    "turns, entry, facts",
    [
        # a follow-up completing a subject with the previous question: course 2's premedication
        (
            [("ask_premedication", "steroid premed?"), ("nlu_fallback", "what about second course?")],
            "protocol1-premedication-course2",
            ["course 1 and course 2 alike"],
        ),
        # ... the observation once the infusion is over, after its frequency during
        (
            [
                ("ask_vital_signs", "how often do we do obs while it runs"),
                ("nlu_fallback", "and afterwards?"),
            ],
            "problem3-post-infusion-observation",
            ["2 hours"],
        ),
        # a grade swapped in keeps the question: restarting, not the grade's definition
        (
            [
                ("ask_restart_rate", "what rate do we restart at after a grade 1?"),
                ("ask_grading", "say it was gr 4 though"),
            ],
            "manage-restart-grade-3-4",
            ["do not restart"],
        ),
    ],
)
def test_a_follow_up_keeps_or_completes_the_previous_question(
    kb: KnowledgeBase, turns: list[tuple[str, str]], entry: str, facts: list[str]
) -> None:
    assert_holds(conversation(kb, turns), entry, facts)


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # the first step as a reaction begins, in a "what are the signs" reading
        (
            "ask_common_symptoms",
            "what do we do first when someone begins reacting?",
            "manage-overview",
            ["vital signs"],
        ),
        # the signs after discharge that mean an ambulance, not a call to the site
        (
            "ask_delayed_reactions",
            "when should pts ring 999 rather than us after discharge",
            "delayed-emergency-signs",
            ["stroke"],
        ),
        # whether the 4 h infusion may run longer, in a reaction reading
        (
            "ask_manage_reaction",
            "if she reacts a lot are we allowed to go over 4 hours with the infusion",
            "protocol1-infusion",
            ["may be extended"],
        ),
        # drinking before the infusion day
        (
            "ask_patient_preparation",
            "should they be drinking plenty the night before?",
            "problem1-patient-preparation",
            ["hydration"],
        ),
        # what tells anaphylaxis from a skin reaction
        (
            "ask_manage_reaction",
            "what are the criteria that make it anaphylaxis and not just hives",
            "grading-grade3-signs",
            ["skin or mucosal"],
        ),
        # re-challenge after a severe reaction is considered carefully
        (
            "ask_rechallenge",
            "pt had a grade 4 on day 1, do we carry on tomorrow",
            "manage-rechallenge-grade-3-4",
            ["carefully"],
        ),
    ],
)
def test_the_subject_named_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


def test_a_reaction_not_really_settling_after_treatment_is_grade_3(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "report_symptoms", [], "itchy rash, paused and gave cetirizine 45 min ago, isn't settling", 0.8
    )
    assert reply.kind == "reaction" and reply.text.startswith("CTCAE grade 3"), reply


def test_a_falling_reading_that_has_stabilised_is_not_prolonged(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "report_symptoms", [], "mild flushing 1h in, obs stable, no treatment needed", 0.8
    )
    assert reply.kind == "reaction" and "grade 3" not in reply.text.split(".")[0], reply
