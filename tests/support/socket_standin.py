"""A local stand-in for Slack in Socket Mode: the Web API and the WebSocket it hands out.

`apps.connections.open` answers with the URL of this server's WebSocket; the bot connects
there, gets a `hello`, and then the envelopes a test sends. Acknowledgements and every
Web API call (chat.postMessage) are recorded, as in tests.support.channel_stack.StandIn.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.channel_stack import StandIn


class SocketModeStandIn(StandIn):
    """Slack's Web API plus a Socket Mode WebSocket on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__()
        self.sockets: list[web.WebSocketResponse] = []

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/slack/api/{method}", self._slack)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def _slack(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = (
            await request.json() if request.content_type == "application/json" else dict(await request.post())
        )
        self._record(f"slack:{method}", request, body)
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": self.url.replace("http", "ws") + "/link"})
        return web.json_response({"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"})

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()  # answers the client's pings with pongs
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}
        )
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self._record("ack", request, json.loads(message.data))
        return socket

    def wait_connected(self, timeout: float = 120) -> None:
        """Wait until the bot has opened its WebSocket."""
        deadline = time.monotonic() + timeout
        while not self.sockets and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.sockets, f"the bot did not connect within {timeout:.0f} s"

    def send(self, envelope: dict[str, Any]) -> None:
        """Deliver one envelope over the bot's (latest) connection."""
        asyncio.run_coroutine_threadsafe(self.sockets[-1].send_json(envelope), self._loop).result(10)
