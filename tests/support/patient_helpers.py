"""Helpers shared by the tests that talk to the bot as a patient and read the user database."""

from __future__ import annotations

import time
from typing import Any, Callable

from sqlalchemy import select

from bot.patient.reports.models import PatientReport
from tests.support.rest import RestClient
from tests.support.userdb import session_factory


def say(rest: RestClient, who: str, text: str) -> tuple[str, dict[str, Any] | None]:
    """One patient message (web chat metadata); the reply text and its triage payload, if any."""
    replies = rest.say(who, text, role="patient")
    payloads = [r["custom"]["triage"] for r in replies if "triage" in (r.get("custom") or {})]
    assert len(payloads) <= 1, replies
    return "\n".join(r.get("text", "") for r in replies if r.get("text")), (payloads or [None])[0]


SCREEN_QUESTION = "Do you have any of these right now?"


def answer_screen(
    rest: RestClient, who: str, answer: str = "None of these"
) -> tuple[str, dict[str, Any] | None]:
    """Answer the red-flag screen the bot asks before any non-emergency disposition."""
    return say(rest, who, answer)


def wait_until(check: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} not met within {timeout:.0f} s")


def reports_of(user_db_url: str, sender: str) -> list[PatientReport]:
    """The stored reports of one sender."""
    with session_factory(user_db_url)() as session:
        return session.execute(select(PatientReport).where(PatientReport.sender_id == sender)).scalars().all()
