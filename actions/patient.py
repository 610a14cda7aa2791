"""Actions for patients' symptom reports: thin adapters from Rasa to bot.patient.service.

* validate_symptom_report_form re-reads every message of the report and asks the
  red-flag screen first, then only what the triage still needs (nothing once a
  red flag is present); action_ask_red_flag_screen asks the screen (bot.patient.screen).
* action_triage gives the disposition (text + {"triage": ...} payload) and clears the
  report slots; the service saves the report with its alert (spooled while the database
  is down, bot.patient.reports.spool).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.runtime import app
from bot.core.roles import role_of
from bot.patient.entity_check import valid_entities
from bot.patient.intake import ANYTHING_ELSE, FORM_SLOTS, SCREEN, Turn, add_turn, progress
from bot.patient.service import FinishedReport, FormState

FORM = "symptom_report_form"
ROLE_SLOT = "role"
TURNS_SLOT = "report_turns"  # [{"id", "text", "entities"}] of the report so far
ASKED_SLOT = "report_asked"  # form slots already asked (the screen once per time asked)
SCREEN_ORDER_SLOT = "report_screen_order"  # option ids in the order the screen listed them
CONTACT_SLOT = "contact_asked"  # the anonymous web chat asked for a study ID or phone
REPORT_SLOTS = (TURNS_SLOT, ASKED_SLOT, SCREEN_ORDER_SLOT, *FORM_SLOTS)


def message_role(tracker: Tracker) -> str:
    """The latest message's role: the channel's metadata, else cues in the text."""
    message = tracker.latest_message or {}
    return role_of(message.get("text"), message.get("metadata"))


def message_participant(tracker: Tracker) -> tuple[str, str] | None:
    """(study ID, site id) the web chat put on the latest message from a personal link."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    study_id, site_id = metadata.get("participant"), metadata.get("site")
    return (study_id, site_id) if isinstance(study_id, str) and isinstance(site_id, str) else None


def asks_contact(tracker: Tracker, reply: FinishedReport, participant: tuple[str, str] | None) -> bool:
    """Ask an unidentified web chat patient once per conversation, after a stored report;
    never after an emergency, whose advice (call the emergency number) must be the last
    thing on the screen, its banner in view."""
    return (
        reply.stored
        and reply.payload["triage"]["disposition"] != "emergency"
        and participant is None
        and not tracker.get_slot(CONTACT_SLOT)
        and tracker.get_latest_input_channel() == "webchat"
    )


def _finish_report(tracker: Tracker, participant: tuple[str, str] | None) -> FinishedReport:
    """The service's finished report for this conversation's turns (or just this message)."""
    turns = _turns(tracker) or _with_latest_message(tracker, ())
    return app().patient.finish_report(
        turns, tracker.get_slot(SCREEN), tracker.sender_id, tracker.get_latest_input_channel(), participant
    )


def _turns(tracker: Tracker) -> tuple[Turn, ...]:
    return tuple(Turn.from_dict(t) for t in tracker.get_slot(TURNS_SLOT) or [])


def _with_latest_message(
    tracker: Tracker, turns: tuple[Turn, ...], requested: str | None = None
) -> tuple[Turn, ...]:
    message = tracker.latest_message or {}
    message_id = message.get("message_id") or next(
        (f"{e.get('timestamp')}" for e in reversed(tracker.events) if e.get("event") == "user"), None
    )
    return add_turn(
        turns, message_id, message.get("text") or "", valid_entities(message.get("entities") or []), requested
    )


class ValidateSymptomReportForm(FormValidationAction):
    """Add the latest message to the report; ask next for what bot.patient.intake says is missing."""

    def name(self) -> str:
        return "validate_symptom_report_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The slots still to ask, from the report in the tracker's slots ([] ends the form)."""
        return list(
            progress(
                _turns(tracker),
                tracker.get_slot(ASKED_SLOT) or [],
                tracker.get_slot(ANYTHING_ELSE),
                tracker.get_slot(SCREEN),
            ).to_ask
        )

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        turns = _with_latest_message(tracker, _turns(tracker), requested)
        return _form_events(turns, _read_reply(tracker, turns, requested))


def _read_reply(tracker: Tracker, turns: tuple[Turn, ...], requested: str | None) -> FormState:
    """The form's state after the latest message, from the report kept in the slots."""
    return app().patient.read_form_reply(
        turns,
        tracker.get_slot(ASKED_SLOT) or [],
        requested,
        (tracker.latest_message or {}).get("text") or "",
        tracker.get_slot(ANYTHING_ELSE),
        tracker.get_slot(SCREEN),
        tracker.get_slot(SCREEN_ORDER_SLOT),
    )


def _form_events(turns: tuple[Turn, ...], state: FormState) -> list[dict[str, Any]]:
    """The slots that keep the report between messages, and the next slot to ask (or none)."""
    return [
        SlotSet(TURNS_SLOT, [t.as_dict() for t in turns]),
        SlotSet(ASKED_SLOT, state.asked),
        SlotSet(ANYTHING_ELSE, state.anything_else),
        *(SlotSet(slot, value) for slot, value in state.slots.items()),
        SlotSet("requested_slot", state.to_ask[0] if state.to_ask else None),
    ]


class ActionAskRedFlagScreen(Action):
    """Ask the red-flag screen: every warning sign in plain words, a button each and
    "none of these"; signs the message hinted at first. Asked again after an unclear answer."""

    def name(self) -> str:
        return "action_ask_red_flag_screen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        again = SCREEN in (tracker.get_slot(ASKED_SLOT) or [])
        prompt = app().patient.screen_prompt(_turns(tracker), again)
        dispatcher.utter_message(text=prompt.text, buttons=prompt.buttons)
        return [SlotSet(SCREEN_ORDER_SLOT, prompt.order)]


class ActionTriage(Action):
    """Give the disposition for the report, save it (alerting if needed), clear the report."""

    def name(self) -> str:
        return "action_triage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        participant = message_participant(tracker)
        reply = _finish_report(tracker, participant)
        dispatcher.utter_message(text=reply.text, json_message=reply.payload)
        events = [SlotSet(slot, None) for slot in REPORT_SLOTS]
        if asks_contact(tracker, reply, participant):
            dispatcher.utter_message(response="utter_ask_contact")
            events.append(SlotSet(CONTACT_SLOT, True))
        return events
