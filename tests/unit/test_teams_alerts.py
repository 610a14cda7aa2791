"""Alerts as Teams cards: the card builder and the click parser (table-driven), the sites.yml
keys, the connector's token cache, the dispatcher posting a site's alerts to Teams (retried
like the webhook), and a click recorded only for the channel's own site while the report
is open. HTTP calls are injected (a recording `post`), the clock too."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.core.sites import Site, SiteConfigError, TeamsAlerts, teams_alert_sites
from bot.core.teams_app import TeamsSettings
from bot.patient.alert_buttons import ACK, CLOSE, OUTCOMES, AlertState, Click
from bot.patient.alerts import TEAMS_CARDS, deliver_pending
from bot.patient.escalation import acknowledge, deliver_escalations, escalate_due
from bot.patient.findings import Finding
from bot.patient.reports.models import AlertAcknowledgement, AlertOutbox, ReportOutcome
from bot.patient.reports.store import save_report
from bot.patient.teams_cards import (
    alert_activity,
    alert_card,
    card_message,
    click_channel,
    inbox_url,
    read_teams_click,
)
from bot.patient.teams_clicks import answer_teams_click
from bot.patient.teams_delivery import NOT_CONFIGURED, TeamsConnector
from bot.patient.triage import Report, triage
from tests.support.userdb import session_factory

TEXT = "\n".join(
    [
        "URGENT: IAR Assistant patient report #7",
        "Participant: P-0042",
        "Site: North (north)",
        "Disposition: urgent",
        'Patient\'s words: "see [this](https://evil.invalid) <at>everyone</at>"',
        "Report: https://iar.example.org/inbox/reports/7",
    ]
)
AT = datetime(2026, 11, 30, 14, 2)
CHANNEL = "19:north-alerts@thread.tacv2"
NORTH = TeamsAlerts("north", "https://smba.example.invalid/emea/", CHANNEL)
SITE = Site(id="north", name="North", emergency_number="999", site_phone="+44 20 7946 0001", on_call="x")
SOUTH = Site(id="south", name="South", emergency_number="999", site_phone="+44 20 7946 0002", on_call="x")


def texts(card: dict[str, Any]) -> list[str]:
    return [
        run["text"] for block in card["body"] if block["type"] == "RichTextBlock" for run in block["inlines"]
    ]


def status(card: dict[str, Any]) -> list[str]:
    return [
        run["text"]
        for block in card["body"]
        if block["type"] == "Container"
        for item in block["items"]
        for run in item["inlines"]
    ]


CARDS = {
    "new alert": (
        None,
        ["Action.Submit", "Action.ShowCard", "Action.OpenUrl"],
        [],
    ),
    "acknowledged": (
        AlertState(7, (("teams:aad-1 (Nurse Jo)", AT),), None, ()),
        ["Action.Submit", "Action.ShowCard", "Action.OpenUrl"],
        ["On it: teams:aad-1 (Nurse Jo) at 2026-11-30 14:02 UTC"],
    ),
    "escalated and closed": (
        AlertState(7, (), ("self_care", "teams:aad-2 (Dr Lee)", AT), (("on_call", AT),)),
        ["Action.OpenUrl"],
        [
            "Escalated to the on-call team",
            "Closed by teams:aad-2 (Dr Lee) at 2026-11-30 14:02 UTC: Called patient – self-care",
        ],
    ),
}


@pytest.mark.parametrize("case", CARDS)
def test_the_card_shows_the_alert_the_status_and_buttons_while_open(case: str) -> None:
    state, actions, lines = CARDS[case]
    card = alert_card(TEXT, 7, state)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert [a["type"] for a in card["actions"]] == actions
    assert status(card) == lines
    shown = texts(card)
    assert shown[0] == "URGENT: IAR Assistant patient report #7"
    assert "Participant: P-0042" in shown and "Site: North (north)" in shown
    assert card["body"][0]["inlines"][0]["weight"] == "bolder"
    assert card["actions"][-1] == {
        "type": "Action.OpenUrl",
        "title": "Open the report in the inbox",
        "url": "https://iar.example.org/inbox/reports/7",
    }


def test_the_buttons_carry_the_report_and_every_outcome() -> None:
    ack, closed, _ = alert_card(TEXT, 7)["actions"]
    assert (ack["title"], ack["data"]) == ("I'm on it", {"iar_action": ACK, "report_id": 7})
    assert closed["title"] == "Closed – outcome…"
    assert [(a["type"], a["title"], a["data"]) for a in closed["card"]["actions"]] == [
        ("Action.Submit", label, {"iar_action": CLOSE, "report_id": 7, "outcome": key})
        for key, label in OUTCOMES.items()
    ]


def test_patient_words_are_plain_text_runs_never_markdown() -> None:
    blocks = alert_card(TEXT, 7)["body"]
    assert {b["type"] for b in blocks} == {"RichTextBlock"}  # no TextBlock: those read markdown
    assert 'Patient\'s words: "see [this](https://evil.invalid) <at>everyone</at>"' in texts(
        alert_card(TEXT, 7)
    )


@pytest.mark.parametrize(
    "heading, colour",
    [("EMERGENCY: IAR Assistant patient report #1", "attention"), ("URGENT: …", "warning")],
)
def test_the_heading_colour_follows_the_disposition(heading: str, colour: str) -> None:
    assert alert_card(heading, 1)["body"][0]["inlines"][0]["color"] == colour


@pytest.mark.parametrize(
    "text, link",
    [
        (TEXT, "https://iar.example.org/inbox/reports/7"),
        ("URGENT\nReport: javascript:alert(1)", None),
        ('URGENT\nPatient\'s words: "Report: https://evil.invalid"', None),
        ("URGENT", None),
    ],
)
def test_inbox_link_is_only_the_alerts_own_report_line(text: str, link: str | None) -> None:
    assert inbox_url(text) == link


def test_a_single_alert_is_one_card_and_a_burst_adds_a_summary_first() -> None:
    one = alert_activity([(7, TEXT)])
    assert one["type"] == "message" and one["summary"] == "URGENT: IAR Assistant patient report #7"
    assert [a["contentType"] for a in one["attachments"]] == ["application/vnd.adaptive.card"]
    burst = alert_activity([(7, TEXT), (8, TEXT)], "2 IAR Assistant patient reports", ["URGENT: #9"])
    assert len(burst["attachments"]) == 3 and burst["summary"] == "2 IAR Assistant patient reports"
    assert texts(burst["attachments"][0]["content"]) == ["2 IAR Assistant patient reports", "URGENT: #9"]
    # only a message's only card may be replaced by its updated card after a click
    assert one["attachments"][0]["content"]["actions"][0]["data"]["alone"] is True
    assert all("alone" not in a["content"]["actions"][0]["data"] for a in burst["attachments"][1:])


@pytest.mark.parametrize(
    "act, message",
    [
        ({"value": {"iar_action": ACK, "report_id": 7, "alone": True}, "replyToId": "m1"}, "m1"),
        ({"value": {"iar_action": ACK, "report_id": 7}, "replyToId": "m1"}, None),
        ({"value": {"iar_action": ACK, "report_id": 7, "alone": "yes"}, "replyToId": "m1"}, None),
        ({"value": {"iar_action": ACK, "report_id": 7, "alone": True}}, None),
        ({"value": "alone", "replyToId": "m1"}, None),
    ],
)
def test_the_message_a_click_may_replace(act: dict[str, Any], message: str | None) -> None:
    assert card_message(act) == message


def activity(value: Any, **sender: Any) -> dict[str, Any]:
    person = {"id": "29:1nurse", "name": "Nurse Jo", "aadObjectId": "aad-1", **sender}
    return {"type": "message", "from": {k: v for k, v in person.items() if v is not None}, "value": value}


CLICKS: dict[str, tuple[dict[str, Any], Click | None]] = {
    "acknowledge": (
        activity({"iar_action": ACK, "report_id": 7}),
        Click(ACK, 7, None, "teams:aad-1 (Nurse Jo)"),
    ),
    "report id as text": (
        activity({"iar_action": ACK, "report_id": "7"}),
        Click(ACK, 7, None, "teams:aad-1 (Nurse Jo)"),
    ),
    "close with an outcome": (
        activity({"iar_action": CLOSE, "report_id": 7, "outcome": "not_reached"}),
        Click(CLOSE, 7, "not_reached", "teams:aad-1 (Nurse Jo)"),
    ),
    "no name": (activity({"iar_action": ACK, "report_id": 7}, name=None), Click(ACK, 7, None, "teams:aad-1")),
    "close without an outcome": (activity({"iar_action": CLOSE, "report_id": 7}), None),
    "unknown outcome": (activity({"iar_action": CLOSE, "report_id": 7, "outcome": "cured"}), None),
    "unknown action": (activity({"iar_action": "delete", "report_id": 7}), None),
    "no Entra object id": (activity({"iar_action": ACK, "report_id": 7}, aadObjectId=None), None),
    "report id missing": (activity({"iar_action": ACK}), None),
    "report id not a number": (activity({"iar_action": ACK, "report_id": "7 OR 1=1"}), None),
    "report id negative": (activity({"iar_action": ACK, "report_id": -7}), None),
    "report id zero": (activity({"iar_action": ACK, "report_id": 0}), None),
    "report id a boolean": (activity({"iar_action": ACK, "report_id": True}), None),
    "report id a float": (activity({"iar_action": ACK, "report_id": 7.5}), None),
    "report id huge": (activity({"iar_action": ACK, "report_id": 2**70}), None),
    "a quiz button's value": (activity({"choice": "A"}), None),
    "value not an object": (activity("iar_action"), None),
    "no value": ({"type": "message", "from": {"aadObjectId": "aad-1"}}, None),
    "no sender": ({"type": "message", "value": {"iar_action": ACK, "report_id": 7}}, None),
}


@pytest.mark.parametrize("case", CLICKS)
def test_reading_a_click(case: str) -> None:
    given, expected = CLICKS[case]
    assert read_teams_click(given) == expected


@pytest.mark.parametrize(
    "act, channel",
    [
        ({"channelData": {"channel": {"id": CHANNEL}}, "conversation": {"id": "x"}}, CHANNEL),
        ({"conversation": {"id": f"{CHANNEL};messageid=1700000000001"}}, CHANNEL),
        ({"conversation": {"id": "a:1personal"}}, "a:1personal"),
        ({}, ""),
    ],
)
def test_the_channel_of_a_click(act: dict[str, Any], channel: str) -> None:
    assert click_channel(act) == channel


def test_sites_yml_names_the_teams_sites_and_refuses_half_a_configuration(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yml"
    sites.write_text(
        "sites:\n"
        "  north:\n    alerts: {target: teams, service_url: 'https://smba.example.invalid/emea/',"
        f" conversation_id: '{CHANNEL}'}}\n"
        "  south:\n    alerts: {target: webhook}\n"
        "  west: {}\n",
        encoding="utf-8",
    )
    assert teams_alert_sites(sites) == {"north": NORTH}
    for alerts, error in [
        ("{target: teams, service_url: 'https://x/'}", "lacks alerts.conversation_id"),
        ("{target: email}", "alerts.target is 'email'"),
    ]:
        sites.write_text(f"sites:\n  north:\n    alerts: {alerts}\n", encoding="utf-8")
        with pytest.raises(SiteConfigError, match=error):
            teams_alert_sites(sites)


class Recorder:
    """An injected `requests.post`: answers the token endpoint and the connector, records calls."""

    def __init__(self, connector_status: int = 201) -> None:
        self.calls: list[dict[str, Any]] = []
        self.connector_status = connector_status

    def __call__(self, url: str, **kwargs: Any) -> requests.Response:
        issued = len(self.tokens)
        self.calls.append({"url": url, **kwargs})
        response = requests.Response()
        if url.endswith("/token"):
            response.status_code = 200
            response._content = json.dumps({"access_token": f"token-{issued}", "expires_in": 3600}).encode()
        else:
            response.status_code = self.connector_status
            response._content = b'{"id": "1"}'
        return response

    @property
    def tokens(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["url"].endswith("/token")]

    @property
    def posts(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if "/v3/conversations/" in c["url"]]


SETTINGS = TeamsSettings(
    "app-id", "app-secret", "tenant", "https://login.invalid/openid", "https://login.invalid/token"
)


def test_the_connector_caches_its_token_until_a_minute_before_expiry() -> None:
    post, now = Recorder(), [1000.0]
    connector = TeamsConnector(SETTINGS, post, clock=lambda: now[0])
    assert connector.send(NORTH, {"type": "message"}) is None
    now[0] += 3600 - 61
    assert connector.send(NORTH, {"type": "message"}) is None
    assert len(post.tokens) == 1
    assert post.tokens[0]["data"] == {
        "grant_type": "client_credentials",
        "client_id": "app-id",
        "client_secret": "app-secret",
        "scope": "https://api.botframework.com/.default",
    }
    now[0] += 2
    connector.send(NORTH, {"type": "message"})
    assert len(post.tokens) == 2
    assert [p["headers"]["Authorization"] for p in post.posts] == ["Bearer token-0"] * 2 + ["Bearer token-1"]
    assert post.posts[0]["url"] == (
        "https://smba.example.invalid/emea/v3/conversations/19%3Anorth-alerts%40thread.tacv2/activities"
    )


def test_a_refused_token_is_fetched_again() -> None:
    post = Recorder(connector_status=401)
    connector = TeamsConnector(SETTINGS, post)
    assert connector.send(NORTH, {}) == 'Bot Connector HTTP 401: {"id": "1"}'
    connector.send(NORTH, {})
    assert len(post.tokens) == 2


@pytest.fixture
def sessions(tmp_path: Path):
    return session_factory(f"sqlite:///{tmp_path / 'u.db'}")


def save(sessions, key: str, site: Site = SITE) -> int:
    report = Report((Finding("fever", "fever", 0, 0),), temperature_c=38.6, days_since_infusion=2)
    return save_report(
        sessions,
        sender_id="webchat-p",
        channel="webchat",
        text="fever 38.6 since last night",
        report=report,
        decision=triage(report),
        site=site,
        dedupe_key=key,
        study_id="P-0042",
    ).report_id


def outbox(sessions) -> list[AlertOutbox]:
    with sessions() as s:
        return list(s.execute(select(AlertOutbox).order_by(AlertOutbox.id)).scalars())


def test_a_teams_sites_alert_goes_to_its_channel_as_a_card_and_others_to_the_webhook(sessions) -> None:
    north, south = save(sessions, "a"), save(sessions, "b", SOUTH)
    post = Recorder()
    post_webhook = Recorder()
    run = deliver_pending(
        "https://hooks.example.invalid/site",
        sessions,
        post=post_webhook,
        teams=TeamsConnector(SETTINGS, post),
        targets={"north": NORTH},
    )
    assert (run.delivered, run.failed, run.pending) == (2, 0, 0)
    [card_post] = post.posts
    [card] = card_post["json"]["attachments"]
    assert f"URGENT: IAR Assistant patient report #{north}" == texts(card["content"])[0]
    assert [a["type"] for a in card["content"]["actions"]][:2] == ["Action.Submit", "Action.ShowCard"]
    [hook] = post_webhook.calls
    assert f"report #{south}\n" in hook["json"]["text"]


def test_a_refused_card_is_retried_and_without_the_app_it_waits(sessions, monkeypatch) -> None:
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    save(sessions, "a")
    run = deliver_pending(
        None, sessions, teams=TeamsConnector(SETTINGS, Recorder(503)), targets={"north": NORTH}
    )
    assert (run.delivered, run.failed) == (0, 1)
    [alert] = outbox(sessions)
    assert alert.attempts == 1 and alert.last_error.startswith("Bot Connector HTTP 503")
    run = deliver_pending(None, sessions, alert.next_attempt_at, post=Recorder(), targets={"north": NORTH})
    assert (run.delivered, run.failed) == (0, 1) and outbox(sessions)[0].last_error == NOT_CONFIGURED


def test_a_burst_to_teams_is_one_message_with_a_summary_and_the_first_cards(sessions) -> None:
    for i in range(TEAMS_CARDS + 2):
        save(sessions, f"k{i}")
    post = Recorder()
    run = deliver_pending(None, sessions, teams=TeamsConnector(SETTINGS, post), targets={"north": NORTH})
    assert run.delivered == TEAMS_CARDS + 2
    [message] = post.posts
    summary, *cards = message["json"]["attachments"]
    assert len(cards) == TEAMS_CARDS
    assert texts(summary["content"])[0].startswith(f"{TEAMS_CARDS + 2} IAR Assistant patient reports")
    assert len(texts(summary["content"])) == 3  # the header and the two alerts beyond the cards


def click(report_id: int, action: str = ACK, outcome: str | None = None, who: str = "aad-1") -> Click:
    return Click(action, report_id, outcome, f"teams:{who} (Nurse Jo)")


def test_a_click_is_recorded_with_the_teams_identity_and_answered_with_the_card(sessions) -> None:
    report = save(sessions, "a")
    answer = answer_teams_click(sessions, click(report), CHANNEL, {"north": NORTH})
    assert answer.recorded and answer.text == f"Report #{report}: teams:aad-1 (Nurse Jo) is on it."
    assert status(answer.card)[0].startswith("On it: teams:aad-1 (Nurse Jo) at ")
    with sessions() as s:
        [ack] = s.execute(select(AlertAcknowledgement)).scalars().all()
        assert (ack.by, ack.via) == ("teams:aad-1 (Nurse Jo)", "teams")
    assert escalate_due(sessions, datetime(2100, 1, 1)) == 0  # the clock stopped

    closed = answer_teams_click(sessions, click(report, CLOSE, "advised_ae"), CHANNEL, {"north": NORTH})
    assert closed.recorded and "Called patient – advised A&E" in closed.text
    assert [a["type"] for a in closed.card["actions"]] == ["Action.OpenUrl"]
    with sessions() as s:
        outcome = s.get(ReportOutcome, report)
        assert (outcome.outcome, outcome.by, outcome.via) == ("advised_ae", "teams:aad-1 (Nurse Jo)", "teams")


def test_refused_clicks_change_nothing(sessions) -> None:
    north, south = save(sessions, "a"), save(sessions, "b", SOUTH)
    targets = {"north": NORTH}
    refused = {
        "another site's alert": answer_teams_click(sessions, click(south), CHANNEL, targets),
        "an unknown report": answer_teams_click(sessions, click(north + 99), CHANNEL, targets),
        "another channel": answer_teams_click(sessions, click(north), "19:elsewhere@thread.tacv2", targets),
        "no Teams site": answer_teams_click(sessions, click(north), CHANNEL, {}),
    }
    assert not any(answer.recorded for answer in refused.values()), refused
    assert refused["another site's alert"].card is None
    with sessions() as s:
        assert s.execute(select(AlertAcknowledgement)).first() is None

    answer_teams_click(sessions, click(north, CLOSE, "self_care"), CHANNEL, targets)
    late = answer_teams_click(sessions, click(north, who="aad-2"), CHANNEL, targets)
    again = answer_teams_click(sessions, click(north, CLOSE, "advised_ae", "aad-2"), CHANNEL, targets)
    assert not late.recorded and not again.recorded and "already closed" in late.text
    with sessions() as s:
        assert s.execute(select(AlertAcknowledgement)).first() is None
        assert s.get(ReportOutcome, north).outcome == "self_care"


def test_the_same_person_acknowledging_twice_is_one_record(sessions) -> None:
    report = save(sessions, "a")
    for _ in range(2):
        answer_teams_click(sessions, click(report), CHANNEL, {"north": NORTH})
    acknowledge(sessions, report, "teams:aad-1 (Nurse Jo)", "teams")
    with sessions() as s:
        assert len(s.execute(select(AlertAcknowledgement)).all()) == 1


ON_CALL = "19:north-on-call@thread.tacv2"


def test_an_escalation_goes_as_a_card_to_the_levels_teams_channel_and_is_clicked_there(sessions) -> None:
    report = save(sessions, "a")
    north = TeamsAlerts("north", NORTH.service_url, CHANNEL, on_call_conversation_id=ON_CALL)
    [alert] = outbox(sessions)
    later = alert.created_at + timedelta(minutes=30)  # the default urgent limit (no "north" in sites.yml)
    assert escalate_due(sessions, later) == 1
    post = Recorder()
    sent = deliver_escalations(
        {}, sessions, later, teams=TeamsConnector(SETTINGS, post), targets={"north": north}
    )
    assert sent == 1
    [message] = post.posts
    assert message["url"].endswith("/v3/conversations/19%3Anorth-on-call%40thread.tacv2/activities")
    [card] = message["json"]["attachments"]
    heading, first = texts(card["content"])[:2]
    assert heading.startswith("ESCALATED to the on-call team (not acknowledged within 30 min)")
    assert first == f"URGENT: IAR Assistant patient report #{report}"
    assert card["content"]["body"][0]["inlines"][0]["color"] == "attention"
    assert [a["type"] for a in card["content"]["actions"]][:2] == ["Action.Submit", "Action.ShowCard"]
    answer = answer_teams_click(sessions, click(report), ON_CALL, {"north": north})
    assert answer.recorded  # the on-call channel is the site's too
