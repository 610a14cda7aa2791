"""The site team's clicks on an alert's buttons: POST /webhooks/alerts/slack.

Set this URL as the Slack app's interactivity Request URL. Each request must carry Slack's
v0 signature (HMAC-SHA256 of "v0:<timestamp>:<body>" with SLACK_SIGNING_SECRET, checked as
Rasa's SlackInput checks its events) and a timestamp within 5 minutes; anything else is
refused (401) and records nothing. A click records who (the Slack user) and when
(bot.patient.escalation.answer_click) and is answered with the updated alert, in the HTTP
answer and, as Slack expects for buttons, posted to the click's response_url (only a URL
under SLACK_RESPONSE_URL_PREFIX, default https://hooks.slack.com/, so a click cannot make
the bot call anywhere else).

A Slack app has one interactivity URL: when the alerts come from the staff Slack app, whose
URL is /webhooks/slack/webhook, that channel hands alert clicks to AlertClicks too
(bot.rasa.channels.slack), so either URL works.

Teams clicks come to the Teams channel's messaging endpoint (bot.rasa.channels.teams), which
checks the Bot Framework token and the tenant and hands them to TeamsAlertClicks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from http import HTTPStatus
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

import requests
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.core.settings import Settings
from bot.core.sites import SiteConfigError, TeamsAlerts, teams_alert_sites
from bot.patient.alert_buttons import read_click
from bot.patient.escalation import UnknownReport, answer_click
from bot.patient.teams_cards import card_message, click_channel, read_teams_click
from bot.patient.teams_clicks import TeamsAnswer, answer_teams_click

SIGNATURE_WINDOW = 300  # seconds a signed timestamp stays valid (Slack's own rule)
RESPONSE_PREFIX = "https://hooks.slack.com/"
log = logging.getLogger(__name__)


def slack_signature_ok(secret: str, timestamp: str, signature: str, body: bytes, now: float) -> bool:
    """Whether `signature` is Slack's v0 HMAC of the body at `timestamp`, within the window."""
    try:
        if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
            return False
    except ValueError:
        return False
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", signature)


class AlertClicks:
    """Records a verified click and answers it with the updated alert."""

    def __init__(self, sessions: sessionmaker[Session], response_prefix: str = RESPONSE_PREFIX) -> None:
        self.sessions = sessions
        self.response_prefix = response_prefix

    @classmethod
    def from_env(cls) -> AlertClicks:
        prefix = os.environ.get("SLACK_RESPONSE_URL_PREFIX") or RESPONSE_PREFIX
        return cls(build_app(Settings.from_env()).sessions, prefix)

    async def answer(self, payload: dict[str, Any]) -> HTTPResponse:
        """The click's answer (the request's signature already checked)."""
        click = read_click(payload)
        if click is None:
            return response.text("")
        try:
            message = await asyncio.to_thread(answer_click, self.sessions, click, "slack")
        except UnknownReport:
            return response.json({"response_type": "ephemeral", "text": "No such report."})
        reply_to = str(payload.get("response_url") or "")
        if reply_to.startswith(self.response_prefix):
            await asyncio.to_thread(_reply, reply_to, message)
        return response.json(message)


class TeamsAlertClicks:
    """Records a click on a Teams alert card (its token and tenant already checked)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        targets: Callable[[], dict[str, TeamsAlerts]] = teams_alert_sites,
    ) -> None:
        self.sessions = sessions
        self.targets = targets

    @classmethod
    def from_env(cls) -> TeamsAlertClicks:
        return cls(build_app(Settings.from_env()).sessions)

    async def answer(self, activity: dict[str, Any]) -> TeamsAnswer:
        click = read_teams_click(activity)
        if click is None:
            return TeamsAnswer(False, "This button could not be read: nothing was recorded.")
        try:
            targets = self.targets()
        except SiteConfigError as error:
            log.error("Teams alert click refused: %s", error)
            targets = {}
        alone = card_message(activity) is not None
        answer = await asyncio.to_thread(
            answer_teams_click, self.sessions, click, click_channel(activity), targets, None, alone
        )
        log.info("Teams alert click on report %s by %s: %s", click.report_id, click.by, answer.text)
        return answer


class AlertActionsInput(InputChannel):
    """Receives alert button clicks; it never passes anything to the bot's NLU."""

    @classmethod
    def name(cls) -> str:
        return "alerts"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(os.environ.get("SLACK_SIGNING_SECRET", ""), AlertClicks.from_env())

    def __init__(self, secret: str, clicks: AlertClicks) -> None:
        self.secret = secret
        self.clicks = clicks

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("alert_actions", __name__)

        @bp.route("/slack", methods=["POST"])
        async def slack(request: Request) -> HTTPResponse:
            if not self.secret:
                return response.json({"status": "disabled", "set": "SLACK_SIGNING_SECRET"}, status=503)
            headers = request.headers
            if not slack_signature_ok(
                self.secret,
                headers.get("X-Slack-Request-Timestamp", ""),
                headers.get("X-Slack-Signature", ""),
                request.body,
                time.time(),
            ):
                log.warning("alert click refused: bad or stale Slack signature")
                return response.text("invalid signature", status=HTTPStatus.UNAUTHORIZED)
            return await self.clicks.answer(slack_payload(request.body))

        return bp


def slack_payload(body: bytes) -> dict[str, Any]:
    """The JSON in the form field `payload` (how Slack sends interactivity), or {}."""
    try:
        data = json.loads(parse_qs(body.decode("utf-8")).get("payload", ["{}"])[0])
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _reply(url: str, message: dict[str, Any]) -> None:
    """Replace the original alert in Slack; a failure is logged (the click is recorded)."""
    try:
        requests.post(url, json=message, timeout=10).raise_for_status()
    except requests.RequestException as error:
        log.warning("could not update the alert in Slack: %s", error)
