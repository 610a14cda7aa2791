"""Issue 11, staff protocol answers: causes found with the failures of staff_dev11 on arrival
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
        # what to do for the grade just defined
        (
            [("ask_grading", "define grade 1 IRR"), ("nlu_fallback", "management?")],
            "manage-grade-1",
            ["monitoring"],
        ),
        # going on with the course after a severe reaction, read as nothing
        (
            [
                ("ask_manage_reaction", "gr 3 reaction earlier, infusion stopped, settled now"),
                ("nlu_fallback", "ok so can she carry on with the course on thursday?"),
            ],
            "manage-rechallenge-grade-3-4",
            ["risk-benefit"],
        ),
    ],
)
def test_a_follow_up_asking_what_to_do_or_whether_to_go_on(
    kb: KnowledgeBase, turns: list[tuple[str, str]], entry: str, facts: list[str]
) -> None:
    assert_holds(conversation(kb, turns), entry, facts)


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        ("nlu_fallback", "got any numbers for course 3 reactions?", "incidence-course3", ["course 3"]),
        (
            "report_symptoms",
            "autoimmune problems down the line - which ones?",
            "delayed-autoimmune",
            ["36.8 %"],
        ),
        ("ask_patient_preparation", "what do we say about bruising later on", "delayed-itp", ["ITP"]),
        (
            "ask_common_symptoms",
            "do we give an H2 antagonist as well as the antihistamine?",
            "protocol1-optional-premedication",
            ["H2"],
        ),
        ("ask_manage_reaction", "oxygen on - what saturation target?", "manage-anaphylaxis", ["94–98 %"]),
        (
            "ask_optional_premedication",
            "what order do the steroid and the paracetamol go in",
            "protocol1-premedication",
            ["immediately before"],
        ),
        ("ask_premedication", "why so much steroid? 1 g seems huge", "problem1-cause", ["cytokine"]),
        (
            "nlu_fallback",
            "can nursing slow it down for a grade 1 on my own judgement?",
            "manage-grade-1",
            ["discretion"],
        ),
    ],
)
def test_the_subject_named_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


@pytest.mark.parametrize(
    "text, grade",
    [
        ("we turned the rate down and the flushing settled in 15 min - what grade", "2"),
        ("restarted slower after rigors but the temp's back up now", "3"),
    ],
)
def test_the_reaction_told_by_its_course(kb: KnowledgeBase, text: str, grade: str) -> None:
    reply = answer_question(kb, "ask_grading", [], text, 0.6)
    assert reply.kind == "reaction" and reply.text.startswith(f"CTCAE grade {grade}"), reply


def test_later_on_is_no_goodbye() -> None:
    from bot.staff.ask import small_talk_without_cue

    assert small_talk_without_cue("goodbye", "thyroid problems later on - how common")


def test_what_to_do_read_as_nothing_after_a_grade_defined(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb, [("ask_grading", "grade 3 IRR meaning?"), ("nlu_fallback", "and what are we meant to do for it")]
    )
    assert_holds(reply, "manage-grade-3-4", ["stop the infusion"])


@pytest.mark.parametrize(
    "text, stroke",
    [
        # stroke signs at the chair told in the nurse's words, read by the symptom reader
        ("3h into day 1, she says one side of her mouth feels numb and she can't find her words", True),
        ("about 2h in he says his left arm has gone heavy and his speech is all jumbled", True),
        # one sign the reader over-reads in staff's words is not enough
        ("are premeds optional? getting mixed msgs from the team", False),
        # denied: a skin reaction to grade
        ("flushed 1h in, face symmetrical, no facial droop, speech normal", False),
    ],
)
def test_stroke_signs_at_the_chair_lead_with_the_emergency(
    kb: KnowledgeBase, text: str, stroke: bool
) -> None:
    """Final blind set 6 (gb009, read after its end scoring): "left side of her face feels numb
    and her words are coming out wrong" was graded as a grade 1-2 reaction."""
    from bot.patient.findings import entities_from
    from bot.patient.nlp.extract import extract

    reply = answer_question(kb, "report_symptoms", entities_from(extract(text)), text, 0.8)
    assert ("manage-grade-3-4" in reply.entry_ids and "stroke" in reply.text.lower()) is stroke, reply
