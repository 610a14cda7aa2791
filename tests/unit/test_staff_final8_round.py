"""Issue 11, staff protocol answers: causes found with the failures of final set 8 after its one
blind scoring (development material from then on), each tested in other words than the set's
(facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, assert_holds, conversation, single


def test_still_there_after_the_pause_and_treatment_is_grade_3() -> None:
    text = "paused, cetirizine + paracetamol given, an hour later she's still shaking, temp 38.9"
    assert_graded(text, "3")


def test_a_definition_asked_again_is_no_re_challenge() -> None:
    assert ask.restart_question(expand("CTCAE criteria for a grade 3 IRR again?")) is None
    assert ask.restart_question(expand("gr 3 yesterday - can we give it again?")) == "ask_rechallenge"


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # an entry written for the course and dose asked is not replaced by a passage sharing "24"
        ("ask_incidence", "course 2 number for the 24 mg group?", "incidence-course2-24mg", ["81.9 %"]),
        # "thats a 1 right?" with nothing done asks the grade
        (
            "ask_grading",
            "mild flush, no pause, nothing given - thats a 1 right?",
            "manage-grade-1",
            ["grade 1"],
        ),
        # bleeding signs to teach
        ("ask_delayed_reactions", "bleeding signs we warn pts about?", "delayed-itp", ["bruising"]),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


@pytest.mark.parametrize(
    "turns, entry, facts",
    [
        (
            [
                ("ask_incidence", "IAR % course 1 at 24 mg?"),
                ("nlu_fallback", "and course 2? just the figure"),
            ],
            "incidence-course2-24mg",
            ["81.9 %"],
        ),
        (
            [
                ("ask_delayed_reactions", "stroke warning signs for pts?"),
                ("nlu_fallback", "when do they happen mostly?"),
            ],
            "delayed-stroke-timing",
            ["1–3 days"],
        ),
        (
            [("ask_grading", "grade 1 IRR criteria?"), ("nlu_fallback", "does it need stopping then?")],
            "manage-grade-1",
            ["not indicated"],
        ),
    ],
)
def test_a_follow_up_keeps_what_was_asked(
    kb: KnowledgeBase, turns: list[tuple[str, str]], entry: str, facts: list[str]
) -> None:
    assert_holds(conversation(kb, turns), entry, facts)
