"""Issue 11, sixth round: causes found with the final blind staff set 4, each tested in other
words than the set's (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.quiz.answers import reads_as_choice
from bot.staff.foreign import lines
from bot.staff.service import StaffService

# --- a staff message not in English: said so, and a warning sign in it answered first


@pytest.mark.parametrize(
    "text",
    [
        "La paciente tiene hinchazón de la lengua y no puede respirar, ¿qué hacemos?",
        "Patient sous perfusion: il a du mal à respirer et la tension chute, on fait quoi?",
        "Der Patient hat Atemnot und Schwellung im Gesicht während der Infusion, was tun?",
    ],
)
def test_a_foreign_warning_sign_leads_with_the_severe_reaction_management(
    kb: KnowledgeBase, text: str
) -> None:
    reply = StaffService(kb, reads_as_choice).answer("nlu_fallback", text, [], 0.3, None)
    english_only, warning = lines()
    assert reply.kind == "answer" and reply.entry_ids == ("manage-anaphylaxis",), reply
    head = reply.text[:400].lower()
    assert reply.text.startswith(warning) and "stop" in head and "emergency" in head and "epinephrine" in head
    assert kb.entries["manage-anaphylaxis"].source_line in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "¿Cuánto tiempo dura la infusión en el primer ciclo?",
        "Quelle est la durée de la perfusion pour le premier cycle?",
    ],
)
def test_a_foreign_question_without_a_warning_sign_is_told_the_assistant_reads_english(
    kb: KnowledgeBase, text: str
) -> None:
    reply = StaffService(kb, reads_as_choice).answer("nlu_fallback", text, [], 0.3, None)
    assert (reply.kind, reply.text, reply.entry_ids) == ("answer", lines()[0], ()), reply


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_infusion_administration", "how long does the infusion take?"),
        ("ask_optional_premedication", "pt do we give para as premed too"),  # shares words with Portuguese
        ("ask_optional_premedication", "do ppl use h1 blockers as premed"),
    ],
)
def test_an_english_question_is_not_told_so(kb: KnowledgeBase, intent: str, text: str) -> None:
    reply = StaffService(kb, reads_as_choice).answer(intent, text, [], 0.9, None)
    assert reply.text != lines()[0] and reply.entry_ids, reply


# --- a quiz asked for as a case to grade or a question to stay sharp


@pytest.mark.parametrize(
    "text",
    [
        "throw a scenario at me and I'll say the grade",
        "give me a case and I'll tell you what I would do",
        "one IAR question to keep me on my toes before clinic",
        "any questions to keep me fresh on infusion reactions?",
    ],
)
def test_a_case_to_grade_or_a_question_to_stay_sharp_is_a_quiz(kb: KnowledgeBase, text: str) -> None:
    reply = StaffService(kb, reads_as_choice).answer("nlu_fallback", text, [], 0.4, None)
    assert reply.kind == "quiz", reply


# --- another treatment's grading is not covered; chat outside work gets no guessed entry


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_grading", "how do we grade grade 3 CRS after CAR-T cells"),
        ("ask_grading", "bispecific CRS grade 2 criteria?"),
    ],
)
def test_another_treatment_is_not_covered(kb: KnowledgeBase, intent: str, text: str) -> None:
    reply = StaffService(kb, reads_as_choice).answer(intent, text, [], 0.7, None)
    assert reply.kind == "outside", reply


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_delayed_reactions", "did you see who won the game on saturday night"),
        ("ask_post_infusion_observation", "any idea what the weather will do tomorrow"),
    ],
)
def test_chat_outside_work_gets_an_honest_dont_know(kb: KnowledgeBase, intent: str, text: str) -> None:
    reply = StaffService(kb, reads_as_choice).answer(intent, text, [], 0.7, None)
    assert reply.kind == "unknown" and reply.topics, reply


def test_signs_matching_a_grade_are_still_a_question(kb: KnowledgeBase) -> None:
    reply = StaffService(kb, reads_as_choice).answer(
        "ask_grading", "does a rash needing an antihistamine match grade 2?", [], 0.8, None
    )
    assert reply.kind != "outside", reply


# --- signs placed after a course by "post" get the delayed event they point to


@pytest.mark.parametrize(
    "text, symptom, entry",
    [
        ("yellow sclera, 4 months post course 1", "jaundice", "delayed-liver"),
        ("easy bruising noted, 2 months post-course 1", "bruising", "delayed-itp"),
        ("pink urine, 5 wks post c2", "blood_in_urine", "delayed-kidney"),
    ],
)
def test_signs_placed_after_a_course_get_their_delayed_event(
    kb: KnowledgeBase, text: str, symptom: str, entry: str
) -> None:
    reply = StaffService(kb, reads_as_choice).answer(
        "report_symptoms", text, [{"entity": "symptom", "value": symptom}], 0.7, None
    )
    assert reply.entry_ids[:1] == (entry,), reply


# --- a reaction back on restarting is recurring (grade 3): stop the infusion


@pytest.mark.parametrize(
    "text",
    [
        "went back on at 50% after the chills, now fever back at 39.4",
        "temp 39.1 and shaking, it's back and worse on the slower rate",
        "restarted slower after the rash and the rash is back, itchy all over",
    ],
)
def test_a_reaction_back_on_restarting_is_stopped(kb: KnowledgeBase, text: str) -> None:
    reply = StaffService(kb, reads_as_choice).answer("report_symptoms", text, [], 0.7, None)
    assert reply.kind == "reaction" and "stop" in reply.text.lower(), reply
