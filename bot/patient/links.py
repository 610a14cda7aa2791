"""Personal web chat links: a signed, expiring token that names only the link's id.

The token is a JWT (HS256) signed with IAR_LINK_SECRET: {"lid": link id, "exp": expiry}.
It never carries the study ID, so a link that is forwarded, logged or shoulder-surfed
gives away nothing about who it belongs to; the link id, a random string, is looked up
in the database on every message (bot.patient.participants), so revoking a link stops it
at once. Expiry is checked against an injectable clock.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import jwt

ALGORITHM = "HS256"
MIN_SECRET_CHARS = 32  # HS256 keys shorter than the hash are weak (RFC 7518 3.2)


class LinkRefused(Exception):
    """The token is not a valid, live personal link; `reason` is for the logs, never the
    patient; `site_id` is the link's site when it is known (revoked or expired)."""

    def __init__(self, reason: str, site_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.site_id = site_id


def new_link_id() -> str:
    """A random, unguessable link id (96 bits)."""
    return secrets.token_urlsafe(12)


def _epoch(moment: datetime) -> int:
    """A naive UTC datetime (what the database stores) as seconds since the epoch."""
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def sign(link_id: str, expires_at: datetime, secret: str) -> str:
    """The token for a link (expires_at: naive UTC)."""
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"the link secret must be at least {MIN_SECRET_CHARS} characters")
    return str(jwt.encode({"lid": link_id, "exp": _epoch(expires_at)}, secret, algorithm=ALGORITHM))


def link_id_of(token: str, secret: str, now: datetime) -> str:
    """The link id of a token whose signature holds and that has not expired by `now`."""
    if len(secret) < MIN_SECRET_CHARS:
        raise LinkRefused("no link secret configured")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"verify_exp": False, "require": ["exp", "lid"]}
        )
    except jwt.PyJWTError as error:
        raise LinkRefused(f"bad token ({type(error).__name__})") from error
    if not isinstance(claims["lid"], str) or not isinstance(claims["exp"], int):
        raise LinkRefused("bad token (claims)")
    if claims["exp"] <= _epoch(now):
        raise LinkRefused("token expired")
    return claims["lid"]
