"""'Forget me': delete what the bot stored about one sender.

The action (actions/privacy.py) deletes the sender's reports and their alerts at
once and records an erasure request. The conversation itself cannot be deleted
from inside an action (Rasa saves the tracker after the action has run), so the
alert dispatcher (bot.upkeep) deletes the sender's rows from the tracker store's
`events` table once the request is ERASE_DELAY seconds old, deletes any report
that reached the database meanwhile, and marks the request done. Done requests
keep only a hash of the sender id.
"""
from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import Column, DateTime, Integer, String, delete, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.paths import ROOT
from bot.reports.models import AlertOutbox, PatientReport
from bot.userdb import UserBase, engine_for, utcnow

TRACKER_DB_ENV = "IAR_TRACKER_DB_URL"
ERASE_DELAY = 5.0  # seconds: the turn that asked has been saved by then
log = logging.getLogger(__name__)


class ErasureRequest(UserBase):
    """A sender's request to be forgotten; done once their conversation is erased too."""

    __tablename__ = "erasure_requests"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String, nullable=False, index=True)  # a hash once done
    requested_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    done_at = Column(DateTime, index=True)
    reports_deleted = Column(Integer, nullable=False, default=0)
    events_deleted = Column(Integer)


def sender_hash(sender_id: str) -> str:
    """What a done request keeps of the sender id."""
    return "sha256:" + hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def tracker_db_url(endpoints: Path = ROOT / "endpoints.yml") -> str | None:
    """The tracker store's database: $IAR_TRACKER_DB_URL, else endpoints.yml's SQLite file."""
    url = os.environ.get(TRACKER_DB_ENV, "").strip()
    if url:
        return url
    store = (yaml.safe_load(endpoints.read_text()) or {}).get("tracker_store") or {}
    if store.get("dialect") == "sqlite" and store.get("db"):
        return f"sqlite:///{(ROOT / store['db']).resolve()}"
    return None


def delete_reports(session: Session, sender_id: str) -> int:
    """Delete the sender's reports and their alerts; the number of reports deleted."""
    ids = select(PatientReport.id).where(PatientReport.sender_id == sender_id)
    session.execute(delete(AlertOutbox).where(AlertOutbox.report_id.in_(ids)),
                    execution_options={"synchronize_session": False})
    return session.execute(delete(PatientReport).where(PatientReport.sender_id == sender_id),
                           execution_options={"synchronize_session": False}).rowcount


def request_erasure(sessions: sessionmaker[Session], sender_id: str) -> int:
    """Delete the sender's reports now and record the request; the number of reports deleted."""
    with sessions.begin() as session:
        deleted = delete_reports(session, sender_id)
        session.add(ErasureRequest(sender_id=sender_id, reports_deleted=deleted))
    return deleted


def delete_events(tracker_url: str, sender_id: str) -> int:
    """Delete the sender's rows from the tracker store's `events` table; how many."""
    engine = engine_for(tracker_url)
    if not inspect(engine).has_table("events"):
        return 0
    with engine.begin() as connection:
        return connection.execute(text("DELETE FROM events WHERE sender_id = :sender"),
                                  {"sender": sender_id}).rowcount


def erase_due(sessions: sessionmaker[Session], tracker_url: str | None,
              now: datetime | None = None, delay: float = ERASE_DELAY) -> int:
    """Finish every request at least `delay` seconds old; the number finished."""
    due_before = (now or utcnow()) - timedelta(seconds=delay)
    with sessions() as session:
        due = session.execute(select(ErasureRequest).where(
            ErasureRequest.done_at.is_(None), ErasureRequest.requested_at <= due_before)
        ).scalars().all()
    for request in due:
        events = delete_events(tracker_url, request.sender_id) if tracker_url else None
        with sessions.begin() as session:
            row = session.get(ErasureRequest, request.id)
            row.reports_deleted += delete_reports(session, request.sender_id)
            row.events_deleted, row.done_at = events, utcnow()
            row.sender_id = sender_hash(request.sender_id)
        log.info("erasure request %d done: %s tracker events deleted", request.id,
                 "no tracker store configured, no" if events is None else events)
    return len(due)
