"""Issue 11, reaction grading and management: causes found with the blind staff set dev 5, each
tested in other words than the set's (facts from the seed and ../shared/clinical-reference.md:
CTCAE v5.0 grades 1-3 by response; Protocol 2 management and the 50 % restart rate)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question
from bot.staff.ask import names_anaphylaxis, small_talk_without_cue
from bot.staff.reaction import assess, restart_rate
from bot.staff.shorthand import expand

# --- mild words and normal readings: grade 1 (continue with monitoring); still raised or worse
# after a pause and treatment: grade 3 (not rapidly responsive)


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("bit of a headache 30 min in, BP 124/78, says she feels fine", "1"),
        ("cheeks a bit pink, sats 99, chatting away", "1"),
        ("a little flushed, obs normal, otherwise well", "1"),
        ("temp 38.4, paused and gave paracetamol, 30 min later still 38.5", "3"),
        ("hives, gave cetirizine and paused, rash worse now", "3"),
        ("itchy rash, paused, piriton given, it got worse", "3"),
    ],
)
def test_how_mild_or_how_it_went_decides_the_grade(text: str, outcome: str) -> None:
    assessment = assess(expand(text))
    assert assessment is not None and assessment.outcome == outcome, assessment


def test_a_mild_reaction_with_normal_readings_says_grade_1_and_continue(kb: KnowledgeBase) -> None:
    text = "neck a bit pink 1 h in, BP 130/82 HR 80, she feels ok, do we need to stop?"
    reply = answer_question(kb, "ask_infusion_administration", [], text, confidence=0.6)
    lowered = reply.text.lower()
    assert reply.kind == "reaction" and "grade 1" in lowered, reply
    assert "not indicated" in lowered and "continue" in lowered


# --- a recurrence asked as a lower grade, or in general, is grade 3 (recurrence after improvement)


@pytest.mark.parametrize(
    "intent, grade, text",
    [
        ("ask_restart_rate", "gr 2", "rigors came back once we restarted, had settled - still grade 2?"),
        (
            "ask_restart_rate",
            "gr 3",
            "if it settles then comes back on the restart, is that automatically grade 3?",
        ),
    ],
)
def test_a_recurrence_on_restarting_is_graded_3(
    kb: KnowledgeBase, intent: str, grade: str, text: str
) -> None:
    reply = answer_question(kb, intent, [{"entity": "grade", "value": grade}], text, confidence=0.95)
    lowered = reply.text.lower()
    assert reply.kind == "reaction" and "grade 3" in lowered and "recurrence" in lowered, reply


# --- management by grade in shorthand: the grade's entry, not a passage for another grade


@pytest.mark.parametrize(
    "intent, confidence, text, grade, entry, fact",
    [
        ("ask_manage_reaction", 0.6, "mx for gr 2 as per protocol pls", "gr 2", "manage-grade-1-2", "50 %"),
        ("nlu_fallback", 0.5, "mgmt of a grade 2 per protocol?", "grade 2", "manage-grade-1-2", "50 %"),
        (
            "ask_infusion_administration",
            0.6,
            "bag's down for a grade 3, what supportive treatment do we give",
            "grade 3",
            "manage-grade-3-4",
            "oxygen",
        ),
    ],
)
def test_management_of_a_grade_gets_that_grades_entry(
    kb: KnowledgeBase, intent: str, confidence: float, text: str, grade: str, entry: str, fact: str
) -> None:
    entities = [{"entity": "grade", "value": grade}]
    reply = answer_question(kb, intent, entities, text, confidence=confidence)
    assert reply.kind == "answer" and reply.entry_ids[0] == entry, reply
    assert fact in reply.text


# --- anaphylaxis misspelt by one letter still leads with stop + emergency team + epinephrine


@pytest.mark.parametrize(
    "text, named",
    [
        ("anaphlaxis chair 2", True),
        ("possible anaphalactic reaction", True),
        ("where is the adrenalin kept", True),
        ("analysis of course 2 data", False),
        ("adrenal insufficiency", False),
        ("paracetamol dose", False),
    ],
)
def test_a_misspelt_anaphylaxis_is_still_named(text: str, named: bool) -> None:
    assert names_anaphylaxis(text) is named


def test_a_misspelt_anaphylaxis_leads_with_the_emergency_steps(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_manage_reaction", [], "anaphlaxis in chair 2, first steps?", confidence=0.7
    )
    head = reply.text[:400].lower()
    assert reply.entry_ids[0] == "manage-anaphylaxis", reply
    assert "stop" in head and "emergency" in head and "epinephrine" in head


# --- a time of day is no greeting: the restart question reaches the answer logic


@pytest.mark.parametrize(
    "text, question",
    [
        ("grade 3 this morning - can we go again this afternoon?", True),
        ("severe one in the morning, ok to restart later today?", True),
        ("good afternoon all", False),
        ("morning team, anyone around?", False),
    ],
)
def test_a_time_of_day_is_no_greeting(text: str, question: bool) -> None:
    assert small_talk_without_cue("greet", text) is question


# --- the restart rate worked out for a previous rate in mL/h (50 % of it, Protocol 2)


@pytest.mark.parametrize(
    "text, figure",
    [
        ("settled now, she was on 80 ml/hr, what rate to restart", "40 mL/h"),
        ("running 125 mL/h when it started, gr 2, restart at?", "62.5 mL/h"),
    ],
)
def test_a_grade_1_2_restart_says_the_rate_for_the_previous_one(
    kb: KnowledgeBase, text: str, figure: str
) -> None:
    entities = [{"entity": "grade", "value": "gr 2"}]
    reply = answer_question(kb, "ask_restart_rate", entities, text, confidence=0.9)
    assert "manage-restart-grade-1-2" in reply.entry_ids and figure in reply.text, reply


def test_no_rate_is_worked_out_after_a_severe_reaction_or_from_two_rates(kb: KnowledgeBase) -> None:
    entities = [{"entity": "grade", "value": "gr 3"}]
    reply = answer_question(
        kb, "ask_restart_rate", entities, "gr 3 at 80 ml/hr, restart rate?", confidence=0.9
    )
    assert "40 mL/h" not in reply.text, reply
    assert restart_rate("was 100 ml/h then 50 ml/h") is None


def test_pink_urine_is_no_skin_sign(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_delayed_reactions", [], "pt says her urine looks pink and ankles are puffy", 0.6
    )
    assert assess(expand("pt says her urine looks pink")) is None
    assert reply.kind != "reaction", reply
