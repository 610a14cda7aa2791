"""Around every turn of a patient-facing channel (REST, web chat): a size cap, clean text,
and never silence.

A message over MAX_CHARS (about what a phone lets one type) gets a clear reply and
never reaches NLU, but its whole text is first read for red flags (extraction is
cheap): one found gets the emergency advice before the size reply. When a turn
produces no message at all, or a custom action failed during it (the action
server down: Rasa then carries on without the action's messages and events,
often silently), the patient gets the safe reply, after anything the bot did say:
how to get emergency help and how to reach the site. Wording:
knowledge/channel_replies.yml; numbers: the site in sites.yml.

Rasa only logs a failed custom action and carries on; `bot.rasa.run` wraps its
remote actions so that a failure is noted (note_action_failure) for the turn being
handled here (a context variable set by `answer`).
"""

from __future__ import annotations

import logging
import unicodedata
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.sites import Site
from bot.core.yamlfile import read_yaml
from bot.patient.intake import triage_payload
from bot.patient.nlp.extract import extract
from bot.patient.triage import Decision, Report, format_reply, triage

MAX_CHARS = 5000
SCAN_CHARS = 4 * MAX_CHARS  # the most of an over-long message read for red flags
REPLIES_FILE = KNOWLEDGE_DIR / "channel_replies.yml"
REQUIRED = {
    "no_reply": ("emergency_number", "site_phone"),
    "rate_limited": ("emergency_number", "site_phone"),
    "too_long": ("emergency_number", "max_chars"),
    "link_greeting": ("emergency_number", "site_name"),
    "link_refused": ("emergency_number", "site_phone"),
    "contact_thanks": ("emergency_number",),
    "team_told": ("emergency_number", "site_name"),
}
KEPT_CONTROLS = "\t\n\r"
log = logging.getLogger(__name__)
_turn_failures: ContextVar[list[str] | None] = ContextVar("turn_failures", default=None)


def note_action_failure(description: str) -> None:
    """Record that a custom action failed in the turn being handled (if one is)."""
    failures = _turn_failures.get()
    if failures is not None:
        failures.append(description[:300])


def turn_failed() -> bool:
    """Whether a custom action has failed so far in the turn being handled."""
    return bool(_turn_failures.get())


class ReplyConfigError(ValueError):
    """knowledge/channel_replies.yml lacks a reply or a placeholder it must name."""


@lru_cache(maxsize=None)
def load_replies(path: Path = REPLIES_FILE) -> dict[str, str]:
    """The channel replies, checked: each exists and names the placeholders it must."""
    data = read_yaml(path) or {}
    replies: dict[str, str] = {}
    for key, needed in REQUIRED.items():
        text = " ".join(str(data.get(key) or "").split())
        missing = [name for name in needed if "{" + name + "}" not in text]
        if not text or missing:
            raise ReplyConfigError(
                f"{path.name}: '{key}' must be text naming " + ", ".join("{" + n + "}" for n in needed)
            )
        replies[key] = text
    return replies


def _fill(key: str, site: Site) -> str:
    return load_replies()[key].format(
        emergency_number=site.emergency_number,
        site_name=site.name,
        site_phone=site.site_phone,
        on_call=site.on_call,
        max_chars=MAX_CHARS,
    )


def no_reply(site: Site) -> str:
    """The safe reply for a turn that produced nothing: emergency number and site contact."""
    return _fill("no_reply", site)


def rate_limited_reply(site: Site) -> str:
    """The reply to a message over the web chat's rate limits (bot.rasa.channels.ratelimit)."""
    return _fill("rate_limited", site)


def link_greeting(site: Site) -> str:
    """The web chat's greeting on a live personal link: the site, never the study ID."""
    return _fill("link_greeting", site)


def link_refused_reply(site: Site) -> str:
    """The reply on a revoked, expired or forged personal link: call the site."""
    return _fill("link_refused", site)


def contact_thanks(site: Site) -> str:
    """The reply when an unidentified patient's study ID or phone number is kept."""
    return _fill("contact_thanks", site)


def team_told_reply(site: Site) -> str:
    """Said once the patient's alert has been delivered to the site team (never before)."""
    return _fill("team_told", site)


def too_long_reply(site: Site) -> str:
    """The reply to a message over MAX_CHARS characters."""
    return _fill("too_long", site)


def red_flag_replies(text: str, site: Site, sender_id: str) -> list[dict[str, Any]]:
    """The emergency advice for a red flag in `text`, as a triage reply; [] without one.
    Beyond SCAN_CHARS only the start and the end are read: no phone message is that
    long, and reading 100,000 characters would hold the server for seconds."""
    found = red_flag_of(text)
    if found is None:
        return []
    return [
        {"recipient_id": sender_id, "text": format_reply(found[1], site), "custom": triage_payload(found[1])}
    ]


def red_flag_of(text: str) -> tuple[Report, Decision] | None:
    """The report and emergency decision of a text read without the bot, or None (see
    red_flag_replies for the length read)."""
    if len(text) > SCAN_CHARS:
        text = text[: SCAN_CHARS // 2] + "\n" + text[-SCAN_CHARS // 2 :]
    report = Report.from_extraction(extract(text))
    decision = triage(report)
    return (report, decision) if decision.disposition == "emergency" else None


def too_long(text: str) -> bool:
    """Whether the message is over the size cap (then it is not processed)."""
    return len(text) > MAX_CHARS


def clean_text(text: str) -> str:
    """The text as NLU should read it, trimmed: Unicode-normalised (NFKC: full-width and
    compatibility forms become plain letters and digits) and without format characters
    (a zero-width space inside "chest pain" must not hide it), control characters (tabs
    and newlines kept) or lone surrogates, which no database should store."""
    kept = "".join(
        ch for ch in text if ch in KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs", "Cf")
    )
    return "".join(
        ch
        for ch in unicodedata.normalize("NFKC", kept)
        if ch in KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs", "Cf")
    ).strip()


async def answer(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    collector: CollectingOutputChannel,
    site: Site,
    text: str,
    sender_id: str,
    input_channel: str,
    metadata: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One turn: the size cap (after a red-flag read of the whole text), clean text, then
    the bot's messages, followed by the safe reply if it said nothing or a custom action
    failed."""
    if too_long(text):
        return [
            *red_flag_replies(clean_text(text), site, sender_id),
            {"recipient_id": sender_id, "text": too_long_reply(site)},
        ]
    failures: list[str] = []
    token = _turn_failures.set(failures)
    try:
        await on_new_message(
            UserMessage(
                clean_text(text), collector, sender_id, input_channel=input_channel, metadata=metadata
            )
        )
    except Exception as error:  # the patient still gets the safe reply; the cause is logged
        log.exception("the turn of %s failed", sender_id)
        failures.append(repr(error))
    finally:
        _turn_failures.reset(token)
    if collector.messages and not failures:
        return collector.messages
    log.warning("turn of %s: %s; adding the safe reply", sender_id, failures[0] if failures else "no reply")
    return [*collector.messages, {"recipient_id": sender_id, "text": no_reply(site)}]
