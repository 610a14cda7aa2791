"""Closing the loop on an alert: "I'm on it", "Closed" with an outcome, and escalation.

An alert nobody acknowledges within its site's limit (sites.yml `escalation`, per kind:
emergency, urgent, needs_review) is re-sent to the next level: the on-call webhook
($IAR_ONCALL_WEBHOOK_URL) after one limit, the site lead's ($IAR_LEAD_WEBHOOK_URL) after
two; an emergency reaches the on-call webhook at once and the lead after one limit. A site
whose alerts go to Teams may name a Teams channel per level instead (sites.yml `alerts`:
on_call_conversation_id, lead_conversation_id): the step is then a card with the buttons. Each step
is a row of alert_escalations, made by the dispatcher's pass when due and posted until its
webhook accepts it, so the clock lives in the database and survives restarts. Every
function takes `now`, so tests move time instead of waiting.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.sites import TeamsAlerts, escalation_limits
from bot.core.userdb import utcnow
from bot.patient.alert_buttons import CLOSE, LEVEL_NAMES, OUTCOMES, AlertState, Click, updated_message
from bot.patient.alerts import TIMEOUT, Post, post_json, retry_delay, site_targets
from bot.patient.reports.models import (
    AlertAcknowledgement,
    AlertEscalation,
    AlertOutbox,
    PatientReport,
    ReportOutcome,
)
from bot.patient.teams_cards import alert_activity
from bot.patient.teams_delivery import NOT_CONFIGURED, TeamsConnector
from bot.patient.triage import review_rules

LEVELS = ("on_call", "lead")  # who is told next, in order
WEBHOOK_ENVS = {"on_call": "IAR_ONCALL_WEBHOOK_URL", "lead": "IAR_LEAD_WEBHOOK_URL"}

log = logging.getLogger(__name__)


class UnknownReport(LookupError):
    """No report (with an alert) has this id."""


def escalation_urls(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The levels' webhook URLs from the environment (a level without one is skipped)."""
    return {level: env[name].strip() for level, name in WEBHOOK_ENVS.items() if env.get(name, "").strip()}


def alert_kind(report: PatientReport) -> str:
    """emergency, needs_review (a rule the bot did not understand) or urgent."""
    if report.disposition == "emergency":
        return "emergency"
    return "needs_review" if report.rule in review_rules() else "urgent"


def due_times(kind: str, raised_at: datetime, limit: timedelta) -> list[tuple[str, datetime]]:
    """When each level falls due for an unacknowledged alert raised at `raised_at`: an
    emergency's on-call step at once, every other step one more limit later."""
    first = 0 if kind == "emergency" else 1
    return [(level, raised_at + limit * (first + i)) for i, level in enumerate(LEVELS)]


def escalation_payload(alert: dict[str, Any], level: str, kind: str, limit: timedelta) -> dict[str, Any]:
    """The original alert, headed with why it comes to this level."""
    why = (
        "emergency: sent to the on-call team at once"
        if kind == "emergency" and level == "on_call"
        else f"not acknowledged within {_minutes(limit)}"
    )
    heading = f"ESCALATED to {LEVEL_NAMES[level]} ({why})"
    payload = dict(alert)
    payload["text"] = f"{heading}\n{alert.get('text', '')}"
    blocks = alert.get("blocks")
    if isinstance(blocks, list):
        payload["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading}*"}}, *blocks]
    return payload


def _minutes(limit: timedelta) -> str:
    seconds = limit.total_seconds()
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"


def _open(report_id: Any) -> Any:
    """SQL: the report has neither an acknowledgement nor an outcome."""
    return ~exists().where(AlertAcknowledgement.report_id == report_id) & ~exists().where(
        ReportOutcome.report_id == report_id
    )


