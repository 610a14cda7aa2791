"""Rasa's SQL tracker store without its per-turn overhead (Rasa 3.6.21).

A profile of one staff turn put about a quarter of its time in the tracker store:
SQLAlchemy 1.4 opens a new SQLite connection for every session (file databases
get no pool), `save` runs a COUNT over the session's events to find which events
are new, and `retrieve` builds an ORM object per event only to read its JSON.
This store keeps what Rasa stores (same table, same rows, readable by Rasa's own
store and by "forget me"), and changes how it gets there:

* SQLite: one pooled connection per thread, WAL journal (readers do not block the
  writer) and `synchronous=NORMAL` (durable at each checkpoint; a power cut can
  lose the last turns, never corrupt the file).
* An index on (sender_id, type_name, timestamp) for the latest-session query.
* `save` writes the events after those it loaded, counted at `retrieve`; a tracker
  it did not load (a new conversation) falls back to Rasa's COUNT.
* `retrieve` reads only the `data` column.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterator

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

log = logging.getLogger(__name__)
# Set on a tracker by `retrieve`: how many of its events are already in the table.
STORED = "_iar_stored_events"
SESSION_INDEX = "ix_events_sender_type_time"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class LeanSQLTrackerStore(SQLTrackerStore):
    """`type: bot.rasa.tracker_store.LeanSQLTrackerStore` in endpoints.yml, with the SQL
    store's usual keys (dialect, db, url, port, username, password)."""

    engine: Any  # Rasa's SQLTrackerStore sets it (Rasa's classes are untyped here)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=QueuePool, pool_size=4, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        index = sa.Index(
            SESSION_INDEX, self.SQLEvent.sender_id, self.SQLEvent.type_name, self.SQLEvent.timestamp
        )
        try:
            index.create(self.engine, checkfirst=True)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
            # servers starting together: another one created it first
            log.info("tracker store index not created here: %s", error)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(data) for (data,) in rows], self.domain.slots
        )
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        setattr(tracker, STORED, len(tracker.events))

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, STORED, None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return iter(list(tracker.events)[stored:])
