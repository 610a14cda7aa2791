"""Participants and personal links: the token (signature, expiry, no study ID in it) and the
store (enrol, revoke, list, a link checked in the database), on a clock the test moves."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path

import jwt
import pytest

from bot.app import build_app
from bot.core.paths import KB_PATH
from bot.core.settings import Settings
from bot.core.sites import get_site
from bot.ops.cli import main
from bot.patient.links import LinkRefused, link_id_of, sign
from bot.patient.participants import EnrolmentError, ParticipantService

SECRET = "s" * 40
START = datetime(2026, 11, 30, 9, 0)


class Clock:
    """Now, as the test sets it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, clock: Clock) -> ParticipantService:
    app = build_app(
        Settings(
            user_db_url=f"sqlite:///{tmp_path / 'u.db'}",
            kb_path=KB_PATH,
            site=get_site(),
            link_secret=SECRET,
            public_url="https://iar.example.org",
        )
    )
    assert app.create_schema()
    return ParticipantService(app.sessions, SECRET, app.settings.public_url, "demo", clock)


def token_of(url: str) -> str:
    return url.split("#t=", 1)[1]


def test_a_token_names_only_the_link_and_its_expiry() -> None:
    token = sign("abc123", START + timedelta(days=1), SECRET)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert set(claims) == {"lid", "exp"}
    assert link_id_of(token, SECRET, START) == "abc123"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: jwt.encode({"lid": "abc123", "exp": 4102444800}, "x" * 40, algorithm="HS256"),
        lambda t: jwt.encode({"lid": "abc123", "exp": 4102444800}, None, algorithm="none"),
        lambda t: "not-a-token",
    ],
)
def test_a_tampered_or_foreign_token_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LinkRefused):
        link_id_of(mangle(sign("abc123", START + timedelta(days=1), SECRET)), SECRET, START)


def test_a_token_is_refused_from_its_expiry_on() -> None:
    token = sign("abc123", START + timedelta(days=1), SECRET)
    assert link_id_of(token, SECRET, START + timedelta(days=1, seconds=-1)) == "abc123"
    with pytest.raises(LinkRefused, match="expired"):
        link_id_of(token, SECRET, START + timedelta(days=1))


def test_no_secret_no_link() -> None:
    with pytest.raises(ValueError):
        sign("abc123", START, "short")
    with pytest.raises(LinkRefused):
        link_id_of(sign("abc123", START + timedelta(days=1), SECRET), "", START)


def test_enrolling_gives_a_link_bound_to_the_participant(service: ParticipantService) -> None:
    done = service.enrol("p-0042", days=30)
    assert done.study_id == "P-0042" and done.site_id == "demo" and done.new_participant
    assert done.url.startswith("https://iar.example.org/webhooks/webchat/#t=")
    assert "P-0042" not in done.url
    bound = service.binding(token_of(done.url))
    assert (bound.study_id, bound.site_id, bound.link_id) == ("P-0042", "demo", done.link_id)


def test_a_link_stops_at_its_expiry(service: ParticipantService, clock: Clock) -> None:
    token = token_of(service.enrol("P-0042", days=2).url)
    clock.now = START + timedelta(days=2)
    with pytest.raises(LinkRefused, match="expired"):
        service.binding(token)


def test_revoking_stops_the_link_at_once(service: ParticipantService) -> None:
    first = service.enrol("P-0042")
    assert service.revoke("P-0042") == 1
    with pytest.raises(LinkRefused, match="revoked"):
        service.binding(token_of(first.url))
    second = service.enrol("P-0042")
    assert not second.new_participant and service.revoke(second.link_id) == 1
    with pytest.raises(LinkRefused, match="revoked"):
        service.binding(token_of(second.url))


def test_enrolling_again_replaces_the_live_link(service: ParticipantService) -> None:
    first, second = service.enrol("P-0042"), service.enrol("P-0042")
    with pytest.raises(LinkRefused, match="revoked"):
        service.binding(token_of(first.url))
    assert service.binding(token_of(second.url)).study_id == "P-0042"
    rows = service.listing()
    assert [(r.study_id, r.link_id) for r in rows] == [("P-0042", second.link_id)]


def test_a_token_for_a_link_not_in_the_database_is_refused(service: ParticipantService) -> None:
    with pytest.raises(LinkRefused, match="unknown"):
        service.binding(sign("forged-link-id", START + timedelta(days=1), SECRET))


@pytest.mark.parametrize(
    "study_id, site, days", [("0042", None, 30), ("P-0042", "nowhere", 30), ("P-0042", None, 0)]
)
def test_enrolment_refuses_what_it_cannot_use(
    service: ParticipantService, study_id: str, site: str | None, days: int
) -> None:
    with pytest.raises(EnrolmentError):
        service.enrol(study_id, site, days)


def test_the_cli_enrols_lists_and_revokes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IAR_USER_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("IAR_LINK_SECRET", SECRET)
    monkeypatch.setenv("IAR_PUBLIC_URL", "https://iar.example.org/")
    assert main(["participants", "enrol", "P-0042", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "Enrolled P-0042 (site demo)" in out and "https://iar.example.org/webhooks/webchat/#t=" in out
    assert main(["participants", "list"]) == 0
    assert "P-0042\tsite demo" in capsys.readouterr().out
    assert main(["participants", "revoke", "P-0042"]) == 0
    assert main(["participants", "list"]) == 0
    assert "no live link" in capsys.readouterr().out
    monkeypatch.setenv("IAR_LINK_SECRET", "")
    assert main(["participants", "enrol", "P-0043"]) == 1
    assert "IAR_LINK_SECRET" in capsys.readouterr().err
