"""The patient journey's use cases, free of Rasa: actions/patient.py and actions/privacy.py
only translate between the tracker and these methods.

One method per use case, each owning its whole sequence and its transaction:

* `read_form_reply`: a patient's message while the symptom-report form is open → the
  report's turns, the questions asked, the facts now known and what to ask next;
* `screen_prompt`: the red-flag screen, the signs the report hints at listed first;
* `finish_report`: triage → reply → save the report with its alert (or spool it while the
  database is down); the reply never waits for, or fails with, the storage;
* `team_told`: whether to tell the patient that their alert has reached the team;
* `forget`: record a 'forget me' request (the dispatcher carries it out, bot.patient.privacy).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.core.sites import Site, get_site
from bot.patient.intake import (
    ANYTHING_ELSE,
    FORM_SLOTS,
    SCREEN,
    Turn,
    patient_text,
    progress,
    report_of,
    screen_answer,
    should_store,
    triage_payload,
)
from bot.patient.nlp.red_flag_similarity import detector
from bot.patient.privacy import request_erasure
from bot.patient.reports.spool import save_or_spool
from bot.patient.reports.store import CONTACT_CHARS, add_contact, report_columns, tell_patient
from bot.patient.screen import load_screen, ordered_options
from bot.patient.triage import format_reply, triage

HINT_CHARS = 1000  # the detector reads at most this much of a report (its cost grows with length)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormState:
    """The symptom-report form after one message: what to keep and what to ask next."""

    asked: list[str]  # form slots asked so far (the screen once per time asked)
    anything_else: str | None
    slots: dict[str, Any]  # fact slots as now known
    to_ask: tuple[str, ...]  # () ends the form


@dataclass(frozen=True)
class ScreenPrompt:
    """The red-flag screen as sent: text, one button per sign and "none", the signs' order."""

    text: str
    buttons: list[dict[str, str]]
    order: list[str]


@dataclass(frozen=True)
class FinishedReport:
    """The disposition reply: its text and the {"triage": ...} payload for channels;
    `stored`: the report was worth keeping (saved or spooled)."""

    text: str
    payload: dict[str, Any]
    stored: bool = False


def screen_hints(turns: tuple[Turn, ...]) -> list[str]:
    """Signs the report hints at, most likely first: the symptoms read in it (any
    status); when the rules read none, the signs the sentence-embedding detector finds
    close to the patient's words (at its name_first threshold)."""
    named = [str(e.get("value")) for t in turns for e in t.entities if e.get("entity") == "symptom"]
    if named:
        return named
    found = detector()
    return [m.sign for m in found.signs_at(patient_text(turns)[:HINT_CHARS], found.thresholds.name_first)]


class PatientService:
    """The patient journey for one site, storing into one user database."""

    def __init__(self, site: Site, sessions: sessionmaker[Session], public_url: str) -> None:
        self.site = site
        self.sessions = sessions
        self.public_url = public_url  # alerts link to the report in the inbox there

    def read_form_reply(
        self,
        turns: tuple[Turn, ...],
        asked: list[str],
        requested: str | None,
        text: str,
        anything_else: str | None,
        screen: str | None,
        screen_order: list[str] | None,
    ) -> FormState:
        """Take the reply to the slot the form asked (`requested`) into the report."""
        asked = list(asked)
        if requested in FORM_SLOTS and (requested not in asked or requested == SCREEN):
            asked.append(requested)
        if requested == ANYTHING_ELSE and anything_else is None:
            anything_else = text.strip() or "-"
        if requested == SCREEN:
            screen = screen_answer(text, screen, asked.count(SCREEN), screen_order)
        state = progress(turns, asked, anything_else, screen)
        return FormState(asked, anything_else, state.slots, state.to_ask)

    def screen_prompt(self, turns: tuple[Turn, ...], again: bool) -> ScreenPrompt:
        """Every warning sign in plain words, a button each and "none of these"; signs the
        report hinted at first; the re-ask wording after an unclear answer."""
        screen = load_screen()
        options = ordered_options(screen, screen_hints(turns))
        listing = "\n".join(f"{i}. {o.label}" for i, o in enumerate(options, start=1))
        buttons = [{"title": o.label, "payload": o.label} for o in options]
        buttons.append({"title": screen.none, "payload": screen.none})
        return ScreenPrompt(
            f"{screen.reask if again else screen.question}\n{listing}", buttons, [o.id for o in options]
        )

    def finish_report(
        self,
        turns: tuple[Turn, ...],
        screen: str | None,
        sender_id: str,
        channel: str | None,
        participant: tuple[str, str] | None = None,
    ) -> FinishedReport:
        """Triage the report and store it with its alert when it is worth keeping; a storage
        failure is logged, never raised: the patient has their advice either way.
        `participant`: (study ID, site id) of a personal link; their site's numbers are given."""
        report = report_of(turns, screen)
        decision = triage(report)
        site = get_site(participant[1]) if participant else self.site
        stored = should_store(decision)
        if stored:
            try:  # a database down: the report waits in the spool (bot.patient.reports.spool)
                save_or_spool(
                    report_columns(
                        sender_id=sender_id,
                        channel=channel,
                        text=patient_text(turns),
                        report=report,
                        decision=decision,
                        site=site,
                        dedupe_key=f"{sender_id}:{turns[-1].id}",
                        study_id=participant[0] if participant else None,
                    ),
                    site,
                    lambda: self.sessions,
                    self.public_url,
                )
            except Exception:  # the failure goes to the log
                log.exception("could not save the %s report of %s", decision.disposition, sender_id)
        return FinishedReport(format_reply(decision, site), triage_payload(decision), stored)

    def add_contact(self, sender_id: str, contact: str) -> bool:
        """Keep the study ID or call-back number an unidentified patient typed with their
        latest report that has none; False when there is no such report (yet)."""
        return add_contact(self.sessions, sender_id, contact[:CONTACT_CHARS])

    def team_told(self, sender_id: str) -> bool:
        """Whether the sender's alert has reached the site team since they were last told so
        (marked as told now): the patient hears it only once the webhook has accepted it."""
        return tell_patient(self.sessions, sender_id)

    def forget(self, sender_id: str) -> None:
        """Record the sender's 'forget me' request (bot.patient.privacy)."""
        request_erasure(self.sessions, sender_id)
        log.info("erasure requested")
