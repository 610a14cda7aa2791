"""Actions for patients' symptom reports: thin adapters from Rasa to bot.patient.intake / bot.patient.triage.

* action_validate_slot_mappings sets the `role` slot on every message (bot.core.roles).
* validate_symptom_report_form re-reads every message of the report and asks the
  red-flag screen first, then only what the triage still needs (nothing once a
  red flag is present); action_ask_red_flag_screen asks the screen (bot.patient.screen).
* action_triage gives the disposition (text + {"triage": ...} payload), saves the
  report with its alert (bot.patient.reports.store; spooled while the database is down,
  bot.patient.reports.spool) and clears the report slots.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker, ValidationAction
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.patient.entity_check import valid_entities
from bot.patient.intake import (
    ANYTHING_ELSE, FORM_SLOTS, SCREEN, Turn, add_turn, patient_text, progress, report_of,
    screen_answer, should_store, triage_payload,
)
from bot.patient.reports.spool import save_or_spool
from bot.patient.reports.store import report_columns
from bot.core.roles import role_of
from bot.patient.nlp.red_flag_similarity import detector
from bot.patient.screen import load_screen, ordered_options
from bot.core.sites import get_site
from bot.patient.triage import format_reply, triage
from bot.core.userdb import session_factory

FORM = "symptom_report_form"
ROLE_SLOT = "role"
TURNS_SLOT = "report_turns"  # [{"id", "text", "entities"}] of the report so far
ASKED_SLOT = "report_asked"  # form slots already asked (the screen once per time asked)
SCREEN_ORDER_SLOT = "report_screen_order"  # option ids in the order the screen listed them
HINT_CHARS = 1000  # the detector reads at most this much of a report (its cost grows with length)
REPORT_SLOTS = (TURNS_SLOT, ASKED_SLOT, SCREEN_ORDER_SLOT, *FORM_SLOTS)
log = logging.getLogger(__name__)


def message_role(tracker: Tracker) -> str:
    """The latest message's role: the channel's metadata, else cues in the text."""
    message = tracker.latest_message or {}
    return role_of(message.get("text"), message.get("metadata"))


def _turns(tracker: Tracker) -> tuple[Turn, ...]:
    return tuple(Turn.from_dict(t) for t in tracker.get_slot(TURNS_SLOT) or [])


def _with_latest_message(tracker: Tracker, turns: tuple[Turn, ...],
                         requested: str | None = None) -> tuple[Turn, ...]:
    message = tracker.latest_message or {}
    message_id = message.get("message_id") or next(
        (f"{e.get('timestamp')}" for e in reversed(tracker.events) if e.get("event") == "user"),
        None)
    return add_turn(turns, message_id, message.get("text") or "",
                    valid_entities(message.get("entities") or []),
                    requested)


class ActionValidateSlotMappings(ValidationAction):
    """Runs after every user message: who is writing (slot `role`)."""

    async def extract_role(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        return {ROLE_SLOT: message_role(tracker)}

    async def validate_role(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {ROLE_SLOT: value}


class ValidateSymptomReportForm(FormValidationAction):
    """Add the latest message to the report; ask next for what bot.patient.intake says is missing."""

    def name(self) -> str:
        return "validate_symptom_report_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        """The slots still to ask, from the report in the tracker's slots ([] ends the form)."""
        return list(progress(_turns(tracker), tracker.get_slot(ASKED_SLOT) or [],
                             tracker.get_slot(ANYTHING_ELSE), tracker.get_slot(SCREEN)).to_ask)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        requested = tracker.get_slot("requested_slot")
        turns = _with_latest_message(tracker, _turns(tracker), requested)
        asked = list(tracker.get_slot(ASKED_SLOT) or [])
        if requested in FORM_SLOTS and (requested not in asked or requested == SCREEN):
            asked.append(requested)
        anything_else, screen = tracker.get_slot(ANYTHING_ELSE), tracker.get_slot(SCREEN)
        if requested == ANYTHING_ELSE and anything_else is None:
            anything_else = (message.get("text") or "").strip() or "-"
        if requested == SCREEN:
            screen = screen_answer(message.get("text") or "", screen, asked.count(SCREEN),
                                   tracker.get_slot(SCREEN_ORDER_SLOT))
        state = progress(turns, asked, anything_else, screen)
        events = [SlotSet(TURNS_SLOT, [t.as_dict() for t in turns]), SlotSet(ASKED_SLOT, asked),
                  SlotSet(ANYTHING_ELSE, anything_else),
                  *(SlotSet(slot, value) for slot, value in state.slots.items())]
        tracker.add_slots(events)
        to_ask = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return events + [SlotSet("requested_slot", to_ask[0] if to_ask else None)]


def screen_hints(turns: tuple[Turn, ...]) -> list[str]:
    """Signs the report hints at, most likely first: the symptoms read in it (any
    status); when the rules read none, the signs the sentence-embedding detector finds
    close to the patient's words (at its name_first threshold)."""
    named = [str(e.get("value")) for t in turns for e in t.entities if e.get("entity") == "symptom"]
    if named:
        return named
    found = detector()
    return [m.sign for m in found.signs_at(patient_text(turns)[:HINT_CHARS],
                                           found.thresholds.name_first)]


class ActionAskRedFlagScreen(Action):
    """Ask the red-flag screen: every warning sign in plain words, a button each and
    "none of these"; signs the message hinted at first. Asked again after an unclear answer."""

    def name(self) -> str:
        return "action_ask_red_flag_screen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        screen = load_screen()
        options = ordered_options(screen, screen_hints(_turns(tracker)))
        again = SCREEN in (tracker.get_slot(ASKED_SLOT) or [])
        listing = "\n".join(f"{i}. {o.label}" for i, o in enumerate(options, start=1))
        buttons = [{"title": o.label, "payload": o.label} for o in options]
        buttons.append({"title": screen.none, "payload": screen.none})
        dispatcher.utter_message(text=f"{screen.reask if again else screen.question}\n{listing}",
                                 buttons=buttons)
        return [SlotSet(SCREEN_ORDER_SLOT, [o.id for o in options])]


class ActionTriage(Action):
    """Give the disposition for the report, save it (alerting if needed), clear the report."""

    def name(self) -> str:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        turns = _turns(tracker) or _with_latest_message(tracker, ())
        report = report_of(turns, tracker.get_slot(SCREEN))
        decision = triage(report)
        site = get_site()
        dispatcher.utter_message(text=format_reply(decision, site),
                                 json_message=triage_payload(decision))
        if should_store(decision):
            try:  # a database down: the report waits in the spool (bot.patient.reports.spool)
                save_or_spool(report_columns(
                    sender_id=tracker.sender_id, channel=tracker.get_latest_input_channel(),
                    text=patient_text(turns), report=report, decision=decision, site=site,
                    dedupe_key=f"{tracker.sender_id}:{turns[-1].id}"), site, session_factory)
            except Exception:  # the patient has their advice; the failure goes to the log
                log.exception("could not save the %s report of %s", decision.disposition,
                              tracker.sender_id)
        return [SlotSet(slot, None) for slot in REPORT_SLOTS]
