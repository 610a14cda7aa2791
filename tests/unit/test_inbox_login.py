"""Staff login to the inbox (bot.patient.inbox_login) against the local OIDC stand-in over HTTP:
the code flow with PKCE, and an ID token refused for a wrong signature, audience, issuer,
nonce or expiry; a mismatched state; the signed cookies and the CSRF token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.patient.inbox_login import (
    LoginFailed,
    OidcClient,
    OidcSettings,
    csrf_ok,
    csrf_token,
    new_session,
    sign,
    staff_of,
    unsign,
)
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

SECRET = "s" * 40
REDIRECT = "https://iar.test.example/webhooks/inbox/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    made = OidcProvider().start()
    yield made
    made.stop()


@pytest.fixture
def client(provider: OidcProvider) -> OidcClient:
    provider.id_token_changes, provider.sign_with = {}, None
    provider.login_as("sub-jo", "jo@north.example", "Jo", ["iar-north-staff"])
    settings = OidcSettings(provider.url, CLIENT_ID, CLIENT_SECRET, SECRET, REDIRECT)
    return OidcClient(settings, sites_for=lambda groups: frozenset(g.split("-")[1] for g in groups))


def authorize(client: OidcClient) -> tuple[str, str, dict[str, Any]]:
    """Start a login and follow it to the stand-in: the code, the state and what the cookie keeps."""
    start = client.start("/webhooks/inbox/reports/7")
    asked = parse_qs(urlparse(start.url).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] == [start.state["nonce"]]
    assert start.state["verifier"] not in start.url  # only its hash travels through the browser
    answer = requests.get(start.url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(REDIRECT)
    back = parse_qs(urlparse(answer.headers["Location"]).query)
    return back["code"][0], back["state"][0], start.state


def test_a_login_gives_the_staff_member_and_their_sites(client: OidcClient, provider: OidcProvider) -> None:
    code, state, kept = authorize(client)
    staff = client.finish(code, state, kept)
    assert (staff.sub, staff.email, staff.name, staff.sites) == (
        "sub-jo",
        "jo@north.example",
        "Jo",
        {"north"},
    )
    assert provider.token_requests[-1]["redirect_uri"] == REDIRECT
    with pytest.raises(LoginFailed):  # a code works once
        client.finish(code, state, kept)


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "another-client"},
        {"iss": "https://evil.example"},
        {"nonce": "replayed"},
        {"exp": 1000, "iat": 900},
    ],
    ids=["audience", "issuer", "nonce", "expired"],
)
def test_an_id_token_with_wrong_claims_is_refused(
    client: OidcClient, provider: OidcProvider, change: dict[str, Any]
) -> None:
    provider.id_token_changes = change
    code, state, kept = authorize(client)
    with pytest.raises(LoginFailed, match="ID token was refused"):
        client.finish(code, state, kept)


def test_an_id_token_signed_with_another_key_is_refused(client: OidcClient, provider: OidcProvider) -> None:
    provider.sign_with = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    code, state, kept = authorize(client)
    with pytest.raises(LoginFailed, match="ID token was refused"):
        client.finish(code, state, kept)


def test_a_login_that_this_browser_did_not_start_or_a_wrong_verifier_is_refused(client: OidcClient) -> None:
    code, state, kept = authorize(client)
    with pytest.raises(LoginFailed, match="did not match"):
        client.finish(code, "another-state", kept)
    with pytest.raises(LoginFailed, match="refused the login"):
        client.finish(code, state, {**kept, "verifier": "x" * 50})  # PKCE: the stand-in checks it


def test_a_discovery_document_naming_another_issuer_is_refused(provider: OidcProvider) -> None:
    settings = OidcSettings(provider.url + "/other", CLIENT_ID, CLIENT_SECRET, SECRET, REDIRECT)

    def get(url: str, timeout: float) -> requests.Response:
        return requests.get(url.replace("/other", ""), timeout=timeout)

    with pytest.raises(LoginFailed, match="another issuer"):
        OidcClient(settings, get=get).start("/webhooks/inbox/")


def test_cookies_are_signed_expire_and_are_kept_to_their_purpose() -> None:
    now = time.time()
    staff = staff_of(new_session(staff_of({"sub": "s", "email": "e", "sites": ["north"]}), now))
    session = new_session(staff, now)
    value = sign(session, SECRET, "session")
    assert unsign(value, SECRET, "session", now) == session
    assert unsign(value, SECRET, "login", now) is None  # a session cookie is no login cookie
    assert unsign(value, "t" * 40, "session", now) is None
    body, mac = value.split(".")
    assert unsign(body[:-2] + "xy." + mac, SECRET, "session", now) is None
    assert unsign(value, SECRET, "session", now + 9 * 3600) is None  # after the shift
    token = csrf_token(session, SECRET)
    assert csrf_ok(session, SECRET, token) and not csrf_ok(session, SECRET, "")
    assert not csrf_ok(new_session(staff, now), SECRET, token)  # another session's token
