"""Issue 11, staff protocol answers: causes found with the failures of final set 9 after its one
blind scoring (development material from then on; two had been graded wrong, one read as
Polish, a stiff neck added to a fever call had got the general management), each tested in
other words than the set's (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.foreign import foreign_reply
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, assert_holds, conversation, single


@pytest.mark.parametrize(
    "text, outcome",
    [
        # no improvement after the pause and treatment: grade 3, not a prompt response
        ("temp 39 + rigors, paused 20 min ago and paracetamol given, no improvement", "3"),
        # restarting the bag is no recurrence ("up again", "back up")
        ("hives settled after the pause - ok to start it up again?", "2"),
        ("rash gone after piriton, can we put it back up to full speed?", "2"),
    ],
)
def test_the_course_of_a_reaction_in_staff_words(text: str, outcome: str) -> None:
    assert_graded(text, outcome)


def test_shorthand_repeated_is_not_a_foreign_language(kb: KnowledgeBase) -> None:
    assert foreign_reply(kb, "sats 90 w wheeze, better w 1 neb. grade?") is None
    assert (
        foreign_reply(kb, "le patient a une éruption et de la fièvre pendant la perfusion, que faire ?")
        is not None
    )


def test_a_stiff_neck_added_to_a_fever_call_is_the_listeria_emergency(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("ask_delayed_reactions", "pt rang, temp 38.6 on day 5 of the course"),
            ("report_symptoms", "what if her neck's stiff as well and she's confused?"),
        ],
    )
    assert_holds(reply, "delayed-listeria", ["stiff neck"])


@pytest.mark.parametrize("text", ["dark pee and swollen legs, month 20", "patient on the phone, temp 38.1"])
def test_a_month_of_follow_up_or_a_patient_on_the_phone_is_after_the_infusion(text: str) -> None:
    assert ask.after_infusion(expand(text))


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        (
            "ask_delayed_reactions",
            "we had to admit her overnight as the rigors kept going - does that automatically make it grade 3?",
            "manage-grade-3-4",
            ["grade 3"],
        ),
        (
            "ask_manage_reaction",
            "anaphylaxis on day 3 of course 1, now due course 2 - go ahead?",
            "manage-rechallenge-grade-3-4",
            ["risk"],
        ),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)
