"""Alerts to a Teams site end to end over HTTP with the real servers and a local stand-in for
the Bot Framework connector and Microsoft's token endpoint: an urgent report → the dispatcher
posts an Adaptive Card with "I'm on it" and "Closed" to the site's channel (not to the
webhook) → an unsigned click, a click in another channel and one for another site's report
are refused and record nothing → a signed "I'm on it" records the Teams identity and is
replaces the card with the updated one and tells the thread → the escalation clock stops → "Closed" with an outcome is
recorded → a replayed or late click changes nothing."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.core.paths import ROOT
from bot.ops.stack import start_bot
from bot.patient.alerts import INBOX_PATH
from bot.patient.reports.models import AlertAcknowledgement, AlertEscalation, AlertOutbox, ReportOutcome
from tests.e2e.test_personal_links import FEVER, PUBLIC_URL, SECRET, Bot
from tests.support.alert_webhook import AlertWebhook
from tests.support.channel_stack import ACCESS_TOKEN, APP_ID, TENANT_ID, StandIn, channel_env
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e
CHANNEL = "19:iar-alerts-demo@thread.tacv2"
LIMIT_SECONDS = 8  # the urgent limit in the test's sites.yml (30 min in the shipped one)
_ids = itertools.count(1)


class TeamsLoop(Bot):
    """The stack, the connector stand-in and the on-call webhook stand-in."""

    standin: StandIn
    on_call: AlertWebhook

    def click(self, value: dict[str, Any], token: str | None = "signed", channel: str = CHANNEL) -> dict:
        """Post a click on the card's button as the Bot Connector would; the activity sent."""
        n = next(_ids)
        act = {
            "type": "message",
            "id": f"1701000000{n:03d}",
            "channelId": "msteams",
            "serviceUrl": f"{self.standin.url}/connector/",
            "from": {"id": "29:1nurse-one-id", "name": "Nurse One", "aadObjectId": "aad-nurse-1"},
            "conversation": {
                "conversationType": "channel",
                "tenantId": TENANT_ID,
                "id": f"{channel};messageid=1700999999000",
            },
            "recipient": {"id": f"28:{APP_ID}", "name": "IAR Assistant"},
            "replyToId": "1700999999000",
            "value": value,
            "channelData": {"tenant": {"id": TENANT_ID}, "channel": {"id": channel}},
        }
        self.post(act, token)
        return act

    def post(self, act: dict, token: str | None = "signed", status: int = 200) -> None:
        bearer = self.standin.bot_token() if token == "signed" else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        answer = requests.post(f"{self.url}/webhooks/teams/webhook", json=act, headers=headers, timeout=30)
        assert answer.status_code == (status if token else 401), answer.text

    def reply_to(self, act: dict) -> dict:
        """The bot's answer in the card's thread."""
        [reply] = self.standin.wait_for("connector", lambda r: r["path"].get("activity") == act["id"])
        return reply["body"]

    def replaced_card(self, act: dict, line: str) -> dict:
        """The card that replaced the clicked card's message, showing a line starting so."""

        def shows(r: dict) -> bool:
            return any(
                t.startswith(line) for a in r["body"].get("attachments", []) for t in card_texts(a["content"])
            )

        [update] = self.standin.wait_for("connector:update", shows)
        assert update["path"]["activity"] == act["replyToId"] and update["auth"] == f"Bearer {ACCESS_TOKEN}"
        [card] = [a["content"] for a in update["body"]["attachments"]]
        return card

    def recorded(self) -> tuple[list[AlertAcknowledgement], list[ReportOutcome], list[AlertEscalation]]:
        with session_factory(self.db_url)() as session:
            return (
                list(session.execute(select(AlertAcknowledgement)).scalars()),
                list(session.execute(select(ReportOutcome)).scalars()),
                list(session.execute(select(AlertEscalation)).scalars()),
            )


def card_texts(card: dict) -> list[str]:
    return [
        run["text"]
        for block in card["body"]
        for item in ([block] if block["type"] == "RichTextBlock" else block.get("items", []))
        for run in item["inlines"]
    ]


@pytest.fixture(scope="module")
def connector() -> Iterator[StandIn]:
    """A stand-in of its own: the shared one's token count belongs to the channel tests."""
    server = StandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def loop(
    trained_model: Path, connector: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TeamsLoop]:
    standin = connector
    work = tmp_path_factory.mktemp("teams-alerts")
    sites = work / "sites.yml"
    shipped = (ROOT / "sites.yml").read_text(encoding="utf-8")
    sites.write_text(
        shipped.replace("urgent: 30m", f"urgent: {LIMIT_SECONDS}s")
        + "    alerts:\n"
        + "      target: teams\n"
        + f"      service_url: {standin.url}/connector/\n"
        + f'      conversation_id: "{CHANNEL}"\n'
        + "  north:\n"
        + '    name: "North (fictional)"\n'
        + '    emergency_number: "112"\n'
        + '    site_phone: "+44 20 7946 0001"\n'
        + '    on_call: "Ask for the trial doctor."\n',
        encoding="utf-8",
    )
    hooks = [AlertWebhook().start() for _ in range(2)]
    env = {
        **channel_env(standin),
        "IAR_ALERT_WEBHOOK_URL": hooks[0].url,  # other sites' alerts; never the Teams site's
        "IAR_ONCALL_WEBHOOK_URL": hooks[1].url,
        "IAR_SITES_FILE": str(sites),
        "IAR_LINK_SECRET": SECRET,
        "IAR_PUBLIC_URL": PUBLIC_URL,
    }
    try:
        with start_bot(work, trained_model, env, dispatcher_interval=0.5) as stack:
            bot = TeamsLoop(stack, work, hooks[0])
            bot.standin, bot.on_call = standin, hooks[1]
            bot.env["IAR_SITES_FILE"] = str(sites)
            yield bot
    finally:
        for hook in hooks:
            hook.stop()


