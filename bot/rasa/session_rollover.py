"""Long conversations roll over to a new session, so a turn's cost stays flat.

Rasa 3.6 loads, deserialises, replays (for featurisation) and sends to the
action server every event of the current session on every turn, and a session
only ends after an hour of silence: a nurse's month-long Slack DM makes each
answer slower than the last (turn 381-400 took 12x turn 1-20). Here a session
that has grown past `max_events` is closed at the start of the next message,
the way Rasa closes an expired one (`session_started`), with every slot carried
over, so follow-ups, the role and quiz state keep working. Nothing is deleted:
the earlier sessions stay in the tracker store for audit and "forget me".

It never rolls over in the middle of something: not while a form (the symptom
report, the quiz) is active, and not right after the bot asked a question
that a rule continues (Rasa's naming: `utter_ask_*` / `action_ask_*`, such as
the "forget me" confirmation).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

PINNED_RASA = "3.6.21"  # the patch replaces MessageProcessor._update_tracker_session of it
MAX_EVENTS_ENV = "IAR_SESSION_MAX_EVENTS"
DEFAULT_MAX_EVENTS = 150
QUESTION_PREFIXES = ("utter_ask_", "action_ask_")


def max_events(env: Mapping[str, str] = os.environ) -> int:
    """Events in a session before it rolls over ($IAR_SESSION_MAX_EVENTS; 0 turns it off)."""
    return int(env.get(MAX_EVENTS_ENV) or DEFAULT_MAX_EVENTS)


def last_bot_action(tracker: Any) -> str | None:
    """The latest action other than action_listen (what the bot did last)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted

    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
    return None


def session_length(tracker: Any) -> int:
    """Events since the latest session start (the SQL store loads only those; the in-memory
    store keeps every session)."""
    from rasa.shared.core.events import SessionStarted

    for count, event in enumerate(reversed(tracker.events)):
        if isinstance(event, SessionStarted):
            return count
    return len(tracker.events)


def should_roll_over(tracker: Any, limit: int) -> bool:
    """True when the session is longer than `limit` events and at a quiet point."""
    if limit <= 0 or session_length(tracker) <= limit or tracker.active_loop_name:
        return False
    last = last_bot_action(tracker) or ""
    return not last.startswith(QUESTION_PREFIXES)


def rollover_events(tracker: Any) -> list[Any]:
    """A new session carrying every slot that is set, as Rasa's action_session_start does
    with carry_over_slots (here for rollovers only; an expired session still starts empty)."""
    from rasa.shared.core.constants import (
        ACTION_LISTEN_NAME,
        ACTION_SESSION_START_NAME,
        REQUESTED_SLOT,
        SESSION_START_METADATA_SLOT,
    )
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

    carried = [
        SlotSet(slot.name, slot.value)
        for slot in tracker.slots.values()
        if slot.value != slot.initial_value and slot.name not in (REQUESTED_SLOT, SESSION_START_METADATA_SLOT)
    ]
    return [
        ActionExecuted(ACTION_SESSION_START_NAME),
        SessionStarted(),
        *carried,
        ActionExecuted(ACTION_LISTEN_NAME),
    ]


def install(limit: int | None = None) -> None:
    """Patch Rasa's per-message session check to also roll over long sessions."""
    import rasa
    from rasa.core.processor import MessageProcessor

    if rasa.__version__ != PINNED_RASA:
        raise RuntimeError(
            f"bot.rasa.session_rollover patches Rasa {PINNED_RASA}, found "
            f"{rasa.__version__}: check MessageProcessor._update_tracker_session"
        )
    limit = max_events() if limit is None else limit
    update_session = MessageProcessor._update_tracker_session

    async def update_or_roll_over(
        self: MessageProcessor, tracker: Any, output_channel: Any, metadata: dict | None = None
    ) -> None:
        await update_session(self, tracker, output_channel, metadata)
        if should_roll_over(tracker, limit):
            tracker.update_with_events(rollover_events(tracker), self.domain)

    MessageProcessor._update_tracker_session = update_or_roll_over
