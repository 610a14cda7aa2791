"""Issue 11, staff protocol answers: causes found with the failures of staff_dev10 on arrival
(development material), each tested in other words than the set's, with a question type a
classifier may read there (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question
from tests.support.staff_answers import assert_holds, conversation, single


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # the drug for a sign during the infusion
        (
            "ask_manage_reaction",
            "what can we give for a headache mid infusion",
            "manage-grade-1-2",
            ["antipyretic"],
        ),
        # when the emergency team is called rather than a doctor
        (
            "ask_common_symptoms",
            "when should we call the MET rather than page the doctor for a reaction",
            "manage-emergency-team",
            ["severe"],
        ),
        # what to stock for a severe reaction
        (
            "ask_manage_reaction",
            "what drugs go in the anaphylaxis kit at the chair",
            "manage-anaphylaxis",
            ["bronchodilators"],
        ),
        # a usual MS sign asked as a red flag
        (
            "ask_delayed_reactions",
            "day 2 after, his usual numb foot is the same as usual - warning sign?",
            "delayed-new-versus-usual-ms",
            ["new"],
        ),
        # the time from course 1 to course 2
        (
            "ask_course_schedule",
            "what's the gap between course 1 and 2",
            "protocol1-course-schedule",
            ["12 months"],
        ),
        # the steroid's timing against the infusion, read as nothing
        (
            "nlu_fallback",
            "steroid timing relative to the lemtrada?",
            "protocol1-premedication",
            ["immediately before"],
        ),
    ],
)
def test_the_subject_named_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


@pytest.mark.parametrize(
    "intent, text, grade",
    [
        # the grade asked "for" a reaction told by its course
        (
            "ask_optional_premedication",
            "what's the grade for a reaction we paused, gave piriton and it went in 10 min",
            "2",
        ),
    ],
)
def test_a_grade_asked_for_a_reaction_told_by_its_course(
    kb: KnowledgeBase, intent: str, text: str, grade: str
) -> None:
    reply = answer_question(kb, intent, [], text, 0.8)
    assert reply.kind == "reaction" and reply.text.startswith(f"CTCAE grade {grade}"), reply


def test_a_restart_asked_after_a_reaction_told_by_its_signs(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb,
        "ask_optional_premedication",
        [],
        "hives settled with cetirizine after the pause, what rate to go back on at",
        0.8,
    )
    assert reply.entry_ids[:1] == ("manage-restart-rate",) and "50 %" in reply.text, reply


def test_a_course_after_anaphylaxis_is_a_rechallenge(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_manage_reaction", [], "anaphylaxis last year in C1 - do we proceed with C2?", 0.8
    )
    assert "manage-rechallenge-grade-3-4" in reply.entry_ids and "risk-benefit" in reply.text, reply


@pytest.mark.parametrize(
    "turns, entry, facts",
    [
        # a follow-up naming its own subject while asking a detail
        (
            [
                ("ask_incidence", "how common are IARs at 12 mg"),
                ("ask_what_is_iar", "what window counts as an IAR?"),
            ],
            "faq-q1-what-is-iar",
            ["within 24 hours"],
        ),
        # a detail asked in a slightly longer follow-up: when the risk is highest
        (
            [
                ("ask_delayed_reactions", "stroke warning signs for the discharge chat?"),
                ("ask_iar_trend", "and when after the infusion is that risk highest"),
            ],
            "delayed-stroke-timing",
            ["1–3 days"],
        ),
    ],
)
def test_a_follow_up_asking_a_detail(
    kb: KnowledgeBase, turns: list[tuple[str, str]], entry: str, facts: list[str]
) -> None:
    assert_holds(conversation(kb, turns), entry, facts)


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        # a grade's definition stays the grade's, whatever says "IRR definition"
        ("ask_grading", "gr 2 IRR definition?", "grading-grade2"),
        # a sign at the chair likened to the patient's usual one is still graded
        (
            "report_symptoms",
            "mild headache 20 min in, says it's like his usual migraine, obs fine",
            "manage-grade-1",
        ),
    ],
)
def test_neighbouring_questions_keep_their_own_answers(
    kb: KnowledgeBase, intent: str, text: str, entry: str
) -> None:
    reply = answer_question(kb, intent, [], text, 0.8)
    assert entry in reply.entry_ids, reply
