"""Closing the loop on an alert, with an injected clock: "I'm on it", "Closed" with an
outcome, escalation to the on-call then the lead webhook after the site's limit (an
emergency at once), logged in the database so a restart changes nothing; the patient is told
the team has been told only after delivery; Slack's signature and clicks."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.sites import DEFAULT_ESCALATION, Site, duration, escalation_limits
from bot.patient.alert_buttons import ACK, CLOSE, read_click
from bot.patient.alerts import deliver_pending
from bot.patient.escalation import (
    UnknownReport,
    acknowledge,
    answer_click,
    close,
    deliver_escalations,
    due_times,
    escalate_due,
)
from bot.patient.findings import Finding
from bot.patient.reports.models import AlertEscalation, AlertOutbox, utcnow
from bot.patient.reports.store import save_report, tell_patient
from bot.patient.triage import Report, triage
from bot.rasa.channels.alert_actions import slack_signature_ok
from tests.support.alert_webhook import AlertWebhook
from tests.support.userdb import session_factory

SITE = Site(id="north", name="North", emergency_number="999", site_phone="+44 20 7946 0001", on_call="x")
URGENT = Report((Finding("fever", "fever", 0, 0),), temperature_c=38.6, days_since_infusion=2)
EMERGENCY = Report((Finding("chest_pain", "chest_pain", 0, 0),))
NEEDS_REVIEW = Report(())


@pytest.fixture
def sessions(tmp_path: Path):
    return session_factory(f"sqlite:///{tmp_path / 'u.db'}")


@pytest.fixture
def hooks():
    made = {level: AlertWebhook().start() for level in ("on_call", "lead")}
    yield made
    for hook in made.values():
        hook.stop()


def save(sessions, report: Report, key: str = "k", sender: str = "webchat-p") -> int:
    saved = save_report(
        sessions,
        sender_id=sender,
        channel="webchat",
        text="fever 38.6 since last night",
        report=report,
        decision=triage(report),
        site=SITE,
        dedupe_key=key,
        study_id="P-0042",
    )
    return saved.report_id


def raised_at(sessions, report_id: int):
    with sessions() as s:
        return s.execute(
            select(AlertOutbox.created_at).where(AlertOutbox.report_id == report_id)
        ).scalar_one()


def steps(sessions) -> list[tuple[int, str]]:
    with sessions() as s:
        rows = s.execute(
            select(AlertEscalation.report_id, AlertEscalation.level).order_by(AlertEscalation.id)
        )
        return [(r, level) for r, level in rows]


def test_due_times_one_limit_per_level_and_an_emergency_at_once() -> None:
    t0, limit = utcnow(), timedelta(minutes=30)
    assert due_times("urgent", t0, limit) == [("on_call", t0 + limit), ("lead", t0 + 2 * limit)]
    assert due_times("emergency", t0, limit) == [("on_call", t0), ("lead", t0 + limit)]


def test_limits_come_from_sites_yml_with_defaults(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yml"
    sites.write_text("default: a\nsites:\n  a: {escalation: {urgent: 90s}}\n", encoding="utf-8")
    limits = escalation_limits("a", sites)
    assert limits["urgent"] == timedelta(seconds=90)
    assert limits["needs_review"] == duration(DEFAULT_ESCALATION["needs_review"]) == timedelta(hours=4)
    assert escalation_limits("demo")["urgent"] == timedelta(minutes=30)  # the shipped sites.yml


def test_an_unacknowledged_urgent_alert_escalates_on_call_then_lead(sessions, hooks) -> None:
    report_id = save(sessions, URGENT)
    t0 = raised_at(sessions, report_id)
    urls = {level: hook.url for level, hook in hooks.items()}
    assert escalate_due(sessions, t0 + timedelta(minutes=29, seconds=59)) == 0
    assert escalate_due(sessions, t0 + timedelta(minutes=30)) == 1
    assert escalate_due(sessions, t0 + timedelta(minutes=31)) == 0  # each step once
    assert deliver_escalations(urls, sessions, t0 + timedelta(minutes=30)) == 1
    [text] = hooks["on_call"].texts()
    assert text.startswith("ESCALATED to the on-call team (not acknowledged within 30 min)")
    assert f"report #{report_id}" in text and "Participant: P-0042" in text
    # a restart: new sessions on the same database, the clock carries on from the rows
    again = session_factory(str(sessions.kw["bind"].url))
    assert escalate_due(again, t0 + timedelta(minutes=60)) == 1
    assert deliver_escalations(urls, again, t0 + timedelta(minutes=60)) == 1
    assert hooks["lead"].texts()[0].startswith("ESCALATED to the site lead")
    assert steps(sessions) == [(report_id, "on_call"), (report_id, "lead")]


def test_an_acknowledged_or_closed_alert_does_not_escalate(sessions) -> None:
    acked, closed = save(sessions, URGENT, "a"), save(sessions, URGENT, "b")
    t0 = raised_at(sessions, closed)
    acknowledge(sessions, acked, "slack:U1 (jo)", "slack", t0 + timedelta(minutes=5))
    close(sessions, closed, "self_care", "slack:U2", "slack", t0 + timedelta(minutes=5))
    assert escalate_due(sessions, t0 + timedelta(hours=5)) == 0


def test_an_emergency_goes_on_call_at_once_and_needs_review_waits_four_hours(sessions) -> None:
    emergency, review = save(sessions, EMERGENCY, "e"), save(sessions, NEEDS_REVIEW, "r")
    t0 = max(raised_at(sessions, emergency), raised_at(sessions, review))
    assert escalate_due(sessions, t0) == 1 and steps(sessions) == [(emergency, "on_call")]
    assert escalate_due(sessions, t0 + timedelta(hours=3, minutes=59)) == 1  # the emergency's lead
    assert escalate_due(sessions, t0 + timedelta(hours=4)) == 1
    assert (review, "on_call") in steps(sessions)


def test_a_failed_escalation_is_retried_until_delivered(sessions, hooks) -> None:
    report_id = save(sessions, EMERGENCY)
    t0 = raised_at(sessions, report_id)
    escalate_due(sessions, t0)
    hooks["on_call"].status = 503
    assert deliver_escalations({"on_call": hooks["on_call"].url}, sessions, t0) == 0
    hooks["on_call"].status = 200
    assert deliver_escalations({"on_call": hooks["on_call"].url}, sessions, t0) == 0  # waits its delay
    assert deliver_escalations({"on_call": hooks["on_call"].url}, sessions, t0 + timedelta(seconds=6)) == 1


def test_acknowledge_and_close_record_who_and_when(sessions) -> None:
    report_id = save(sessions, URGENT)
    at = utcnow()
    state = acknowledge(sessions, report_id, "slack:U1 (jo)", "slack", at)
    assert state.acknowledged == (("slack:U1 (jo)", at),) and state.outcome is None
    assert acknowledge(sessions, report_id, "slack:U1 (jo)", "slack").acknowledged == state.acknowledged
    with pytest.raises(ValueError):
        close(sessions, report_id, "cured", "slack:U1", "slack")
    state = close(sessions, report_id, "advised_come_in", "slack:U1 (jo)", "slack", at)
    assert state.outcome == ("advised_come_in", "slack:U1 (jo)", at)
    assert close(sessions, report_id, "not_reached", "slack:U9", "slack").outcome == state.outcome
    with pytest.raises(UnknownReport):
        acknowledge(sessions, 999, "slack:U1", "slack")


def click(action: str, value: str, user: str = "U024BE7LH") -> dict:
    chosen = {"value": value} if action == ACK else {"selected_option": {"value": value}}
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "nurse.jo"},
        "actions": [{"action_id": action, **chosen}],
    }


def test_a_click_updates_the_message_and_closing_removes_the_buttons(sessions) -> None:
    report_id = save(sessions, URGENT)
    message = answer_click(sessions, read_click(click(ACK, str(report_id))), "slack")
    assert message["replace_original"] and f"report #{report_id}" in message["text"]
    assert "On it: slack:U024BE7LH (nurse.jo) at " in message["text"]
    assert message["blocks"][-1]["type"] == "actions"
    message = answer_click(sessions, read_click(click(CLOSE, f"{report_id}:advised_ae")), "slack")
    assert "Closed by slack:U024BE7LH (nurse.jo)" in message["text"] and "advised A&E" in message["text"]
    assert all(block["type"] != "actions" for block in message["blocks"])


@pytest.mark.parametrize(
    "payload",
    [{}, {"type": "view_submission"}, click("other", "1"), click(CLOSE, "1:made_up"), click(ACK, "x")],
)
def test_clicks_that_are_not_ours_are_ignored(payload: dict) -> None:
    assert read_click(payload) is None


def test_slack_signature_v0_within_five_minutes() -> None:
    body, secret, now = b"payload=%7B%7D", "s3cret", 1_700_000_000

    def signed(ts: int, data: bytes = body) -> str:
        return "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + data, hashlib.sha256).hexdigest()

    assert slack_signature_ok(secret, str(now), signed(now), body, now + 299)
    assert not slack_signature_ok(secret, str(now), signed(now), body, now + 301)  # a replay
    assert not slack_signature_ok(secret, str(now), signed(now), body + b"x", now)  # tampered
    assert not slack_signature_ok("other", str(now), signed(now), body, now)
    assert not slack_signature_ok(secret, "soon", signed(now), body, now)


def test_the_patient_is_told_only_after_the_alert_was_delivered(sessions) -> None:
    save(sessions, URGENT, sender="webchat-told")
    assert not tell_patient(sessions, "webchat-told")  # not delivered yet: never before
    hook = AlertWebhook().start()
    try:
        assert deliver_pending(hook.url, sessions).delivered == 1
    finally:
        hook.stop()
    assert not tell_patient(sessions, "webchat-someone-else")
    assert tell_patient(sessions, "webchat-told")
    assert not tell_patient(sessions, "webchat-told")  # once
    assert json.dumps(hook.received[0]["json"]).count("iar_ack") == 1


def test_the_cli_acknowledges_closes_and_shows_an_alert(sessions, capsys, monkeypatch) -> None:
    from bot.ops.cli import main as cli

    report_id = save(sessions, URGENT)
    monkeypatch.setenv("IAR_USER_DB_URL", str(sessions.kw["bind"].url))
    assert cli(["alerts", "show", str(report_id)]) == 0
    assert "open: nobody has acknowledged it yet" in capsys.readouterr().out
    assert cli(["alerts", "ack", str(report_id), "--by", "jo@site.example"]) == 0
    assert (
        cli(["alerts", "close", str(report_id), "--by", "jo@site.example", "--outcome", "not_reached"]) == 0
    )
    out = capsys.readouterr().out
    assert "On it: cli:jo@site.example at " in out and "Could not reach patient" in out
    assert cli(["alerts", "show", "999"]) == 1


def test_alerts_from_before_the_upgrade_never_escalate(tmp_path: Path) -> None:
    from sqlalchemy import text

    from bot.core.migrate import upgrade
    from bot.core.userdb import engine_for, sessions_on

    engine = engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO patient_reports (id, sender_id, created_at, text, symptoms, disposition, rule,"
                " site_id, dedupe_key) VALUES (1, 's', '2026-01-01 10:00:00', 'w', '[]', 'urgent',"
                " 'fever-38', 'north', 'k')"
            )
        )
        db.execute(
            text(
                "INSERT INTO alert_outbox (report_id, created_at, payload, attempts, next_attempt_at,"
                " delivered_at) VALUES (1, '2026-01-01 10:00:00', '{}', 1, '2026-01-01 10:00:00',"
                " '2026-01-01 10:00:01')"
            )
        )
    upgrade(engine)
    sessions = sessions_on(engine)
    assert escalate_due(sessions, utcnow()) == 0  # an upgrade does not flood the on-call channel
    assert not tell_patient(sessions, "s")  # nor tell a patient about an old report
    new = save(sessions, URGENT)
    assert escalate_due(sessions, raised_at(sessions, new) + timedelta(hours=1)) == 2
