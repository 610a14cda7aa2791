"""Microsoft Teams for site staff, through the Bot Framework (single- or multi-tenant).

Rasa's botframework connector takes its outgoing token from the multi-tenant
endpoint only, checks incoming tokens partly, and blocks on `requests`. This one:

- gets the outgoing token from https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token
  ($MICROSOFT_TENANT_ID; "botframework.com" for multi-tenant bots), cached until expiry;
- validates every incoming token fully: RS256 signature by a key from the Bot
  Framework's OpenID metadata (endorsed for the activity's channel), audience = app id,
  issuer = https://api.botframework.com, exp/nbf, and serviceurl claim = activity's serviceUrl;
- uses aiohttp, answers in the thread of the incoming activity, turns buttons into a
  hero card, and marks messages with role "staff";
- hands a click on an alert card's button (an activity whose `value` is the button's data)
  to bot.rasa.channels.alert_actions.TeamsAlertClicks, never to the NLU;
- gives a message over the size cap the too-long reply instead of processing it,
  cleans text like the patient channels (bot.rasa.channels.safety.clean_text), and escapes
  markdown links and tags in every text it sends (escape_teams), so words a user got
  echoed back cannot become a link or markup under the bot's name.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from http import HTTPStatus
from typing import Any, Awaitable, Callable
from urllib.parse import quote

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.sites import get_site
from bot.core.teams_app import REQUIRED_ENV, TOKEN_SCOPE, TeamsSettings
from bot.patient.teams_cards import attachment, card_message, is_alert_click
from bot.rasa.channels.alert_actions import TeamsAlertClicks
from bot.rasa.channels.dedupe import seen_cache
from bot.rasa.channels.disabled import DisabledChannel
from bot.rasa.channels.safety import clean_text, too_long, too_long_reply
from bot.rasa.channels.staff_commands import StaffCommands

logger = logging.getLogger(__name__)

ISSUER = "https://api.botframework.com"
LEEWAY_S = 300  # clock skew allowed on exp/nbf, as in Microsoft's Bot Framework SDK
TIMEOUT = aiohttp.ClientTimeout(total=15)
MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
MARKUP = re.compile(r"([\\\[\]<>])")  # markdown link brackets, tags, and the escape itself


def escape_teams(text: str) -> str:
    """Text shown as written in Teams markdown: [label](url) and <tags> stay plain text."""
    return MARKUP.sub(r"\\\1", text)


class AuthError(Exception):
    """The request's bearer token is missing or invalid."""


class TokenProvider:
    """The bot's outgoing access token (client credentials), reused until shortly before expiry."""

    def __init__(self, settings: TeamsSettings) -> None:
        self.settings = settings
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if time.time() < self._expires - 60:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self.settings.app_id,
                "client_secret": self.settings.app_password,
                "scope": TOKEN_SCOPE,
            }
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                async with session.post(self.settings.token_url, data=form) as resp:
                    if resp.status != HTTPStatus.OK:
                        raise RuntimeError(
                            f"token endpoint answered {resp.status}: {(await resp.text())[:300]}"
                        )
                    data = await resp.json()
            self._token = data["access_token"]
            self._expires = time.time() + int(data.get("expires_in", 3600))
            return self._token


class KeySet:
    """The Bot Framework's signing keys, from its OpenID metadata; refreshed daily,
    or when a token names an unknown key (at most every 5 minutes)."""

    def __init__(self, openid_url: str) -> None:
        self.openid_url = openid_url
        self._keys: dict[str, tuple[Any, list[str] | None]] = {}
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> tuple[Any, list[str] | None]:
        """The public key with this id and its endorsements (channel ids), else AuthError."""
        async with self._lock:
            age = time.time() - self._fetched
            if age > 86400 or (kid not in self._keys and age > 300):
                await self._refresh()
        if kid not in self._keys:
            raise AuthError(f"unknown signing key {kid!r}")
        return self._keys[kid]

    async def _refresh(self) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            async with session.get(self.openid_url) as resp:
                resp.raise_for_status()
                jwks_uri = (await resp.json(content_type=None))["jwks_uri"]
            async with session.get(jwks_uri) as resp:
                resp.raise_for_status()
                jwks = await resp.json(content_type=None)
        self._keys = {
            k["kid"]: (RSAAlgorithm.from_jwk(k), k.get("endorsements"))
            for k in jwks["keys"]
            if k.get("kty") == "RSA"
        }
        self._fetched = time.time()


