"""Custom actions run with rasa_sdk's CollectingDispatcher and real Trackers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.staff import ActionAnswerQuestion, ActionShowTopics
from bot.kb import KnowledgeBase
from tests.support.actions_app import configure_actions


@pytest.fixture(autouse=True)
def use_test_kb(kb: KnowledgeBase) -> None:
    """Point the actions at the knowledge base built from knowledge/ for this run."""
    configure_actions(kb=kb)


def tracker(text: str, intent: str, entities: list[dict[str, Any]] | None = None) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": entities or [],
        "metadata": {"role": "staff"},
    }  # as Slack and Teams send
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message},
    ]
    return Tracker("nurse-1", {}, message, events, False, None, {}, "action_listen")


def run(action, tr: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, events


def test_answer_action_utters_the_cited_answer() -> None:
    messages, events = run(
        ActionAnswerQuestion(),
        tracker(
            "IAR rate in course 2 at 12 mg?",
            "ask_incidence",
            [{"entity": "course", "value": "course 2"}, {"entity": "dose", "value": "12 mg"}],
        ),
    )
    assert [e["name"] for e in events] == ["staff_context"] and len(messages) == 1
    assert "68.6 %" in messages[0]["text"] and "Source: " in messages[0]["text"]


def test_anaphylaxis_answer() -> None:
    messages, _ = run(
        ActionAnswerQuestion(),
        tracker(
            "patient in anaphylaxis", "ask_manage_reaction", [{"entity": "reaction", "value": "anaphylaxis"}]
        ),
    )
    assert "epinephrine" in messages[0]["text"].lower()


def test_other_drug_uses_the_decline_response_with_the_drug_name() -> None:
    messages, _ = run(ActionAnswerQuestion(), tracker("premeds for rituximab?", "ask_premedication"))
    assert messages[0]["response"] == "utter_other_drug" and messages[0]["drug"] == "rituximab"


def test_fallback_offers_a_relevant_passage_with_its_source() -> None:
    messages, _ = run(ActionAnswerQuestion(), tracker("herpes prophylaxis", "nlu_fallback"))
    assert messages[0]["response"] == "utter_search_result"
    assert "herpes" in messages[0]["passage"].lower() and "Source: " in messages[0]["passage"]


def test_unknown_question_lists_topics(kb: KnowledgeBase) -> None:
    messages, _ = run(ActionAnswerQuestion(), tracker("book me a flight", "out_of_scope"))
    assert messages[0]["response"] == "utter_dont_know"
    for _, label in kb.topics:
        assert label in messages[0]["topics"]


def test_show_topics(kb: KnowledgeBase) -> None:
    messages, _ = run(ActionShowTopics(), tracker("help", "ask_capabilities"))
    assert messages[0]["response"] == "utter_capabilities"
    assert messages[0]["topics"].count("• ") == len(kb.topics)
