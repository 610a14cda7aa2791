"""The quiz intents must not capture what is meant otherwise.

During the quiz a reply is the answer unless NLU reads it as start/stop quiz or progress,
so no option of the bank, typed or copied from its button, may look like one of those;
and clinical messages that share words with quiz commands must not become quiz turns.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.kb import KnowledgeBase
from bot.quiz.bank import QUIZ_FILE, load_bank

pytestmark = pytest.mark.rasa
NOT_ANSWERS = {"start_quiz", "stop_quiz", "my_progress"}
QUIZ_INTENTS = NOT_ANSWERS | {"skip_question", "quiz_answer"}
CLINICAL = [
    "anaphylaxis in progress",
    "grade 3 reaction in progress",
    "life threatening reaction in progress",
    "reaction in progress what do I do",
    "should I stop the infusion",
    "stop the infusion",
    "pause the infusion",
    "do we stop the drip",
    "what premedication do we give?",
]


@pytest.fixture(scope="module")
def agent(trained_model: Path):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


def intents(agent, texts: list[str]) -> list[tuple[str, str]]:
    async def parse() -> list[tuple[str, str]]:
        return [(t, (await agent.parse_message(t))["intent"]["name"]) for t in texts]

    return asyncio.run(parse())


def test_no_option_is_read_as_a_quiz_command(agent, kb: KnowledgeBase) -> None:
    bank = load_bank(QUIZ_FILE, kb)
    texts = [
        t
        for q in bank.questions.values()
        for i, option in enumerate(q.options)
        for t in (option, q.label(i), "abcde"[i])
    ]
    wrong = [(t, i) for t, i in intents(agent, texts) if i in NOT_ANSWERS]
    assert not wrong, f"options read as quiz commands: {wrong}"


def test_clinical_messages_are_not_quiz_turns(agent) -> None:
    wrong = [(t, i) for t, i in intents(agent, CLINICAL) if i in QUIZ_INTENTS]
    assert not wrong, f"clinical messages read as quiz intents: {wrong}"