class TokenValidator:
    """Checks the Authorization header of an activity sent by the Bot Connector service."""

    def __init__(self, app_id: str, keys: KeySet) -> None:
        self.app_id = app_id
        self.keys = keys

    async def validate(self, auth_header: str | None, activity: dict[str, Any]) -> dict[str, Any]:
        """The token's claims; AuthError unless every check passes."""
        scheme, _, token = (auth_header or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthError("no bearer token")
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                raise AuthError(f"algorithm {header.get('alg')!r} is not RS256")
            key, endorsements = await self.keys.key(str(header.get("kid")))
            if endorsements is not None and activity.get("channelId") not in endorsements:
                raise AuthError(f"key not endorsed for channel {activity.get('channelId')!r}")
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(str(exc)) from exc
        if str(claims.get("serviceurl", "")).rstrip("/") != str(activity.get("serviceUrl", "")).rstrip("/"):
            raise AuthError("serviceurl claim does not match the activity's serviceUrl")
        return claims


class TeamsOutput(OutputChannel):
    """Replies to one incoming activity through the Bot Connector service."""

    @classmethod
    def name(cls) -> str:
        return "teams"

    def __init__(self, activity: dict[str, Any], tokens: TokenProvider) -> None:
        self.activity = activity
        self.tokens = tokens

    async def _reply(self, **fields: Any) -> None:
        a = self.activity
        conversation = quote(a["conversation"]["id"], safe="")
        url = (
            f"{a['serviceUrl'].rstrip('/')}/v3/conversations/{conversation}"
            f"/activities/{quote(a['id'], safe='')}"
        )
        body = {
            "type": "message",
            "from": a.get("recipient"),
            "recipient": a.get("from"),
            "conversation": a["conversation"],
            "replyToId": a["id"],
            **fields,
        }
        headers = {"Authorization": f"Bearer {await self.tokens.token()}"}
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            async with session.post(url, json=body, headers=headers) as resp:
                if resp.status >= 300:
                    logger.error("Bot Connector answered %s: %s", resp.status, (await resp.text())[:300])

    async def update(self, message_id: str, **fields: Any) -> bool:
        """Replace one of the bot's messages in this conversation; whether the connector took it."""
        a = self.activity
        conversation = quote(a["conversation"]["id"], safe="")
        url = (
            f"{a['serviceUrl'].rstrip('/')}/v3/conversations/{conversation}"
            f"/activities/{quote(message_id, safe='')}"
        )
        body = {"type": "message", "id": message_id, "conversation": a["conversation"], **fields}
        headers = {"Authorization": f"Bearer {await self.tokens.token()}"}
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                async with session.put(url, json=body, headers=headers) as resp:
                    if resp.status < 300:
                        return True
                    logger.warning(
                        "Bot Connector refused the update: %s %s", resp.status, (await resp.text())[:300]
                    )
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            logger.warning("Could not update the message: %s", exc)
        return False

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One message; every line break becomes a paragraph (Teams joins single ones)."""
        await self._reply(text=re.sub(r"\n+", "\n\n", escape_teams(text.strip())), textFormat="markdown")

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """A hero card whose buttons send their payload and show their title in the chat
        (messageBack works in personal chats, group chats and channels alike)."""
        card = {
            "text": escape_teams(text),
            "buttons": [
                {"type": "messageBack", "title": b["title"], "text": b["payload"], "displayText": b["title"]}
                for b in buttons
            ],
        }
        await self._reply(
            attachments=[{"contentType": "application/vnd.microsoft.card.hero", "content": card}]
        )

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Send activity-shaped payloads; skip others (e.g. triage data meant for the web page)."""
        if {"text", "attachments", "suggestedActions"} & json_message.keys():
            await self._reply(**json_message)


class TeamsInput(InputChannel):
    """Bot Framework messaging endpoint: POST /webhooks/teams/webhook."""

    @classmethod
    def name(cls) -> str:
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Settings from the environment; without app id and password, a 503 stand-in."""
        settings = TeamsSettings.from_env()
        if settings is None:
            logger.info("Teams channel off: set %s to enable it.", " and ".join(REQUIRED_ENV))
            return DisabledChannel(cls.name(), " and ".join(REQUIRED_ENV))
        return cls(settings)

    def __init__(self, settings: TeamsSettings) -> None:
        self.settings = settings
        self.tokens = TokenProvider(settings)
        self.validator = TokenValidator(settings.app_id, KeySet(settings.openid_url))
        self.seen = seen_cache(ttl=600)
        self.commands = StaffCommands.from_env()
        self.alert_clicks = TeamsAlertClicks.from_env()
        self._tasks: set[asyncio.Task] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("teams_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            activity = request.json if isinstance(request.json, dict) else {}
            try:
                await self.validator.validate(request.headers.get("Authorization"), activity)
            except AuthError as exc:
                logger.warning("Rejected a Bot Framework request: %s", exc)
                return response.text("unauthorized", status=HTTPStatus.UNAUTHORIZED)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                logger.error("Could not fetch the Bot Framework signing keys: %s", exc)
                return response.text("cannot validate now", status=HTTPStatus.SERVICE_UNAVAILABLE)
            if not self._from_our_tenant(activity):
                return response.text("tenant not allowed", status=HTTPStatus.FORBIDDEN)
            if activity.get("type") != "message":
                return response.text("")
            try:
                text = MENTION.sub("", str(activity.get("text") or ""))
                output = TeamsOutput(activity, self.tokens)
                message = UserMessage(
                    clean_text(text),
                    output,
                    sender_id(activity),
                    input_channel=self.name(),
                    metadata={"role": "staff", "person": teams_person(activity)},
                )
                first = self.seen.first_time(f"{activity['conversation']['id']}:{activity['id']}")
            except (KeyError, TypeError):
                return response.text("not an activity", status=HTTPStatus.BAD_REQUEST)
            if is_alert_click(activity.get("value")):  # an alert card's button: never the NLU's
                if first:
                    await self._answer_alert_click(activity, output)
                return response.text("")
            command_reply = await self.commands.reply(message.text or "") if first else None
            if first and too_long(text):
                await output.send_text_message(message.sender_id, too_long_reply(get_site()))
            elif command_reply is not None:
                await output.send_text_message(message.sender_id, command_reply)
            elif first:
                # Answer at once (the Bot Connector waits 15 s at most); reply when done.
                task = asyncio.ensure_future(on_new_message(message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return response.text("")

        return bp

    async def _answer_alert_click(self, activity: dict[str, Any], output: TeamsOutput) -> None:
        """Record the click; replace the alert's message with the updated card (when the card is
        the message's only one) and say what was done in its thread, or, when the message
        cannot be replaced, answer in the thread with the updated card."""
        answer = await self.alert_clicks.answer(activity)
        cards = [attachment(answer.card)] if answer.card else []
        message = card_message(activity)
        if cards and message and await output.update(message, attachments=cards):
            cards = []
        await output._reply(text=escape_teams(answer.text), textFormat="markdown", attachments=cards)

    def _from_our_tenant(self, activity: dict[str, Any]) -> bool:
        """With a tenant configured, only activities from that Microsoft 365 tenant count."""
        if not self.settings.tenant_id:
            return True
        tenant = ((activity.get("channelData") or {}).get("tenant") or {}).get("id") or (
            activity.get("conversation") or {}
        ).get("tenantId")
        return tenant == self.settings.tenant_id


def teams_person(activity: dict[str, Any]) -> str:
    """Who wrote, as `teams:<Entra object id>` (the channel account id without one): what
    belongs to a person (their quiz) is kept under it, across chats and channels."""
    sender = activity["from"]
    return f"teams:{sender.get('aadObjectId') or sender['id']}"


def sender_id(activity: dict[str, Any]) -> str:
    """One conversation per user and Teams conversation (chat or channel thread);
    hashed because Teams ids together exceed the tracker store's 255 characters."""
    raw = f"{activity['conversation']['id']}|{activity['from']['id']}"
    return "teams-" + hashlib.sha256(raw.encode()).hexdigest()[:32]
