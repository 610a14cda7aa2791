"""'Forget me': erase the conversation, keep the safety records.

What erasure removes and what it keeps (README "Privacy", SECURITY.md):

* Removed: the conversation (every tracker event of the sender: what they typed,
  the bot's replies, slots) and, on every symptom report, the link to it: the
  sender id is replaced by its hash. The sender id (a random web chat id, a Slack
  or Teams user and thread) is the only identity the bot holds.
* Kept: every symptom report and its alert. A symptom after a trial infusion is an
  adverse event, and a site must retain its adverse-event reports; above all an
  erasure request must never cancel or delay a safety alert, so it does not touch
  the alert outbox at all: pending alerts go out as usual.

The action (actions/privacy.py) only records the request: the conversation cannot
be erased from inside an action (Rasa saves the tracker after the action has run),
so the alert dispatcher (bot.ops.upkeep) finishes requests ERASE_DELAY seconds old:
deletes the sender's rows from the tracker store's `events` table, unlinks their
reports (including any saved meanwhile) and marks the request done. Done requests
keep only the hash of the sender id.
"""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import Column, DateTime, Integer, String, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.paths import LOCAL_ENDPOINTS, ROOT
from bot.core.userdb import UserBase, engine_for, utcnow
from bot.patient.reports.models import PatientReport

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
    # reports kept but unlinked from the sender (the column's name is from when they were deleted)
    reports_unlinked = Column("reports_deleted", Integer, nullable=False, default=0)
    events_deleted = Column(Integer)


def sender_hash(sender_id: str) -> str:
    """What a done request keeps of the sender id."""
    return "sha256:" + hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def tracker_db_url(endpoints: Path | None = None) -> str | None:
    """The tracker store's database: $IAR_TRACKER_DB_URL, else the SQLite file of the
    endpoints file bot.ops.stack gave Rasa (under $IAR_BUILD_DIR), else of endpoints.yml.
    A relative path is relative to the project root, Rasa's working directory."""
    url = os.environ.get(TRACKER_DB_ENV, "").strip()
    if url:
        return url
    if endpoints is None:
        endpoints = LOCAL_ENDPOINTS if LOCAL_ENDPOINTS.exists() else ROOT / "endpoints.yml"
    store = (yaml.safe_load(endpoints.read_text()) or {}).get("tracker_store") or {}
    if store.get("dialect") == "sqlite" and store.get("db"):
        return f"sqlite:///{(ROOT / store['db']).resolve()}"
    return None


def unlink_reports(session: Session, sender_id: str) -> int:
    """Replace the sender id on their reports by its hash (reports and alerts stay); how many."""
    return int(
        session.execute(
            update(PatientReport)
            .where(PatientReport.sender_id == sender_id)
            .values(sender_id=sender_hash(sender_id)),
            execution_options={"synchronize_session": False},
        ).rowcount
    )


def request_erasure(sessions: sessionmaker[Session], sender_id: str) -> None:
    """Record the request; the dispatcher carries it out (erase_due). Touches no report or alert."""
    with sessions.begin() as session:
        session.add(ErasureRequest(sender_id=sender_id))


def delete_events(tracker_url: str, sender_id: str) -> int:
    """Delete the sender's rows from the tracker store's `events` table; how many."""
    engine = engine_for(tracker_url)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as connection:
            return int(
                connection.execute(
                    text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
                ).rowcount
            )
    finally:  # one engine per pass: its connections are closed, not left to the collector
        engine.dispose()


def erase_due(
    sessions: sessionmaker[Session],
    tracker_url: str | None,
    now: datetime | None = None,
    delay: float = ERASE_DELAY,
) -> int:
    """Finish every request at least `delay` seconds old; the number finished."""
    due_before = (now or utcnow()) - timedelta(seconds=delay)
    with sessions() as session:
        due = (
            session.execute(
                select(ErasureRequest).where(
                    ErasureRequest.done_at.is_(None), ErasureRequest.requested_at <= due_before
                )
            )
            .scalars()
            .all()
        )
    for request in due:
        events = delete_events(tracker_url, request.sender_id) if tracker_url else None
        with sessions.begin() as session:
            row = session.get(ErasureRequest, request.id)
            row.reports_unlinked = unlink_reports(session, request.sender_id)
            row.events_deleted, row.done_at = events, utcnow()
            row.sender_id = sender_hash(request.sender_id)
        log.info(
            "erasure request %d done: %s tracker events deleted, %d report(s) kept unlinked",
            request.id,
            "no tracker store configured, no" if events is None else events,
            row.reports_unlinked,
        )
    return len(due)
