"""Long conversations roll over to a new session at a quiet point (bot.rasa.session_rollover):
the rule on real Rasa trackers, then over REST with a low limit against real servers."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import uuid
from pathlib import Path

import pytest
import rasa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.paths import ROOT
from bot.ops.stack import Stack, start_bot
from bot.rasa.session_rollover import (
    PINNED_RASA,
    max_events,
    rollover_events,
    session_length,
    should_roll_over,
)
from tests.support.rest import RestClient

LIMIT = 40


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def staff_turns(count: int) -> list:
    """`count` answered staff questions, as Rasa logs them."""
    events: list = [SlotSet("role", "staff")]
    for i in range(count):
        events += [
            ActionExecuted("action_listen"),
            UserUttered(f"question {i}", {"name": "ask_premedication"}),
            ActionExecuted("action_answer_question"),
            SlotSet("staff_context", {"topic": "premedication"}),
        ]
    return events + [ActionExecuted("action_listen")]


def tracker(domain: Domain, events: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("t", events, domain.slots)


def test_the_patch_is_pinned_to_the_rasa_it_was_written_for() -> None:
    assert rasa.__version__ == PINNED_RASA  # re-read MessageProcessor._update_tracker_session


def test_the_limit_comes_from_the_environment() -> None:
    assert max_events({}) == 150
    assert max_events({"IAR_SESSION_MAX_EVENTS": "0"}) == 0


@pytest.mark.parametrize(
    "events, rolls",
    [
        (staff_turns(3), False),  # short
        (staff_turns(12), True),  # long, answered
        (staff_turns(12) + [ActiveLoop("symptom_report_form")], False),  # inside a form
        (
            staff_turns(12)[:-1] + [ActionExecuted("utter_ask_forget_me"), ActionExecuted("action_listen")],
            False,
        ),  # awaiting yes/no
        (
            staff_turns(12) + [ActionExecuted("action_session_start"), SessionStarted()] + staff_turns(2),
            False,
        ),  # rolled over already
    ],
)
def test_a_session_rolls_over_only_when_long_and_at_a_quiet_point(
    domain: Domain, events: list, rolls: bool
) -> None:
    assert should_roll_over(tracker(domain, events), LIMIT) is rolls


def test_a_rollover_carries_the_slots_and_starts_a_short_session(domain: Domain) -> None:
    long = tracker(domain, staff_turns(12))
    long.update_with_events(rollover_events(long), domain)
    assert long.get_slot("role") == "staff"
    assert long.get_slot("staff_context") == {"topic": "premedication"}
    assert session_length(long) == 3  # the two slots and the listen, nothing older
    assert not any(isinstance(e, UserUttered) for e in long.applied_events())
    assert not should_roll_over(long, LIMIT)


@pytest.fixture(scope="module")
def short_sessions(trained_model: Path) -> tuple[RestClient, Path]:
    work = Path(tempfile.mkdtemp(prefix="iar-rollover-"))
    stack: Stack = start_bot(work, trained_model, env={"IAR_SESSION_MAX_EVENTS": str(LIMIT)})
    yield RestClient(stack.servers[1].url), work / "tracker.db"
    stack.stop()


def stored_events(db: Path, sender: str) -> list[dict]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def since_session_start(events: list[dict]) -> int:
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    return len(events) - starts[-1] - 1


def fill_session(rest: RestClient, db: Path, who: str) -> None:
    """Staff questions until the current session is over the limit."""
    assert "Source: " in rest.text(who, "how common are IARs?", role="staff")
    while since_session_start(stored_events(db, who)) <= LIMIT:
        assert "Source: " in rest.text(who, "how common are IARs?", role="staff")


@pytest.mark.e2e
@pytest.mark.rasa
def test_a_follow_up_after_a_rollover_gets_the_same_answer_as_without_one(
    short_sessions: tuple[RestClient, Path],
) -> None:
    rest, db = short_sessions
    fresh, long = f"fresh-{uuid.uuid4().hex[:8]}", f"long-{uuid.uuid4().hex[:8]}"
    expected = [
        rest.text(fresh, "premeds?", role="staff"),
        rest.text(fresh, "and for course 2?", role="staff"),
    ]
    fill_session(rest, db, long)
    sessions = sum(e["event"] == "session_started" for e in stored_events(db, long))
    answers = [rest.text(long, "premeds?", role="staff"), rest.text(long, "and for course 2?", role="staff")]
    events = stored_events(db, long)
    assert sum(e["event"] == "session_started" for e in events) == sessions + 1
    assert answers == expected
    users = [e["text"] for e in events if e["event"] == "user"]
    assert users[-2:] == ["premeds?", "and for course 2?"] and len(users) > 6  # history kept


@pytest.mark.e2e
@pytest.mark.rasa
def test_no_rollover_inside_a_symptom_report_or_a_confirmation(
    short_sessions: tuple[RestClient, Path],
) -> None:
    rest, db = short_sessions
    who = f"patient-{uuid.uuid4().hex[:8]}"
    rest.text(who, "hello", role="patient")
    while since_session_start(stored_events(db, who)) <= LIMIT:
        rest.text(who, "hello", role="patient")
    sessions = sum(e["event"] == "session_started" for e in stored_events(db, who))
    answers = iter(["None of these", "nothing else", "mild", "yesterday", "no"])
    replies = rest.say(who, "I've had a mild headache since my infusion yesterday", role="patient")
    while not any(r.get("custom", {}).get("triage") for r in replies):
        replies = rest.say(who, next(answers), role="patient")  # the form's questions
    events = stored_events(db, who)
    first = max(
        i
        for i, e in enumerate(events)
        if e["event"] == "user" and e["text"].startswith("I've had a mild headache")
    )
    assert [e["event"] for e in events[first:]].count("session_started") == 0
    assert sum(e["event"] == "session_started" for e in events) == sessions + 1
    rest.text(who, "please delete my data", role="patient")
    assert "this conversation will be erased" in rest.text(who, "yes", role="patient")
