"""Issue 13's loop end to end over HTTP with the real servers: enrol P-0042 → open the
personal link → "fever 38.6 since last night, infusion 2 days ago" → urgent → the alert at
the site team's webhook names P-0042 with the inbox link and carries the buttons → nobody
acknowledges within the (test-shortened) limit → the dispatcher escalates to the on-call
webhook → a signed Slack click "I'm on it" records who and when and answers with the updated
message → the inbox (logged in through the local OIDC stand-in) shows who acknowledged and
when → the report is closed with an outcome in the inbox, the same record Slack's "Closed"
then shows. A forged click is refused and records nothing; the patient hears that the team
has been told only after the alert was delivered; a staff member of another site is refused
the report with a clear message and none of it leaks (page or CSV)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.core.paths import ROOT
from bot.core.sites import get_site
from bot.ops.stack import start_bot
from bot.patient.reports.models import (
    AlertAcknowledgement,
    AlertEscalation,
    AlertOutbox,
    InboxAccess,
    ReportOutcome,
)
from tests.e2e.test_personal_links import FEVER, PUBLIC_URL, SECRET, Bot
from tests.support.alert_webhook import AlertWebhook
from tests.support.inbox_client import InboxClient, csrf_of
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.patient_helpers import wait_until
from tests.support.slack_signing import block_action, signed_click
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e
SIGNING_SECRET = secrets.token_hex(16)
LIMIT_SECONDS = 4  # the urgent limit in the test's sites.yml (30 min in the shipped one)
OTHER_SITE = """  other:
    name: "Other Trial Site (fictional)"
    emergency_number: "112"
    site_phone: "+44 20 7946 0001"
    on_call: "Ask for the on-call trial doctor."
    staff_groups: ["iar-other-staff"]
"""


class Loop(Bot):
    """The stack plus the on-call, lead and Slack response_url stand-ins."""

    on_call: AlertWebhook
    lead: AlertWebhook
    slack: AlertWebhook  # where Slack's response_url points in this test
    idp: OidcProvider  # the site's identity provider

    def staff(self, sub: str, email: str, groups: list[str]) -> InboxClient:
        """A staff member's browser; the stand-in logs them in at the first page they open."""
        self.idp.login_as(sub, email, email.split("@")[0], groups)
        return InboxClient(self.url, PUBLIC_URL)

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
        (ROOT / "sites.yml").read_text(encoding="utf-8").replace("urgent: 30m", f"urgent: {LIMIT_SECONDS}s")
        + OTHER_SITE,
        encoding="utf-8",
    )
    hooks = [AlertWebhook().start() for _ in range(4)]
    idp = OidcProvider().start()
    env = {
        "IAR_ALERT_WEBHOOK_URL": hooks[0].url,
        "IAR_ONCALL_WEBHOOK_URL": hooks[1].url,
        "IAR_LEAD_WEBHOOK_URL": hooks[2].url,
        "IAR_SITES_FILE": str(sites),
        "IAR_LINK_SECRET": SECRET,
        "IAR_PUBLIC_URL": PUBLIC_URL,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_RESPONSE_URL_PREFIX": "http://127.0.0.1:",
        "IAR_OIDC_ISSUER": idp.url,
        "IAR_OIDC_CLIENT_ID": CLIENT_ID,
        "IAR_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "IAR_INBOX_SESSION_SECRET": secrets.token_urlsafe(32),
    }
    try:
        with start_bot(work, trained_model, env, dispatcher_interval=0.5) as stack:
            bot = Loop(stack, work, hooks[0])
            bot.on_call, bot.lead, bot.slack, bot.idp = hooks[1], hooks[2], hooks[3], idp
            yield bot
    finally:
        for hook in hooks:
            hook.stop()
        idp.stop()


