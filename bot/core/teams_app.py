"""The Azure bot registration's identity (MICROSOFT_* variables), shared by the Teams channel
(answers staff in the Rasa server) and the alert dispatcher (posts alert cards to a site's
Teams channel): both take the bot's outgoing token from the same tenant endpoint."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
TOKEN_SCOPE = "https://api.botframework.com/.default"
REQUIRED_ENV = ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD")


@dataclass(frozen=True)
class TeamsSettings:
    """Where the app's identity and Microsoft's endpoints come from (the environment)."""

    app_id: str
    app_password: str
    tenant_id: str
    openid_url: str
    token_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> TeamsSettings | None:
        """The settings, or None when the app id or password is unset. MICROSOFT_TOKEN_URL and
        MICROSOFT_OPENID_METADATA_URL replace Microsoft's endpoints (tests' stand-ins)."""
        if not all(env.get(name) for name in REQUIRED_ENV):
            return None
        tenant = env.get("MICROSOFT_TENANT_ID", "")
        return cls(
            env["MICROSOFT_APP_ID"],
            env["MICROSOFT_APP_PASSWORD"],
            tenant,
            env.get("MICROSOFT_OPENID_METADATA_URL") or OPENID_METADATA_URL,
            env.get("MICROSOFT_TOKEN_URL") or TOKEN_URL.format(tenant=tenant or "botframework.com"),
        )
