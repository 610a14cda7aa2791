"""Issue 11, reaction grading, management and re-challenge: causes found with the blind staff
sets dev 8 and final 5, each tested in other words than the sets' (facts from the seed and
../shared/clinical-reference.md: Problem 2 and Protocol 2, antihistamines for rash and
antipyretics for fever, additional symptomatic treatment as needed, the emergency response team
for severe reactions, aggressive symptomatic treatment, restart once symptoms resolve at a
reduced rate, IV corticosteroids per the institution's emergency protocols; CTCAE v5.0 grade 2
includes prophylactic medication for up to 24 h, grade 3 recurrence after initial improvement,
grade 4 urgent intervention, v6.0 wording unchanged; FAQ Q4 fewer reactions in later courses)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question
from bot.staff.reaction import assess
from bot.staff.shorthand import expand

# --- how the reaction went: a sign named "back" after a restart is a recurrence (grade 3);
# "fine otherwise" is a mild transient reaction (grade 1); "has gone red" names a sign, not a
# response; going ahead with the next course is no reaction going on


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("back on at 50 % after the urticaria cleared, now itching back and spreading", "3"),
        ("we restarted once the flush faded, flushing back and she's uncomfortable", "3"),
        ("cheeks flushed, obs normal, all well otherwise", "1"),
        ("neck looks flushed, ok otherwise, not bothered by it", "1"),
    ],
)
def test_how_it_went_decides_the_grade(text: str, outcome: str) -> None:
    found = assess(expand(text))
    assert found is not None and found.outcome == outcome, found


@pytest.mark.parametrize(
    "text",
    [
        "her chest has gone red in the last 10 minutes, obs fine",
        "his cheeks have turned red, is that normal",
    ],
)
def test_a_colour_turned_is_a_skin_sign_not_a_response(text: str) -> None:
    found = assess(expand(text))
    assert found is not None and found.outcome == "1-2", found
    assert any(f.system == "skin" for f in found.findings), found


def test_a_grade_2_reaction_includes_prophylaxis_up_to_a_day(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb,
        "ask_manage_reaction",
        [],
        "she needed prophylactic cetirizine for a day after, grade?",
        confidence=0.7,
    )
    assert reply.kind == "reaction" and "grade 2" in reply.text and "24 h" in reply.text, reply


def test_going_ahead_with_the_next_course_tells_no_reaction(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb,
        "ask_rechallenge",
        [{"entity": "grade", "value": "grade 3"}],
        "she had a grade 3 during the first course, do we still go ahead with the second one?",
        confidence=0.9,
    )
    assert reply.kind == "answer" and "manage-rechallenge-grade-3-4" in reply.entry_ids, reply
    assert "less frequent" in reply.text, reply


# --- the subject named decides the management entry, whatever the question type read


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        (
            "ask_common_symptoms",
            "fever or rash: which symptomatic drug goes with which one?",
            "manage-grade-1-2",
            ("antihistamine for rash", "antipyretic for fever"),
        ),
        (
            "ask_optional_premedication",
            "already had her premeds, is more paracetamol ok during the infusion?",
            "problem2-mild-moderate",
            ("additional",),
        ),
        (
            "nlu_fallback",
            "the protocol says 'aggressive symptomatic treatment' for severe IARs - what is in it?",
            "manage-grade-3-4",
            ("epinephrine", "corticosteroids"),
        ),
        (
            "ask_infusion_administration",
            "what corticosteroid is given IV for a grade 3 reaction and how much?",
            "problem2-severe",
            ("institution", "corticosteroids"),
        ),
        (
            "nlu_fallback",
            "what's the first step at the onset of any symptom during the drip?",
            "manage-overview",
            ("vital signs and severity",),
        ),
        (
            "ask_common_symptoms",
            "after pausing, should we wait until it's fully resolved before we restart?",
            "manage-restart-rate",
            ("resolved",),
        ),
        (
            "nlu_fallback",
            "after the IRR we slowed it down, does the infusion last longer now?",
            "manage-restart-rate",
            ("extended",),
        ),
        (
            "nlu_fallback",
            "has the IRR definition changed in CTCAE version 6?",
            "grading-overview",
            ("unchanged",),
        ),
        (
            "nlu_fallback",
            "how do the protocol's mild to moderate and severe map to CTCAE grades?",
            "grading-overview",
            ("grades 1–2", "grade 3 and above"),
        ),
        (
            "ask_manage_reaction",
            "would prophylactic antihistamine cover for a day afterwards bump the grade up",
            "grading-grade2",
            ("24 h",),
        ),
        (
            "ask_infusion_administration",
            "for a grade 1, can the nurse slow the rate without a doctor?",
            "manage-grade-1",
            ("physician's discretion",),
        ),
        (
            "ask_common_symptoms",
            "for a moderate reaction is slowing it down enough, rather than pausing?",
            "manage-grade-1-2",
            ("pause the infusion or reduce the rate",),
        ),
        (
            "ask_manage_reaction",
            "should the emergency team be called for a grade 1 flush?",
            "manage-emergency-team",
            ("severe (grade 3–4)", "not for a mild to moderate"),
        ),
    ],
)
def test_the_subject_named_decides_the_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: tuple[str, ...]
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.7)
    assert entry in reply.entry_ids, reply
    assert all(fact in reply.text for fact in facts), reply


@pytest.mark.parametrize(
    "text",
    [
        "can the drip run longer than four hours",  # the infusion time itself, no rate lowered
        "premeds: antihistamine vs antipyretic, which one before the infusion?",
    ],
)
def test_neighbouring_questions_keep_their_own_entries(kb: KnowledgeBase, text: str) -> None:
    reply = answer_question(kb, "nlu_fallback", [], text, confidence=0.2)
    assert "manage-restart-rate" not in reply.entry_ids and "manage-grade-1-2" not in reply.entry_ids


# --- the cues: a grade's definition asked in shorthand, the full protocol for a grade, the
# published 2 h rule by its cut-off


@pytest.mark.parametrize(
    "intent, text, entry, fact",
    [
        ("nlu_fallback", "defn of grade 3 IRR pls", "grading-grade3", "recurrence"),
        ("ask_grading", "grade 3-4 reaction: the whole protocol please", "manage-grade-3-4", "epinephrine"),
        (
            "nlu_fallback",
            "is the 2 hours cut off for withdrawing after a severe reaction a real rule?",
            "manage-rechallenge",
            "haematology",
        ),
    ],
)
def test_cue_words_name_the_question(
    kb: KnowledgeBase, intent: str, text: str, entry: str, fact: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.4 if intent == "nlu_fallback" else 0.7)
    assert entry in reply.entry_ids and fact in reply.text, reply


# --- readings: "obs all normal" asks nothing, "temperature 36.9" quotes no figure; a patient
# who wants nothing for it had no intervention (grade 1)


@pytest.mark.parametrize(
    "text",
    [
        "mild headache 2 hours in, obs all normal, temp 36.8, she doesn't want anything for it",
        "bit nauseous at 1 h, vitals normal, T 36.8, declines treatment",
    ],
)
def test_normal_readings_and_no_treatment_make_grade_1(kb: KnowledgeBase, text: str) -> None:
    reply = answer_question(kb, "report_symptoms", [], text, confidence=0.9)
    assert reply.kind == "reaction" and "grade 1 infusion" in reply.text, reply


# --- a fall in blood pressure short of hypotension: no grade of its own (the sources give no
# threshold short of hypotension); the reply says where hypotension begins and the fluids for it


@pytest.mark.parametrize(
    "text",
    [
        "systolic 140 -> 110 over the last half hour, she feels a bit woozy",
        "BP was 125/80 at baseline, now 96/60, slightly lightheaded, no wheeze",
    ],
)
def test_a_falling_pressure_tells_where_hypotension_begins(kb: KnowledgeBase, text: str) -> None:
    reply = answer_question(kb, "report_symptoms", [], text, confidence=0.9)
    assert reply.kind == "reaction" and reply.text.startswith(("CTCAE grade 1", "CTCAE grade 2")), reply
    assert "more than 30 %" in reply.text and "IV fluids for hypotension" in reply.text, reply


def test_a_small_change_in_pressure_is_no_fall() -> None:
    found = assess(expand("BP 128/80 -> 118/76, mild headache"))
    assert found is not None and found.outcome == "1", found
