"""Issue 11, staff protocol answers: causes found with the incidence, premedication,
administration, delayed and out-of-scope failures of staff_dev7 (development material), each
tested in other words than the set's, with the question type a classifier read there (facts
from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.answers import answer_question


@pytest.mark.parametrize(
    "intent, text, entities, first, facts",
    [
        # fewer reactions in later courses, with a dose: the trend, both courses' figures
        (
            "ask_incidence",
            "are IARs less frequent in course 2 than course 1 at 12 mg?",
            [],
            "faq-q4-iar-trend",
            ["84.7", "68.6"],
        ),
        # what patients do themselves before the day: hydration
        (
            "ask_delayed_reactions",
            "what should pts do before coming in for the infusion so they react less?",
            [],
            "problem1-patient-preparation",
            ["hydration"],
        ),
        # the total of one course
        (
            "ask_iar_trend",
            "how much alemtuzumab in total does someone receive over course 2?",
            [],
            "protocol1-course2-schedule",
            ["36 mg in total"],
        ),
        # what the steroid protects against: the cause, cytokine release
        (
            "ask_premedication",
            "the methylpred each morning - what does it protect against exactly?",
            [],
            "problem1-cause",
            ["cytokine release"],
        ),
        # the most common signs asked as a list
        (
            "ask_patient_preparation",
            "commonest symptoms of an IAR? for a patient leaflet",
            [],
            "faq-q2-common-symptoms",
            ["headache", "rash", "nausea"],
        ),
        # whether the optional premedication must be given
        (
            "nlu_fallback",
            "do we have to give paracetamol before every infusion or is it up to the doctor?",
            [],
            "protocol1-optional-premedication",
            ["discretion"],
        ),
        # a harmful-or-not question on the steroid's sleeplessness
        (
            "ask_manage_reaction",
            "he has trouble sleeping since his infusion - is it dangerous?",
            [],
            "delayed-expected-symptoms",
            ["trouble sleeping", "steroid"],
        ),
        # the antiviral named by its class only
        (
            "ask_infusion_administration",
            "what antiviral goes alongside alemtuzumab and for how many months?",
            [],
            "delayed-herpes-prophylaxis",
            ["aciclovir", "2 months"],
        ),
        # whether the dose is per day or for the whole course
        (
            "ask_incidence",
            "is the 12 mg the daily dose or for the course?",
            [{"entity": "dose", "value": "12 mg"}],
            "protocol1-dose-per-day",
            ["each infusion day", "60 mg"],
        ),
        # signs relayed months after a course: the delayed event they point to
        (
            "report_symptoms",
            "C2 pt 5 months out, urine looks like cola, legs a bit swollen - what is it?",
            [
                {"entity": "symptom", "value": "blood_in_urine"},
                {"entity": "symptom", "value": "leg_swelling"},
            ],
            "delayed-kidney",
            ["anti-glomerular", "same day"],
        ),
        # onset after going home asked with a case as its example: the onset first
        (
            "ask_delayed_reactions",
            "can reactions really begin after the pt's gone home? one came back with a rash on day 3",
            [{"entity": "symptom", "value": "rash"}],
            "delayed-overview",
            ["24 hours"],
        ),
    ],
)
def test_the_question_gets_the_entry_holding_its_facts(
    kb: KnowledgeBase,
    intent: str,
    text: str,
    entities: list[dict[str, Any]],
    first: str,
    facts: list[str],
) -> None:
    reply = answer_question(kb, intent, entities, text, 0.6)
    assert reply.entry_ids[:1] == (first,), reply
    assert all(f in reply.text for f in facts), reply.text


def test_blood_coughed_up_in_a_few_words_is_an_emergency_after_the_infusion(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "nlu_fallback", [], "pt coughing up a little blood 3 days post infusion, what do we say", 0.5
    )
    assert reply.kind == "reaction" and "delayed-emergency-signs" in reply.entry_ids, reply
    assert "alveolar" in reply.text


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        # a reaction figure per course is no dose question
        ("ask_incidence", "what % had an IAR per course at 12 mg?", "protocol1-dose-per-day"),
        # the steroid asked to lower reactions is no trend question
        ("ask_premedication", "does the steroid make reactions less common?", "faq-q4-iar-trend"),
        # a course's reaction figure asked "in total" is no dose question
        ("ask_incidence", "what % had an IAR in total in course 1?", "protocol1-course1-schedule"),
    ],
)
def test_cues_do_not_take_what_they_do_not_name(
    kb: KnowledgeBase, intent: str, text: str, entry: str
) -> None:
    assert answer_question(kb, intent, [], text, 0.9).entry_ids[:1] != (entry,)


@pytest.mark.parametrize(
    "text, question",
    [
        ("anyone know where staff parking is for the new wing?", True),
        ("is the canteen open late tonight", True),
        ("give me a quiz question on the car park incident", False),
        ("quiz me please", False),
    ],
)
def test_chat_read_as_a_quiz_request_is_a_question(text: str, question: bool) -> None:
    assert ask.small_talk_without_cue("start_quiz", text) is question
