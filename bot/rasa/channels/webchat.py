"""The patient web chat: a page served by the bot, and the JSON endpoint it talks to.

GET  /webhooks/webchat/         the page (plain HTML/CSS/JS from webchat_static/, no
                                external resources), with the site's contact numbers
POST /webhooks/webchat/webhook  {"sender": id, "message": text} → the bot's messages
                                (text, buttons, custom payloads), like the REST channel

Every message is marked with role "patient"; the client cannot choose its metadata,
and its sender id is namespaced so it cannot join a staff conversation; an id that
looks guessable (low entropy) is refused. The size cap and the safe reply (never
silence) are bot.rasa.channels.safety's, shared with REST; with the action server down,
a red flag still gets its emergency reply (bot.rasa.channels.red_flags). Messages over
the rate limits per address and per sender get a clear reply (429), except a
sender's first red flag; identical messages sent at once make one turn
(bot.rasa.channels.ratelimit).
"""

from __future__ import annotations

import html
import re
from http import HTTPStatus
from pathlib import Path
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.sites import Site, get_site
from bot.rasa.channels.ratelimit import InFlight, WebChatLimits, low_entropy
from bot.rasa.channels.red_flags import holds_red_flag, tracker_reader, with_red_flag_fallback
from bot.rasa.channels.safety import MAX_CHARS, answer, clean_text, rate_limited_reply, too_long

STATIC_DIR = Path(__file__).with_name("webchat_static")
ASSETS = {"webchat.css": "text/css; charset=utf-8", "webchat.js": "text/javascript; charset=utf-8"}
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class WebChatOutput(CollectingOutputChannel):
    """Collects the bot's messages for the HTTP response, one entry per bot message."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


def render_page(site: Site, template: str) -> str:
    """The page with the site's name and numbers filled in (HTML-escaped)."""
    values = {
        "site_name": site.name,
        "emergency_number": site.emergency_number,
        "emergency_tel": tel(site.emergency_number),
        "site_phone": site.site_phone,
        "site_tel": tel(site.site_phone),
        "on_call": site.on_call,
        "max_chars": str(MAX_CHARS),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: html.escape(values[m.group(1)], quote=True), template)


def tel(number: str) -> str:
    """A tel: URI for a phone number as people write it ("+44 20 7946 0000")."""
    return "tel:" + re.sub(r"[^0-9+*#]", "", number)


class WebChatInput(InputChannel):
    """The patient channel (no settings; the site comes from sites.yml and $IAR_SITE)."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(get_site())

    def __init__(self, site: Site) -> None:
        self.site = site
        self.page = render_page(site, (STATIC_DIR / "index.html").read_text(encoding="utf-8"))
        self.assets = {name: (STATIC_DIR / name).read_bytes() for name in ASSETS}
        self.limits = WebChatLimits.from_env()
        self.in_flight = InFlight()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat", __name__)

        @bp.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):  # the page's relative URLs need the slash
                return response.redirect(request.path + "/")
            return response.html(self.page, headers=SECURITY_HEADERS)

        @bp.route("/static/<name>", methods=["GET"])
        async def asset(_: Request, name: str) -> HTTPResponse:
            if name not in self.assets:
                return response.text("not found", status=HTTPStatus.NOT_FOUND)
            return response.raw(self.assets[name], content_type=ASSETS[name], headers=SECURITY_HEADERS)

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if request.content_type.split(";")[0].strip() != "application/json":
                return _error("send JSON", HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not SENDER_ID.fullmatch(sender):
                return _error("sender must be 16-64 letters, digits, '-' or '_'")
            if low_entropy(sender):
                return _error("sender must be a random id, as the page makes")
            if not isinstance(text, str) or not text.strip():
                return _error("message must be non-empty text")
            sender_id, metadata, agent = f"webchat-{sender}", {"role": "patient"}, request.app.ctx.agent

            async def red_flag() -> bool:
                return not too_long(text) and await holds_red_flag(agent, clean_text(text), metadata)

            if not await self.limits.allow(request.remote_addr or request.ip, sender_id, red_flag):
                return _json(
                    [{"recipient_id": sender_id, "text": rate_limited_reply(self.site)}],
                    HTTPStatus.TOO_MANY_REQUESTS,
                )
            handle = with_red_flag_fallback(on_new_message, tracker_reader(agent), self.site)
            return _json(
                await self.in_flight.run(
                    (sender_id, clean_text(text)),
                    lambda: answer(
                        handle, WebChatOutput(), self.site, text, sender_id, self.name(), metadata
                    ),
                )
            )

        return bp


def _json(body: Any, status: int = HTTPStatus.OK) -> HTTPResponse:
    return response.json(body, status=status, headers={"Cache-Control": "no-store", **SECURITY_HEADERS})


def _error(message: str, status: int = HTTPStatus.BAD_REQUEST) -> HTTPResponse:
    return _json({"error": message}, status)
