"""Actions answering site staff's protocol questions from the knowledge base."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import answer_question
from bot.kb.instance import knowledge_base


def topic_list() -> str:
    """The topics the knowledge base covers, one bullet each."""
    return "\n".join(f"• {label}" for _, label in knowledge_base().topics)


class ActionAnswerQuestion(Action):
    """Answer the latest message from the knowledge base, with its source line."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        message = tracker.latest_message
        reply = answer_question(
            knowledge_base(), (message.get("intent") or {}).get("name"),
            message.get("entities") or [], message.get("text") or "")
        if reply.kind == "answer":
            dispatcher.utter_message(text=reply.text)
        elif reply.kind == "search":
            dispatcher.utter_message(response="utter_search_result", passage=reply.text)
        elif reply.kind == "other_drug":
            dispatcher.utter_message(response="utter_other_drug", drug=reply.drug)
        else:
            dispatcher.utter_message(response="utter_dont_know", topics=topic_list())
        return []


class ActionShowTopics(Action):
    """List what the assistant can answer, from the knowledge base's topics."""

    def name(self) -> str:
        return "action_show_topics"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_capabilities", topics=topic_list())
        return []
