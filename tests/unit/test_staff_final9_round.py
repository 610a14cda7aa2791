"""Issue 11, staff protocol answers: causes found with the failures of final set 9 after its one
blind scoring (development material from then on; two had been graded wrong and one read as
Polish), each tested in other words than the set's (facts from the seed and
../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import reaction
from bot.staff.foreign import foreign_reply
from bot.staff.shorthand import expand


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
    assessment = reaction.assess(expand(text))
    assert assessment is not None and assessment.outcome == outcome, assessment


def test_shorthand_repeated_is_not_a_foreign_language(kb: KnowledgeBase) -> None:
    assert foreign_reply(kb, "sats 90 w wheeze, better w 1 neb. grade?") is None
    assert (
        foreign_reply(kb, "le patient a une éruption et de la fièvre pendant la perfusion, que faire ?")
        is not None
    )
