"""'Forget me': the conversation erased by the dispatcher shortly after, the reports and
their alerts kept (unlinked from the sender), so an erasure never cancels or delays a
safety alert; nobody else's data touched. Unit tests on SQLite, then end to end over REST."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.core.paths import ROOT
from bot.core.sites import get_site
from bot.ops.stack import Stack
from bot.patient.alerts import deliver_pending
from bot.patient.findings import Finding
from bot.patient.privacy import (
    ERASE_DELAY,
    TRACKER_DB_ENV,
    ErasureRequest,
    erase_due,
    request_erasure,
    sender_hash,
    tracker_db_url,
)
from bot.patient.reports.models import AlertOutbox, PatientReport, utcnow
from bot.patient.reports.store import save_report
from bot.patient.triage import Report, triage
from tests.support.alert_webhook import AlertWebhook
from tests.support.patient_helpers import reports_of, wait_until
from tests.support.rest import RestClient
from tests.support.userdb import session_factory

URGENT = Report((Finding("fever", "fever", 0, 5, "present"),), temperature_c=38.6, days_since_infusion=2)


@pytest.fixture
def sessions(tmp_path: Path):
    return session_factory(f"sqlite:///{tmp_path / 'userdata.db'}")


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    """A tracker store with Rasa's `events` table and two conversations."""
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
            "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
        )
        db.executemany(
            "INSERT INTO events (sender_id, type_name, data) VALUES (?, 'user', '{}')",
            [("alice",), ("alice",), ("bob",)],
        )
    return path


def report_for(sessions, sender: str) -> int:
    return save_report(
        sessions,
        sender_id=sender,
        channel="rest",
        text="fever 38.6",
        report=URGENT,
        decision=triage(URGENT),
        site=get_site(),
        dedupe_key=f"{sender}:{uuid.uuid4()}",
    ).report_id


def senders_in(tracker: Path) -> list[str]:
    with sqlite3.connect(tracker) as db:
        return [s for (s,) in db.execute("SELECT sender_id FROM events ORDER BY id")]


def all_rows(sessions) -> tuple[list[PatientReport], list[AlertOutbox]]:
    with sessions() as s:
        return (
            s.execute(select(PatientReport).order_by(PatientReport.id)).scalars().all(),
            s.execute(select(AlertOutbox).order_by(AlertOutbox.id)).scalars().all(),
        )


def test_a_request_touches_no_report_and_no_alert(sessions) -> None:
    report_for(sessions, "alice")
    report_for(sessions, "bob")
    before = all_rows(sessions)
    request_erasure(sessions, "alice")
    after = all_rows(sessions)
    assert [(r.id, r.sender_id) for r in after[0]] == [(r.id, r.sender_id) for r in before[0]]
    assert [(a.id, a.delivered_at) for a in after[1]] == [(a.id, None) for a in before[1]]
    with sessions() as s:
        [request] = s.execute(select(ErasureRequest)).scalars().all()
    assert (request.sender_id, request.done_at) == ("alice", None)


def test_dispatcher_erases_the_conversation_and_keeps_the_reports_unlinked(sessions, tracker) -> None:
    first = report_for(sessions, "alice")
    request_erasure(sessions, "alice")
    assert erase_due(sessions, f"sqlite:///{tracker}") == 0  # the turn may still be saving
    later = utcnow() + timedelta(seconds=ERASE_DELAY + 1)
    second = report_for(sessions, "alice")  # e.g. a spooled report saved meanwhile
    bobs = report_for(sessions, "bob")
    assert erase_due(sessions, f"sqlite:///{tracker}", now=later) == 1
    assert senders_in(tracker) == ["bob"]
    reports, alerts = all_rows(sessions)
    assert [(r.id, r.sender_id) for r in reports] == [
        (first, sender_hash("alice")),
        (second, sender_hash("alice")),
        (bobs, "bob"),
    ]
    assert [a.report_id for a in alerts] == [first, second, bobs]
    assert all(r.text == "fever 38.6" and r.disposition == "urgent" for r in reports)
    with sessions() as s:
        [request] = s.execute(select(ErasureRequest)).scalars().all()
    assert request.sender_id == sender_hash("alice") and request.done_at is not None
    assert (request.reports_unlinked, request.events_deleted) == (2, 2)
    assert erase_due(sessions, f"sqlite:///{tracker}", now=later) == 0  # done once
    posted: list[dict] = []
    run = deliver_pending(
        "http://hook.invalid/",
        sessions,
        post=lambda url, json, timeout: posted.append(json) or SimpleNamespace(status_code=200, text="ok"),
    )
    assert run.delivered == 3 and f"report #{first}\n" in posted[0]["text"]


def test_a_stored_dedupe_key_does_not_name_the_sender(sessions) -> None:
    report_for(sessions, "alice")
    [report], _ = all_rows(sessions)
    assert report.dedupe_key.startswith("sha256:") and "alice" not in report.dedupe_key


