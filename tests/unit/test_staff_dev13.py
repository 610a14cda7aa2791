"""Issue 11, staff protocol answers: causes found with the failures of staff_dev13 on arrival
(development material), each tested in other words than the set's, with a question type a
classifier may read there (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from tests.support.staff_answers import assert_holds, conversation, single


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # putting the bag back up is a restart, not a reading "back up"
        (
            "report_symptoms",
            "urticaria on her arms, paused, loratadine given, settled in 10 min, obs fine. ok to put it back up?",
            "manage-grade-1-2",
            ["grade 2"],
        ),
        # finishing today's bag after a severe reaction
        (
            "ask_premedication",
            "gr 3 reaction at 11, steroids and fluids given, fine now. can we put the rest of today's bag up later?",
            "manage-restart-grade-3-4",
            ["do not restart"],
        ),
        # a reaction told by the grades it went through: restarting after its worst
        (
            "ask_premedication",
            "was grade 3, settled to grade 1 after 40 min with steroids - restart today?",
            "manage-restart-grade-3-4",
            ["do not restart"],
        ),
        # a grade named "on the scale", read as nothing
        (
            "nlu_fallback",
            "grade 4 on the CTCAE IRR scale means what?",
            "grading-grade4",
            ["life-threatening"],
        ),
        # a definition asked "again" is no re-challenge
        ("ask_grading", "gr 3 IRR definition again pls", "grading-grade3", ["prolonged"]),
        # treatment that did nothing is prolonged; admitting asked is the severe management
        (
            "ask_optional_premedication",
            "temp 39.3 + rigors 1h after the bag finished, antipyretic did nothing. admit her?",
            "manage-grade-3-4",
            ["higher level of care"],
        ),
        # the drugs to keep at the chair for mild reactions
        (
            "nlu_fallback",
            "which symptomatic meds to stock at the chair for mild IRRs?",
            "manage-grade-1-2",
            ["antihistamine", "antipyretic"],
        ),
        # staying on a day unit after a severe reaction
        (
            "ask_manage_reaction",
            "gr 4 reaction - can we keep them here on the day unit?",
            "manage-grade-3-4",
            ["higher level of care"],
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
        # how often one sign is, after the common signs
        (
            [
                ("ask_common_symptoms", "most frequent IAR symptoms?"),
                ("report_symptoms", "and how often is flushing?"),
            ],
            "faq-q2-common-symptoms",
            ["flushing"],
        ),
        # a reaction flaring back up once restarted, after a grade's management
        (
            [
                ("ask_manage_reaction", "grade 1 IRR management?"),
                ("nlu_fallback", "and if it flares back up once we restart?"),
            ],
            "manage-grade-3-4",
            ["grade 3"],
        ),
    ],
)
def test_a_follow_up_keeps_what_was_asked(
    kb: KnowledgeBase, turns: list[tuple[str, str]], entry: str, facts: list[str]
) -> None:
    assert_holds(conversation(kb, turns), entry, facts)


@pytest.mark.parametrize(
    "text",
    ["fire a q at me on anaphylaxis", "give me a practice scenario on grading"],
)
def test_a_question_fired_at_the_asker_is_a_quiz(text: str) -> None:
    assert ask.asks_for_quiz(text)


def test_a_difference_between_two_grades_is_no_restart(kb: KnowledgeBase) -> None:
    assert (
        "grading-overview"
        in single(kb, "ask_grading", "what's the diff between grade 1 and grade 2 again").entry_ids
    )
