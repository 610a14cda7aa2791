"""The site team's report inbox: what a logged-in staff member may see and do with alerted reports.

Every report with an alert (emergency, urgent, needs review) is in the inbox of its site. A
staff member sees only the reports of the sites their identity provider's claim maps them
to (sites.yml `staff_groups`); another site's report, asked for by id, is refused exactly as
one that does not exist, so a refusal says nothing of it. Acknowledging and closing go
through bot.patient.escalation, the same records as Slack's buttons, so the alert's message,
escalation and the inbox agree. Every call (list, view, export, change, refusal) writes a
line of the access log (InboxAccess) with the staff member's identity.

Rasa-free: the web pages are bot.patient.inbox_pages, the HTTP adapter bot.rasa.channels.inbox.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.userdb import utcnow
from bot.patient import escalation
from bot.patient.alert_buttons import LEVEL_NAMES, OUTCOMES
from bot.patient.alerts import UNIDENTIFIED
from bot.patient.reports.export import _safe
from bot.patient.reports.models import (
    AlertAcknowledgement,
    AlertEscalation,
    AlertOutbox,
    InboxAccess,
    PatientReport,
    ReportNote,
    ReportOutcome,
)
from bot.patient.symptoms import load_lexicon
from bot.patient.triage import review_rules, rule_source

KINDS = ("emergency", "urgent", "needs_review")  # most urgent first: the list's order
STATES = ("open", "new", "acknowledged", "closed", "all")  # open = new or acknowledged
NOTE_CHARS = 2000
CSV_COLUMNS = (
    "id",
    "reported_at",
    "site",
    "participant",
    "kind",
    "rule",
    "symptoms",
    "temperature_c",
    "days_since_infusion",
    "state",
    "acknowledged_by",
    "acknowledged_at",
    "closed_by",
    "closed_at",
    "outcome",
    "patient_words",
)


class Refused(LookupError):
    """The report is not one this staff member may see (another site's, or none at all)."""

    def __init__(self, report_id: int) -> None:
        super().__init__(report_id)
        self.report_id = report_id


@dataclass(frozen=True)
class Staff:
    """A logged-in staff member, from their ID token: subject, email, name and their sites."""

    sub: str
    email: str
    name: str
    sites: frozenset[str]

    @property
    def who(self) -> str:
        return self.email or self.name or self.sub

    @property
    def identity(self) -> str:
        """How acknowledgements, notes and outcomes name them, like Slack's "slack:U… (name)"."""
        return f"oidc:{self.sub} ({self.who})"


@dataclass(frozen=True)
class Filters:
    """The list's filters; an empty value does not filter."""

    site: str = ""
    participant: str = ""
    kind: str = ""  # one of KINDS
    state: str = "open"  # one of STATES

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """From the page's query string; unknown values fall back to no filter (open for state)."""
        kind = query.get("kind", "").strip()
        state = query.get("state", "").strip()
        return cls(
            site=query.get("site", "").strip()[:64],
            participant=query.get("participant", "").strip().upper()[:64],
            kind=kind if kind in KINDS else "",
            state=state if state in STATES else "open",
        )

    def described(self) -> str:
        """For the access log: the filters that were set."""
        return " ".join(f"{k}={v}" for k, v in vars(self).items() if v) or "none"


@dataclass(frozen=True)
class Row:
    """One report in the list (and the CSV)."""

    id: int
    reported_at: datetime
    site_id: str
    participant: str
    kind: str
    rule: str
    symptoms: str
    temperature_c: float | None
    days_since_infusion: int | None
    words: str
    acknowledged: tuple[tuple[str, datetime], ...]
    outcome: tuple[str, str, datetime] | None  # (outcome key, by, at)

    @property
    def state(self) -> str:
        if self.outcome:
            return "closed"
        return "acknowledged" if self.acknowledged else "new"


@dataclass(frozen=True)
class Event:
    """One line of a report's alert history."""

    at: datetime | None
    what: str


@dataclass(frozen=True)
class ReportView:
    """A report's page: the row, everything read from the words, and what happened to its alert."""

    row: Row
    channel: str
    severity: str | None
    contact: str | None
    source: str  # the triage rule's cited source line (knowledge/triage.yml)
    history: tuple[Event, ...] = field(default_factory=tuple)
    notes: tuple[tuple[str, datetime, str], ...] = ()  # (by, at, text)


def kind_of(disposition: str, rule: str, review: frozenset[str]) -> str:
    """emergency, needs_review (a rule the bot did not understand) or urgent."""
    if disposition == "emergency":
        return "emergency"
    return "needs_review" if rule in review else "urgent"


class Inbox:
    """The inbox's operations for one database; `now` is injectable for tests."""

    def __init__(self, sessions: sessionmaker[Session], now: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.now = now
        self.review = frozenset(review_rules())

    def signed_in(self, staff: Staff) -> None:
        """Log a login (the access log then says who had a session, even if they read nothing)."""
        self._log(staff, "login", None, "sites=" + ",".join(sorted(staff.sites)))

    def listing(self, staff: Staff, filters: Filters) -> list[Row]:
        """The staff member's sites' alerted reports matching the filters, most urgent first,
        then oldest first (the one waiting longest on top)."""
        rows = self._rows(staff, filters)
        self._log(staff, "list", None, filters.described())
        return rows

    def export_csv(self, staff: Staff, filters: Filters) -> str:
        """The filtered list as CSV (cells that could run as a spreadsheet formula are quoted)."""
        rows = self._rows(staff, filters)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            ack_by, ack_at = r.acknowledged[0] if r.acknowledged else ("", None)
            outcome, closed_by, closed_at = r.outcome or ("", "", None)
            cells: list[Any] = [
                r.id,
                _iso(r.reported_at),
                r.site_id,
                r.participant,
                r.kind,
                r.rule,
                r.symptoms,
                "" if r.temperature_c is None else f"{r.temperature_c:.1f}",
                "" if r.days_since_infusion is None else r.days_since_infusion,
                r.state,
                ack_by,
                _iso(ack_at),
                closed_by,
                _iso(closed_at),
                OUTCOMES.get(outcome, outcome),
                r.words,
            ]
            writer.writerow([_safe(c) for c in cells])
        self._log(staff, "export", None, f"{filters.described()}; {len(rows)} report(s)")
        return out.getvalue()

    def view(self, staff: Staff, report_id: int) -> ReportView:
        """The report's page. Raises Refused (logged) when it is not one of the staff's sites'."""
        with self.sessions() as session:
            report = self._allowed(session, staff, report_id)
            row = self._to_rows(session, [report])[0]
            history = self._history(session, report)
            notes = session.execute(
                select(ReportNote.by, ReportNote.at, ReportNote.text)
                .where(ReportNote.report_id == report_id)
                .order_by(ReportNote.at, ReportNote.id)
            ).all()
            view = ReportView(
                row,
                report.channel or "unknown channel",
                report.severity,
                report.contact,
                rule_source(report.rule),
                history,
                tuple((str(b), at, str(t)) for b, at, t in notes),
            )
        self._log(staff, "view", report_id)
        return view

    def acknowledge(self, staff: Staff, report_id: int) -> None:
        """ "I'm on it", recorded as Slack's button records it (escalation stops)."""
        self._check(staff, report_id)
        escalation.acknowledge(self.sessions, report_id, staff.identity, "inbox", self.now())
        self._log(staff, "acknowledge", report_id)

    def add_note(self, staff: Staff, report_id: int, text: str) -> None:
        """A note on the report (blank notes are ignored; long ones cut at NOTE_CHARS)."""
        self._check(staff, report_id)
        text = text.strip()[:NOTE_CHARS]
        if not text:
            return
        with self.sessions.begin() as session:
            session.add(ReportNote(report_id=report_id, by=staff.identity, at=self.now(), text=text))
        self._log(staff, "note", report_id)

    def close(self, staff: Staff, report_id: int, outcome: str) -> None:
        """Close with one of OUTCOMES, as Slack's "Closed" does; the first close stands."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        self._check(staff, report_id)
        escalation.close(self.sessions, report_id, outcome, staff.identity, "inbox", self.now())
        self._log(staff, "close", report_id, outcome)

    def _check(self, staff: Staff, report_id: int) -> None:
        with self.sessions() as session:
            self._allowed(session, staff, report_id)

    def _allowed(self, session: Session, staff: Staff, report_id: int) -> PatientReport:
        """The report, if it was alerted and belongs to one of the staff's sites; else the
        refusal is logged and Refused raised (the same for another site's and a missing id)."""
        report: PatientReport | None = session.get(PatientReport, report_id)
        if report is None or not report.alerts or report.site_id not in staff.sites:
            self._log(staff, "refused", report_id)
            raise Refused(report_id)
        return report

    def _rows(self, staff: Staff, filters: Filters) -> list[Row]:
        sites = staff.sites & {filters.site} if filters.site else staff.sites
        query = select(PatientReport).where(
            PatientReport.site_id.in_(sorted(sites)),
            exists().where(AlertOutbox.report_id == PatientReport.id),
        )
        if filters.participant:
            query = query.where(PatientReport.study_id == filters.participant)
        if filters.kind == "emergency":
            query = query.where(PatientReport.disposition == "emergency")
        elif filters.kind:
            review = PatientReport.rule.in_(sorted(self.review))
            query = query.where(
                PatientReport.disposition != "emergency",
                review if filters.kind == "needs_review" else ~review,
            )
        with self.sessions() as session:
            reports = list(session.execute(query).scalars())
            rows = self._to_rows(session, reports)
        wanted = {"open": {"new", "acknowledged"}, "all": set(STATES)}.get(filters.state, {filters.state})
        rows = [r for r in rows if r.state in wanted]
        return sorted(rows, key=lambda r: (KINDS.index(r.kind), r.reported_at, r.id))

    def _to_rows(self, session: Session, reports: list[PatientReport]) -> list[Row]:
        ids = [r.id for r in reports]
        acks: dict[int, list[tuple[str, datetime]]] = {}
        for report_id, by, at in session.execute(
            select(AlertAcknowledgement.report_id, AlertAcknowledgement.by, AlertAcknowledgement.at)
            .where(AlertAcknowledgement.report_id.in_(ids))
            .order_by(AlertAcknowledgement.at, AlertAcknowledgement.id)
        ):
            acks.setdefault(report_id, []).append((str(by), at))
        outcomes = {
            o.report_id: (str(o.outcome), str(o.by), o.at)
            for o in session.execute(select(ReportOutcome).where(ReportOutcome.report_id.in_(ids))).scalars()
        }
        names = load_lexicon().symptoms
        return [
            Row(
                id=r.id,
                reported_at=r.created_at,
                site_id=r.site_id,
                participant=r.study_id or UNIDENTIFIED,
                kind=kind_of(r.disposition, r.rule, self.review),
                rule=r.rule,
                symptoms=", ".join(
                    names[s["id"]].name if s["id"] in names else str(s["id"])
                    for s in r.symptoms
                    if s.get("status") == "present"
                ),
                temperature_c=r.temperature_c,
                days_since_infusion=r.days_since_infusion,
                words=r.text,
                acknowledged=tuple(acks.get(r.id, [])),
                outcome=outcomes.get(r.id),
            )
            for r in reports
        ]

    def _history(self, session: Session, report: PatientReport) -> tuple[Event, ...]:
        """Deliveries, escalations, acknowledgements and the outcome, in time order."""
        events = [Event(report.created_at, "Reported and alert queued")]
        for alert in report.alerts:
            if alert.delivered_at:
                events.append(Event(alert.delivered_at, "Alert delivered to the site team's channel"))
            elif alert.attempts:
                events.append(
                    Event(alert.last_attempt_at, f"Alert not delivered yet ({alert.attempts} attempt(s))")
                )
        for step in session.execute(
            select(AlertEscalation).where(AlertEscalation.report_id == report.id)
        ).scalars():
            name = LEVEL_NAMES.get(step.level, step.level)
            events.append(Event(step.due_at, f"Escalated to {name} (nobody on it in time)"))
            if step.delivered_at:
                events.append(Event(step.delivered_at, f"Escalation delivered to {name}"))
        state = escalation.state(session, report.id)
        events += [Event(at, f"Acknowledged (on it): {by}") for by, at in state.acknowledged]
        if state.outcome:
            outcome, by, at = state.outcome
            events.append(Event(at, f"Closed by {by}: {OUTCOMES.get(outcome, outcome)}"))
        return tuple(sorted(events, key=lambda e: e.at or datetime.min))

    def _log(self, staff: Staff, action: str, report_id: int | None, detail: str | None = None) -> None:
        with self.sessions.begin() as session:
            session.add(
                InboxAccess(
                    at=self.now(),
                    sub=staff.sub,
                    who=staff.who,
                    action=action,
                    report_id=report_id,
                    detail=detail,
                )
            )

    def access_log(self, report_id: int | None = None) -> list[InboxAccess]:
        """The access log, oldest first (one report's, or all), for the CLI and tests."""
        query = select(InboxAccess).order_by(InboxAccess.id)
        if report_id is not None:
            query = query.where(InboxAccess.report_id == report_id)
        with self.sessions() as session:
            return list(session.execute(query).scalars())


def _iso(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else ""