def test_tracker_database_comes_from_the_environment_or_endpoints_yml(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(TRACKER_DB_ENV, raising=False)
    assert tracker_db_url().endswith("/build/tracker.db")
    prod = tmp_path / "endpoints.yml"
    prod.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n")
    assert tracker_db_url(prod) is None
    monkeypatch.setenv(TRACKER_DB_ENV, "postgresql://iar@db/iar_tracker")
    assert tracker_db_url(prod) == "postgresql://iar@db/iar_tracker"


def test_with_another_build_dir_forget_me_erases_the_tracker_rasa_was_given(tmp_path: Path) -> None:
    """`IAR_BUILD_DIR=… make run` gives Rasa $IAR_BUILD_DIR/tracker.db; the dispatcher's
    'forget me' must erase that file, not build/tracker.db under the project."""
    env = {**os.environ, "IAR_BUILD_DIR": str(tmp_path / "elsewhere"), "PYTHONPATH": str(ROOT)}
    env.pop(TRACKER_DB_ENV, None)
    script = (
        "from bot.ops.stack import local_endpoints; from bot.patient.privacy import tracker_db_url; "
        "local_endpoints(5055); print(tracker_db_url())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, text=True, capture_output=True, check=True
    ).stdout.strip()
    assert out == f"sqlite:///{tmp_path / 'elsewhere' / 'tracker.db'}"


def file_report(rest: RestClient, sender: str) -> None:
    rest.say(sender, "I've had a mild headache since my infusion yesterday", role="patient")
    rest.say(sender, "None of these", role="patient")  # the red-flag screen
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
    assert "this conversation will be erased" in rest.text(me, "yes", role="patient")
    wait_until(lambda: me not in senders_in(tracker), what="conversation erased")
    assert reports_of(user_db_url, me) == [] and len(reports_of(user_db_url, sender_hash(me))) == 1
    assert other in senders_in(tracker) and len(reports_of(user_db_url, other)) == 1
    assert "Do you have any of these right now?" in rest.text(me, "I have a headache", role="patient")


def forget_me_right_after_a_red_flag(rest: RestClient, sender: str) -> None:
    """Chest pain, then "forget me" and "yes" within 0.1 s of the emergency reply."""
    replies = rest.say(sender, "I have chest pain", role="patient")
    assert any(
        (r.get("custom") or {}).get("triage", {}).get("disposition") == "emergency" for r in replies
    ), replies
    started = time.monotonic()
    rest.say(sender, "forget me", role="patient")
    assert "this conversation will be erased" in rest.text(sender, "yes", role="patient")
    assert time.monotonic() - started < 5


def erasure_done(user_db_url: str, sender: str) -> bool:
    with session_factory(user_db_url)() as s:
        return (
            s.execute(
                select(ErasureRequest).where(
                    ErasureRequest.sender_id == sender_hash(sender), ErasureRequest.done_at.is_not(None)
                )
            ).first()
            is not None
        )


@pytest.mark.e2e
def test_forget_me_right_after_chest_pain_keeps_the_report_and_its_alert(
    rest: RestClient, servers: Stack, user_db_url: str, alert_webhook: AlertWebhook
) -> None:
    me = f"patient-forget-red-{uuid.uuid4().hex[:6]}"
    forget_me_right_after_a_red_flag(rest, me)
    [report] = wait_until(
        lambda: reports_of(user_db_url, me) or reports_of(user_db_url, sender_hash(me)), what="report stored"
    )
    assert "EMERGENCY" in alert_webhook.wait_for(f"report #{report.id}\n", timeout=30)
    wait_until(lambda: erasure_done(user_db_url, me), what="erasure done")
    [kept] = reports_of(user_db_url, sender_hash(me))
    assert (kept.id, kept.disposition, kept.text) == (report.id, "emergency", "I have chest pain")


@pytest.mark.e2e
def test_forget_me_while_the_webhook_is_down_still_delivers_the_alert_later(
    rest: RestClient, servers: Stack, user_db_url: str, alert_webhook: AlertWebhook
) -> None:
    me = f"patient-forget-down-{uuid.uuid4().hex[:6]}"
    alert_webhook.stop()
    try:
        forget_me_right_after_a_red_flag(rest, me)
        wait_until(lambda: erasure_done(user_db_url, me), what="erasure done")
        [report] = reports_of(user_db_url, sender_hash(me))
        with session_factory(user_db_url)() as s:
            [alert] = s.execute(select(AlertOutbox).where(AlertOutbox.report_id == report.id)).scalars().all()
        assert alert.delivered_at is None
    finally:
        alert_webhook.start()
    assert "EMERGENCY" in alert_webhook.wait_for(f"report #{report.id}\n", timeout=60)
