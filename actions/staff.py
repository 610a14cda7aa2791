"""Actions answering site staff's protocol questions from the knowledge base."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.patient import FORM as SYMPTOM_REPORT_FORM, message_role
from bot.roles import PATIENT
from bot.answers import answer_question
from bot.kb.instance import knowledge_base
from bot.roles import staff_intent


def topic_list() -> str:
    """The topics the knowledge base covers, one bullet each."""
    return "\n".join(f"• {label}" for _, label in knowledge_base().topics)


class ActionAnswerQuestion(Action):
    """Answer the latest message from the knowledge base, with its source line.

    A patient never gets staff protocol text: whatever a patient's message is
    classified as, it goes to the symptom report, where a message the bot does not
    understand gets the red-flag screen and is never routine. Staff describing a
    patient's symptoms get the management or delayed-reaction answer
    (bot.roles.staff_intent).
    """

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        message = tracker.latest_message
        if message_role(tracker) == PATIENT:
            return [FollowupAction(SYMPTOM_REPORT_FORM)]
        text, entities = message.get("text") or "", message.get("entities") or []
        intent = staff_intent((message.get("intent") or {}).get("name"), text, entities)
        reply = answer_question(knowledge_base(), intent, entities, text)
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
        if message_role(tracker) == PATIENT:  # a patient never gets the staff topic list
            dispatcher.utter_message(response="utter_patient_help")
        else:
            dispatcher.utter_message(response="utter_capabilities", topics=topic_list())
        return []