def test_an_urgent_report_reaches_teams_as_a_card_and_is_acknowledged_and_closed_there(
    loop: TeamsLoop,
) -> None:
    standin = loop.standin
    token = loop.enrol("P-0042")
    _, triaged = loop.report(secrets.token_hex(16), FEVER, token)
    assert triaged["disposition"] == "urgent"
    [report] = [r for r in loop.reports() if r.study_id == "P-0042"]
    heading = f"URGENT: IAR Assistant patient report #{report.id}"

    def ours(r: dict) -> bool:
        return any(card_texts(a["content"])[0] == heading for a in r["body"].get("attachments", []))

    [posted] = standin.wait_for("connector:new", ours)
    assert posted["path"]["conversation"] == CHANNEL and posted["auth"] == f"Bearer {ACCESS_TOKEN}"
    [card] = [a["content"] for a in posted["body"]["attachments"]]
    assert "Participant: P-0042" in card_texts(
        card
    ) and "Site: Demo Trial Site (fictional) (demo)" in card_texts(card)
    ack_button, close_button, link = card["actions"]
    assert (ack_button["type"], ack_button["title"]) == ("Action.Submit", "I'm on it")
    assert [a["type"] for a in close_button["card"]["actions"]] == ["Action.Submit"] * 4
    assert link == {
        "type": "Action.OpenUrl",
        "title": "Open the report in the inbox",
        "url": f"{PUBLIC_URL}{INBOX_PATH}{report.id}",
    }
    with session_factory(loop.db_url)() as session:
        alert = session.execute(select(AlertOutbox).where(AlertOutbox.report_id == report.id)).scalar_one()
        assert alert.delivered_at is not None
    assert not [t for t in loop.hook.texts() if f"report #{report.id}\n" in t]  # not to the webhook

    # refused, recording nothing: unsigned, another channel, a report of no Teams site, unknown
    loop.click(ack_button["data"], token=None)
    elsewhere = loop.click(ack_button["data"], channel="19:another-team@thread.tacv2")
    assert "nothing was recorded" in loop.reply_to(elsewhere)["text"]
    unknown = loop.click({**ack_button["data"], "report_id": report.id + 1000})
    assert "nothing was recorded" in loop.reply_to(unknown)["text"]
    assert loop.recorded() == ([], [], [])

    acked = loop.click(ack_button["data"])
    said = loop.reply_to(acked)
    assert said["replyToId"] == acked["id"] and said["conversation"] == acked["conversation"]
    assert said["text"] == f"Report #{report.id}: teams:aad-nurse-1 (Nurse One) is on it."
    assert not said.get("attachments")  # the card itself is replaced:
    updated = loop.replaced_card(acked, "On it: teams:aad-nurse-1 (Nurse One) at ")
    assert [a["type"] for a in updated["actions"]] == ["Action.Submit", "Action.ShowCard", "Action.OpenUrl"]
    [ack], _, _ = loop.recorded()
    assert (ack.report_id, ack.by, ack.via) == (report.id, "teams:aad-nurse-1 (Nurse One)", "teams")

    loop.post(acked)  # the Bot Connector's retry of the same activity: answered once, one record
    time.sleep(1)
    assert len(standin.captured("connector", lambda r: r["path"].get("activity") == acked["id"])) == 1

    # the escalation clock stopped: past the limit, nothing escalates
    raised = alert.created_at.replace(tzinfo=timezone.utc).timestamp()  # stored as naive UTC
    time.sleep(max(0.0, raised + LIMIT_SECONDS + 4 - time.time()))
    assert loop.recorded()[2] == [] and not loop.on_call.texts()

    [outcome_button] = [
        a for a in close_button["card"]["actions"] if a["data"]["outcome"] == "advised_come_in"
    ]
    closed = loop.click(outcome_button["data"])
    assert "closed by teams:aad-nurse-1 (Nurse One)" in loop.reply_to(closed)["text"]
    final = loop.replaced_card(closed, "Closed by teams:aad-nurse-1 (Nurse One) at ")
    assert any(t.endswith(": Called patient – advised to come in") for t in card_texts(final))
    assert [a["type"] for a in final["actions"]] == ["Action.OpenUrl"]
    late = loop.click({**outcome_button["data"], "outcome": "not_reached"})
    assert "already closed" in loop.reply_to(late)["text"]
    [ack], [outcome], [] = loop.recorded()
    assert (outcome.report_id, outcome.outcome, outcome.by, outcome.via) == (
        report.id,
        "advised_come_in",
        "teams:aad-nurse-1 (Nurse One)",
        "teams",
    )


def test_a_click_for_another_sites_alert_is_refused(loop: TeamsLoop) -> None:
    """A north report (its alerts go to the webhook) clicked in demo's Teams channel."""
    link = loop.cli("participants", "enrol", "P-0099", "--site", "north").strip().splitlines()[-1]
    loop.report(secrets.token_hex(16), FEVER, link.split("#t=", 1)[1])
    [north] = [r for r in loop.reports() if r.study_id == "P-0099"]
    assert north.site_id == "north"
    loop.hook.wait_for(f"report #{north.id}\n")
    refused = loop.click({"iar_action": "iar_ack", "report_id": north.id})
    assert "not an alert of this channel's site" in loop.reply_to(refused)["text"]
    with session_factory(loop.db_url)() as session:
        acks = select(AlertAcknowledgement).where(AlertAcknowledgement.report_id == north.id)
        assert session.execute(acks).first() is None
