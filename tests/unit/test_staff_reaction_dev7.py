"""Issue 11, reaction grading, management and follow-ups: causes found with the blind staff set
dev 7, each tested in other words than the set's (facts from the seed and
../shared/clinical-reference.md: CTCAE v5.0 grade 2 responds promptly, IV fluids among its
treatments, grade 3 recurs after initial improvement; at onset assess vital signs and severity,
Problem 2; course 2 twelve months after course 1 on 3 days, Protocol 1; the premedication on the
first 3 days; 24 mg overall 96.9 %, Table 1; epinephrine 0.5 mg IM; stroke mostly within 1-3
days, US label)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.answers import answer_question
from bot.staff.reaction import PROMPT, assess
from bot.staff.service import StaffService
from bot.staff.shorthand import expand

# --- how the reaction went: back "again" after settling is a recurrence (grade 3); a pressure
# up again with fluids is a prompt response (grade 2)


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("paused, gave piriton, settled, restarted at half rate; now shivering again, temp 38.7", "3"),
        ("restarted slowly once the itch cleared, now she has again hives and temp 38.5", "3"),
        ("temp 38.5, paused and gave paracetamol, settled within 20 minutes", "2"),
        ("systolic fell to 84, came back up with a 500 mL bolus in a few minutes, no other signs", PROMPT),
    ],
)
def test_how_it_went_decides_the_grade(text: str, outcome: str) -> None:
    found = assess(expand(text))
    assert found is not None and found.outcome == outcome, found


def test_a_pressure_not_coming_back_stays_an_emergency() -> None:
    found = assess(expand("systolic 84, not responding to the fluids"))
    assert found is not None and found.emergency


# --- "this morning" at the chair is no sign after the infusion


@pytest.mark.parametrize(
    "text, after",
    [
        ("C2D1, itchy rash this morning, we paused the drip and gave cetirizine - restart?", False),
        ("had the steroid this morning, mild headache 1 hour into the infusion", False),
        ("developed a rash this morning, what should she do", True),
        ("came in this morning after a rash at home", True),
    ],
)
def test_this_morning_at_the_chair_is_not_after_the_infusion(text: str, after: bool) -> None:
    assert ask.after_infusion(expand(text)) is after


@pytest.mark.parametrize(
    "intent, text, grade, facts",
    [
        (
            "nlu_fallback",
            "C2D2, gr 2 hives this morning, we paused it and treated, all settled now. restart at what rate?",
            "grade 2",
            ("50 %",),
        ),
        (
            "ask_vital_signs",
            "had her steroid this morning, mild headache now 1 hour into the infusion, obs fine. "
            "grade-wise what is it?",
            "grade 1",
            ("monitoring",),
        ),
        (
            "ask_restart_rate",
            "T 38.3 in the 2nd hour, paused, paracetamol, settled, restarted slower. grading?",
            "grade 2",
            (),
        ),
    ],
)
def test_a_reaction_at_the_chair_is_graded(
    kb: KnowledgeBase, intent: str, text: str, grade: str, facts: tuple[str, ...]
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.6)
    assert reply.kind == "reaction" and grade in reply.text.lower(), reply
    assert all(fact in reply.text for fact in facts), reply


@pytest.mark.parametrize(
    "text, asked",
    [
        ("settled with a pause. grading?", True),
        ("grade-wise where are we with this", True),
        ("why does that count as grade 3", True),
        ("grading scale for IRRs", False),
    ],
)
def test_grade_questions(text: str, asked: bool) -> None:
    assert ask.asks_for_grade(text) is asked


def test_a_temperature_told_by_its_letter() -> None:
    assert "temperature 38.6" in expand("T 38.6 at 1 h")
    assert expand("T3 normal") == "T3 normal"


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_iar_trend", "what's the very first step once a reaction starts?"),
        ("ask_common_symptoms", "pt starting to get symptoms - what is the first thing I do?"),
    ],
)
def test_the_first_step_is_the_management(kb: KnowledgeBase, intent: str, text: str) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.7)
    assert reply.entry_ids and reply.entry_ids[0] == "manage-overview", reply
    assert "vital signs and severity" in reply.text, reply


# --- follow-ups


def _then(kb: KnowledgeBase, first: tuple[Any, ...], second: tuple[Any, ...]) -> Any:
    service = StaffService(kb)
    intent, confidence, entities, text = first
    previous = service.answer(intent, text, entities, confidence, None).context
    intent, confidence, entities, text = second
    return service.answer(intent, text, entities, confidence, previous)


@pytest.mark.parametrize(
    "first, second, entry, facts",
    [
        (
            (
                "ask_incidence",
                1.0,
                [{"entity": "course", "value": "course 1"}],
                "IAR rate at 12 mg in course 1?",
            ),
            (
                "nlu_fallback",
                0.5,
                [{"entity": "course", "value": "course 2"}],
                "and on the same dose in course 2?",
            ),
            "incidence-course2-12mg",
            ("68.6",),
        ),
        (
            ("ask_incidence", 1.0, [{"entity": "dose", "value": "24 mg"}], "IARs at 24 mg in course 1?"),
            ("ask_course_schedule", 0.6, [], "what about all courses together?"),
            "incidence-24mg",
            ("96.9",),
        ),
        (
            ("ask_course_schedule", 1.0, [], "how long is course 1?"),
            ("ask_course_schedule", 0.9, [], "and the second one - how long and when?"),
            "protocol1-course2-schedule",
            ("12 months", "3 consecutive days"),
        ),
        (
            ("ask_premedication", 0.95, [], "steroid premed in course 1?"),
            ("report_symptoms", 0.8, [], "days 4 and 5 as well, is it the same?"),
            "protocol1-premedication-course1",
            ("first 3 days",),
        ),
        (
            (
                "ask_manage_reaction",
                0.98,
                [{"entity": "reaction", "value": "anaphylaxis"}],
                "anaphylaxis mx?",
            ),
            ("ask_infusion_administration", 0.97, [], "what dose?"),
            "manage-anaphylaxis",
            ("0.5 mg IM",),
        ),
        (
            ("ask_delayed_reactions", 1.0, [], "stroke signs to teach before discharge?"),
            ("ask_iar_trend", 0.99, [], "and in what time window after the infusion is it most likely?"),
            "delayed-stroke-timing",
            ("1–3 days",),
        ),
    ],
)
def test_follow_ups_keep_the_previous_question(
    kb: KnowledgeBase, first: tuple[Any, ...], second: tuple[Any, ...], entry: str, facts: tuple[str, ...]
) -> None:
    reply = _then(kb, first, second)
    assert reply.entry_ids and reply.entry_ids[0] == entry, reply
    assert all(fact in reply.text for fact in facts), reply


# --- a grade quoted from elsewhere ("the protocol says 'mild to moderate'") is not one asked
# about; whether a grade needs interrupting asks its management


@pytest.mark.parametrize(
    "text, values, entry, facts",
    [
        (
            "grade 1 IRR - do we need to interrupt? the SOP says pause for 'mild to moderate', confusing",
            ("grade 1", "mild", "moderate"),
            "manage-grade-1",
            ("not indicated", "monitoring"),
        ),
        (
            "does a mild IRR need pausing, or only a moderate one?",
            ("mild", "moderate"),
            "manage-overview",
            (),
        ),
    ],
)
def test_a_quoted_grade_is_not_asked_about(
    kb: KnowledgeBase, text: str, values: tuple[str, ...], entry: str, facts: tuple[str, ...]
) -> None:
    entities = [{"entity": "grade", "value": v, "start": text.index(v)} for v in values]
    reply = answer_question(kb, "ask_manage_reaction", entities, text, confidence=0.9)
    assert reply.entry_ids and reply.entry_ids[0] == entry, reply
    assert all(fact in reply.text for fact in facts), reply


def test_grades_quoted_alone_are_what_is_asked(kb: KnowledgeBase) -> None:
    text = "the SOP says 'mild to moderate' and 'severe' - which CTCAE grades are they?"
    entities = [
        {"entity": "grade", "value": v, "start": text.index(v)} for v in ("mild", "moderate", "severe")
    ]
    reply = answer_question(kb, "ask_grading", entities, text, confidence=0.9)
    assert "1–2" in reply.text and "3–4" in reply.text, reply
