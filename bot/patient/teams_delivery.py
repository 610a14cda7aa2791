"""Posting an alert card to a site's Teams channel through the Bot Framework connector.

The alert dispatcher calls this where it would post to the incoming webhook, so the card is
one more delivery target of the same outbox: a refused post is an attempt recorded and
retried, never a lost alert. The bot's access token comes from Microsoft's login endpoint
by client credentials (MICROSOFT_TOKEN_URL replaces it in tests) and is reused until a
minute before it expires, or until the connector refuses it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, Callable
from urllib.parse import quote

import requests

from bot.core.sites import TeamsAlerts
from bot.core.teams_app import REQUIRED_ENV, TOKEN_SCOPE, TeamsSettings

Post = Callable[..., requests.Response]
TIMEOUT = 10.0  # seconds for one call to the login endpoint or the connector
EARLY = 60.0  # a token is renewed this many seconds before it expires
NOT_CONFIGURED = f"the Teams app is not configured: set {' and '.join(REQUIRED_ENV)}"


class TeamsConnector:
    """Sends activities to Teams conversations as the bot registration of `settings`."""

    def __init__(
        self,
        settings: TeamsSettings,
        post: Post = requests.post,
        clock: Callable[[], float] = time.time,
        timeout: float = TIMEOUT,
    ) -> None:
        self.settings = settings
        self.post = post
        self.clock = clock
        self.timeout = timeout
        self._token = ""
        self._expires = 0.0

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] = os.environ, post: Post = requests.post
    ) -> TeamsConnector | None:
        """The connector of the MICROSOFT_* settings, or None when the app is not configured."""
        settings = TeamsSettings.from_env(env)
        return None if settings is None else cls(settings, post)

    def token(self) -> str:
        """The bot's access token, fetched again only when it is about to expire."""
        if self._token and self.clock() < self._expires - EARLY:
            return self._token
        form = {
            "grant_type": "client_credentials",
            "client_id": self.settings.app_id,
            "client_secret": self.settings.app_password,
            "scope": TOKEN_SCOPE,
        }
        response = self.post(self.settings.token_url, data=form, timeout=self.timeout)
        if response.status_code != 200:
            raise requests.HTTPError(
                f"token endpoint answered HTTP {response.status_code}: {response.text[:200]}"
            )
        data = response.json()
        self._token = str(data["access_token"])
        self._expires = self.clock() + float(data.get("expires_in", 3600))
        return self._token

    def send(self, target: TeamsAlerts, activity: dict[str, Any], channel: str = "") -> str | None:
        """Post a new message to the site's alerts channel (or `channel`, an escalation level's);
        None when the connector accepted it, else the error (the caller records it and tries
        again later)."""
        conversation = channel or target.conversation_id
        url = f"{target.service_url.rstrip('/')}/v3/conversations/{quote(conversation, safe='')}/activities"
        try:
            headers = {"Authorization": f"Bearer {self.token()}"}
            response = self.post(url, json=activity, headers=headers, timeout=self.timeout)
        except (requests.RequestException, KeyError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        if response.status_code in (401, 403):  # a revoked or rotated token: fetch a new one next time
            self._token = ""
        return f"Bot Connector HTTP {response.status_code}: {response.text[:200]}"
