"""Slack over Socket Mode: the bot connects out to Slack instead of taking webhooks in.

Hospital networks rarely accept inbound requests from the internet, but they let a
server open an outbound WebSocket. With an app-level token (`xapp-…`, scope
`connections:write`) the Rasa server opens one with slack_sdk's Socket Mode client;
Slack sends each event over it as an *envelope*, which is acknowledged at once.

Everything after the transport is the webhook channel's (bot.rasa.channels.slack): the same
user/mention/channel filters, thread per conversation, role "staff", answers posted in
the thread, and the same delivery keys, so an envelope Slack redelivers (it does when an
acknowledgement is late) is answered once. There is no signature to check: nothing
arrives over HTTP, and the connection itself was opened with the app token.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.rasa.channels.disabled import DisabledChannel
from bot.rasa.channels.slack import SLACK_API_URL, StaffSlackInput

logger = logging.getLogger(__name__)

REQUIRED_ENV = ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN")
JSON, FORM = "application/json", "application/x-www-form-urlencoded"


@dataclass
class EnvelopeRequest:
    """An envelope's payload shaped like the webhook request that would have carried it.

    The webhook channel reads events from `json`, button clicks from `form["payload"]`
    and Slack's retry number and reason from the headers; so can Socket Mode's.
    """

    headers: dict[str, str]
    json: dict[str, Any] | None = None
    form: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_envelope(
        cls, envelope: SocketModeRequest, retry_num_header: str, retry_reason_header: str
    ) -> EnvelopeRequest:
        headers = {"content-type": JSON if envelope.type == "events_api" else FORM}
        if envelope.retry_attempt:
            headers[retry_num_header] = str(envelope.retry_attempt)
            headers[retry_reason_header] = envelope.retry_reason or ""
        if envelope.type == "events_api":
            return cls(headers, json=envelope.payload)
        return cls(headers, form={"payload": [json.dumps(envelope.payload)]})


class SlackSocketInput(StaffSlackInput):
    """Slack events and button clicks over Socket Mode (GET /webhooks/slack_socket/ = status)."""

    def __init__(
        self, app_token: str, bot_token: str, slack_channel: str | None = None, api_url: str = SLACK_API_URL
    ) -> None:
        super().__init__(
            bot_token,
            slack_channel=slack_channel,
            slack_retry_reason_header="X-Slack-Retry-Reason",
            slack_retry_number_header="X-Slack-Retry-Num",
            use_threads=True,
            conversation_granularity="thread",
            api_url=api_url,
        )
        self.app_token = app_token
        self.client: SocketModeClient | None = None

    @classmethod
    def name(cls) -> str:
        return "slack_socket"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Settings from the environment; without the app and bot tokens, a 503 stand-in."""
        env = os.environ
        if not all(env.get(name) for name in REQUIRED_ENV):
            logger.info("Slack Socket Mode off: set %s to enable it.", " and ".join(REQUIRED_ENV))
            return DisabledChannel(cls.name(), " and ".join(REQUIRED_ENV))
        return cls(
            env["SLACK_APP_TOKEN"],
            env["SLACK_BOT_TOKEN"],
            slack_channel=env.get("SLACK_CHANNEL") or None,
            api_url=env.get("SLACK_API_URL") or SLACK_API_URL,
        )

    def _validate_credentials(self) -> None:
        """No signing secret: Socket Mode events are not signed (the app token opens the link)."""
        if not self.slack_token:
            raise ValueError("Slack Socket Mode needs SLACK_BOT_TOKEN to post answers")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """No webhook: a status route, and a connection opened with the server and closed with it."""
        bp = Blueprint("slack_socket", __name__)

        @bp.route("/", methods=["GET"])
        async def status(_: Request) -> HTTPResponse:
            connected = self.client is not None and await self.client.is_connected()
            return response.json({"status": "connected" if connected else "connecting"})

        @bp.listener("after_server_start")
        async def connect(*_: Any) -> None:
            self.client = SocketModeClient(
                self.app_token,
                logger=logger,
                web_client=AsyncWebClient(base_url=self.api_url, proxy=self.proxy),
            )

            async def on_envelope(client: SocketModeClient, envelope: SocketModeRequest) -> None:
                # Acknowledge first: Slack redelivers what is not acknowledged within 3 s.
                await client.send_socket_mode_response(SocketModeResponse(envelope.envelope_id))
                await self.handle_envelope(envelope, on_new_message)

            self.client.socket_mode_request_listeners.append(on_envelope)
            await self.client.connect()

        @bp.listener("before_server_stop")
        async def disconnect(*_: Any) -> None:
            if self.client is not None:
                await self.client.close()

        return bp

    async def handle_envelope(
        self, envelope: SocketModeRequest, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Pass a user's message or button click to Rasa as the webhook channel would."""
        request = EnvelopeRequest.from_envelope(envelope, self.retry_num_header, self.retry_reason_header)
        if envelope.type == "events_api":
            body = envelope.payload
            metadata = self.get_metadata(request)
            if not self._is_user_message(body) or not self._is_supported_channel(body, metadata):
                return
            user = body["event"].get("user", "")
            text = self._sanitize_user_message(body["event"]["text"], metadata["users"])
        elif envelope.type == "interactive" and self._is_interactive_message(envelope.payload):
            user = (envelope.payload.get("user") or {}).get("id", "")
            text = self._get_interactive_response(envelope.payload["actions"][0])
            if text is None:
                return
            metadata = self.get_metadata(request)
        else:
            return
        sender = self._get_conversation_id(user, metadata.get("out_channel"), metadata.get("thread_id"))
        await self.process_message(request, on_new_message, text, sender, metadata)