def escalate_due(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Make the escalation steps that have fallen due (each once); how many were made."""
    now = now or utcnow()
    made = 0
    with sessions() as session:
        alerts = session.execute(
            select(AlertOutbox, PatientReport)
            .join(PatientReport, AlertOutbox.report_id == PatientReport.id)
            .where(
                AlertOutbox.escalates.is_(True),
                _open(PatientReport.id),
                ~exists().where(  # every level already told: nothing left to do
                    AlertEscalation.report_id == PatientReport.id, AlertEscalation.level == LEVELS[-1]
                ),
            )
            .order_by(AlertOutbox.id)
        ).all()
        limits: dict[str, dict[str, timedelta]] = {}  # sites.yml read once per site and pass
        for alert, report in alerts:
            kind = alert_kind(report)
            if report.site_id not in limits:
                limits[report.site_id] = escalation_limits(report.site_id)
            limit = limits[report.site_id][kind]
            done = set(
                session.execute(
                    select(AlertEscalation.level).where(AlertEscalation.report_id == report.id)
                ).scalars()
            )
            for level, due_at in due_times(kind, alert.created_at, limit):
                if level in done or due_at > now:
                    continue
                payload = escalation_payload(alert.payload, level, kind, limit)
                session.add(
                    AlertEscalation(
                        report_id=report.id, level=level, due_at=due_at, payload=payload, next_attempt_at=now
                    )
                )
                made += 1
                log.info("report %s: escalated to %s (due %s)", report.id, level, due_at)
        session.commit()
    return made


def deliver_escalations(
    urls: Mapping[str, str],
    sessions: sessionmaker[Session],
    now: datetime | None = None,
    *,
    post: Post = requests.post,
    timeout: float = TIMEOUT,
    teams: TeamsConnector | None = None,
    targets: dict[str, TeamsAlerts] | None = None,
) -> int:
    """Post the escalation steps that are due to their level's webhook, or as a card to the
    level's Teams channel when the report's site names one (sites.yml `alerts`); how many
    went out. A step acknowledged meanwhile still goes out: the next level must not miss
    that it was escalated, and its message shows who is on it once they click."""
    now = now or utcnow()
    targets = site_targets() if targets is None else targets
    sent = 0
    with sessions() as session:
        steps = session.execute(
            select(AlertEscalation, PatientReport.site_id)
            .join(PatientReport, AlertEscalation.report_id == PatientReport.id)
            .where(AlertEscalation.delivered_at.is_(None), AlertEscalation.next_attempt_at <= now)
            .order_by(AlertEscalation.id)
        ).all()
        for step, site_id in steps:
            target = targets.get(site_id)
            channel = target.channel(step.level) if target else ""
            url = urls.get(step.level)
            if target is not None and channel:
                teams = teams or TeamsConnector.from_env(post=post)
                card = alert_activity([(step.report_id, str(step.payload.get("text", "")))])
                error = NOT_CONFIGURED if teams is None else teams.send(target, card, channel)
            elif url:
                error = post_json(url, step.payload, post, timeout)
            else:
                log.warning(
                    "report %s: no webhook for %s (%s)", step.report_id, step.level, WEBHOOK_ENVS[step.level]
                )
                step.last_error, step.next_attempt_at = "no webhook configured", now + timedelta(minutes=5)
                continue
            step.attempts += 1
            if error is None:
                step.delivered_at, step.last_error = now, None
                sent += 1
            else:
                step.last_error = error
                step.next_attempt_at = now + timedelta(seconds=retry_delay(step.attempts))
                log.warning(
                    "report %s: escalation to %s not delivered: %s", step.report_id, step.level, error
                )
            session.commit()
        session.commit()
    return sent


def acknowledge(
    sessions: sessionmaker[Session], report_id: int, by: str, via: str, now: datetime | None = None
) -> AlertState:
    """Record "I'm on it" from `by`; a second click by the same person is not a second row."""
    with sessions() as session:
        _report(session, report_id)
        already = session.execute(
            select(AlertAcknowledgement.id).where(
                AlertAcknowledgement.report_id == report_id, AlertAcknowledgement.by == by
            )
        ).first()
        if already is None:
            session.add(AlertAcknowledgement(report_id=report_id, by=by, via=via, at=now or utcnow()))
            session.commit()
            log.info("report %s acknowledged by %s via %s", report_id, by, via)
        return state(session, report_id)


def close(
    sessions: sessionmaker[Session],
    report_id: int,
    outcome: str,
    by: str,
    via: str,
    now: datetime | None = None,
) -> AlertState:
    """Close the report with one of OUTCOMES; the first close stands (a report is closed once)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}")
    with sessions() as session:
        _report(session, report_id)
        if session.get(ReportOutcome, report_id) is None:
            session.add(
                ReportOutcome(report_id=report_id, outcome=outcome, by=by, via=via, at=now or utcnow())
            )
            session.commit()
            log.info("report %s closed by %s via %s: %s", report_id, by, via, outcome)
        return state(session, report_id)


def history(sessions: sessionmaker[Session], report_id: int) -> AlertState:
    """The alert's acknowledgements, escalations and outcome. Raises UnknownReport."""
    with sessions() as session:
        _report(session, report_id)
        return state(session, report_id)


def _report(session: Session, report_id: int) -> None:
    """Raise UnknownReport unless the report exists and was alerted."""
    report = session.get(PatientReport, report_id)
    if report is None or not report.alerts:
        raise UnknownReport(report_id)


def state(session: Session, report_id: int) -> AlertState:
    """The report's acknowledgements, outcome and escalation steps."""
    acks = session.execute(
        select(AlertAcknowledgement.by, AlertAcknowledgement.at)
        .where(AlertAcknowledgement.report_id == report_id)
        .order_by(AlertAcknowledgement.at, AlertAcknowledgement.id)
    ).all()
    closed = session.get(ReportOutcome, report_id)
    steps = session.execute(
        select(AlertEscalation.level, AlertEscalation.delivered_at)
        .where(AlertEscalation.report_id == report_id)
        .order_by(AlertEscalation.id)
    ).all()
    return AlertState(
        report_id,
        tuple((str(by), at) for by, at in acks),
        (str(closed.outcome), str(closed.by), closed.at) if closed else None,
        tuple((str(level), at) for level, at in steps),
    )


def answer_click(
    sessions: sessionmaker[Session], click: Click, via: str, now: datetime | None = None
) -> dict[str, Any]:
    """Record a click on an alert's button; the alert as it should now read (who is on it,
    the outcome, the buttons while it is open). Raises UnknownReport."""
    if click.action == CLOSE and click.outcome:
        current = close(sessions, click.report_id, click.outcome, click.by, via, now)
    else:
        current = acknowledge(sessions, click.report_id, click.by, via, now)
    with sessions() as session:
        alert = (
            session.execute(
                select(AlertOutbox.payload)
                .where(AlertOutbox.report_id == click.report_id)
                .order_by(AlertOutbox.id)
            )
            .scalars()
            .first()
        )
    return updated_message(alert or {}, current)
