"""Sign a Slack interactivity request as Slack does (v0 HMAC-SHA256 with the signing secret),
so tests click an alert's buttons over HTTP exactly as Slack would."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode


def signed_click(
    secret: str, payload: dict[str, Any], timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The form body (payload=<json>) and the headers Slack sends with it."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def block_action(user: str, name: str, action: dict[str, Any], response_url: str) -> dict[str, Any]:
    """A `block_actions` payload: `user` clicked `action` on a message."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": name},
        "actions": [action],
        "response_url": response_url,
    }
