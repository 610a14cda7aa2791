"""The REST channel (POST /webhooks/rest/webhook), hardened; registered in credentials.yml.

Same contract as Rasa's `rest` channel, {"sender", "message", "metadata"} → the bot's
messages, with bot.rasa.channels.safety around every turn: a message over the size cap
gets a clear reply and is not processed, control characters are dropped, and a turn
that produced nothing (an action server down) gets the safe reply, never silence,
after the emergency reply if the message holds a red flag (bot.rasa.channels.red_flags).
Malformed requests get 400 with what to fix: the body must be sent as
application/json (a cross-site HTML form can only send text/plain or form data,
so it cannot create reports), name its sender (no shared "default"
conversation) and keep its metadata under MAX_METADATA_BYTES (it is stored in
the tracker with every message). No streaming; the input channel is always "rest".
"""

from __future__ import annotations

import json
import unicodedata
from http import HTTPStatus
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.sites import Site, get_site
from bot.rasa.channels.red_flags import tracker_reader, with_red_flag_fallback
from bot.rasa.channels.safety import answer

MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 2048  # JSON; the channels' own metadata is a few dozen bytes


def valid_sender(sender: Any) -> bool:
    """A sender id is 1-128 printable characters."""
    return (
        isinstance(sender, str)
        and 0 < len(sender) <= MAX_SENDER_CHARS
        and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in sender)
    )


def request_error(body: Any) -> str | None:
    """What is wrong with a request body, or None when it can be processed."""
    if not isinstance(body, dict):
        return 'send a JSON object: {"sender": ..., "message": ...}'
    if not valid_sender(body.get("sender")):
        return f"sender must be 1-{MAX_SENDER_CHARS} printable characters"
    if not isinstance(body.get("message"), str):
        return "message must be text"
    if not isinstance(body.get("metadata") or {}, dict):
        return "metadata must be a JSON object"
    if len(json.dumps(body.get("metadata") or {}).encode("utf-8")) > MAX_METADATA_BYTES:
        return f"metadata must be at most {MAX_METADATA_BYTES} bytes of JSON"
    return None


class SafeRestInput(RestInput):
    """Rasa's REST channel with the size cap and the safe reply (channel name "rest")."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(get_site())

    def __init__(self, site: Site) -> None:
        self.site = site

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("safe_rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if request.content_type.split(";")[0].strip().lower() != "application/json":
                return response.json(
                    {"error": "send the body as application/json"}, status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE
                )
            body = request.json
            error = request_error(body)
            if error:
                return response.json({"error": error}, status=HTTPStatus.BAD_REQUEST)
            handle = with_red_flag_fallback(on_new_message, tracker_reader(request.app.ctx.agent), self.site)
            messages = await answer(
                handle,
                CollectingOutputChannel(),
                self.site,
                body["message"],
                body["sender"],
                self.name(),
                body.get("metadata"),
            )
            return response.json(messages)

        return bp