def test_an_urgent_report_escalates_is_acknowledged_from_slack_and_closed_in_the_inbox(loop: Loop) -> None:
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

    # the inbox link in the alert opens the report, after the login at the site's identity provider
    jo = loop.staff("sub-jo", "jo@demo.example", ["iar-demo-staff"])
    page = jo.get(f"{PUBLIC_URL}/webhooks/inbox/reports/{report.id}")
    assert page.status_code == 200 and page.url == f"{loop.url}/webhooks/inbox/reports/{report.id}"
    session_cookie = next(c for c in jo.set_cookies if c.startswith("iar_inbox="))
    assert all(flag in session_cookie for flag in ("HttpOnly", "SameSite=Lax", "Secure"))
    assert "Participant</dt><dd>P-0042" in page.text and "fever 38.6 since last night" in page.text
    when = f"{acked.at:%Y-%m-%d %H:%M} UTC"
    assert f"<time>{when}</time> Acknowledged (on it): slack:U024BE7LH (nurse.jo)" in page.text
    assert "Escalated to the on-call team" in page.text
    listed = jo.get("/webhooks/inbox/?participant=P-0042")
    assert f"On it: slack:U024BE7LH (nurse.jo) at {when}" in listed.text

    # another site's staff member: refused, clearly, and nothing of the report shows
    sam = loop.staff("sub-sam", "sam@other.example", ["iar-other-staff"])
    refused = sam.get(f"/webhooks/inbox/reports/{report.id}")
    assert refused.status_code == 403 and "is not one of your site's reports" in unescape(refused.text)
    exported = sam.get("/webhooks/inbox/export.csv?state=all")
    for leak in (refused.text, exported.text, sam.get("/webhooks/inbox/?state=all").text):
        assert "P-0042" not in leak and "fever 38.6" not in leak
    assert (
        sam.post(
            f"/webhooks/inbox/reports/{report.id}/close",
            {"csrf": csrf_of(refused.text), "outcome": "self_care"},
        ).status_code
        == 403
    )

    # a form without its CSRF token changes nothing; with it, the inbox closes the report
    assert jo.post(f"/webhooks/inbox/reports/{report.id}/close", {"outcome": "self_care"}).status_code == 403
    closed_page = jo.post(
        f"/webhooks/inbox/reports/{report.id}/close",
        {"csrf": csrf_of(page.text), "outcome": "advised_come_in"},
    )
    assert closed_page.status_code == 200
    assert "Closed by oidc:sub-jo (jo@demo.example): Called patient – advised to come in" in closed_page.text
    with session_factory(loop.db_url)() as session:
        outcome = session.get(ReportOutcome, report.id)
        assert (outcome.outcome, outcome.by, outcome.via) == (
            "advised_come_in",
            "oidc:sub-jo (jo@demo.example)",
            "inbox",
        )
        logged = session.execute(select(InboxAccess.sub, InboxAccess.action, InboxAccess.report_id)).all()
        assert ("sub-jo", "view", report.id) in logged and ("sub-jo", "close", report.id) in logged
        assert ("sub-sam", "refused", report.id) in logged and ("sub-sam", "export", None) in logged

    # Slack shows the inbox's close: one record, the first close stands
    closed = loop.click({"action_id": "iar_close", "selected_option": {"value": f"{report.id}:self_care"}})
    assert "Closed by oidc:sub-jo (jo@demo.example)" in closed.json()["text"]
    assert "Called patient – advised to come in" in closed.json()["text"]
    assert all(b["type"] != "actions" for b in closed.json()["blocks"])  # no buttons once closed


def test_staff_not_mapped_to_a_site_and_visitors_without_a_login_see_no_report(loop: Loop) -> None:
    nobody = loop.staff("sub-x", "x@example.org", ["some-other-group"])
    page = nobody.get("/webhooks/inbox/")
    assert page.status_code == 403 and "not mapped to any trial site" in page.text
    anonymous = requests.get(f"{loop.url}/webhooks/inbox/export.csv", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/webhooks/inbox/login" in anonymous.headers["Location"]


def test_a_forged_session_cookie_is_no_login_and_the_login_returns_only_into_the_inbox(loop: Loop) -> None:
    forged = requests.get(
        f"{loop.url}/webhooks/inbox/",
        cookies={"iar_inbox": "eyJzdWIiOiJ4Iiwic2l0ZXMiOlsiZGVtbyJdLCJleHAiOjk5OTk5OTk5OTl9.AAAA"},
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 302 and forged.headers["Location"].startswith("/webhooks/inbox/login")
    jo = loop.staff("sub-jo", "jo@demo.example", ["iar-demo-staff"])
    landed = jo.get("/webhooks/inbox/login?next=https://evil.example/")
    assert landed.status_code == 200 and landed.url == f"{loop.url}/webhooks/inbox/"
