"""End to end over REST: patients in their own words (issue 9's examples), the
red-flag screen, "not understood" is never routine, long and foreign messages."""

from __future__ import annotations

import uuid

import pytest

from bot.core.sites import get_site
from tests.support.alert_webhook import AlertWebhook
from tests.support.patient_helpers import SCREEN_QUESTION, answer_screen, reports_of, say, wait_until
from tests.support.rest import RestClient

pytestmark = pytest.mark.e2e


def sender(name: str) -> str:
    return f"patient-{name}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "text",
    [
        "my throat feels like its closing up and my tongue is huge",
        "crushing feeling in my chest, going down into my left arm",
        "there was blood when I coughed this morning",
        "lost the sight in my right eye all of a sudden",
    ],
)
def test_red_flags_in_new_words_get_emergency_in_the_first_reply(rest: RestClient, text: str) -> None:
    reply, payload = say(rest, sender("words"), text)
    assert payload is not None and payload["disposition"] == "emergency", reply
    assert reply.startswith(f"This needs emergency care now: call {get_site().emergency_number}")


@pytest.mark.parametrize(
    "text, rule",
    [
        ("my pee looks like coca cola and my feet have swelled up", "kidney-signs"),
        ("heart is pounding really fast since the drip yesterday", "heartbeat"),
    ],
)
def test_same_day_signs_in_new_words_are_urgent_after_the_screen(
    rest: RestClient, text: str, rule: str
) -> None:
    who = sender("urgent")
    reply, payload = say(rest, who, text)
    assert payload is None and SCREEN_QUESTION in reply
    for answer in ("None of these", "yesterday", "no"):
        reply, payload = say(rest, who, answer)
        if payload is not None:
            break
    assert payload is not None and (payload["disposition"], payload["rule"]) == ("urgent", rule)


def test_a_yes_to_the_screen_is_an_emergency_at_once(rest: RestClient) -> None:
    who = sender("screen-yes")
    reply, _ = say(rest, who, "I have a mild headache")
    assert SCREEN_QUESTION in reply
    reply, payload = answer_screen(rest, who, "yes my throat")
    assert payload is not None and payload["disposition"] == "emergency"
    assert get_site().emergency_number in reply


def test_not_understood_is_urgent_stored_for_review_and_alerted(
    rest: RestClient, user_db_url: str, alert_webhook: AlertWebhook
) -> None:
    who = sender("weird")
    words = "i feel really weird and not right, hard to explain"
    reply, payload = say(rest, who, words)
    assert payload is None and SCREEN_QUESTION in reply
    reply, payload = answer_screen(rest, who)
    assert (payload["disposition"], payload["rule"]) == ("urgent", "not-understood")
    assert get_site().site_phone in reply
    [report] = wait_until(lambda: reports_of(user_db_url, who), what="report stored")
    assert (report.disposition, report.rule) == ("urgent", "not-understood")
    alert = alert_webhook.wait_for(f"report #{report.id}\n")
    own = next(part for part in alert.split("\n\n") if f"report #{report.id}\n" in part)
    assert own.startswith("URGENT – NEEDS REVIEW") and words in own


def test_an_unclear_answer_to_the_screen_is_asked_again_then_never_routine(rest: RestClient) -> None:
    who = sender("unclear")
    say(rest, who, "I have a mild rash")
    reply, payload = answer_screen(rest, who, "banana")
    assert payload is None and SCREEN_QUESTION in reply
    reply, payload = answer_screen(rest, who, "banana again")
    for answer in ("yesterday", "no"):
        if payload is None:
            reply, payload = say(rest, who, answer)
    assert payload is not None and payload["disposition"] != "routine"


@pytest.mark.parametrize(
    "text",
    [
        "on day 2 I had some chest tightness but it went within 10 mins, now just a mild headache",
        "I wouldn't say I can't breathe, just a stuffy nose",
    ],
)
def test_past_or_denied_red_flags_are_not_emergencies(rest: RestClient, text: str) -> None:
    reply, payload = say(rest, sender("past"), text)
    assert payload is None and SCREEN_QUESTION in reply


def test_a_long_message_with_a_red_flag_at_the_end_gets_emergency(rest: RestClient) -> None:
    text = (
        "Just an update on how things are going since my infusions last week. " * 80
        + "But about twenty minutes ago I got a sudden severe headache, the worst of my life."
    )
    assert len(text) > 5000
    reply, payload = say(rest, sender("long"), text)
    assert payload is not None and payload["disposition"] == "emergency"
    assert "5000" in reply  # the size reply still follows


def test_spanish_chest_pain_gets_the_emergency_number_in_spanish(rest: RestClient) -> None:
    reply, payload = say(rest, sender("es"), "me duele mucho el pecho y no puedo respirar bien")
    site = get_site()
    assert f"Si es una emergencia, llame ahora al {site.emergency_number}" in reply
    assert site.site_phone in reply and "Source: " in reply
    assert payload is not None and payload["disposition"] in ("urgent", "emergency")


def test_small_talk_from_a_patient_never_gets_staff_protocol_text(rest: RestClient) -> None:
    who = sender("weather")
    reply, payload = say(rest, who, "whats the weather like")
    assert payload is None and SCREEN_QUESTION in reply and "Source: Table" not in reply
    reply, payload = answer_screen(rest, who)
    assert payload["disposition"] == "urgent"


@pytest.mark.parametrize("payload", ["/my_progress", "/stop_quiz", "/quiz_answer", "/skip_question"])
def test_a_patient_message_read_as_a_quiz_command_gets_the_screen(rest: RestClient, payload: str) -> None:
    """A long report can be misread as "my progress"; with no quiz to speak of, a patient
    gets the red-flag screen, not a quiz reply that leaves them without one."""
    reply, payload_ = say(rest, sender("quizlike"), payload)
    assert payload_ is None and SCREEN_QUESTION in reply
