"""'Forget me': reports deleted at once, the conversation erased by the dispatcher shortly
after, nobody else's data touched. Unit tests on SQLite, then end to end over REST."""
from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.nlp.findings import Finding
from bot.privacy import (
    ERASE_DELAY, TRACKER_DB_ENV, ErasureRequest, erase_due, request_erasure, sender_hash,
    tracker_db_url,
)
from bot.reports.models import AlertOutbox, PatientReport, utcnow
from bot.reports.store import save_report
from bot.sites import get_site
from bot.stack import Stack
from bot.triage import Report, triage
from bot.userdb import session_factory
from tests.conftest import RestClient
from tests.patient_helpers import reports_of, wait_until

URGENT = Report((Finding("fever", "fever", 0, 5, "present"),), temperature_c=38.6,
                days_since_infusion=2)


@pytest.fixture
def sessions(tmp_path: Path):
    return session_factory(f"sqlite:///{tmp_path / 'userdata.db'}")


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    """A tracker store with Rasa's `events` table and two conversations."""
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                   "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)")
        db.executemany("INSERT INTO events (sender_id, type_name, data) VALUES (?, 'user', '{}')",
                       [("alice",), ("alice",), ("bob",)])
    return path


def report_for(sessions, sender: str) -> int:
    return save_report(sessions, sender_id=sender, channel="rest", text="fever 38.6",
                       report=URGENT, decision=triage(URGENT), site=get_site(),
                       dedupe_key=f"{sender}:{uuid.uuid4()}").report_id


def senders_in(tracker: Path) -> list[str]:
    with sqlite3.connect(tracker) as db:
        return [s for (s,) in db.execute("SELECT sender_id FROM events ORDER BY id")]


def test_request_deletes_the_senders_reports_and_alerts_only(sessions) -> None:
    report_for(sessions, "alice")
    kept = report_for(sessions, "bob")
    assert request_erasure(sessions, "alice") == 1
    with sessions() as s:
        assert [r.id for r in s.execute(select(PatientReport)).scalars()] == [kept]
        assert [a.report_id for a in s.execute(select(AlertOutbox)).scalars()] == [kept]
        [request] = s.execute(select(ErasureRequest)).scalars().all()
    assert (request.sender_id, request.reports_deleted, request.done_at) == ("alice", 1, None)


def test_dispatcher_erases_the_conversation_once_the_request_is_due(sessions, tracker) -> None:
    request_erasure(sessions, "alice")
    assert erase_due(sessions, f"sqlite:///{tracker}") == 0  # the turn may still be saving
    later = utcnow() + timedelta(seconds=ERASE_DELAY + 1)
    report_for(sessions, "alice")  # e.g. a spooled report saved meanwhile
    assert erase_due(sessions, f"sqlite:///{tracker}", now=later) == 1
    assert senders_in(tracker) == ["bob"]
    with sessions() as s:
        [request] = s.execute(select(ErasureRequest)).scalars().all()
        assert s.execute(select(PatientReport)).scalars().all() == []
    assert request.sender_id == sender_hash("alice") and request.done_at is not None
    assert (request.reports_deleted, request.events_deleted) == (1, 2)
    assert erase_due(sessions, f"sqlite:///{tracker}", now=later) == 0  # done once


def test_tracker_database_comes_from_the_environment_or_endpoints_yml(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(TRACKER_DB_ENV, raising=False)
    assert tracker_db_url().endswith("/build/tracker.db")
    prod = tmp_path / "endpoints.yml"
    prod.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n")
    assert tracker_db_url(prod) is None
    monkeypatch.setenv(TRACKER_DB_ENV, "postgresql://iar@db/iar_tracker")
    assert tracker_db_url(prod) == "postgresql://iar@db/iar_tracker"






def file_report(rest: RestClient, sender: str) -> None:
    rest.say(sender, "I've had a mild headache since my infusion yesterday", role="patient")
    replies = rest.say(sender, "no", role="patient")
    assert any("triage" in (r.get("custom") or {}) for r in replies), replies


@pytest.mark.e2e
def test_forget_me_end_to_end(rest: RestClient, servers: Stack, user_db_url: str) -> None:
    tracker = servers.servers[1].log.parent / "tracker.db"
    me, other = (f"patient-forget-{name}-{uuid.uuid4().hex[:6]}" for name in ("me", "other"))
    for sender in (me, other):
        file_report(rest, sender)
        wait_until(lambda: reports_of(user_db_url, sender), what="report stored")
    asked = rest.say(me, "please delete all my data", role="patient")
    assert "cannot be undone" in asked[0]["text"]
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/affirm", "/deny"]
    assert "kept everything" in rest.text(me, "no", role="patient")
    assert reports_of(user_db_url, me)
    rest.say(me, "delete my data", role="patient")
    assert "I have deleted your symptom reports" in rest.text(me, "yes", role="patient")
    assert reports_of(user_db_url, me) == []
    wait_until(lambda: me not in senders_in(tracker), what="conversation erased")
    assert other in senders_in(tracker) and len(reports_of(user_db_url, other)) == 1
    assert "mild, moderate or severe" in rest.text(me, "I have a headache", role="patient")
