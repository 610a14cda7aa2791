"""What an alert tells the site team: the study ID (or "unidentified"), site, disposition,
symptoms, the patient's words (capped), the time since the infusion and the inbox link."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.core.sites import Site
from bot.patient.alerts import WORDS_CHARS
from bot.patient.findings import Finding
from bot.patient.reports.models import AlertOutbox
from bot.patient.reports.store import save_report
from bot.patient.triage import Report, review_rules, triage
from tests.support.userdb import session_factory

SITE = Site(
    id="north",
    name="North Trial Site",
    emergency_number="999",
    site_phone="+44 20 7946 0001",
    on_call="Ask for the on-call trial doctor.",
)
URGENT = Report((Finding("fever", "fever", 0, 0),), temperature_c=38.6, days_since_infusion=2)


def alert_text(
    sessions: sessionmaker[Session], report: Report, text: str, study_id: str | None
) -> tuple[int, str]:
    saved = save_report(
        sessions,
        sender_id="webchat-x",
        channel="webchat",
        text=text,
        report=report,
        decision=triage(report),
        site=SITE,
        dedupe_key=text,
        public_url="https://iar.example.org",
        study_id=study_id,
    )
    with sessions() as session:
        return saved.report_id, session.get(AlertOutbox, saved.alert_id).payload["text"]


def test_an_alert_names_the_participant_and_links_to_the_inbox(tmp_path: Path) -> None:
    sessions = session_factory(f"sqlite:///{tmp_path / 'u.db'}")
    words = "fever 38.6 since last night, infusion 2 days ago"
    report_id, text = alert_text(sessions, URGENT, words, "P-0042")
    assert text.startswith(f"URGENT: IAR Assistant patient report #{report_id}")
    for fact in (
        "Participant: P-0042",
        "Site: North Trial Site (north)",
        "Disposition: urgent",
        "Symptoms: ",
        "Temperature: 38.6 °C",
        "Time since infusion: 2 day(s) when reported",
        f'Patient\'s words: "{words}"',
        f"Report: https://iar.example.org/webhooks/inbox/reports/{report_id}",
    ):
        assert fact in text, fact
    assert "webchat-x" not in text


def test_an_unidentified_report_says_so_and_long_words_are_capped(tmp_path: Path) -> None:
    sessions = session_factory(f"sqlite:///{tmp_path / 'u.db'}")
    words = "fever 38.6 " + "and I feel awful " * 100
    _, text = alert_text(sessions, Report(URGENT.findings, temperature_c=38.6), words, None)
    assert "Participant: unidentified" in text and "Time since infusion: not given" in text
    quoted = text.split("Patient's words: \"", 1)[1].split('"', 1)[0]
    assert quoted.endswith("…") and len(quoted) == WORDS_CHARS + 1


def test_a_report_the_bot_did_not_understand_is_flagged_for_review(tmp_path: Path) -> None:
    sessions = session_factory(f"sqlite:///{tmp_path / 'u.db'}")
    report = Report(())
    decision = triage(report)
    assert decision.rule_id in review_rules()  # nothing read: the review rule
    _, text = alert_text(sessions, report, "something feels very wrong", "P-0042")
    assert "NEEDS REVIEW" in text and "Disposition: urgent (needs review)" in text
    assert "Participant: P-0042" in text and '"something feels very wrong"' in text
