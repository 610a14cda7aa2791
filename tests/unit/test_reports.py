"""Patient reports in the user database: save + enqueue in one transaction, dedupe, list, CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

import bot.patient.reports.export as export
import bot.patient.reports.store as store
from bot.core.sites import Site
from bot.core.userdb import utcnow
from bot.ops.cli import main as cli
from bot.patient.findings import Finding
from bot.patient.privacy import erase_due, request_erasure
from bot.patient.reports.export import list_reports, log_access, write_csv
from bot.patient.reports.models import AlertOutbox, PatientReport
from bot.patient.reports.store import save_report
from bot.patient.triage import Report, triage
from tests.support.userdb import session_factory

SITE = Site(
    id="test",
    name="Test Site",
    emergency_number="000",
    site_phone="+61 491 570 006",
    on_call="Ask for the trial nurse.",
)


def findings(*ids: str, status: str = "present") -> tuple[Finding, ...]:
    return tuple(Finding(i, i, 0, 0, status) for i in ids)


EMERGENCY = Report(findings("face_droop") + findings("fever", status="negated"), days_since_infusion=1)
URGENT = Report(findings("fever"), temperature_c=38.6, days_since_infusion=2)
ROUTINE = Report(findings("headache"), severity="mild", days_since_infusion=1)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'userdata.db'}"


@pytest.fixture
def sessions(db_url: str):
    return session_factory(db_url)


def save(sessions, report: Report, key: str, text: str = "my words", sender: str = "patient-1"):
    return save_report(
        sessions,
        sender_id=sender,
        channel="rest",
        text=text,
        report=report,
        decision=triage(report),
        site=SITE,
        dedupe_key=key,
    )


def test_emergency_report_and_its_alert_are_saved_together(sessions) -> None:
    saved = save(sessions, EMERGENCY, "patient-1:m1", text="my face is drooping")
    assert saved.created and saved.alert_id is not None
    with sessions() as s:
        report = s.get(PatientReport, saved.report_id)
        assert (report.disposition, report.rule, report.site_id) == ("emergency", "stroke-signs", "test")
        assert report.symptoms == [
            {"id": "face_droop", "status": "present"},
            {"id": "fever", "status": "negated"},
        ]
        assert (report.text, report.days_since_infusion, report.channel) == ("my face is drooping", 1, "rest")
        assert report.created_at is not None
        alert = s.get(AlertOutbox, saved.alert_id)
        assert alert.report_id == report.id and alert.delivered_at is None and alert.attempts == 0
        text = alert.payload["text"]
    assert text.startswith("EMERGENCY") and "stroke-signs" in text and f"#{saved.report_id}" in text
    assert "Test Site" in text and "drooping or numbness of the face" in text
    assert "patient-1" not in text  # the conversation's id is not the participant's
    assert "Participant: unidentified" in text and '"my face is drooping"' in text
    assert f"Report: http://127.0.0.1:5005/webhooks/inbox/reports/{saved.report_id}" in text


def test_urgent_report_is_alerted_and_routine_is_not(sessions) -> None:
    urgent = save(sessions, URGENT, "patient-1:m2")
    routine = save(sessions, ROUTINE, "patient-1:m3")
    assert urgent.alert_id is not None and routine.alert_id is None
    with sessions() as s:
        assert s.execute(select(AlertOutbox.report_id)).scalars().all() == [urgent.report_id]
        alert_text = s.get(AlertOutbox, urgent.alert_id).payload["text"]
    assert alert_text.startswith("URGENT") and "38.6 °C" in alert_text and "fever-38" in alert_text


def test_a_retried_final_turn_stores_one_report_and_one_alert(sessions) -> None:
    first = save(sessions, EMERGENCY, "patient-1:same-message")
    again = save(sessions, EMERGENCY, "patient-1:same-message")
    assert first.created and not again.created
    assert (again.report_id, again.alert_id) == (first.report_id, first.alert_id)
    with sessions() as s:
        assert len(s.execute(select(PatientReport)).scalars().all()) == 1
        assert len(s.execute(select(AlertOutbox)).scalars().all()) == 1


def test_report_and_alert_are_one_transaction(sessions, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(store, "alert_payload", broken)
    with pytest.raises(RuntimeError):
        save(sessions, EMERGENCY, "patient-1:m4")
    with sessions() as s:  # neither the report nor the alert was kept
        assert s.execute(select(PatientReport)).scalars().all() == []
        assert s.execute(select(AlertOutbox)).scalars().all() == []


def test_list_filters_by_disposition_newest_first(sessions) -> None:
    ids = [save(sessions, r, f"p:{i}").report_id for i, r in enumerate((ROUTINE, URGENT, EMERGENCY))]
    with sessions() as s:
        assert [r.id for r in list_reports(s)] == ids[::-1]
        assert [r.id for r in list_reports(s, "urgent")] == [ids[1]]
        row = list_reports(s, report_id=ids[2])[0]
    assert (row.present, row.alert) == (["face_droop"], "pending (0 attempts)")


def test_csv_export(sessions, tmp_path: Path) -> None:
    save(sessions, URGENT, "p:1", text='=HYPERLINK("http://evil")\nI have a fever of 38.6')
    save(sessions, ROUTINE, "p:2", text="mild headache")
    with sessions() as s:
        rows = list_reports(s)
    path = tmp_path / "out" / "reports.csv"
    write_csv(rows, path)
    with path.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [r["disposition"] for r in table] == ["routine", "urgent"]
    urgent = table[1]
    assert (urgent["rule"], urgent["symptoms"], urgent["temperature_c"], urgent["days_since_infusion"]) == (
        "fever-38",
        "fever",
        "38.6",
        "2",
    )
    assert urgent["all_symptoms"] == "fever:present" and urgent["alert"] == "pending (0 attempts)"
    assert urgent["text"].startswith("'=HYPERLINK")  # never a live formula in a spreadsheet
    assert list(table[0]) == list(export.CSV_COLUMNS)


def test_cli_lists_and_exports_and_logs_access(
    sessions, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    log = tmp_path / "access.log"
    monkeypatch.setattr(export, "ACCESS_LOG", log)
    monkeypatch.setenv("IAR_USER_DB_URL", db_url)
    report_id = save(sessions, EMERGENCY, "p:1", text="my face is drooping").report_id
    assert cli(["reports", "list"]) == 0
    out = capsys.readouterr().out
    assert "emergency" in out and "stroke-signs" in out and "my face is drooping" not in out
    assert cli(["reports", "list", "--id", str(report_id)]) == 0
    assert "my face is drooping" in capsys.readouterr().out
    assert cli(["reports", "list", "--disposition", "routine"]) == 0
    assert "No reports yet." in capsys.readouterr().out
    target = tmp_path / "export.csv"
    assert cli(["reports", "export", "--csv", str(target)]) == 0
    assert "stroke-signs" in target.read_text()
    lines = log.read_text().splitlines()
    assert [line.split("\t")[3] for line in lines] == ["reports list"] * 3 + ["reports export"]
    assert all(len(line.split("\t")) == 5 and line.split("\t")[1] for line in lines)


def test_access_log_line_names_time_user_and_action(tmp_path: Path) -> None:
    line = log_access("reports export", "rows=3", tmp_path / "logs" / "access.log")
    when, user, host, action, detail = line.split("\t")
    assert when.endswith("Z") and user and host and (action, detail) == ("reports export", "rows=3")
    assert (tmp_path / "logs" / "access.log").read_text() == line + "\n"


def test_report_ids_are_never_reused_after_rows_are_deleted(sessions) -> None:
    """Alerts name 'report #N' for good: deleting the newest rows (as erasure once did) and
    saving again must give new ids, or an old alert would open someone else's report."""
    first = [save(sessions, URGENT, f"p{i}:m1", sender=f"patient-{i}") for i in range(3)]
    with sessions.begin() as s:
        s.execute(delete(AlertOutbox))
        s.execute(delete(PatientReport).where(PatientReport.id == first[-1].report_id))
    again = save(sessions, URGENT, "p9:m1", sender="patient-9")
    assert again.report_id > max(saved.report_id for saved in first)
    assert again.alert_id > max(saved.alert_id for saved in first)


def test_report_ids_after_forget_me_are_new(sessions, tmp_path: Path) -> None:
    before = save(sessions, EMERGENCY, "p1:m1", sender="patient-1")
    request_erasure(sessions, "patient-1")
    erase_due(sessions, None, now=utcnow() + timedelta(minutes=1))
    after = save(sessions, EMERGENCY, "p2:m1", sender="patient-2")
    assert after.report_id > before.report_id
    with sessions() as s:
        assert s.get(PatientReport, before.report_id).disposition == "emergency"
