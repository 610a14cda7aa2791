"""A local stand-in for a Slack/Teams incoming webhook: records the JSON it is sent.

It can be taken down (the port refuses connections) and brought back on the same
port, or told to answer with an error status, to test that alerts wait and retry.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.ops.stack import free_port


class AlertWebhook:
    """An incoming-webhook stand-in on 127.0.0.1 (thread-safe)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/site-team"
        self.received: list[dict[str, Any]] = []
        self.status = 200  # what the webhook answers
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = hook.status
                if status < 300:
                    with hook._lock:
                        hook.received.append(
                            {
                                "path": self.path,
                                "json": json.loads(body or b"null"),
                                "content_type": self.headers.get("Content-Type"),
                            }
                        )
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"unavailable")

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    @property
    def up(self) -> bool:
        return self._server is not None

    def start(self) -> AlertWebhook:
        """Listen (again) on the same port."""
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
            # a short poll interval: `stop` waits up to one interval for the loop to notice
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections to the port are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def texts(self) -> list[str]:
        with self._lock:
            return [r["json"].get("text", "") for r in self.received if isinstance(r["json"], dict)]

    def wait_for(self, needle: str, timeout: float = 60) -> str:
        """Wait until an alert whose text contains `needle` arrives; return its text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [t for t in self.texts() if needle in t]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no alert containing {needle!r} within {timeout:.0f} s; got {self.texts()}")
