"""Tables: one row per finished patient report, one outbox row per alert to send, and what the
site team did with an alert: acknowledgements ("I'm on it"), escalation steps, notes and the
outcome it was closed with."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import relationship

from bot.core.userdb import UserBase, utcnow


class PatientReport(UserBase):
    """A finished symptom report: the patient's words, what was read from them and the triage."""

    __tablename__ = "patient_reports"
    # The id is the reference alerts give staff: never reused, even after a row is deleted
    # (SQLite without AUTOINCREMENT reuses the highest id; PostgreSQL sequences never do).
    __table_args__ = {"sqlite_autoincrement": True}
    id = Column(Integer, primary_key=True)
    sender_id = Column(String, nullable=False, index=True)
    channel = Column(String)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    text = Column(Text, nullable=False)  # all the patient's messages of the report, in order
    symptoms = Column(JSON, nullable=False)  # [{"id": "rash", "status": "present"}, ...]
    temperature_c = Column(Float)
    days_since_infusion = Column(Integer)
    severity = Column(String)
    disposition = Column(String, nullable=False, index=True)
    rule = Column(String, nullable=False)
    site_id = Column(String, nullable=False)
    # the participant's study ID when the report came through their personal link; None:
    # unidentified (the anonymous web chat, REST), when `contact` may hold what they gave
    study_id = Column(String, index=True)
    contact = Column(Text)  # study ID or call-back number typed after an unidentified report
    # a hash of sender + the final message's id: a retried final turn cannot store a second report
    dedupe_key = Column(String, nullable=False, unique=True)
    alerts = relationship("AlertOutbox", back_populates="report", order_by="AlertOutbox.id")


class AlertOutbox(UserBase):
    """An alert for the site team, kept until the webhook accepts it."""

    __tablename__ = "alert_outbox"
    __table_args__ = {"sqlite_autoincrement": True}
    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("patient_reports.id"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    payload = Column(JSON, nullable=False)  # the webhook's JSON body
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    last_attempt_at = Column(DateTime)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    delivered_at = Column(DateTime, index=True)
    # when the patient was told "your team has been told" (only ever after delivered_at)
    patient_told_at = Column(DateTime)
    # False for alerts raised before escalation existed (revision 0004): an upgrade must not
    # flood the on-call channel with every old alert nobody could acknowledge
    escalates = Column(Boolean, nullable=False, default=True, server_default=false())
    report = relationship("PatientReport", back_populates="alerts")


class AlertAcknowledgement(UserBase):
    """A staff member said "I'm on it": who (their Slack/Teams/inbox identity), when, from where."""

    __tablename__ = "alert_acknowledgements"
    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("patient_reports.id"), nullable=False, index=True)
    by = Column(String, nullable=False)  # e.g. "slack:U024BE7LH (nurse.jo)"
    via = Column(String, nullable=False)  # slack, teams, inbox
    at = Column(DateTime, nullable=False, default=utcnow)


class AlertEscalation(UserBase):
    """One escalation step: the alert re-sent to the next level because nobody acknowledged
    it in time. Kept like the outbox: posted until the level's webhook accepts it."""

    __tablename__ = "alert_escalations"
    __table_args__ = (UniqueConstraint("report_id", "level"),)
    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("patient_reports.id"), nullable=False, index=True)
    level = Column(String, nullable=False)  # on_call, lead
    due_at = Column(DateTime, nullable=False)  # when the limit ran out
    created_at = Column(DateTime, nullable=False, default=utcnow)
    payload = Column(JSON, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow)
    delivered_at = Column(DateTime)


class ReportNote(UserBase):
    """A staff member's note on a report."""

    __tablename__ = "report_notes"
    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("patient_reports.id"), nullable=False, index=True)
    by = Column(String, nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    text = Column(Text, nullable=False)


class ReportOutcome(UserBase):
    """How a report was closed (one per report): called the patient and advised A&E, advised
    them to come in, self-care, or could not reach them."""

    __tablename__ = "report_outcomes"
    report_id = Column(Integer, ForeignKey("patient_reports.id"), primary_key=True)
    outcome = Column(String, nullable=False)
    by = Column(String, nullable=False)
    via = Column(String, nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)


class InboxAccess(UserBase):
    """One line of the inbox's access log: who (the staff member's ID token subject and
    email or name) viewed, exported or changed what, and when. No foreign key: the log
    outlives a report erased later, and records refusals of ids that never existed."""

    __tablename__ = "inbox_access_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    sub = Column(String, nullable=False)  # the identity provider's subject
    who = Column(String, nullable=False)  # email, else name
    action = Column(String, nullable=False)  # login, list, view, export, acknowledge, note, close, refused
    report_id = Column(Integer, index=True)
    detail = Column(Text)  # the filters of a list or export, the outcome of a close
