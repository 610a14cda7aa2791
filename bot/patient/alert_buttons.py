"""The buttons on an alert in Slack ("I'm on it", "Closed" with an outcome) and reading a click.

Slack's incoming webhooks show Block Kit blocks; a click is sent to the app's
interactivity URL (the bot's /webhooks/alerts/slack, bot.rasa.channels.alert_actions) as a
signed `block_actions` payload. The alert's words go in a plain_text block, so nothing a
patient typed can mention a channel or hide a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

ACK = "iar_ack"
CLOSE = "iar_close"
SECTION_CHARS = 3000  # Slack's limit for a section's text
OUTCOMES = {
    "advised_ae": "Called patient – advised A&E",
    "advised_come_in": "Called patient – advised to come in",
    "self_care": "Called patient – self-care",
    "not_reached": "Could not reach patient",
}
LEVEL_NAMES = {"on_call": "the on-call team", "lead": "the site lead"}


@dataclass(frozen=True)
class AlertState:
    """Where a report's alert stands (bot.patient.escalation.state), for the updated message."""

    report_id: int
    acknowledged: tuple[tuple[str, datetime], ...]  # (who, when), oldest first
    outcome: tuple[str, str, datetime] | None  # (outcome key, who, when)
    escalations: tuple[tuple[str, datetime | None], ...]  # (level, delivered_at)


@dataclass(frozen=True)
class Click:
    """A staff member's click on an alert's button."""

    action: str  # ACK or CLOSE
    report_id: int
    outcome: str | None
    by: str  # "slack:<user id> (<user name>)"


def text_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "plain_text", "text": text[:SECTION_CHARS] or " "}}


def action_block(report_id: int) -> dict[str, Any]:
    """ "I'm on it" and "Closed – outcome…" for one report."""
    return {
        "type": "actions",
        "block_id": f"iar-report-{report_id}",
        "elements": [
            {
                "type": "button",
                "action_id": ACK,
                "text": {"type": "plain_text", "text": "I'm on it"},
                "style": "primary",
                "value": str(report_id),
            },
            {
                "type": "static_select",
                "action_id": CLOSE,
                "placeholder": {"type": "plain_text", "text": "Closed – outcome…"},
                "options": [
                    {"text": {"type": "plain_text", "text": label}, "value": f"{report_id}:{key}"}
                    for key, label in OUTCOMES.items()
                ],
            },
        ],
    }


def with_buttons(text: str, report_id: int) -> dict[str, Any]:
    """An alert's webhook body: the text (for Teams and notifications) and Slack's blocks."""
    return {"text": text, "blocks": [text_block(text), action_block(report_id)]}


def status_lines(state: AlertState) -> list[str]:
    """Who is on it, escalations and the outcome, as the updated message shows them."""
    lines = [f"Escalated to {LEVEL_NAMES.get(level, level)}" for level, _ in state.escalations]
    lines += [f"On it: {by} at {at:%Y-%m-%d %H:%M} UTC" for by, at in state.acknowledged]
    if state.outcome:
        outcome, by, at = state.outcome
        lines.append(f"Closed by {by} at {at:%Y-%m-%d %H:%M} UTC: {OUTCOMES.get(outcome, outcome)}")
    return lines


def updated_message(alert: dict[str, Any], state: AlertState) -> dict[str, Any]:
    """The alert as it should now read in Slack: its text, the status, and the buttons
    while the report is open (replace_original, for the click's response_url)."""
    text = str(alert.get("text", ""))
    status = "\n".join(status_lines(state))
    blocks = [text_block(text), text_block(status)] if status else [text_block(text)]
    if state.outcome is None:
        blocks.append(action_block(state.report_id))
    return {"replace_original": True, "text": f"{text}\n{status}".strip(), "blocks": blocks}


def read_click(payload: Any) -> Click | None:
    """The click in a Slack `block_actions` payload; None when it is not one of ours."""
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    user, actions = payload.get("user") or {}, payload.get("actions") or []
    if not isinstance(user, dict) or not user.get("id") or not actions or not isinstance(actions[0], dict):
        return None
    action = actions[0]
    name = user.get("username") or user.get("name") or ""
    by = f"slack:{user['id']}" + (f" ({name})" if name else "")
    try:
        if action.get("action_id") == ACK:
            return Click(ACK, int(action.get("value", "")), None, by)
        if action.get("action_id") == CLOSE:
            report, outcome = str((action.get("selected_option") or {}).get("value", "")).split(":", 1)
            return Click(CLOSE, int(report), outcome, by) if outcome in OUTCOMES else None
    except ValueError:
        return None
    return None
