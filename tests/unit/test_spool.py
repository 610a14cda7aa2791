"""The report spool: a report the database could not take is kept and saved once later."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.core.sites import get_site
from bot.core.userdb import engine_for
from bot.patient.findings import Finding
from bot.patient.reports.models import AlertOutbox, PatientReport
from bot.patient.reports.spool import SPOOL_ENV, append, flush, save_or_spool
from bot.patient.reports.store import dedupe_hash, report_columns
from bot.patient.triage import Report, triage
from tests.support.userdb import session_factory

URGENT = Report((Finding("fever", "fever", 0, 5, "present"),), temperature_c=38.6, days_since_infusion=2)
UNREACHABLE = "postgresql://iar@127.0.0.1:1/iar_users"  # nothing listens on port 1


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "spool" / "reports.jsonl"
    monkeypatch.setenv(SPOOL_ENV, str(path))
    return path


def columns(key: str, site_id: str | None = None) -> dict:
    site = get_site()
    found = report_columns(
        sender_id="patient-1",
        channel="rest",
        text="fever 38.6",
        report=URGENT,
        decision=triage(URGENT),
        site=site,
        dedupe_key=key,
    )
    return {**found, "site_id": site_id or site.id}


def rows(url: str) -> tuple[list[PatientReport], list[AlertOutbox]]:
    with session_factory(url)() as s:
        return (
            s.execute(select(PatientReport)).scalars().all(),
            s.execute(select(AlertOutbox)).scalars().all(),
        )


def test_database_down_report_is_spooled_then_saved_once_with_its_alert(spool: Path, tmp_path: Path) -> None:
    assert save_or_spool(columns("p1:m1"), get_site(), lambda: session_factory(UNREACHABLE)) is None
    assert spool.read_text().count("p1:m1") == 1
    assert flush(sessionmaker(engine_for(UNREACHABLE))) == 0 and "p1:m1" in spool.read_text()
    url = f"sqlite:///{tmp_path / 'userdata.db'}"
    assert flush(session_factory(url)) == 1 and spool.read_text() == ""
    append(columns("p1:m1"))  # e.g. a flush that crashed before emptying the spool
    assert flush(session_factory(url)) == 1
    reports, alerts = rows(url)
    assert [r.dedupe_key for r in reports] == [dedupe_hash("p1:m1")] and len(alerts) == 1
    assert reports[0].disposition == "urgent" and reports[0].text == "fever 38.6"


def test_a_report_that_cannot_be_saved_neither_blocks_nor_loses_the_others(
    spool: Path, tmp_path: Path
) -> None:
    append(columns("p1:m1", site_id="closed-site"))  # its site was removed from sites.yml
    with spool.open("a") as handle:
        handle.write("{not json\n")
    append(columns("p1:m2"))
    url = f"sqlite:///{tmp_path / 'userdata.db'}"
    assert flush(session_factory(url)) == 1
    assert [r.dedupe_key for r in rows(url)[0]] == [dedupe_hash("p1:m2")]
    assert "closed-site" in spool.read_text() and "p1:m2" not in spool.read_text()
    assert spool.with_suffix(".rejected").read_text() == "{not json\n"
