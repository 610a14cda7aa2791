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
