"""Alert delivery through the outbox to a local incoming webhook (no alert is ever lost)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.sites import Site
from bot.ops.cli import main as cli
from bot.patient.alerts import BURST_WINDOW, DETAILED, deliver_pending, retry_delay, run_dispatcher
from bot.patient.findings import Finding
from bot.patient.reports.models import AlertOutbox, utcnow
from bot.patient.reports.store import save_report
from bot.patient.triage import Report, triage
from tests.support.alert_webhook import AlertWebhook
from tests.support.userdb import session_factory

SITE = Site(
    id="test",
    name="Test Site",
    emergency_number="000",
    site_phone="+61 491 570 006",
    on_call="Ask for the trial nurse.",
)


@pytest.fixture
def sessions(tmp_path: Path):
    return session_factory(f"sqlite:///{tmp_path / 'userdata.db'}")


@pytest.fixture
def webhook():
    hook = AlertWebhook().start()
    yield hook
    hook.stop()


def enqueue(sessions, key: str, symptom: str = "chest_pain") -> int:
    report = Report((Finding(symptom, symptom, 0, 0),), temperature_c=38.6)
    return save_report(
        sessions,
        sender_id="patient-9",
        channel="rest",
        text="words",
        report=report,
        decision=triage(report),
        site=SITE,
        dedupe_key=key,
    ).alert_id


def outbox(sessions) -> list[AlertOutbox]:
    with sessions() as s:
        return s.execute(select(AlertOutbox).order_by(AlertOutbox.id)).scalars().all()


def test_pending_alert_is_delivered_once(sessions, webhook: AlertWebhook) -> None:
    enqueue(sessions, "k1")
    run = deliver_pending(webhook.url, sessions)
    assert (run.delivered, run.failed, run.pending) == (1, 0, 0)
    assert len(webhook.received) == 1
    body = webhook.received[0]
    assert body["content_type"] == "application/json" and set(body["json"]) == {"text", "blocks"}
    buttons = body["json"]["blocks"][-1]["elements"]  # Slack shows them; Teams reads the text
    assert [b["action_id"] for b in buttons] == ["iar_ack", "iar_close"]
    assert body["json"]["text"].startswith("EMERGENCY") and "heart-signs" in body["json"]["text"]
    [alert] = outbox(sessions)
    assert alert.delivered_at is not None and alert.attempts == 1 and alert.last_error is None
    assert deliver_pending(webhook.url, sessions).delivered == 0  # never sent twice
    assert len(webhook.received) == 1


def test_webhook_down_then_back_loses_nothing(sessions, webhook: AlertWebhook) -> None:
    webhook.stop()  # connections refused
    enqueue(sessions, "k1")
    enqueue(sessions, "k2", "fever")
    now = utcnow()
    run = deliver_pending(webhook.url, sessions, now)
    assert (run.delivered, run.failed, run.pending) == (0, 2, 2)
    for alert in outbox(sessions):
        assert alert.attempts == 1 and alert.delivered_at is None
        assert "ConnectionError" in alert.last_error
        assert alert.next_attempt_at == now + timedelta(seconds=5)
    # not due yet: nothing is tried
    assert deliver_pending(webhook.url, sessions, now + timedelta(seconds=2)).failed == 0
    # still down at the retry: the attempt is counted, the wait doubles
    later = now + timedelta(seconds=5)
    assert deliver_pending(webhook.url, sessions, later).failed == 2
    assert [a.attempts for a in outbox(sessions)] == [2, 2]
    assert outbox(sessions)[0].next_attempt_at == later + timedelta(seconds=10)
    # an error status is a failure too
    webhook.status = 503
    webhook.start()
    again = later + timedelta(seconds=10)
    assert deliver_pending(webhook.url, sessions, again).failed == 2
    assert outbox(sessions)[0].last_error.startswith("HTTP 503")
    # back up: both alerts arrive, in one post (the same site), the emergency first
    webhook.status = 200
    run = deliver_pending(webhook.url, sessions, again + timedelta(seconds=20))
    assert (run.delivered, run.pending) == (2, 0)
    [text] = webhook.texts()
    assert text.startswith("2 IAR Assistant patient reports for site test")
    assert text.index("\n\nEMERGENCY") < text.index("\n\nURGENT")
    assert [a.attempts for a in outbox(sessions)] == [4, 4]


def test_a_burst_of_alerts_goes_out_as_one_post_per_window(sessions, webhook: AlertWebhook) -> None:
    first = enqueue(sessions, "k0")
    now = utcnow()
    assert deliver_pending(webhook.url, sessions, now).delivered == 1  # the first: at once
    ids = [enqueue(sessions, f"k{i}", "chest_pain" if i % 2 else "fever") for i in range(1, 13)]
    posted = outbox(sessions)[0].delivered_at
    held = deliver_pending(webhook.url, sessions, posted + timedelta(seconds=BURST_WINDOW - 1))
    assert (held.delivered, held.failed, held.pending) == (0, 0, 12)  # within the window
    run = deliver_pending(webhook.url, sessions, posted + timedelta(seconds=BURST_WINDOW))
    assert (run.delivered, run.pending) == (12, 0)
    texts = webhook.texts()
    assert len(texts) == 2 and f"report #{first}" in texts[0]
    burst = texts[1]
    assert burst.startswith(
        "12 IAR Assistant patient reports for site test within 15 s (6 emergency, 6 urgent)"
    )
    assert all(f"patient report #{i}\n" in burst or burst.endswith(f"patient report #{i}") for i in ids)
    assert burst.count("Rule:") == DETAILED  # the others by their first line only
    assert burst.index("EMERGENCY") < burst.index("URGENT")
    assert all(a.delivered_at is not None and a.attempts == 1 for a in outbox(sessions))


def test_without_a_webhook_alerts_wait(sessions, caplog: pytest.LogCaptureFixture) -> None:
    enqueue(sessions, "k1")
    run = deliver_pending(None, sessions)
    assert (run.delivered, run.failed, run.pending) == (0, 0, 1)
    assert "no webhook configured" in caplog.text
    assert outbox(sessions)[0].attempts == 0


@pytest.mark.parametrize("attempts, seconds", [(1, 5), (2, 10), (3, 20), (6, 160), (7, 300), (20, 300)])
def test_retry_delay_doubles_up_to_five_minutes(attempts: int, seconds: float) -> None:
    assert retry_delay(attempts) == seconds


def test_cli_deliver_once(
    sessions, tmp_path: Path, webhook: AlertWebhook, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    enqueue(sessions, "k1")
    monkeypatch.setenv("IAR_USER_DB_URL", f"sqlite:///{tmp_path / 'userdata.db'}")
    monkeypatch.setenv("IAR_ALERT_WEBHOOK_URL", webhook.url)
    assert cli(["alerts", "deliver"]) == 0
    assert "delivered 1" in capsys.readouterr().out and len(webhook.received) == 1


def test_dispatcher_loop_delivers_and_stops(sessions, webhook: AlertWebhook) -> None:
    enqueue(sessions, "k1")
    passes = iter(range(3))
    run_dispatcher(sessions, interval=0.01, url=webhook.url, stop=lambda: next(passes, None) is None)
    assert len(webhook.received) == 1 and outbox(sessions)[0].delivered_at is not None


def test_dispatcher_without_a_webhook_says_so_once(
    sessions, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IAR_ALERT_WEBHOOK_URL", raising=False)
    enqueue(sessions, "k1")
    passes = iter(range(5))
    run_dispatcher(sessions, interval=0.01, stop=lambda: next(passes, None) is None)
    assert caplog.text.count("1 alert(s) waiting in the outbox") == 1
    assert outbox(sessions)[0].attempts == 0
