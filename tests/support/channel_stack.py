"""A Rasa server with every channel on, and local stand-ins for the services they call.

The stand-in (one aiohttp server on 127.0.0.1) plays Slack's Web API, Microsoft's
token endpoint, the Bot Framework's OpenID metadata and key set (an RSA key made
here), and the Bot Connector service (replies: kind "connector"; new messages such as
alert cards: "connector:new"; a message replaced: "connector:update"); it records every request it gets.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.ops.stack import start_bot

APP_ID = "test-app-id"
TENANT_ID = "test-tenant"
SLACK_TOKEN = "xoxb-test-token"
SLACK_SECRET = "test-signing-secret"
LINK_SECRET = "test-link-secret-of-at-least-32-characters"
ACCESS_TOKEN = "test-access-token"
KEY_ID = "test-key-1"


class StandIn:
    """Records requests; answers like Slack, Microsoft's login service and the Bot Connector."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.requests: list[dict[str, Any]] = []
        self.url = ""
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/slack/api/{method}", self._slack)
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_post("/token", self._token)
        app.router.add_post(
            "/connector/v3/conversations/{conversation}/activities/{activity}", self._connector
        )
        app.router.add_post("/connector/v3/conversations/{conversation}/activities", self._new_message)
        app.router.add_put("/connector/v3/conversations/{conversation}/activities/{activity}", self._update)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    def _record(self, kind: str, request: web.Request, body: Any) -> None:
        with self._lock:
            self.requests.append(
                {
                    "kind": kind,
                    "path": dict(request.match_info),
                    "auth": request.headers.get("Authorization"),
                    "body": body,
                }
            )

    async def _slack(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(f"slack:{request.match_info['method']}", request, body)
        return web.json_response({"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"})

    async def _openid(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": "https://api.botframework.com",
                "jwks_uri": f"{self.url}/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _jwks(self, _: web.Request) -> web.Response:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update(kid=KEY_ID, use="sig", endorsements=["msteams"])
        return web.json_response({"keys": [jwk]})

    async def _token(self, request: web.Request) -> web.Response:
        self._record("token", request, dict(await request.post()))
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": ACCESS_TOKEN}
        )

    async def _connector(self, request: web.Request) -> web.Response:
        self._record("connector", request, await request.json())
        return web.json_response({"id": "reply-id"})

    async def _new_message(self, request: web.Request) -> web.Response:
        """A message the bot starts in a conversation (an alert card posted to a channel)."""
        self._record("connector:new", request, await request.json())
        return web.json_response({"id": f"{time.time_ns()}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        """The bot replacing one of its messages (an alert card after a click)."""
        self._record("connector:update", request, await request.json())
        return web.json_response({"id": request.match_info["activity"]})

    def captured(
        self, kind: str, where: Callable[[dict[str, Any]], bool] = lambda r: True
    ) -> list[dict[str, Any]]:
        """The recorded requests of this kind that satisfy `where`."""
        with self._lock:
            return [r for r in self.requests if r["kind"] == kind and where(r)]

    def wait_for(
        self, kind: str, where: Callable[[dict[str, Any]], bool] = lambda r: True, timeout: float = 60
    ) -> list[dict[str, Any]]:
        """Wait until at least one such request arrived; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.captured(kind, where)
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no {kind} request within {timeout:.0f} s")

    def bot_token(self, **claims: Any) -> str:
        """A Bot Connector token signed with the stand-in's key (claims override the defaults)."""
        now = int(time.time())
        payload = {
            "iss": "https://api.botframework.com",
            "aud": APP_ID,
            "nbf": now - 60,
            "exp": now + 3600,
            "serviceurl": f"{self.url}/connector/",
            **claims,
        }
        return jwt.encode(
            {k: v for k, v in payload.items() if v is not None},
            self.key,
            algorithm="RS256",
            headers={"kid": KEY_ID},
        )


@dataclass
class ChannelStack:
    """The running Rasa server with all channels, and its tracker store."""

    url: str
    tracker_db: Path
    standin: StandIn

    @property
    def user_db_url(self) -> str:
        """The action server's user database (reports)."""
        return f"sqlite:///{self.tracker_db.parent / 'userdata.db'}"

    def user_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The user messages stored for this conversation (text, input_channel, metadata)."""
        with sqlite3.connect(self.tracker_db) as db:
            rows = db.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender_id,)
            ).fetchall()
        return [json.loads(data) for (data,) in rows]


def channel_env(standin: StandIn) -> dict[str, str]:
    """Slack and Teams secrets, with every outside service pointed at the stand-in."""
    return {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": f"{standin.url}/slack/api/",
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "test-password",
        "MICROSOFT_TENANT_ID": TENANT_ID,
        "MICROSOFT_OPENID_METADATA_URL": f"{standin.url}/openid",
        "MICROSOFT_TOKEN_URL": f"{standin.url}/token",
        "IAR_LINK_SECRET": LINK_SECRET,  # staff enrol participants ("enrol P-0042")
        # as behind the reverse proxy: the client address is X-Forwarded-For's (rate limits)
        "SANIC_PROXIES_COUNT": "1",
        # an empty value tells slack_sdk to ignore any proxy set on this machine
        "HTTPS_PROXY": "",
        "https_proxy": "",
        "HTTP_PROXY": "",
        "http_proxy": "",
    }


@pytest.fixture(scope="session")
def standin() -> StandIn:
    """The stand-in for Slack, Microsoft login and the Bot Connector."""
    server = StandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def channel_stack(
    trained_model: Path, standin: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> ChannelStack:
    """Action server + Rasa server with the project's credentials.yml and every channel on."""
    work = tmp_path_factory.mktemp("channels")
    with start_bot(work, trained_model, rasa_env=channel_env(standin)) as stack:
        yield ChannelStack(stack.servers[1].url, work / "tracker.db", standin)
