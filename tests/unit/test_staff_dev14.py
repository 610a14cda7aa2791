"""Issue 11, staff protocol answers: causes found with the failures of staff_dev14 on arrival
(development material, including one anaphylaxis not led with stop + emergency team +
epinephrine), each tested in other words than the set's (facts from the seed and
../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import reaction
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, assert_holds, conversation, single


@pytest.mark.parametrize(
    "text, outcome",
    [
        # no recordable blood pressure, hardly rousable: life-threatening
        ("pt flushed, hard to rouse and BP not recordable 5 min after restart", "4"),
        # stroke signs at the chair in staff words
        ("1h in, cant get her words out and L arm weak", "stroke"),
        ("FAST positive 2 hours into the infusion", "stroke"),
        # signs denied with "didn't" / "hasn't" are not read
        ("rash on her back, didn't faint, hasn't been short of breath", "1-2"),
    ],
)
def test_signs_in_staff_words_grade_the_reaction(text: str, outcome: str) -> None:
    assert_graded(text, outcome)


def test_blood_streaks_in_a_cough_are_the_pulmonary_sign() -> None:
    assessment = reaction.assess(expand("pt rang, flecks of blood when coughing, day 2"))
    assert assessment is not None and "pulmonary" in {f.id for f in assessment.findings}


def test_signs_only_denied_are_no_reaction_of_their_own() -> None:
    assert reaction.denies_signs(expand("no chest pain, no wheeze, didnt faint"))
    assert not reaction.denies_signs(expand("no chest pain but wheezy"))


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # anaphylaxis told is grade 3-4 at least, however it was treated
        (
            "ask_manage_reaction",
            "AE form: anaphylaxis on day 3, settled with IM adrenaline and fluids. which CTCAE grade?",
            "manage-anaphylaxis",
            ["grade 3"],
        ),
        # whether skin signs alone are anaphylaxis: the signs graded
        (
            "ask_common_symptoms",
            "itchy rash only, breathing fine, BP normal - is this anaphylaxis?",
            "manage-grade-1-2",
            ["antihistamine"],
        ),
        # an order set for severe reactions is their management
        (
            "nlu_fallback",
            "writing a standing order for grade 3 IRRs, what goes in it?",
            "manage-grade-3-4",
            ["fluids"],
        ),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


def test_what_to_tell_patients_before_they_leave_is_the_discharge_advice(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("ask_post_infusion_observation", "obs time after the bag?"),
            ("nlu_fallback", "and what advice do they get before discharge?"),
        ],
    )
    assert_holds(reply, "delayed-emergency-signs", ["emergency"])
