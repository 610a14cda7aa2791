"""Staff login to the report inbox over OpenID Connect, and the inbox's signed cookies.

The authorization code flow with PKCE (S256): Authlib builds the authorization URL and
exchanges the code at the provider's token endpoint (client_secret_basic); the ID token's
RS256/ES256 signature is checked against the provider's JWKS (joserfc, Authlib's JOSE
library), and its iss, aud, exp, iat and nonce against what we sent. The provider is found
from its discovery document (ISSUER/.well-known/openid-configuration), whose `issuer` must be
the configured one. The staff member's sites come from one claim of the ID token
(IAR_OIDC_SITE_CLAIM, default `groups`) mapped through sites.yml `staff_groups`.

Cookies: the login's state, nonce and PKCE verifier ride in a short-lived signed cookie
between /login and /callback; the session (sub, email, name, sites, expiry) in another.
Both are HMAC-SHA256 signed with IAR_INBOX_SESSION_SECRET, HttpOnly, SameSite=Lax (Secure
when the public URL is https). A form's CSRF token is an HMAC of the session's random id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from bot.core.sites import staff_sites
from bot.patient.inbox import Staff

ISSUER_ENV = "IAR_OIDC_ISSUER"
CLIENT_ID_ENV = "IAR_OIDC_CLIENT_ID"
CLIENT_SECRET_ENV = "IAR_OIDC_CLIENT_SECRET"
SESSION_SECRET_ENV = "IAR_INBOX_SESSION_SECRET"
SITE_CLAIM_ENV = "IAR_OIDC_SITE_CLAIM"
MIN_SECRET_CHARS = 32
CALLBACK_PATH = "/webhooks/inbox/callback"
SESSION_SECONDS = 8 * 3600  # a working shift; then log in again
LOGIN_SECONDS = 600  # from /login to /callback
TIMEOUT = 10.0
LEEWAY = 60  # seconds of clock skew allowed on exp and iat
ALGORITHMS = ["RS256", "ES256"]


class LoginFailed(Exception):
    """The login cannot be completed; the message says why, in plain words."""


@dataclass(frozen=True)
class OidcSettings:
    """The identity provider, this client's registration and the cookies' secret."""

    issuer: str
    client_id: str
    client_secret: str
    session_secret: str
    redirect_uri: str
    site_claim: str = "groups"

    @classmethod
    def from_env(cls, env: Mapping[str, str], public_url: str) -> OidcSettings:
        return cls(
            issuer=env.get(ISSUER_ENV, "").strip().rstrip("/"),
            client_id=env.get(CLIENT_ID_ENV, "").strip(),
            client_secret=env.get(CLIENT_SECRET_ENV, "").strip(),
            session_secret=env.get(SESSION_SECRET_ENV, "").strip(),
            redirect_uri=public_url.rstrip("/") + CALLBACK_PATH,
            site_claim=env.get(SITE_CLAIM_ENV, "").strip() or "groups",
        )

    def missing(self) -> list[str]:
        """The settings that are not set (the inbox is off until none are)."""
        given = {
            ISSUER_ENV: self.issuer,
            CLIENT_ID_ENV: self.client_id,
            CLIENT_SECRET_ENV: self.client_secret,
            SESSION_SECRET_ENV: self.session_secret,
        }
        return [name for name, value in given.items() if not value]

    @property
    def secure_cookies(self) -> bool:
        return self.redirect_uri.startswith("https://")


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser, and what the login cookie must carry back to /callback."""

    url: str
    state: dict[str, Any]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(data: dict[str, Any], secret: str, purpose: str) -> str:
    """`data` as a cookie value that only the holder of `secret` can make; `purpose` keeps a
    login cookie from being used as a session and back."""
    body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    mac = hmac.new(secret.encode(), f"{purpose}.{body}".encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(value: str, secret: str, purpose: str, now: float) -> dict[str, Any] | None:
    """The data of a value made by `sign` for `purpose` and not expired (its `exp`), else None."""
    body, _, mac = (value or "").partition(".")
    expected = hmac.new(secret.encode(), f"{purpose}.{body}".encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(mac), expected):
            return None
        data = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or float(data.get("exp", 0)) < now:
        return None
    return data


def csrf_token(session: Mapping[str, Any], secret: str) -> str:
    """The token every form of this session carries (an HMAC of the session's random id)."""
    return hmac.new(secret.encode(), f"csrf.{session.get('sid', '')}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(session: Mapping[str, Any], secret: str, token: str) -> bool:
    return hmac.compare_digest(csrf_token(session, secret), token or "")


def staff_of(session: Mapping[str, Any]) -> Staff:
    """The staff member a valid session cookie names."""
    return Staff(
        sub=str(session["sub"]),
        email=str(session.get("email") or ""),
        name=str(session.get("name") or ""),
        sites=frozenset(str(s) for s in session.get("sites") or []),
    )


def new_session(staff: Staff, now: float) -> dict[str, Any]:
    """A session cookie's data for a staff member who just logged in."""
    return {
        "sid": secrets.token_urlsafe(16),
        "sub": staff.sub,
        "email": staff.email,
        "name": staff.name,
        "sites": sorted(staff.sites),
        "exp": now + SESSION_SECONDS,
    }


class OidcClient:
    """One identity provider: its discovery document and keys are fetched once and kept
    (the keys fetched again when a token names a key id we do not have: key rotation)."""

    def __init__(
        self,
        settings: OidcSettings,
        get: Callable[..., requests.Response] = requests.get,
        clock: Callable[[], float] = time.time,
        sites_for: Callable[[list[str]], frozenset[str]] = staff_sites,
    ) -> None:
        self.settings = settings
        self.get = get
        self.clock = clock
        self.sites_for = sites_for
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = f"{self.settings.issuer}/.well-known/openid-configuration"
            try:
                found = self.get(url, timeout=TIMEOUT)
                found.raise_for_status()
                data = found.json()
            except (requests.RequestException, ValueError) as error:
                raise LoginFailed(
                    f"the identity provider cannot be reached ({type(error).__name__})"
                ) from error
            if data.get("issuer", "").rstrip("/") != self.settings.issuer:
                raise LoginFailed("the identity provider's discovery document names another issuer")
            self._metadata = data
        return self._metadata

    def keys(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            try:
                found = self.get(self.metadata()["jwks_uri"], timeout=TIMEOUT)
                found.raise_for_status()
                self._keys = KeySet.import_key_set(found.json())
            except (requests.RequestException, ValueError, KeyError, JoseError) as error:
                raise LoginFailed(
                    f"the identity provider's keys cannot be read ({type(error).__name__})"
                ) from error
        return self._keys

    def _session(self) -> OAuth2Session:
        s = self.settings
        return OAuth2Session(
            s.client_id,
            s.client_secret,
            scope="openid email profile",
            redirect_uri=s.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
            default_timeout=TIMEOUT,
        )

    def start(self, next_path: str) -> LoginStart:
        """The authorization URL (code flow, PKCE S256, a nonce) and the state to keep."""
        state, nonce, verifier = (
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(48),
        )
        with self._session() as oauth:
            url, _ = oauth.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
            )
        kept = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_path}
        return LoginStart(url, {**kept, "exp": self.clock() + LOGIN_SECONDS})

    def finish(self, code: str, state: str, kept: Mapping[str, Any]) -> Staff:
        """Exchange the code and check the ID token; the staff member it names. Raises LoginFailed."""
        if not code or not hmac.compare_digest(str(kept.get("state", "")), state or ""):
            raise LoginFailed("the login did not match the one this browser started; please try again")
        try:
            with self._session() as oauth:
                token = oauth.fetch_token(
                    self.metadata()["token_endpoint"], code=code, code_verifier=str(kept["verifier"])
                )
        except Exception as error:  # Authlib raises its own OAuthError or requests' errors
            raise LoginFailed(f"the identity provider refused the login ({type(error).__name__})") from error
        claims = self.verify(str(token.get("id_token") or ""), str(kept["nonce"]))
        groups = claims.get(self.settings.site_claim) or []
        groups = [groups] if isinstance(groups, str) else [str(g) for g in groups]
        return Staff(
            sub=str(claims["sub"]),
            email=str(claims.get("email") or ""),
            name=str(claims.get("name") or claims.get("preferred_username") or ""),
            sites=self.sites_for(groups),
        )

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature (the provider's JWKS), iss, aud, exp, iat and
        nonce are right. Raises LoginFailed."""
        if not id_token:
            raise LoginFailed("the identity provider sent no ID token")
        try:
            try:
                decoded = jwt.decode(id_token, self.keys(), algorithms=ALGORITHMS)
            except JoseError:  # perhaps a key rotated since we fetched them
                decoded = jwt.decode(id_token, self.keys(refresh=True), algorithms=ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                now=int(self.clock()),
                leeway=LEEWAY,
                iss={"essential": True, "value": self.settings.issuer},
                aud={"essential": True, "value": self.settings.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise LoginFailed(f"the ID token was refused ({type(error).__name__})") from error
        return dict(decoded.claims)
