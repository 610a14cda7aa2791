"""Red flags when the action server is down: the Rasa server triages them itself.

Triage normally runs in the action server (actions/patient.py). When a custom
action fails during a patient's turn, the Rasa server still knows what the
message said: its own NLU (SymptomExtractor) put the symptom entities on the
message, stored in the tracker. `with_red_flag_fallback` wraps a channel's
`on_new_message`; after a failed turn it triages the patient's message with
bot.patient.triage and, when it is an emergency:

* the patient gets the emergency reply for that sign (knowledge wording, the
  site's numbers; with the triage payload, so the web chat shows its banner)
  first, before whatever the bot managed to say and the generic safe reply that
  bot.rasa.channels.safety adds (the channel's output must be a CollectingOutputChannel);
* the report is appended to the report spool (bot.patient.reports.spool), which the alert
  dispatcher saves, with its alert, on its next pass. Its dedupe key is the one
  action_triage uses for that message (sender:message id), so the report and its
  alert exist exactly once even if the action did run after all. The Rasa server
  needs no database for this, and the report does not wait for the action server.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.core.roles import PATIENT, role_of
from bot.core.sites import Site
from bot.patient.intake import triage_payload
from bot.patient.reports.spool import append
from bot.patient.reports.store import report_columns
from bot.patient.triage import Decision, Report, format_reply, triage
from bot.rasa.channels.safety import turn_failed

log = logging.getLogger(__name__)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class ParsedMessage:
    """A user message as the Rasa server's NLU read it."""

    message_id: str
    text: str
    entities: list[dict[str, Any]]


ReadMessage = Callable[[UserMessage], Awaitable[ParsedMessage]]


def emergency_of(
    entities: list[dict[str, Any]], text: str, metadata: dict[str, Any] | None
) -> tuple[Report, Decision] | None:
    """The report and decision of a patient's message when it is an emergency, else None."""
    if role_of(text, metadata) != PATIENT:
        return None
    report = Report.from_entities(entities)
    decision = triage(report)
    return (report, decision) if decision.disposition == "emergency" else None


def tracker_reader(agent: Any) -> ReadMessage:
    """Read a handled message back from the tracker (the entities the turn used); parse
    it again if the turn failed before the message was stored."""

    async def read(message: UserMessage) -> ParsedMessage:
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        latest = tracker.latest_message if tracker is not None else None
        if latest is not None and latest.message_id == message.message_id:
            return ParsedMessage(message.message_id, latest.text or "", list(latest.entities))
        parsed = await agent.parse_message(message.text)
        return ParsedMessage(message.message_id, message.text, parsed.get("entities") or [])

    return read


async def holds_red_flag(agent: Any, text: str, metadata: dict[str, Any] | None) -> bool:
    """Whether a patient's message is an emergency by the Rasa server's own NLU (no turn)."""
    parsed = await agent.parse_message(text)
    return emergency_of(parsed.get("entities") or [], text, metadata) is not None


async def triage_failed_turn(
    message: UserMessage, read: ReadMessage, site: Site, spool: Callable[[dict[str, Any]], None] = append
) -> None:
    """After a failed turn: the emergency reply and a spooled report, if it holds a red flag."""
    parsed = await read(message)
    found = emergency_of(parsed.entities, parsed.text, message.metadata)
    if found is None:
        return
    report, decision = found
    advice = CollectingOutputChannel()
    await advice.send_response(
        message.sender_id, {"text": format_reply(decision, site), "custom": triage_payload(decision)}
    )
    message.output_channel.messages[:0] = advice.messages  # first, before anything else said
    columns = report_columns(
        sender_id=message.sender_id,
        channel=message.input_channel,
        text=parsed.text,
        report=report,
        decision=decision,
        site=site,
        dedupe_key=f"{message.sender_id}:{parsed.message_id}",
    )
    await asyncio.to_thread(spool, columns)
    log.warning(
        "custom action failed: red flag (%s) of %s triaged by the Rasa server; report spooled",
        decision.rule_id,
        message.sender_id,
    )


def with_red_flag_fallback(on_new_message: OnNewMessage, read: ReadMessage, site: Site) -> OnNewMessage:
    """`on_new_message` followed, when a custom action failed, by triage_failed_turn."""

    async def handle(message: UserMessage) -> None:
        try:
            await on_new_message(message)
        except Exception:
            await _fall_back(message, read, site)
            raise
        if turn_failed():
            await _fall_back(message, read, site)

    return handle


async def _fall_back(message: UserMessage, read: ReadMessage, site: Site) -> None:
    try:
        await triage_failed_turn(message, read, site)
    except Exception:  # the patient still gets the safe reply with the emergency number
        log.exception("red-flag fallback failed for %s", message.sender_id)
