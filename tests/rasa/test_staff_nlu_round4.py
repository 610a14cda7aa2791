"""Issue 11, fourth round: staff questions in words the training data did not have before
reach the question type that answers them, and a staff question is never read as small talk
(StaffSmallTalkGuard). Phrasings written fresh, none copied from the blind sets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytestmark = pytest.mark.rasa
EXPECTED = [
    ("could the dose be pushed as a quick bolus", {"ask_infusion_administration"}),
    ("what study are the reaction rates taken from", {"ask_incidence"}),
]
NOT_SMALL_TALK = [
    "dosing for a 15 yo pt",
    "pt 2041's disability score",
]
SMALL_TALK = {"greet", "goodbye", "thank", "my_progress"}


@pytest.fixture(scope="module")
def agent(trained_model: Path):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


def intent_of(agent, text: str) -> str:
    return str(asyncio.run(agent.parse_message(text))["intent"]["name"])


@pytest.mark.parametrize("text, intents", EXPECTED)
def test_staff_questions_in_new_words(agent, text: str, intents: set[str]) -> None:
    assert intent_of(agent, text) in intents


@pytest.mark.parametrize("text", NOT_SMALL_TALK)
def test_staff_questions_are_not_small_talk(agent, text: str) -> None:
    assert intent_of(agent, text) not in SMALL_TALK
