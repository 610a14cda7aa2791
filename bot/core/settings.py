"""The deployment's settings, read from the environment once at start-up and passed on.

Each process entry point (the action server, the CLI, the tests' fixtures) builds one
`Settings` and hands it to `bot.app.build_app`; nothing below reads these variables again,
so a test sets up a process by building a Settings rather than by patching functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core.paths import BUILD_DIR, KB_PATH
from bot.core.sites import SITE_ENV, Site, get_site

USER_DB_ENV = "IAR_USER_DB_URL"
LINK_SECRET_ENV = "IAR_LINK_SECRET"
PUBLIC_URL_ENV = "IAR_PUBLIC_URL"
LOCAL_URL = "http://127.0.0.1:5005"  # `make run`'s Rasa server


@dataclass(frozen=True)
class Settings:
    """Where the user database and the knowledge base are, which site this is, the secret
    that signs participants' personal links ("" when unset: no link is made or accepted) and
    the bot's public address (the base of personal links and of the inbox links in alerts)."""

    user_db_url: str
    kb_path: Path
    site: Site
    link_secret: str = ""
    public_url: str = LOCAL_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """IAR_USER_DB_URL (default SQLite in build/), IAR_KB_PATH (via bot.core.paths), IAR_SITE,
        IAR_LINK_SECRET, IAR_PUBLIC_URL (default the local Rasa server)."""
        return cls(
            user_db_url=env.get(USER_DB_ENV) or f"sqlite:///{BUILD_DIR / 'userdata.db'}",
            kb_path=KB_PATH,
            site=get_site(env.get(SITE_ENV) or None),
            link_secret=env.get(LINK_SECRET_ENV, "").strip(),
            public_url=(env.get(PUBLIC_URL_ENV, "").strip() or LOCAL_URL).rstrip("/"),
        )
