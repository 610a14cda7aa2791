"""Issue 11, reaction grading, management and follow-ups: causes found with the blind staff set
dev 6, each tested in other words than the set's (facts from the seed and
../shared/clinical-reference.md: CTCAE v5.0 grades by response, hypotension as systolic below
90 mmHg or a fall of more than 30 %, Protocol 2 management, ITP 2 %, Listeria from day 3)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question
from bot.staff.ask import asks_for_grade, asks_for_quiz, restart_question, small_talk_without_cue
from bot.staff.reaction import assess
from bot.staff.shorthand import expand

# --- management of a grade asked as "steps" or "approach", whatever question type was read;
# the asker's own "before tomorrow" is no later day for the patient


@pytest.mark.parametrize(
    "intent, confidence, grade, text, entry, facts",
    [
        (
            "ask_premedication",
            0.86,
            "gr 3",
            "gr 3 reaction steps please, revising for my shift tomorrow",
            "manage-grade-3-4",
            ("stop", "emergency"),
        ),
        (
            "nlu_fallback",
            0.5,
            "moderate",
            "what's the usual approach to a moderate IRR",
            None,
            ("pause", "symptomatic"),
        ),
    ],
)
def test_steps_or_approach_for_a_grade_is_its_management(
    kb: KnowledgeBase,
    intent: str,
    confidence: float,
    grade: str,
    text: str,
    entry: str | None,
    facts: tuple[str, ...],
) -> None:
    reply = answer_question(kb, intent, [{"entity": "grade", "value": grade}], text, confidence=confidence)
    assert reply.kind == "answer" and (entry is None or reply.entry_ids[0] == entry), reply
    assert all(fact in reply.text.lower() for fact in facts), reply


@pytest.mark.parametrize(
    "text, question",
    [
        ("want the severe steps clear in my head before tomorrow", None),
        ("gr 3 yesterday, ok to dose tomorrow?", "ask_rechallenge"),
    ],
)
def test_the_askers_time_is_no_rechallenge(text: str, question: str | None) -> None:
    assert restart_question(expand(text)) == question


# --- a pressure given again without its name ("now 84/50") is read against the baseline


@pytest.mark.parametrize(
    "text, emergency",
    [
        ("BP 128/80 at the start, 82/48 now, feels faint", True),
        ("blood pressure was 140/90 earlier, 95/60 now, a bit dizzy", True),
        ("BP 130/80, rechecked 126/78, mild headache", False),
        ("BP 120/80 on 12/05, slight headache", False),
    ],
)
def test_a_later_pressure_without_its_name_counts(text: str, emergency: bool) -> None:
    assessment = assess(expand(text))
    assert assessment is not None and assessment.emergency is emergency, assessment


def test_a_pressure_fallen_below_90_leads_with_stop_fluids_and_the_emergency_team(
    kb: KnowledgeBase,
) -> None:
    text = "BP 136/88 before, now 86/54, dizzy, no rash, fluids running"
    reply = answer_question(kb, "report_symptoms", [], text, confidence=0.99)
    lowered = reply.text.lower()
    assert reply.kind == "reaction" and lowered.index("stop") < 300, reply
    assert "fluids" in lowered and "emergency" in lowered


# --- a reaction back on restarting (asked as a lower grade, or as "what if") is grade 3: stop


@pytest.mark.parametrize(
    "intent, entities, text, previous",
    [
        (
            "ask_rechallenge",
            [{"entity": "grade", "value": "gr 2"}, {"entity": "symptom", "value": "hives"}],
            "hives eased with a pause and cetirizine, we restarted, then flared again worse - gr 2 still?",
            None,
        ),
        (
            "ask_restart_rate",
            [],
            "and if it comes back once we restart?",
            {
                "intent": "ask_restart_rate",
                "constraints": {"grade": "2"},
                "entries": ["manage-restart-grade-1-2"],
            },
        ),
    ],
)
def test_a_reaction_back_on_restarting_is_grade_3(
    kb: KnowledgeBase,
    intent: str,
    entities: list[dict[str, Any]],
    text: str,
    previous: dict[str, Any] | None,
) -> None:
    reply = answer_question(kb, intent, entities, text, confidence=0.9, previous=previous)
    lowered = reply.text.lower()
    assert reply.kind == "reaction" and "grade 3" in lowered and "stop" in lowered, reply


# --- scratching with nothing to see and normal observations: grade 1, continue and monitor


def test_scratching_with_nothing_visible_is_grade_1(kb: KnowledgeBase) -> None:
    text = "pt scratching his neck a little, skin looks normal, obs ok, says he's fine"
    reply = answer_question(kb, "deny", [], text, confidence=1.0)
    lowered = reply.text.lower()
    assert reply.kind == "reaction" and "grade 1" in lowered and "monitor" in lowered, reply


# --- a follow-up keeps the entries the previous answer gave


@pytest.mark.parametrize(
    "intent, text, previous_entry, fact",
    [
        ("nlu_fallback", "how often does that happen?", "delayed-itp", "2 %"),
        (
            "report_symptoms",
            "turns out it's day 5 after her first dose - does that change anything?",
            "delayed-same-day-contact",
            "Listeria from day 3",
        ),
    ],
)
def test_a_follow_up_reads_the_previous_entries(
    kb: KnowledgeBase, intent: str, text: str, previous_entry: str, fact: str
) -> None:
    previous = {"intent": "ask_delayed_reactions", "constraints": {}, "entries": [previous_entry]}
    reply = answer_question(kb, intent, [], text, confidence=0.6, previous=previous)
    assert reply.entry_ids == (previous_entry,) and fact in reply.text, reply


# --- a quiz asked as questions "at me"; small talk naming a protocol question is a question


@pytest.mark.parametrize(
    "text, quiz",
    [
        ("throw some questions at me on premeds", True),
        ("hit me w a few qs at me pls", True),
        ("what is a qs", False),
    ],
)
def test_questions_at_me_is_a_quiz(text: str, quiz: bool) -> None:
    assert asks_for_quiz(expand(text)) is quiz


@pytest.mark.parametrize(
    "text, question",
    [
        ("quick one while you're here - premeds for natalizumab on the unit?", True),
        ("what can you help with", False),
        ("what topics do you cover", False),
        ("is there a menu", False),
    ],
)
def test_capabilities_read_without_their_words_is_a_question(text: str, question: bool) -> None:
    assert small_talk_without_cue("ask_capabilities", text) is question


@pytest.mark.parametrize("text", ["and overall for that dose?", "and at 12?"])
def test_a_follow_up_changing_the_constraints_is_answered_for_them(kb: KnowledgeBase, text: str) -> None:
    previous = {
        "intent": "ask_incidence",
        "constraints": {"dose": "24", "course": "1"},
        "entries": ["incidence-course1-24mg"],
    }
    reply = answer_question(kb, "nlu_fallback", [], text, confidence=0.5, previous=previous)
    assert reply.entry_ids and reply.entry_ids != ("incidence-course1-24mg",), reply


@pytest.mark.parametrize(
    "text, question",
    [
        ("flared again after the restart despite piriton, gr 2 still?", True),
        ("under that rule, gr 3 still there 2 h after stopping - and if down to gr 1?", False),
    ],
)
def test_a_stated_grade_asked_as_still_is_a_grade_question(text: str, question: bool) -> None:
    assert asks_for_grade(expand(text)) is question
