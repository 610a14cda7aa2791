"""'Forget me': a thin adapter from Rasa to bot.patient.privacy."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.patient.privacy import request_erasure
from bot.core.userdb import session_factory

log = logging.getLogger(__name__)


class ActionForgetMe(Action):
    """Record the request; the dispatcher erases the conversation shortly after and unlinks the
    sender's reports, which are kept with their alerts (bot.patient.privacy)."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        request_erasure(session_factory(), tracker.sender_id)
        log.info("erasure requested")
        dispatcher.utter_message(response="utter_forget_me_done")
        return [AllSlotsReset()]
