"""Issue 11, fourth round: causes found with blind staff sets final 3 and dev 4, each tested
in other words than the sets' (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.answers import answer_question


def leads_with_emergency(text: str) -> bool:
    first = text.split("\n")[0].lower()
    return "stop the infusion" in first and "emergency" in first and "epinephrine" in first


# --- out of scope: declined, never answered with the nearest passage


@pytest.mark.parametrize(
    "intent, text, asked",
    [
        ("ask_optional_premedication", "highest dose of cetirizine we can give", "cetirizine"),
        ("ask_manage_reaction", "siltuximab dosing for cytokine storm after lemtrada", "siltuximab"),
        ("ask_manage_reaction", "how much ibuprofen for the rigors", "ibuprofen"),
    ],
)
def test_the_dose_of_another_drug_is_not_covered(
    kb: KnowledgeBase, intent: str, text: str, asked: str
) -> None:
    reply = answer_question(kb, intent, [], text)
    assert reply.kind == "outside" and asked in reply.asked, reply


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_iar_trend", "does lemtrada cut the annual relapse rate much"),
        ("ask_patient_preparation", "expanded disability status scale for subject 12"),
        ("ask_infusion_administration", "how many vials come in a carton"),
        ("ask_delayed_reactions", "who holds the randomization list"),
        ("nlu_fallback", "what's my login for the eCRF password reset"),
    ],
)
def test_subjects_outside_the_protocol_are_declined(kb: KnowledgeBase, intent: str, text: str) -> None:
    assert answer_question(kb, intent, [], text, confidence=0.7).kind == "outside"


def test_asking_which_drug_is_better_is_declined(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_iar_trend", [], "kesimpta or lemtrada, which one is better for her")
    assert reply.kind == "other_drug"


def test_a_dose_of_alemtuzumab_or_its_premedication_is_still_answered(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_premedication", [], "methylpred dose before lemtrada?")
    assert reply.kind == "answer" and "1,000 mg" in reply.text


# --- a question naming anaphylaxis leads with its management, whatever it asks


@pytest.mark.parametrize(
    "intent, text",
    [
        ("nlu_fallback", "anaphylaxis steps, short version"),
        ("ask_vital_signs", "oxygen sats to aim for in anaphylaxis"),
        ("ask_premedication", "serious allergic reaction happening - hydrocortisone as well?"),
        ("ask_manage_reaction", "how do you tell anaphylaxis from plain hives"),
    ],
)
def test_questions_naming_anaphylaxis_lead_with_its_management(
    kb: KnowledgeBase, intent: str, text: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.6)
    assert leads_with_emergency(reply.text), reply


def test_how_common_anaphylaxis_is_stays_a_figure(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_serious_iars", [], "how often is there anaphylaxis")
    assert not leads_with_emergency(reply.text)


# --- quiz requests in other words


@pytest.mark.parametrize(
    "text",
    ["could you ask me a few things on premeds", "fire some qs on grading at me", "one q about restarting"],
)
def test_quiz_requests_in_other_words(text: str) -> None:
    assert ask.asks_for_quiz(text)


@pytest.mark.parametrize(
    "text", ["quick question on premeds", "a question about grading", "qualifying criteria"]
)
def test_questions_are_not_quiz_requests(text: str) -> None:
    assert not ask.asks_for_quiz(text)


# --- small talk words (bot.rasa.components.StaffSmallTalkGuard)


@pytest.mark.parametrize(
    "intent, text, without",
    [
        ("greet", "dose for a 9 year old", True),
        ("greet", "morning, quick question", False),
        ("my_progress", "EDSS score for pt 7", True),
        ("my_progress", "how did I do", False),
        ("thank", "ta", False),
        ("ask_grading", "grade 2?", False),
    ],
)
def test_small_talk_without_its_words(intent: str, text: str, without: bool) -> None:
    assert ask.small_talk_without_cue(intent, text) is without
