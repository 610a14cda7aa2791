"""A click on an alert card's button in Teams: checked, then recorded through the same
acknowledge/close service as Slack's buttons (bot.patient.escalation).

The Bot Framework token (checked by the Teams channel) proves the click came through
Microsoft from our tenant; what it cannot prove is that the button belongs to the channel
it was clicked in. So a click counts only in a Teams channel its report's site posts its
alerts or escalations to (sites.yml `alerts.conversation_id`, `on_call_conversation_id`,
`lead_conversation_id`): a card copied or forwarded elsewhere, or a
made-up report id, changes nothing. A report already closed changes nothing either (the
first close stands), and a second "I'm on it" from the same person is not a second record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.sites import TeamsAlerts
from bot.patient.alert_buttons import CLOSE, OUTCOMES, Click
from bot.patient.escalation import acknowledge, close, history
from bot.patient.reports.models import AlertOutbox, PatientReport
from bot.patient.teams_cards import alert_card


@dataclass(frozen=True)
class TeamsAnswer:
    """What the bot answers in the card's thread: a line of text, and the alert's updated
    card when the click was recorded (or the report is already closed)."""

    recorded: bool
    text: str
    card: dict[str, Any] | None = None


def channel_sites(channel: str, targets: dict[str, TeamsAlerts]) -> set[str]:
    """The sites whose alerts (or escalations) are posted to this Teams channel."""
    return {t.site_id for t in targets.values() if channel in t.channels()}


def _alert(sessions: sessionmaker[Session], report_id: int) -> tuple[str, str] | None:
    """The report's site and its alert's text, or None when no alerted report has this id."""
    with sessions() as session:
        report = session.get(PatientReport, report_id)
        payload = (
            session.execute(
                select(AlertOutbox.payload).where(AlertOutbox.report_id == report_id).order_by(AlertOutbox.id)
            )
            .scalars()
            .first()
        )
    if report is None or payload is None:
        return None
    return str(report.site_id), str(payload.get("text", ""))


def answer_teams_click(
    sessions: sessionmaker[Session],
    click: Click,
    channel: str,
    targets: dict[str, TeamsAlerts],
    now: datetime | None = None,
    alone: bool = False,
) -> TeamsAnswer:
    """Record the click if its report's alerts go to `channel` and the report is open;
    `alone`: the answer's card replaces a message holding only this alert's card."""
    found = _alert(sessions, click.report_id)
    if found is None:
        return TeamsAnswer(False, f"No alert for report #{click.report_id} is known: nothing was recorded.")
    site, text = found
    if site not in channel_sites(channel, targets):
        return TeamsAnswer(
            False,
            f"Report #{click.report_id} is not an alert of this channel's site: nothing was recorded.",
        )
    current = history(sessions, click.report_id)
    if current.outcome is not None:
        return TeamsAnswer(
            False,
            f"Report #{click.report_id} is already closed: nothing was changed.",
            alert_card(text, click.report_id, current, alone),
        )
    if click.action == CLOSE and click.outcome:
        current = close(sessions, click.report_id, click.outcome, click.by, "teams", now)
        said = f"Report #{click.report_id} closed by {click.by}: {OUTCOMES[click.outcome]}."
    else:
        current = acknowledge(sessions, click.report_id, click.by, "teams", now)
        said = f"Report #{click.report_id}: {click.by} is on it."
    return TeamsAnswer(True, said, alert_card(text, click.report_id, current, alone))
