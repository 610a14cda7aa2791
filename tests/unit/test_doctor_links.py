"""The deployment check names a weak link secret and a personal-link address patients
cannot open."""

from __future__ import annotations

from bot.ops.doctor import check


def problems(env: dict[str, str]) -> dict[str, str]:
    return {f.setting: f.message for f in check(env, roles=()) if not f.ok}


def test_links_off_is_no_problem() -> None:
    assert "IAR_LINK_SECRET" not in problems({})


def test_a_short_secret_and_a_local_address_are_named() -> None:
    found = problems({"IAR_LINK_SECRET": "short"})
    assert "5 characters" in found["IAR_LINK_SECRET"] and "https://" in found["IAR_PUBLIC_URL"]


def test_a_strong_secret_and_a_public_address_pass() -> None:
    found = problems({"IAR_LINK_SECRET": "k" * 48, "IAR_PUBLIC_URL": "https://iar.example.org"})
    assert "IAR_LINK_SECRET" not in found and "IAR_PUBLIC_URL" not in found


INBOX = {
    "IAR_OIDC_ISSUER": "https://login.microsoftonline.com/tenant/v2.0",
    "IAR_OIDC_CLIENT_ID": "client",
    "IAR_OIDC_CLIENT_SECRET": "secret",
    "IAR_INBOX_SESSION_SECRET": "k" * 48,
    "IAR_PUBLIC_URL": "https://iar.example.org",
}


def test_the_inbox_off_is_no_problem_and_complete_settings_pass() -> None:
    assert not [k for k in problems({}) if "INBOX" in k or "OIDC" in k]
    assert problems(INBOX) == {}


def test_a_half_configured_inbox_a_weak_session_secret_and_http_addresses_are_named() -> None:
    found = problems({**INBOX, "IAR_OIDC_CLIENT_SECRET": "", "IAR_INBOX_SESSION_SECRET": "short"})
    assert (
        "is not set" in found["IAR_OIDC_CLIENT_SECRET"]
        and "5 characters" in found["IAR_INBOX_SESSION_SECRET"]
    )
    found = problems({**INBOX, "IAR_OIDC_ISSUER": "http://idp", "IAR_PUBLIC_URL": "http://127.0.0.1:5005"})
    assert "https://" in found["IAR_OIDC_ISSUER"] and "/webhooks/inbox/callback" in found["IAR_PUBLIC_URL"]
