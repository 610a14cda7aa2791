"""Alerts to the site team: emergency and urgent reports go out through an outbox.

A finished report and its alert are saved in one transaction (bot.patient.reports.store);
the dispatcher (`python -m bot.ops.cli alerts run`) posts each pending alert to the
incoming webhook named by $IAR_ALERT_WEBHOOK_URL (Slack or Teams: both take
{"text": ...}), marks it delivered on a 2xx answer and otherwise records the
attempt and error and tries again later, waiting twice as long each time (5 s
up to 5 min). So a webhook that is down loses nothing: the alert waits.

An alert names the participant by study ID (a report through a personal link; otherwise
"unidentified"), never by name, and gives the site, disposition, rule, symptoms, the
patient's words (capped at WORDS_CHARS), the days from the infusion to the report and a
link to the report in the inbox (IAR_PUBLIC_URL + /webhooks/inbox/reports/<id>). A report the bot
did not understand (a rule with `review: true` in knowledge/triage.yml) is alerted as
"needs review": its words are all that tells the team what is wrong.

A site whose `alerts.target` in sites.yml is teams gets its alerts instead as Adaptive
Cards with "I'm on it" and "Closed" buttons, posted by the bot to its Teams channel through
the Bot Framework connector (bot.patient.teams_delivery): the same outbox rows, attempts
and retries, only another place to post them.

Bursts are aggregated per site, so a flood of reports cannot drown the site
team's channel: a site gets at most one post every BURST_WINDOW seconds. The
first alert goes out at once; alerts that fall due sooner after a post wait for
the window to end and then go out together, as one post listing them all.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.sites import Site, SiteConfigError, TeamsAlerts, teams_alert_sites
from bot.core.userdb import utcnow
from bot.patient.alert_buttons import text_block, with_buttons
from bot.patient.reports.models import AlertOutbox, PatientReport
from bot.patient.symptoms import load_lexicon
from bot.patient.teams_cards import alert_activity
from bot.patient.teams_delivery import NOT_CONFIGURED, TeamsConnector
from bot.patient.triage import review_rules

WEBHOOK_ENV = "IAR_ALERT_WEBHOOK_URL"
ALERT_DISPOSITIONS = ("emergency", "urgent")
BASE_DELAY = 5.0  # seconds before the first retry
MAX_DELAY = 300.0  # retries never wait longer than this
TIMEOUT = 10.0  # seconds for one webhook call
WORDS_CHARS = 500  # the patient's words quoted in an alert
UNIDENTIFIED = "unidentified"  # the participant of a report not made through a personal link
INBOX_PATH = "/webhooks/inbox/reports/"  # the inbox page (bot.rasa.channels.inbox)
BURST_WINDOW = 15.0  # seconds: at most one post per site in this time
DETAILED = 10  # a burst post shows this many alerts in full, the others as their first line
TEAMS_CARDS = 5  # a Teams burst message holds this many cards (Teams caps a message at 28 KB)

log = logging.getLogger("bot.patient.alerts")
Post = Callable[..., requests.Response]


def webhook_url() -> str | None:
    """The incoming-webhook URL from the environment, or None when unset."""
    return os.environ.get(WEBHOOK_ENV, "").strip() or None


def retry_delay(attempts: int, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait after the given number of failed attempts: base, 2×base, 4×base… ≤ cap."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def inbox_link(public_url: str, report_id: int) -> str:
    """The report's page in the site team's inbox."""
    return f"{public_url.rstrip('/')}{INBOX_PATH}{report_id}"


def quoted(text: str, limit: int = WORDS_CHARS) -> str:
    """The patient's words on one line, cut at `limit` characters."""
    words = " ".join(text.split())
    return words[:limit] + "…" if len(words) > limit else words


def alert_payload(report: PatientReport, site: Site, public_url: str) -> dict[str, Any]:
    """The webhook body for a report: Slack/Teams incoming-webhook JSON naming the participant
    by study ID (or "unidentified"), never by name."""
    names = load_lexicon().symptoms
    present = [s["id"] for s in report.symptoms if s.get("status") == "present"]
    others = [s["id"] for s in report.symptoms if s.get("status") == "family"]

    def described(ids: list[str]) -> str:
        return ", ".join(names[i].name if i in names else i for i in ids)

    facts = [f"Symptoms: {described(present) or 'none named'}"]
    if others:
        facts.append(f"Someone with the patient has: {described(others)}")
    if report.temperature_c is not None:
        facts.append(f"Temperature: {report.temperature_c:.1f} °C")
    facts.append(
        "Time since infusion: "
        + (
            "not given"
            if report.days_since_infusion is None
            else f"{report.days_since_infusion} day(s) when reported"
        )
    )
    if report.severity:
        facts.append(f"Severity: {report.severity}")
    facts.append(f'Patient\'s words: "{quoted(report.text)}"')
    review = report.rule in review_rules()
    heading = report.disposition.upper() + (" – NEEDS REVIEW" if review else "")
    lines = [
        f"{heading}: IAR Assistant patient report #{report.id}",
        f"Participant: {report.study_id or UNIDENTIFIED}",
        f"Site: {site.name} ({site.id})",
        f"Disposition: {report.disposition}" + (" (needs review)" if review else ""),
        f"Rule: {report.rule}",
        *facts,
        f"Reported: {report.created_at:%Y-%m-%d %H:%M} UTC via {report.channel or 'unknown channel'}",
        f"Report: {inbox_link(public_url, report.id)}",
    ]
    return with_buttons("\n".join(lines), report.id)


