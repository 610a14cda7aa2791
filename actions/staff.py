"""Actions answering site staff's protocol questions: thin adapters from Rasa to bot.staff.service."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.patient import FORM as SYMPTOM_REPORT_FORM
from actions.patient import message_role
from actions.runtime import app
from bot.core.roles import STAFF, bare_answer
from bot.staff.answers import Reply

CONTEXT_SLOT = "staff_context"
YES_NO = ("affirm", "deny")


def topic_list() -> str:
    """The topics the knowledge base covers, one bullet each."""
    return "\n".join(f"• {label}" for label in app().staff.topics())


def utter_reply(
    dispatcher: CollectingDispatcher, reply: Reply, raw_intent: str | None
) -> list[dict[str, Any]]:
    """Send a Reply the way its kind is shown (text, search passage, offer buttons, …)."""
    if reply.kind in ("answer", "reaction"):
        dispatcher.utter_message(text=reply.text)
    elif reply.kind == "search":
        dispatcher.utter_message(response="utter_search_result", passage=reply.text)
    elif reply.kind in ("offer", "closest"):
        dispatcher.utter_message(
            response="utter_offer" if reply.kind == "offer" else "utter_offer_closest",
            titles="\n".join(f"• {t}" for _, t in reply.offers),
            buttons=[
                {"title": title, "payload": f'/show_entry{{"kb_entry": "{entry_id}"}}'}
                for entry_id, title in reply.offers
            ],
        )
    elif reply.kind == "not_covered":
        dispatcher.utter_message(response="utter_not_covered", asked=reply.asked, covered=reply.covered)
    elif reply.kind == "outside":
        dispatcher.utter_message(response="utter_outside_scope", topic=reply.asked)
    elif reply.kind == "other_drug":
        dispatcher.utter_message(response="utter_other_drug", drug=reply.drug)
    elif reply.kind == "quiz":
        return [FollowupAction("action_start_quiz")]
    elif reply.kind == "no_quiz":
        dispatcher.utter_message(response="utter_quiz_no_active")
    elif raw_intent in YES_NO:
        dispatcher.utter_message(response="utter_ok")
    else:
        dispatcher.utter_message(response="utter_dont_know", topics=topic_list())
    return [SlotSet(CONTEXT_SLOT, reply.context)] if reply.context else []


def answer_staff_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Answer the latest staff message from the knowledge base (also used mid-quiz)."""
    message = tracker.latest_message
    nlu = message.get("intent") or {}
    reply = app().staff.answer(
        nlu.get("name"),
        message.get("text") or "",
        message.get("entities") or [],
        float(nlu.get("confidence") or 0.0),
        tracker.get_slot(CONTEXT_SLOT),
    )
    return utter_reply(dispatcher, reply, nlu.get("name"))


class ActionAnswerQuestion(Action):
    """Answer the latest message from the knowledge base, with its source line.

    A patient never gets staff protocol text: a patient's message of any intent
    goes to the symptom report, where a message the bot does not understand gets
    the red-flag screen and is never routine; only a bare yes or no outside any
    question gets a short reply. Staff describing a patient's symptoms get
    the grade and management for it (bot.staff.answers). A short follow-up reuses the
    previous question's topic, kept in the `staff_context` slot.
    """

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if message_role(tracker) == STAFF:
            return answer_staff_question(dispatcher, tracker)
        message = tracker.latest_message
        if (message.get("intent") or {}).get("name") in YES_NO and bare_answer(
            message.get("text") or "", message.get("entities") or []
        ):
            dispatcher.utter_message(response="utter_ok")
            return []
        return [FollowupAction(SYMPTOM_REPORT_FORM)]


class ActionShowTopics(Action):
    """List what the assistant can answer, from the knowledge base's topics."""

    def name(self) -> str:
        return "action_show_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if message_role(tracker) != STAFF:  # a patient never gets the staff topic list
            dispatcher.utter_message(response="utter_patient_help")
        else:
            dispatcher.utter_message(response="utter_capabilities", topics=topic_list())
        return []
