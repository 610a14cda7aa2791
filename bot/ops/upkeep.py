"""What the alert dispatcher does before each delivery pass: save the spooled reports
(their alerts then go out in the same pass) and finish due 'forget me' requests."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.app import App
from bot.patient.privacy import erase_due
from bot.patient.reports.spool import flush

log = logging.getLogger(__name__)


def upkeep(app: App, tracker_url: str | None) -> None:
    """One pass of both tasks; a failing task is logged and tried again next pass. The
    tables are created first, until that has worked once (the database may start later)."""
    if not app.schema_ready:
        app.create_schema()
    sessions = app.sessions
    for task, run in (
        ("report spool", lambda: flush(sessions, public_url=app.settings.public_url)),
        ("erasure requests", lambda: erase_due(sessions, tracker_url)),
    ):
        try:
            run()
        except SQLAlchemyError as error:  # a database down: next pass
            log.warning("%s: database unavailable (%s); trying again", task, str(error).splitlines()[0][:200])
        except Exception:  # a bug must not stop the dispatcher either
            log.exception("%s: pass failed; trying again", task)