@dataclass(frozen=True)
class DeliveryRun:
    """What one pass over the outbox did."""

    delivered: int = 0
    failed: int = 0
    pending: int = 0  # still undelivered after the pass (due later or just failed)


def post_json(url: str, payload: dict[str, Any], post: Post, timeout: float) -> str | None:
    """Send one alert; None when the webhook accepted it, else the error."""
    try:
        response = post(url, json=payload, timeout=timeout)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"


def _rank(text: str) -> int:
    """Most urgent first: the index of the alert's disposition in ALERT_DISPOSITIONS."""
    return next(
        (i for i, d in enumerate(ALERT_DISPOSITIONS) if text.upper().startswith(d.upper())),
        len(ALERT_DISPOSITIONS),
    )


def burst_header(texts: list[str], site_id: str | None) -> str:
    """The first line of a burst post: how many alerts of each kind came within the window."""
    counts = ", ".join(
        f"{sum(t.upper().startswith(d.upper()) for t in texts)} {d}" for d in ALERT_DISPOSITIONS
    )
    return (
        f"{len(texts)} IAR Assistant patient reports for site {site_id or 'unknown'} "
        f"within {BURST_WINDOW:.0f} s ({counts}), sent as one message:"
    )


def burst_payload(payloads: list[dict[str, Any]], site_id: str | None) -> dict[str, Any]:
    """One webhook body for several alerts of a site: a count, then each alert (the first
    DETAILED in full with their buttons, the rest by their first line), most urgent first."""
    ranked = sorted(payloads, key=lambda p: _rank(str(p.get("text", ""))))
    texts = [str(p.get("text", "")) for p in ranked]
    header = burst_header(texts, site_id)
    rest = [t.splitlines()[0] for t in texts[DETAILED:] if t]
    blocks = [text_block(header)]
    for payload in ranked[:DETAILED]:
        blocks += payload.get("blocks") or [text_block(str(payload.get("text", "")))]
    if rest:
        blocks.append(text_block("\n".join(rest)))
    return {"text": "\n\n".join([header, *texts[:DETAILED], *rest]), "blocks": blocks}


def teams_activity(alerts: list[AlertOutbox], site_id: str | None) -> dict[str, Any]:
    """The Teams message for one post: a card per alert (a burst: a summary card first, then
    the TEAMS_CARDS most urgent in full, the rest by their first line)."""
    items = sorted(
        ((a.report_id, str(a.payload.get("text", ""))) for a in alerts), key=lambda item: _rank(item[1])
    )
    if len(items) == 1:
        return alert_activity(items)
    header = burst_header([text for _, text in items], site_id)
    others = [text.splitlines()[0] for _, text in items[TEAMS_CARDS:] if text]
    return alert_activity(items[:TEAMS_CARDS], header, others)


def site_targets() -> dict[str, TeamsAlerts]:
    """The sites whose alerts go to Teams. A sites.yml that cannot be read sends every alert
    to the webhook (logged): an alert without buttons beats an alert not sent."""
    try:
        return teams_alert_sites()
    except (SiteConfigError, OSError) as error:
        log.error("alerts go to the webhook only: %s", error)
        return {}


