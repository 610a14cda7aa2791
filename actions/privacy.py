"""'Forget me': a thin adapter from Rasa to bot.patient.service."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.runtime import app


class ActionForgetMe(Action):
    """Record the request; the dispatcher erases the conversation shortly after and unlinks the
    sender's reports, which are kept with their alerts (bot.patient.privacy)."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        app().patient.forget(tracker.sender_id)
        dispatcher.utter_message(response="utter_forget_me_done")
        return [AllSlotsReset()]
