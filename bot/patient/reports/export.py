"""List and export patient reports (the `reports` CLI); every access is logged.

Reports hold patients' own words, so each listing or export appends a line to
build/logs/access.log (who, as which OS user, when, what) and to the
"bot.patient.reports.access" logger.
"""

from __future__ import annotations

import csv
import getpass
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.paths import BUILD_DIR
from bot.core.userdb import utcnow
from bot.patient.reports.models import PatientReport

ACCESS_LOG = Path(os.environ.get("IAR_ACCESS_LOG", BUILD_DIR / "logs" / "access.log"))
CSV_COLUMNS = (
    "id",
    "created_at",
    "sender_id",
    "channel",
    "site_id",
    "disposition",
    "rule",
    "symptoms",
    "all_symptoms",
    "temperature_c",
    "days_since_infusion",
    "severity",
    "alert",
    "text",
)
TABLE_COLUMNS = ("id", "created (UTC)", "disposition", "rule", "symptoms", "temp", "days", "alert")
access_log = logging.getLogger("bot.patient.reports.access")


@dataclass(frozen=True)
class ReportRow:
    """One report as listed and exported."""

    id: int
    created_at: datetime
    sender_id: str
    channel: str | None
    site_id: str
    disposition: str
    rule: str
    symptoms: list[dict[str, str]]
    temperature_c: float | None
    days_since_infusion: int | None
    severity: str | None
    alert: str  # "delivered", "pending (N attempts)" or "" (none)
    text: str

    @property
    def present(self) -> list[str]:
        return [s["id"] for s in self.symptoms if s.get("status") == "present"]


def _alert_state(report: PatientReport) -> str:
    if not report.alerts:
        return ""
    if all(a.delivered_at for a in report.alerts):
        return "delivered"
    return f"pending ({max(a.attempts for a in report.alerts)} attempts)"


def list_reports(
    session: Session, disposition: str | None = None, report_id: int | None = None, limit: int | None = None
) -> list[ReportRow]:
    """Reports, newest first, optionally of one disposition or one id."""
    query = select(PatientReport).order_by(PatientReport.created_at.desc(), PatientReport.id.desc())
    if disposition:
        query = query.where(PatientReport.disposition == disposition)
    if report_id is not None:
        query = query.where(PatientReport.id == report_id)
    if limit:
        query = query.limit(limit)
    return [
        ReportRow(
            r.id,
            r.created_at,
            r.sender_id,
            r.channel,
            r.site_id,
            r.disposition,
            r.rule,
            list(r.symptoms or []),
            r.temperature_c,
            r.days_since_infusion,
            r.severity,
            _alert_state(r),
            r.text,
        )
        for r in session.execute(query).scalars().all()
    ]


def _table_cells(row: ReportRow) -> list[str]:
    return [
        str(row.id),
        f"{row.created_at:%Y-%m-%d %H:%M}",
        row.disposition,
        row.rule,
        ", ".join(row.present) or "-",
        "" if row.temperature_c is None else f"{row.temperature_c:.1f}",
        "" if row.days_since_infusion is None else str(row.days_since_infusion),
        row.alert,
    ]


def format_table(rows: Sequence[ReportRow]) -> str:
    """Reports as an aligned plain-text table (without the patients' words)."""
    table = [list(TABLE_COLUMNS)] + [_table_cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(TABLE_COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in table)


def format_details(row: ReportRow) -> str:
    """One report in full, with the patient's words."""
    others = [f"{s['id']} ({s['status']})" for s in row.symptoms if s.get("status") != "present"]
    return "\n".join(
        [
            f"Report #{row.id}  {row.created_at:%Y-%m-%d %H:%M} UTC  {row.channel or '-'}  "
            f"sender {row.sender_id}  site {row.site_id}",
            f"Disposition: {row.disposition} (rule {row.rule})  alert: {row.alert or 'none'}",
            f"Symptoms: {', '.join(row.present) or '-'}" + (f"; also {', '.join(others)}" if others else ""),
            f"Temperature: {'-' if row.temperature_c is None else f'{row.temperature_c:.1f} °C'}  "
            f"days since infusion: {'-' if row.days_since_infusion is None else row.days_since_infusion}  "
            f"severity: {row.severity or '-'}",
            f"Patient's words: {row.text}",
        ]
    )


def _safe(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: Sequence[ReportRow], path: Path) -> None:
    """Export reports as CSV (UTF-8, ISO times, symptoms as ids separated by ';')."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow(
                [
                    _safe(v)
                    for v in (
                        r.id,
                        r.created_at.isoformat(timespec="seconds"),
                        r.sender_id,
                        r.channel,
                        r.site_id,
                        r.disposition,
                        r.rule,
                        ";".join(r.present),
                        ";".join(f"{s['id']}:{s['status']}" for s in r.symptoms),
                        "" if r.temperature_c is None else f"{r.temperature_c:.1f}",
                        r.days_since_infusion,
                        r.severity,
                        r.alert,
                        r.text,
                    )
                ]
            )


def log_access(action: str, detail: str, path: Path | None = None) -> str:
    """Record who read reports: UTC time, OS user, host, action, detail. Returns the line."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    line = "\t".join(
        [utcnow().isoformat(timespec="seconds") + "Z", user, socket.gethostname(), action, detail]
    )
    target = path or ACCESS_LOG
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    access_log.info("%s", line)
    return line


def list_command(
    sessions: sessionmaker[Session],
    disposition: str | None = None,
    report_id: int | None = None,
    limit: int | None = 50,
) -> int:
    """`reports list`: a table of reports (or one report in full with --id); logged."""
    with sessions() as session:
        rows = list_reports(session, disposition, report_id, None if report_id else limit)
    log_access("reports list", f"disposition={disposition or 'any'} id={report_id or '-'} rows={len(rows)}")
    if report_id is not None:
        if not rows:
            print(f"No report #{report_id}.")
            return 1
        print(format_details(rows[0]))
        return 0
    print(format_table(rows) if rows else "No reports yet.")
    return 0


def export_command(sessions: sessionmaker[Session], csv_path: Path, disposition: str | None = None) -> int:
    """`reports export --csv FILE`: every report (or one disposition) as CSV; logged."""
    with sessions() as session:
        rows = list_reports(session, disposition)
    write_csv(rows, csv_path)
    log_access(
        "reports export", f"disposition={disposition or 'any'} rows={len(rows)} file={csv_path.resolve()}"
    )
    print(f"{len(rows)} reports written to {csv_path}")
    return 0