def deliver_pending(
    webhook_url: str | None,
    sessions: sessionmaker[Session],
    now: datetime | None = None,
    *,
    post: Post = requests.post,
    base_delay: float = BASE_DELAY,
    max_delay: float = MAX_DELAY,
    timeout: float = TIMEOUT,
    limit: int = 100,
    burst_window: float = BURST_WINDOW,
    teams: TeamsConnector | None = None,
    targets: dict[str, TeamsAlerts] | None = None,
) -> DeliveryRun:
    """Post every alert that is due, one post per site (see burst_payload): to the site's
    Teams channel when `targets` (default: sites.yml) names it, else to the webhook; mark
    the alerts delivered or record the failure and the next try.

    A site posted to less than `burst_window` seconds ago is skipped: its alerts stay
    due and go out together when the window ends. Each post is committed on its own,
    so a crash mid-run neither loses nor re-sends the alerts already handled. Alerts with
    nowhere to go (no webhook URL, not a Teams site) wait. `teams` keeps the bot's token
    between passes; without it one is made from the environment.
    """
    now = now or utcnow()
    targets = site_targets() if targets is None else targets
    delivered = failed = 0
    with sessions() as session:
        if not webhook_url and not targets:
            waiting = _count_pending(session)
            if waiting:
                log.warning(
                    "no webhook configured (%s): %d alert(s) waiting in the outbox", WEBHOOK_ENV, waiting
                )
            return DeliveryRun(pending=waiting)
        due = session.execute(
            select(AlertOutbox.id, PatientReport.site_id)
            .outerjoin(PatientReport, AlertOutbox.report_id == PatientReport.id)
            .where(AlertOutbox.delivered_at.is_(None), AlertOutbox.next_attempt_at <= now)
            .order_by(AlertOutbox.id)
            .limit(limit)
        ).all()
        by_site: dict[str | None, list[int]] = {}
        for alert_id, site_id in due:
            by_site.setdefault(site_id, []).append(alert_id)
        for site_id, alert_ids in by_site.items():
            target = targets.get(site_id or "")
            if target is None and not webhook_url:
                log.warning("site %s: no webhook configured (%s): alerts wait", site_id, WEBHOOK_ENV)
                continue
            last = _last_post(session, site_id)
            if last is not None and now - last < timedelta(seconds=burst_window):
                log.debug(
                    "site %s: %d alert(s) held until %s (burst window)",
                    site_id,
                    len(alert_ids),
                    last + timedelta(seconds=burst_window),
                )
                continue
            alerts = (
                session.execute(
                    select(AlertOutbox)
                    .where(AlertOutbox.id.in_(alert_ids), AlertOutbox.delivered_at.is_(None))
                    .order_by(AlertOutbox.id)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            if not alerts:
                session.rollback()
                continue
            if target is not None:
                teams = teams or TeamsConnector.from_env(post=post)
                activity = teams_activity(list(alerts), site_id)
                error = NOT_CONFIGURED if teams is None else teams.send(target, activity)
            else:
                payload = (
                    alerts[0].payload
                    if len(alerts) == 1
                    else burst_payload([a.payload for a in alerts], site_id)
                )
                error = post_json(str(webhook_url), payload, post, timeout)
            for alert in alerts:
                alert.attempts += 1
                alert.last_attempt_at = now
                if error is None:
                    alert.delivered_at, alert.last_error = now, None
                else:
                    wait = retry_delay(alert.attempts, base_delay, max_delay)
                    alert.last_error, alert.next_attempt_at = error, now + timedelta(seconds=wait)
            reports = ", ".join(str(a.report_id) for a in alerts)
            where = "Teams" if target is not None else "the webhook"
            if error is None:
                delivered += len(alerts)
                log.info("%d alert(s) (reports %s) delivered to %s in one post", len(alerts), reports, where)
            else:
                failed += len(alerts)
                log.warning(
                    "%d alert(s) (reports %s) not delivered to %s: %s; retrying",
                    len(alerts),
                    reports,
                    where,
                    error,
                )
            session.commit()
        return DeliveryRun(delivered, failed, _count_pending(session))


def _last_post(session: Session, site_id: str | None) -> datetime | None:
    """When alerts of this site last went out (the newest delivered_at), if ever."""
    last: datetime | None = session.execute(
        select(func.max(AlertOutbox.delivered_at))
        .join(PatientReport, AlertOutbox.report_id == PatientReport.id)
        .where(PatientReport.site_id == site_id)
    ).scalar()
    return last


def _count_pending(session: Session) -> int:
    return len(
        session.execute(select(AlertOutbox.id).where(AlertOutbox.delivered_at.is_(None))).scalars().all()
    )


def run_dispatcher(
    sessions: sessionmaker[Session],
    interval: float = 2.0,
    url: str | None = None,
    stop: Callable[[], bool] = lambda: False,
    upkeep: Callable[[], object] = lambda: None,
    **options: Any,
) -> None:
    """Deliver pending alerts every `interval` seconds until `stop()` is true, calling
    `upkeep()` (bot.ops.upkeep: spooled reports, erasures) before each pass. One Teams
    connector serves every pass, so its token is fetched once per expiry."""
    url = url or webhook_url()
    options.setdefault("teams", TeamsConnector.from_env())
    log.info(
        "alert dispatcher started: %s, every %.1f s",
        "posting to the configured webhook"
        if url
        else f"no webhook configured ({WEBHOOK_ENV}): alerts stay in the outbox unless their site uses Teams",
        interval,
    )
    waiting = 0
    while not stop():
        try:
            upkeep()
            targets = site_targets()
            if url or targets:
                deliver_pending(url, sessions, targets=targets, **options)
            else:  # say so whenever the number of waiting alerts changes, not every pass
                with sessions() as session:
                    now_waiting = _count_pending(session)
                if now_waiting != waiting:
                    log.warning(
                        "no webhook configured (%s): %d alert(s) waiting in the outbox",
                        WEBHOOK_ENV,
                        now_waiting,
                    )
                waiting = now_waiting
        except Exception:  # a database hiccup must not end the dispatcher
            log.exception("alert delivery pass failed; trying again")
        time.sleep(interval)
