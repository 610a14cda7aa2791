"""What the alert dispatcher does before each delivery pass: save the spooled reports
(their alerts then go out in the same pass), finish due 'forget me' requests, and escalate
the alerts nobody acknowledged in time (bot.patient.escalation)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.app import App
from bot.patient.escalation import deliver_escalations, escalate_due, escalation_urls
from bot.patient.privacy import erase_due
from bot.patient.reports.spool import flush

log = logging.getLogger(__name__)


def escalate(app: App, now: datetime | None = None) -> None:
    """Make the escalation steps that are due and post them to their levels' webhooks."""
    escalate_due(app.sessions, now)
    deliver_escalations(escalation_urls(), app.sessions, now)


def upkeep(app: App, tracker_url: str | None) -> None:
    """One pass of the tasks; a failing task is logged and tried again next pass. The
    tables are created first, until that has worked once (the database may start later)."""
    if not app.schema_ready:
        app.create_schema()
    sessions = app.sessions
    for task, run in (
        ("report spool", lambda: flush(sessions, public_url=app.settings.public_url)),
        ("erasure requests", lambda: erase_due(sessions, tracker_url)),
        ("escalation", lambda: escalate(app)),
    ):
        try:
            run()
        except SQLAlchemyError as error:  # a database down: next pass
            log.warning("%s: database unavailable (%s); trying again", task, str(error).splitlines()[0][:200])
        except Exception:  # a bug must not stop the dispatcher either
            log.exception("%s: pass failed; trying again", task)
