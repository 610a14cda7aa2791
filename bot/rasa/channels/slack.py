"""Slack for site staff: Rasa's Slack connector, configured from the environment.

Adds to Rasa's SlackInput (which keeps verifying the v0 signature and rejects
timestamps more than 5 minutes off): answers in the thread, one conversation per
user and thread, no duplicate answers to Slack's retries, role "staff" in the
message metadata, and a Web API base URL that can be pointed elsewhere.

Messages over the size cap get the too-long reply and are not processed; staff commands ("enrol
P-0042", bot.rasa.channels.staff_commands) are answered here, before NLU; text is
cleaned like the patient channels' (bot.rasa.channels.safety.clean_text). Every text the
bot posts has Slack's control characters escaped (&, <, >), so words a user got
echoed back (`<!channel>`, `<!here>`, `<@U123>`, `<https://evil|a link>`) stay text.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.sites import get_site
from bot.patient.alert_buttons import read_click
from bot.rasa.channels.alert_actions import AlertClicks, slack_payload
from bot.rasa.channels.dedupe import seen_cache
from bot.rasa.channels.disabled import DisabledChannel
from bot.rasa.channels.safety import clean_text, too_long, too_long_reply
from bot.rasa.channels.staff_commands import StaffCommands

logger = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"
REQUIRED_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def escape_slack(text: str) -> str:
    """Text shown as written: Slack reads <...> as mentions and links, and & as an entity."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class StaffSlackBot(SlackBot):
    """Posts the bot's messages to Slack, in the user's thread."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_url: str = SLACK_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, proxy=proxy, base_url=api_url)

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        # Slack rejects `as_user` from new (granular-scope) apps; `type` is no argument.
        kwargs.pop("as_user", None)
        kwargs.pop("type", None)
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        if isinstance(kwargs.get("text"), str):  # mrkdwn, or the notification text of blocks
            kwargs["text"] = escape_slack(kwargs["text"])  # (plain_text blocks show as written)
        await self.client.chat_postMessage(channel=channel, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One Slack message per bot message (Rasa's splits it at every blank line)."""
        await self._post_message(self.slack_channel or recipient_id, text=text.strip())

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Post Slack-shaped payloads; skip others (e.g. triage data meant for the web page)."""
        if {"blocks", "attachments", "text"} & json_message.keys():
            await super().send_custom_json(recipient_id, json_message, **kwargs)


class StaffSlackInput(SlackInput):
    """Slack Events API and interactivity endpoint: POST /webhooks/slack/webhook."""

    def __init__(
        self, *args: Any, api_url: str = SLACK_API_URL, commands: StaffCommands | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.api_url = api_url
        self.commands = commands or StaffCommands.from_env()
        # Every retry is caught by the deliveries seen below, whatever its reason, so
        # Rasa's own rule (drop all "http_timeout" retries, even unseen ones) is off.
        self.errors_ignore_retry = ()
        # 10 minutes: longer than the 5 minutes a signed timestamp stays valid, so a
        # replayed request is caught too.
        self.seen = seen_cache(ttl=600)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Settings from the environment; without the token and signing secret, a 503 stand-in."""
        env = os.environ
        if not all(env.get(name) for name in REQUIRED_ENV):
            logger.info("Slack channel off: set %s to enable it.", " and ".join(REQUIRED_ENV))
            return DisabledChannel(cls.name(), " and ".join(REQUIRED_ENV))
        return cls(
            env["SLACK_BOT_TOKEN"],
            slack_channel=env.get("SLACK_CHANNEL") or None,
            slack_retry_reason_header="X-Slack-Retry-Reason",
            slack_retry_number_header="X-Slack-Retry-Num",
            use_threads=True,
            slack_signing_secret=env["SLACK_SIGNING_SECRET"],
            conversation_granularity="thread",
            api_url=env.get("SLACK_API_URL") or SLACK_API_URL,
        )

    def get_metadata(self, request: Request) -> dict[str, Any]:
        return {**super().get_metadata(request), "role": "staff", "person": slack_person(request)}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Any:
        """Rasa's routes, with a click on an alert's button (the app's one interactivity URL)
        recorded as an acknowledgement or a close, never read as a staff question."""
        bp = super().blueprint(on_new_message)
        clicks: list[AlertClicks] = []  # made on the first click: the database only then

        @bp.on_request
        async def alert_click(request: Request) -> Any:
            if request.method != "POST" or "urlencoded" not in (request.content_type or ""):
                return None
            payload = slack_payload(request.body)
            if read_click(payload) is None or not self.is_request_from_slack_authentic(request):
                return None  # Rasa's route answers (and refuses a bad signature)
            if not clicks:
                clicks.append(AlertClicks.from_env())
            return await clicks[0].answer(payload)

        return bp

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return StaffSlackBot(
            self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url
        )

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict[str, Any] | None,
    ) -> Any:
        """Answer each event or button click once, however often Slack delivers it; a message
        over the size cap gets the too-long reply instead."""
        if not self.seen.first_time(*delivery_keys(request)):
            logger.info(
                "Slack delivery already handled (retry %s); not answering again.",
                request.headers.get(self.retry_num_header),
            )
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        meta = metadata or {}
        if too_long(text):
            await self.get_output_channel(meta.get("out_channel"), meta.get("thread_id")).send_text_message(
                sender_id or "", too_long_reply(get_site())
            )
            return response.text("")
        command_reply = await self.commands.reply(clean_text(text))
        if command_reply is not None:
            await self.get_output_channel(meta.get("out_channel"), meta.get("thread_id")).send_text_message(
                sender_id or "", command_reply
            )
            return response.text("")
        return await super().process_message(request, on_new_message, clean_text(text), sender_id, metadata)


def delivery_keys(request: Request) -> tuple[str, ...]:
    """Keys naming one delivery: the event id and the message's channel and ts, or the click."""
    if request.headers.get("content-type") == "application/json":
        body = request.json
        event = body.get("event") or {}
        return (_key("event", body.get("event_id")), _key("message", event.get("channel"), event.get("ts")))
    payload = json.loads(request.form["payload"][0])
    action = (payload.get("actions") or [{}])[0]
    return (
        _key("trigger", payload.get("trigger_id")),
        _key("action", (payload.get("user") or {}).get("id"), action.get("action_ts")),
    )


def _key(kind: str, *parts: Any) -> str:
    """'kind:part:part', or '' when a part is missing."""
    return ":".join([kind, *map(str, parts)]) if all(parts) else ""


def slack_person(request: Any) -> str | None:
    """Who wrote or clicked, as `slack:<team>:<user>`: what belongs to a person (their quiz)
    is kept under it, while the conversation is per thread."""
    if "json" in (request.headers.get("content-type") or ""):
        body = request.json or {}
        user, team = (body.get("event") or {}).get("user"), body.get("team_id")
    else:
        raw = request.form.get("payload") or "{}"
        payload = json.loads(raw[0] if isinstance(raw, list) else raw)
        user, team = (payload.get("user") or {}).get("id"), (payload.get("team") or {}).get("id")
    return f"slack:{team}:{user}" if user else None
