"""An alert as a Teams Adaptive Card with "I'm on it" and "Closed" (with an outcome), and
reading a click on them.

The bot posts the card itself (bot.patient.teams_delivery), because a click on an
Action.Submit button comes back to the bot's messaging endpoint as a message activity
whose `value` is the button's data; an incoming webhook could not receive it. The alert's
words go in RichTextBlock TextRuns, which Teams never reads as markdown, so nothing a
patient typed can become a link or a mention under the bot's name.
"""

from __future__ import annotations

from typing import Any

from bot.patient.alert_buttons import ACK, CLOSE, OUTCOMES, AlertState, Click, status_lines

CARD_TYPE = "application/vnd.adaptive.card"
CARD_VERSION = "1.4"  # what Teams renders on desktop, web and mobile
ACTION_KEY = "iar_action"  # in a button's data: ACK or CLOSE
REPORT_KEY = "report_id"
OUTCOME_KEY = "outcome"
ALONE_KEY = "alone"  # the card is the only one of its message (see alert_card)
LINK_PREFIX = "Report: "  # the alert's line with the report's inbox link
MAX_REPORT_ID = 2**63 - 1


def _text(line: str, **style: str) -> dict[str, Any]:
    """One line as plain text (a TextRun is never read as markdown)."""
    return {
        "type": "RichTextBlock",
        "spacing": "none",
        "inlines": [{"type": "TextRun", "text": line or " ", **style}],
    }


def inbox_url(text: str) -> str | None:
    """The inbox link the alert's text names (its "Report: …" line)."""
    for line in text.splitlines():
        if line.startswith(LINK_PREFIX) and line[len(LINK_PREFIX) :].startswith(("https://", "http://")):
            return line[len(LINK_PREFIX) :].strip()
    return None


def alert_card(
    text: str, report_id: int, state: AlertState | None = None, alone: bool = False
) -> dict[str, Any]:
    """The Adaptive Card of one alert: its text line by line (the first as the heading), who
    is on it and the outcome once there are any, the buttons while the report is open, and
    the inbox link. `alone`: the card is its message's only one, so a click may replace the
    message with the updated card (a burst's message holds other alerts' cards too)."""
    marks = {ALONE_KEY: True} if alone else {}
    heading, *lines = text.splitlines() or [""]
    colour = "attention" if heading.upper().startswith(("EMERGENCY", "ESCALATED")) else "warning"
    body = [_text(heading, weight="bolder", size="medium", color=colour)]
    body += [_text(line) for line in lines if not line.startswith(LINK_PREFIX)]
    status = status_lines(state) if state else []
    if status:
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [_text(line, weight="bolder", color="good") for line in status],
            }
        )
    actions: list[dict[str, Any]] = []
    if state is None or state.outcome is None:
        actions += [
            {
                "type": "Action.Submit",
                "title": "I'm on it",
                "style": "positive",
                "data": {ACTION_KEY: ACK, REPORT_KEY: report_id, **marks},
            },
            {
                "type": "Action.ShowCard",
                "title": "Closed – outcome…",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [_text("How was it closed?")],
                    "actions": [
                        {
                            "type": "Action.Submit",
                            "title": label,
                            "data": {ACTION_KEY: CLOSE, REPORT_KEY: report_id, OUTCOME_KEY: key, **marks},
                        }
                        for key, label in OUTCOMES.items()
                    ],
                },
            },
        ]
    link = inbox_url(text)
    if link:
        actions.append({"type": "Action.OpenUrl", "title": "Open the report in the inbox", "url": link})
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
        "actions": actions,
    }


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_TYPE, "content": card}


def summary_card(header: str, others: list[str]) -> dict[str, Any]:
    """The first card of a burst: how many alerts came at once, and the ones beyond the
    detailed cards by their first line (acknowledge those in the inbox)."""
    body = [_text(header, weight="bolder")] + [_text(line) for line in others]
    return {"type": "AdaptiveCard", "version": CARD_VERSION, "msteams": {"width": "Full"}, "body": body}


def alert_activity(
    alerts: list[tuple[int, str]], header: str = "", others: list[str] | None = None
) -> dict[str, Any]:
    """The message activity for one post: a card per (report id, alert text); a burst's
    header and the alerts left out go first, in a card of their own."""
    alone = len(alerts) == 1 and not header
    cards = [attachment(alert_card(text, report_id, alone=alone)) for report_id, text in alerts]
    if header:
        cards.insert(0, attachment(summary_card(header, others or [])))
    first_line = next(iter(alerts[0][1].splitlines()), "") if alerts else ""
    summary = header or first_line  # what Teams shows in its notification
    return {"type": "message", "summary": summary, "attachmentLayout": "list", "attachments": cards}


def is_alert_click(value: Any) -> bool:
    """Whether an activity's `value` comes from an alert card's button (not for the bot's NLU)."""
    return isinstance(value, dict) and ACTION_KEY in value


def read_teams_click(activity: dict[str, Any]) -> Click | None:
    """The click in a Teams message activity carrying an alert button's `value`; None when it
    is not one of ours, is malformed, or comes without the clicker's Entra object id."""
    value, sender = activity.get("value"), activity.get("from")
    if not isinstance(value, dict) or not is_alert_click(value) or not isinstance(sender, dict):
        return None
    person = str(sender.get("aadObjectId") or "").strip()
    if not person:
        return None
    report = value.get(REPORT_KEY)
    if isinstance(report, bool) or not isinstance(report, (int, str)):
        return None
    if isinstance(report, str):
        if not report.isdigit():
            return None
        report = int(report)
    if not 0 < report <= MAX_REPORT_ID:
        return None
    name = " ".join(str(sender.get("name") or "").split())
    by = f"teams:{person}" + (f" ({name})" if name else "")
    action = value.get(ACTION_KEY)
    if action == ACK:
        return Click(ACK, report, None, by)
    if action == CLOSE and value.get(OUTCOME_KEY) in OUTCOMES:
        return Click(CLOSE, report, str(value[OUTCOME_KEY]), by)
    return None


def card_message(activity: dict[str, Any]) -> str | None:
    """The id of the message holding the clicked card, when that card is the message's only
    one (it may then be replaced by the updated card); else None."""
    value, message = activity.get("value"), activity.get("replyToId")
    if isinstance(value, dict) and value.get(ALONE_KEY) is True and isinstance(message, str) and message:
        return message
    return None


def click_channel(activity: dict[str, Any]) -> str:
    """The Teams channel a click came from: channelData.channel.id, else the conversation id
    without its ";messageid=…" thread part."""
    channel = ((activity.get("channelData") or {}).get("channel") or {}).get("id")
    if channel:
        return str(channel)
    return str((activity.get("conversation") or {}).get("id") or "").split(";", 1)[0]
