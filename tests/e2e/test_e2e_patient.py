"""End to end: patients' symptom reports over REST with the real servers, the user
database and the alert dispatcher posting to a local test webhook."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.sites import get_site
from bot.patient.reports.models import AlertOutbox
from tests.support.alert_webhook import AlertWebhook
from tests.support.patient_helpers import SCREEN_QUESTION, answer_screen, reports_of, say, wait_until
from tests.support.rest import RestClient
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e


def sender(name: str) -> str:
    return f"patient-{name}-{uuid.uuid4().hex[:8]}"


def alert_of(user_db_url: str, report_id: int) -> AlertOutbox | None:
    with session_factory(user_db_url)() as s:
        return s.execute(select(AlertOutbox).where(AlertOutbox.report_id == report_id)).scalar_one_or_none()


def report_fever(rest: RestClient, who: str, temperature: str) -> dict[str, Any]:
    """A fever with a reading: the form asks when the infusion was and for anything else."""
    text, payload = say(rest, who, f"I have a fever of {temperature}")
    assert payload is None and SCREEN_QUESTION in text
    text, payload = answer_screen(rest, who)
    assert payload is None and "infusion" in text.lower()
    text, payload = say(rest, who, "2 days ago")
    assert payload is None and "anything else" in text.lower()
    text, payload = say(rest, who, "no, that's all")
    assert payload is not None
    assert get_site().site_phone in text
    return payload


def test_emergency_message_gets_the_emergency_disposition_in_the_first_reply(
    rest: RestClient, user_db_url: str, alert_webhook: AlertWebhook
) -> None:
    who = sender("stroke")
    text, payload = say(rest, who, "My face is drooping and my arm feels weak")
    assert payload is not None and payload["disposition"] == "emergency"
    assert payload["rule"] == "stroke-signs" and "face_droop" in payload["symptoms"]
    site = get_site()
    assert text.startswith(f"This needs emergency care now: call {site.emergency_number}")
    assert "?" not in text.split("\n")[0]  # advice first, no question before it
    [report] = wait_until(lambda: reports_of(user_db_url, who), what="report stored")
    assert (report.disposition, report.rule) == ("emergency", "stroke-signs")
    alert_webhook.wait_for(f"report #{report.id}\n")


def test_mild_headache_a_day_after_infusion_is_routine_after_follow_up_questions(
    rest: RestClient, user_db_url: str
) -> None:
    who = sender("headache")
    text, payload = say(rest, who, "I have a headache")
    assert payload is None and SCREEN_QUESTION in text
    text, payload = answer_screen(rest, who)
    assert payload is None and "mild, moderate or severe" in text
    text, payload = say(rest, who, "it's mild")
    assert payload is None and "infusion" in text.lower()
    text, payload = say(rest, who, "yesterday")
    assert payload is None and "anything else" in text.lower()
    text, payload = say(rest, who, "nothing else")
    assert payload == {
        **payload,
        "disposition": "routine",
        "rule": "expected-reaction-first-day",
        "symptoms": ["headache"],
    }
    assert "Source: " in text
    [report] = wait_until(lambda: reports_of(user_db_url, who), what="report stored")
    assert report.text == "I have a headache\nNone of these\nit's mild\nyesterday\nnothing else"
    assert (report.severity, report.days_since_infusion) == ("mild", 1)
    assert alert_of(user_db_url, report.id) is None  # routine: no alert


def test_facts_in_the_first_message_are_not_asked_again(rest: RestClient) -> None:
    who = sender("one-day")
    text, payload = say(rest, who, "I've had a mild headache since my infusion yesterday")
    assert payload is None and SCREEN_QUESTION in text
    text, payload = answer_screen(rest, who)
    assert payload is None and "anything else" in text.lower()
    _, payload = say(rest, who, "no")
    assert payload["disposition"] == "routine"


def test_fever_of_38_6_is_urgent_and_the_alert_reaches_the_webhook(
    rest: RestClient, user_db_url: str, alert_webhook: AlertWebhook
) -> None:
    who = sender("fever")
    payload = report_fever(rest, who, "38.6")
    assert (payload["disposition"], payload["rule"], payload["symptoms"]) == ("urgent", "fever-38", ["fever"])
    [report] = wait_until(lambda: reports_of(user_db_url, who), what="report stored")
    alert = alert_webhook.wait_for(f"report #{report.id}\n")
    assert alert.startswith("URGENT") and "38.6 °C" in alert and who not in alert
    assert wait_until(lambda: alert_of(user_db_url, report.id).delivered_at, what="delivered")


def test_with_the_webhook_down_the_alert_is_delivered_after_it_comes_back(
    rest: RestClient, user_db_url: str, alert_webhook: AlertWebhook
) -> None:
    who = sender("webhook-down")
    alert_webhook.stop()
    try:
        assert report_fever(rest, who, "39.1")["disposition"] == "urgent"
        [report] = wait_until(lambda: reports_of(user_db_url, who), what="report stored")
        failed = wait_until(
            lambda: (a := alert_of(user_db_url, report.id)) and a.attempts >= 1 and a, what="a failed attempt"
        )
        assert failed.delivered_at is None and failed.last_error
        assert f"report #{report.id}\n" not in "\n".join(alert_webhook.texts())
    finally:
        alert_webhook.start()
    alert_webhook.wait_for(f"report #{report.id}\n", timeout=60)
    delivered = wait_until(
        lambda: (a := alert_of(user_db_url, report.id)).delivered_at and a, what="delivered"
    )
    assert delivered.attempts >= 2 and "39.1 °C" in alert_webhook.wait_for(f"report #{report.id}\n")


def test_a_patient_corrects_the_day_of_the_infusion(rest: RestClient, user_db_url: str) -> None:
    who = sender("correction")
    text, _ = say(rest, who, "I have a rash, my infusion was 2 days ago")
    assert SCREEN_QUESTION in text
    text, _ = answer_screen(rest, who)
    assert "mild, moderate or severe" in text
    text, payload = say(rest, who, "no, it was 3 days ago")
    assert payload is None and "anything else" in text.lower()
    _, payload = say(rest, who, "that's all")
    assert payload["disposition"] == "routine"
    [report] = wait_until(lambda: reports_of(user_db_url, who), what="report stored")
    assert report.days_since_infusion == 3


def test_hypothetical_question_gets_advice_without_questions_or_a_report(
    rest: RestClient, user_db_url: str
) -> None:
    who = sender("what-if")
    text, payload = say(rest, who, "what if I get chest pain?")
    assert payload is None and SCREEN_QUESTION in text
    text, payload = answer_screen(rest, who)
    assert payload["if_case"]["disposition"] == "emergency" and payload["symptoms"] == []
    assert get_site().emergency_number in text
    time.sleep(0.5)
    assert reports_of(user_db_url, who) == []


def test_someone_elses_red_flag_is_an_emergency_for_them(rest: RestClient) -> None:
    _, payload = say(rest, sender("husband"), "my husband's face is drooping")
    assert (payload["disposition"], payload["rule"]) == ("emergency", "someone-else-red-flag")


def test_staff_message_about_a_patient_gets_a_staff_answer(rest: RestClient) -> None:
    replies = rest.say("staff-rash", "my patient has a rash")
    assert not any("triage" in (r.get("custom") or {}) for r in replies)
    text = "\n".join(r.get("text", "") for r in replies)
    assert "Source: " in text and "grade" in text.lower()


def test_a_red_flag_during_the_quiz_is_not_swallowed(rest: RestClient) -> None:
    """The quiz form takes any text as an answer, except a symptom report."""
    who = sender("quiz")
    assert "Question 1" in rest.text(who, "start the onboarding quiz", role="patient")
    text, payload = say(rest, who, "my face is drooping and I can't lift my arm")
    assert payload is not None and payload["disposition"] == "emergency"
    assert get_site().emergency_number in text
