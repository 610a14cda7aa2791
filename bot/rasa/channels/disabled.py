"""Stand-in for a channel whose secrets are not set: it answers 503 and processes nothing."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


class DisabledChannel(InputChannel):
    """Keeps `rasa run` working without a channel's secrets, and says what to set."""

    def __init__(self, prefix: str, needs: str) -> None:
        self.prefix = prefix
        self.needs = needs

    def url_prefix(self) -> str:
        return self.prefix

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint(f"{self.prefix}_disabled", __name__)

        @bp.route("/", methods=["GET"])
        @bp.route("/webhook", methods=["GET", "POST"])
        async def not_configured(_: Request) -> HTTPResponse:
            return response.json(
                {"status": "disabled", "set": self.needs}, status=HTTPStatus.SERVICE_UNAVAILABLE
            )

        return bp
