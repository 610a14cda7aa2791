"""The patient journey's use cases on their own, without Rasa: finishing a report owns the
whole sequence (triage → reply → save with its alert, or spool) and never fails the reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.core.paths import KB_PATH
from bot.core.settings import Settings
from bot.core.sites import get_site
from bot.patient.findings import entity
from bot.patient.intake import Turn
from bot.patient.reports.models import AlertOutbox, PatientReport
from bot.patient.reports.spool import SPOOL_ENV
from bot.patient.screen import load_screen

UNREACHABLE = "postgresql://iar@127.0.0.1:1/iar_users"  # nothing listens on port 1
FEVER = Turn(
    "m1",
    "I have a fever of 38.6, infusion 2 days ago",
    (
        entity("symptom", "fever", 12, 17, role="present", text="fever"),
        entity("temperature", "38.6", 21, 25),
        entity("days_since_infusion", "2", 36, 42),
    ),
)


def app_on(url: str) -> App:
    app = build_app(Settings(user_db_url=url, kb_path=KB_PATH, site=get_site()))
    app.create_schema()
    return app


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "spool" / "reports.jsonl"
    monkeypatch.setenv(SPOOL_ENV, str(path))
    return path


def test_a_finished_report_is_stored_once_with_its_alert(tmp_path: Path, spool: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'userdata.db'}")
    for _ in range(2):  # the same turn finished twice (a retried action call)
        reply = app.patient.finish_report((FEVER,), "none", "patient-1", "rest")
    assert reply.payload["triage"]["disposition"] == "urgent"
    assert get_site().site_phone in reply.text
    with app.sessions() as session:
        [report] = session.execute(select(PatientReport)).scalars().all()
        [alert] = session.execute(select(AlertOutbox)).scalars().all()
    assert alert.report_id == report.id and report.text == FEVER.text
    assert not spool.exists()


def test_with_the_database_down_the_patient_gets_the_advice_and_the_report_is_spooled(spool: Path) -> None:
    app = app_on(UNREACHABLE)
    reply = app.patient.finish_report((FEVER,), "none", "patient-2", "rest")
    assert reply.payload["triage"]["disposition"] == "urgent"
    assert get_site().site_phone in reply.text
    assert "patient-2" in spool.read_text()


def test_the_screen_lists_the_hinted_sign_first_and_none_last(tmp_path: Path) -> None:
    screen = load_screen()
    chest = Turn("m1", "my chest hurts", (entity("symptom", "chest_pain", 3, 14, role="present"),))
    prompt = app_on(f"sqlite:///{tmp_path / 'userdata.db'}").patient.screen_prompt((chest,), False)
    first = screen.option(prompt.order[0])
    assert first is not None and "chest_pain" in first.symptoms
    assert prompt.text.startswith(screen.question) and prompt.buttons[-1]["title"] == screen.none
    again = app_on(f"sqlite:///{tmp_path / 'userdata.db'}").patient.screen_prompt((chest,), True)
    assert again.text.startswith(screen.reask)
