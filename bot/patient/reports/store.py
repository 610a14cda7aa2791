"""Save a finished patient report and enqueue its alert, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.settings import LOCAL_URL
from bot.core.sites import Site
from bot.core.userdb import utcnow
from bot.patient.alerts import ALERT_DISPOSITIONS, alert_payload
from bot.patient.reports.models import AlertOutbox, PatientReport
from bot.patient.triage import Decision, Report

CONTACT_CHARS = 200  # what is kept of the contact an unidentified patient types


@dataclass(frozen=True)
class Saved:
    """The stored report's id; `created` is False when the dedupe key was already stored."""

    report_id: int
    created: bool
    alert_id: int | None = None


def symptom_list(report: Report) -> list[dict[str, str]]:
    """Every symptom mention as {"id", "status"}, in order, without repeats."""
    seen = dict.fromkeys((f.symptom, f.status) for f in report.findings)
    return [{"id": symptom, "status": status} for symptom, status in seen]


def report_columns(
    *,
    sender_id: str,
    channel: str | None,
    text: str,
    report: Report,
    decision: Decision,
    site: Site,
    dedupe_key: str,
    study_id: str | None = None,
) -> dict[str, Any]:
    """The patient_reports row of a finished report, as column values (the spool keeps these);
    `study_id` None: unidentified."""
    return dict(
        sender_id=sender_id,
        channel=channel,
        text=text,
        symptoms=symptom_list(report),
        temperature_c=report.temperature_c,
        days_since_infusion=report.days_since_infusion,
        severity=report.severity,
        disposition=decision.disposition,
        rule=decision.rule_id,
        site_id=site.id,
        study_id=study_id,
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )


def save_report(
    sessions: sessionmaker[Session],
    *,
    sender_id: str,
    channel: str | None,
    text: str,
    report: Report,
    decision: Decision,
    site: Site,
    dedupe_key: str,
    public_url: str = LOCAL_URL,
    study_id: str | None = None,
) -> Saved:
    """Store the report and, for emergency and urgent ones, its alert (see save_columns)."""
    return save_columns(
        sessions,
        report_columns(
            sender_id=sender_id,
            channel=channel,
            text=text,
            report=report,
            decision=decision,
            site=site,
            dedupe_key=dedupe_key,
            study_id=study_id,
        ),
        site,
        public_url,
    )


def dedupe_hash(key: str) -> str:
    """The stored form of a dedupe key."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def save_columns(
    sessions: sessionmaker[Session], columns: dict[str, Any], site: Site, public_url: str = LOCAL_URL
) -> Saved:
    """Store a report row and, for emergency and urgent ones, its alert, atomically.

    A second call with the same dedupe key (a retried final turn, or a spooled
    report saved again) stores nothing and returns the first report's id. The key
    is stored hashed: it holds the sender id, which 'forget me' unlinks (bot.patient.privacy).
    """
    columns = {**columns, "dedupe_key": dedupe_hash(columns["dedupe_key"])}
    try:
        with sessions.begin() as session:
            row = PatientReport(**columns)
            session.add(row)
            session.flush()  # the id and created_at, for the alert
            alert = None
            if row.disposition in ALERT_DISPOSITIONS:
                alert = AlertOutbox(report_id=row.id, payload=alert_payload(row, site, public_url))
                session.add(alert)
                session.flush()
            return Saved(row.id, True, alert.id if alert else None)
    except IntegrityError:
        with sessions() as session:
            existing = session.execute(
                select(PatientReport).where(PatientReport.dedupe_key == columns["dedupe_key"])
            ).scalar_one_or_none()
            if existing is None:
                raise
            alert_id = existing.alerts[0].id if existing.alerts else None
            return Saved(existing.id, False, alert_id)


def add_contact(sessions: sessionmaker[Session], sender_id: str, contact: str) -> bool:
    """Put `contact` on the sender's latest unidentified report that has none; whether one did."""
    with sessions.begin() as session:
        latest = session.execute(
            select(PatientReport.id)
            .where(
                PatientReport.sender_id == sender_id,
                PatientReport.study_id.is_(None),
                PatientReport.contact.is_(None),
            )
            .order_by(PatientReport.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if latest is None:
            return False
        session.execute(
            update(PatientReport).where(PatientReport.id == latest).values(contact=contact),
            execution_options={"synchronize_session": False},
        )
        return True


def tell_patient(sessions: sessionmaker[Session], sender_id: str, now: datetime | None = None) -> bool:
    """Mark the sender's delivered, not yet announced alerts as announced; whether there were
    any (then, and only then, the patient is told their team has been told). One UPDATE, so
    two messages at once cannot both announce it."""
    with sessions.begin() as session:
        done = session.execute(
            update(AlertOutbox)
            .where(
                AlertOutbox.delivered_at.is_not(None),
                AlertOutbox.patient_told_at.is_(None),
                AlertOutbox.report_id.in_(
                    select(PatientReport.id).where(PatientReport.sender_id == sender_id)
                ),
            )
            .values(patient_told_at=now or utcnow()),
            execution_options={"synchronize_session": False},
        )
        return bool(done.rowcount)
