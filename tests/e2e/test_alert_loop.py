"""Issue 13's loop end to end over HTTP with the real servers: enrol P-0042 → open the
personal link → "fever 38.6 since last night, infusion 2 days ago" → urgent → the alert at
the site team's webhook names P-0042 with the inbox link and carries the buttons → nobody
acknowledges within the (test-shortened) limit → the dispatcher escalates to the on-call
webhook → a signed Slack click "I'm on it" records who and when and answers with the updated
message → a click "Closed" records the outcome. A forged click is refused and records nothing;
the patient hears that the team has been told only after the alert was delivered."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.core.paths import ROOT
from bot.core.sites import get_site
from bot.ops.stack import start_bot
from bot.patient.reports.models import AlertAcknowledgement, AlertEscalation, AlertOutbox, ReportOutcome
from tests.e2e.test_personal_links import FEVER, PUBLIC_URL, SECRET, Bot
from tests.support.alert_webhook import AlertWebhook
from tests.support.patient_helpers import wait_until
from tests.support.slack_signing import block_action, signed_click
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e
SIGNING_SECRET = secrets.token_hex(16)
LIMIT_SECONDS = 4  # the urgent limit in the test's sites.yml (30 min in the shipped one)


class Loop(Bot):
    """The stack plus the on-call, lead and Slack response_url stand-ins."""

    on_call: AlertWebhook
    lead: AlertWebhook
    slack: AlertWebhook  # where Slack's response_url points in this test

    def click(self, action: dict, body_edit: bytes = b"") -> requests.Response:
        payload = block_action("U024BE7LH", "nurse.jo", action, self.slack.url)
        body, headers = signed_click(SIGNING_SECRET, payload)
        return requests.post(
            f"{self.url}/webhooks/alerts/slack", data=body + body_edit, headers=headers, timeout=30
        )


def delivered(loop: Loop, report_id: int) -> bool:
    with session_factory(loop.db_url)() as session:
        alert = session.execute(select(AlertOutbox).where(AlertOutbox.report_id == report_id)).scalar_one()
        return alert.delivered_at is not None


@pytest.fixture(scope="module")
def loop(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    work = tmp_path_factory.mktemp("loop")
    sites = work / "sites.yml"
    sites.write_text(
        (ROOT / "sites.yml").read_text(encoding="utf-8").replace("urgent: 30m", f"urgent: {LIMIT_SECONDS}s"),
        encoding="utf-8",
    )
    hooks = [AlertWebhook().start() for _ in range(4)]
    env = {
        "IAR_ALERT_WEBHOOK_URL": hooks[0].url,
        "IAR_ONCALL_WEBHOOK_URL": hooks[1].url,
        "IAR_LEAD_WEBHOOK_URL": hooks[2].url,
        "IAR_SITES_FILE": str(sites),
        "IAR_LINK_SECRET": SECRET,
        "IAR_PUBLIC_URL": PUBLIC_URL,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_RESPONSE_URL_PREFIX": "http://127.0.0.1:",
    }
    try:
        with start_bot(work, trained_model, env, dispatcher_interval=0.5) as stack:
            bot = Loop(stack, work, hooks[0])
            bot.on_call, bot.lead, bot.slack = hooks[1], hooks[2], hooks[3]
            yield bot
    finally:
        for hook in hooks:
            hook.stop()


def test_an_urgent_report_escalates_then_is_acknowledged_and_closed_from_slack(loop: Loop) -> None:
    token = loop.enrol("P-0042")
    sender = secrets.token_hex(16)
    said, triaged = loop.report(sender, FEVER, token)
    assert triaged["disposition"] == "urgent"
    assert get_site().name + " has now received your report" not in said  # not before delivery
    [report] = [r for r in loop.reports() if r.study_id == "P-0042"]
    alert = loop.hook.wait_for(f"report #{report.id}\n")
    assert (
        "Participant: P-0042" in alert and f"Report: {PUBLIC_URL}/webhooks/inbox/reports/{report.id}" in alert
    )
    [posted] = [r["json"] for r in loop.hook.received if f"report #{report.id}\n" in r["json"]["text"]]
    assert [b["action_id"] for b in posted["blocks"][-1]["elements"]] == ["iar_ack", "iar_close"]

    wait_until(lambda: delivered(loop, report.id), what="the alert marked delivered")  # after the post
    told = loop.say(sender, "ok thank you", token)  # the alert is delivered: now, and once, they hear it
    assert any("has now received your report" in r.get("text", "") for r in told)
    assert not any("has now received your report" in r.get("text", "") for r in loop.say(sender, "ok", token))

    escalated = loop.on_call.wait_for(f"report #{report.id}\n", timeout=LIMIT_SECONDS + 30)
    assert escalated.startswith("ESCALATED to the on-call team (not acknowledged within")
    assert "Participant: P-0042" in escalated

    ack = {"action_id": "iar_ack", "value": str(report.id)}
    forged = loop.click(ack, body_edit=b"x")
    assert forged.status_code == 401
    with session_factory(loop.db_url)() as session:
        assert session.execute(select(AlertAcknowledgement)).first() is None

    answered = loop.click(ack)
    assert answered.status_code == 200, answered.text
    assert "On it: slack:U024BE7LH (nurse.jo) at " in answered.json()["text"]
    assert "Escalated to the on-call team" in answered.json()["text"]
    assert "On it: slack:U024BE7LH" in loop.slack.wait_for(f"report #{report.id}\n")  # response_url
    with session_factory(loop.db_url)() as session:
        [acked] = session.execute(select(AlertAcknowledgement)).scalars().all()
        assert (acked.report_id, acked.by, acked.via) == (report.id, "slack:U024BE7LH (nurse.jo)", "slack")
        assert acked.at >= report.created_at
        steps = session.execute(select(AlertEscalation.level).where(AlertEscalation.report_id == report.id))
        assert "on_call" in steps.scalars().all()

    closed = loop.click(
        {"action_id": "iar_close", "selected_option": {"value": f"{report.id}:advised_come_in"}}
    )
    assert "Called patient – advised to come in" in closed.json()["text"]
    assert all(b["type"] != "actions" for b in closed.json()["blocks"])  # no buttons once closed
    with session_factory(loop.db_url)() as session:
        outcome = session.get(ReportOutcome, report.id)
        assert (outcome.outcome, outcome.by) == ("advised_come_in", "slack:U024BE7LH (nurse.jo)")
