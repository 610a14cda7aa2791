"""The patient web chat: a page served by the bot, and the JSON endpoint it talks to.

GET  /webhooks/webchat/         the page (plain HTML/CSS/JS from webchat_static/, no
                                external resources), with the site's contact numbers
POST /webhooks/webchat/webhook  {"sender": id, "message": text[, "token": t]} → the bot's
                                messages (text, buttons, custom payloads), like the REST channel
POST /webhooks/webchat/link     {"token": t} → {"bound": bool, "text": greeting or refusal}

A personal link (/webhooks/webchat/#t=<token>, bot.patient.participants) binds the
conversation to a participant: the page keeps the token (the fragment never reaches a
server log) and sends it with every message; each message's token is checked here
(signature, expiry, revocation in the database) and the participant's study ID and site go
into the message's metadata, where the actions read them. A refused token gets the
"call your site" reply and the message never reaches the bot, but it is still read for red
flags: one gets its emergency advice first and is spooled as an unidentified report.

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

import asyncio
import html
import logging
import re
import uuid
from http import HTTPStatus
from pathlib import Path
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.app import build_app
from bot.core.settings import Settings
from bot.core.sites import Site, get_site
from bot.patient.links import LinkRefused
from bot.patient.participants import Binding, ParticipantService
from bot.patient.reports.spool import append
from bot.patient.reports.store import report_columns
from bot.patient.service import PatientService
from bot.rasa.channels.ratelimit import InFlight, WebChatLimits, low_entropy
from bot.rasa.channels.red_flags import holds_red_flag, tracker_reader, with_red_flag_fallback
from bot.rasa.channels.safety import (
    MAX_CHARS,
    answer,
    clean_text,
    contact_thanks,
    link_greeting,
    link_refused_reply,
    rate_limited_reply,
    red_flag_of,
    red_flag_replies,
    team_told_reply,
    too_long,
)

STATIC_DIR = Path(__file__).with_name("webchat_static")
ASSETS = {"webchat.css": "text/css; charset=utf-8", "webchat.js": "text/javascript; charset=utf-8"}
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_TOKEN_CHARS = 1000
# a study ID (P-0042) or a phone number, alone: the answer to the bot's one question after an
# unidentified report (anything else, symptoms above all, goes to the bot as usual)
CONTACT = re.compile(r"[A-Za-z]{1,4}-\d{2,6}|\+?\d[\d ().-]{5,22}\d")
log = logging.getLogger(__name__)
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
    """The patient channel (no credentials; the site comes from sites.yml and $IAR_SITE, the
    personal links from the user database and IAR_LINK_SECRET)."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = Settings.from_env()
        app = build_app(settings)
        return cls(settings.site, app.participants, app.patient)

    def __init__(self, site: Site, participants: ParticipantService, patient: PatientService) -> None:
        self.site = site
        self.participants = participants
        self.patient = patient
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

        @bp.route("/link", methods=["POST"])
        async def link(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            bound = await self._binding(body.get("token"))
            if isinstance(bound, Binding):
                return _json({"bound": True, "text": link_greeting(get_site(bound.site_id))})
            return _json({"bound": False, "text": link_refused_reply(bound)})

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
            bound = await self._binding(body["token"]) if "token" in body else None
            site = bound if isinstance(bound, Site) else self.site
            if isinstance(bound, Binding):
                # one conversation per link: a sender id never carries over to another link
                sender_id = f"webchat-{bound.link_id}-{sender}"
                metadata = {**metadata, "participant": bound.study_id, "site": bound.site_id}
                site = get_site(bound.site_id)

            async def red_flag() -> bool:
                return not too_long(text) and await holds_red_flag(agent, clean_text(text), metadata)

            if not await self.limits.allow(request.remote_addr or request.ip, sender_id, red_flag):
                return _json(
                    [{"recipient_id": sender_id, "text": rate_limited_reply(site)}],
                    HTTPStatus.TOO_MANY_REQUESTS,
                )
            if isinstance(bound, Site):  # a dead or forged link: the bot never sees the message
                return _json(await self._refused(text, sender_id, site))
            if "participant" not in metadata and await self._kept_contact(agent, sender_id, text):
                return _json([{"recipient_id": sender_id, "text": contact_thanks(site)}])
            handle = with_red_flag_fallback(on_new_message, tracker_reader(agent), site)
            replies = await self.in_flight.run(
                (sender_id, clean_text(text)),
                lambda: answer(handle, WebChatOutput(), site, text, sender_id, self.name(), metadata),
            )
            return _json([*replies, *await self._team_told(sender_id, site)])

        return bp

    async def _binding(self, token: Any) -> Binding | Site:
        """The participant a token binds to, or the site whose number a refusal gives."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
            log.info("personal link refused: no usable token")
            return self.site
        try:
            return await asyncio.to_thread(self.participants.binding, token)
        except LinkRefused as refused:
            log.info("personal link refused: %s", refused.reason)
            return get_site(refused.site_id) if refused.site_id else self.site

    async def _team_told(self, sender_id: str, site: Site) -> list[dict[str, Any]]:
        """ "Your team has received your report", once, after the alert was delivered; nothing
        when the database cannot say (the reply the patient got stands on its own)."""
        try:
            told = await asyncio.to_thread(self.patient.team_told, sender_id)
        except Exception:  # the database down: say nothing rather than something untrue
            log.warning("could not check whether %s's alert was delivered", sender_id, exc_info=True)
            return []
        return [{"recipient_id": sender_id, "text": team_told_reply(site)}] if told else []

    async def _kept_contact(self, agent: Any, sender_id: str, text: str) -> bool:
        """Whether `text` answered the bot's question for a study ID or phone number (asked in
        this conversation) and is now kept with the sender's latest unidentified report."""
        if not CONTACT.fullmatch(text.strip()):
            return False
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None or not tracker.get_slot("contact_asked"):
            return False
        return await asyncio.to_thread(self.patient.add_contact, sender_id, text.strip())

    async def _refused(self, text: str, sender_id: str, site: Site) -> list[dict[str, Any]]:
        """The reply on a refused link: a red flag's emergency advice first (its report
        spooled, unidentified: the dispatcher saves it and alerts), then "call your site"."""
        replies = red_flag_replies(clean_text(text), site, sender_id)
        found = red_flag_of(clean_text(text)) if replies else None
        if found is not None:
            columns = report_columns(
                sender_id=sender_id,
                channel=self.name(),
                text=clean_text(text)[:MAX_CHARS],
                report=found[0],
                decision=found[1],
                site=site,
                study_id=None,
                dedupe_key=f"{sender_id}:refused-link:{uuid.uuid4().hex}",
            )
            await asyncio.to_thread(append, columns)
        return [*replies, {"recipient_id": sender_id, "text": link_refused_reply(site)}]


def _json(body: Any, status: int = HTTPStatus.OK) -> HTTPResponse:
    return response.json(body, status=status, headers={"Cache-Control": "no-store", **SECURITY_HEADERS})


def _error(message: str, status: int = HTTPStatus.BAD_REQUEST) -> HTTPResponse:
    return _json({"error": message}, status)
