"""The patient actions with rasa_sdk's CollectingDispatcher and real Trackers.

The entities are what SymptomExtractor reads from each message, so these tests
run the real extraction, the real triage and a real (temporary) user database.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.patient import (
    REPORT_SLOTS,
    ActionTriage,
    ActionValidateSlotMappings,
    ValidateSymptomReportForm,
)
from actions.staff import ActionAnswerQuestion
from bot.core.sites import get_site
from bot.kb import KnowledgeBase
from bot.patient.findings import entities_from
from bot.patient.nlp.extract import extract, get_extractor
from bot.patient.reports.models import AlertOutbox, PatientReport
from tests.support.actions_app import configure_actions
from tests.support.userdb import session_factory

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")
TODAY = date(2025, 3, 14)
DOMAIN: dict[str, Any] = {
    "forms": {
        "symptom_report_form": {
            "required_slots": [
                "red_flag_screen",
                "temperature_c",
                "severity",
                "days_since_infusion",
                "anything_else",
            ]
        }
    },
    "slots": {
        "role": {"type": "categorical", "values": ["patient", "staff"], "mappings": [{"type": "custom"}]}
    },
}
_ids = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def pipeline():
    return get_extractor()


@pytest.fixture(autouse=True)
def user_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'userdata.db'}"
    monkeypatch.setenv("IAR_USER_DB_URL", url)
    configure_actions(url)
    return url


def message(text: str, intent: str = "report_symptoms", metadata: dict | None = None) -> dict:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities_from(extract(text, TODAY)),
        "message_id": f"m{next(_ids)}",
        "metadata": metadata or {},
    }


def tracker(latest: dict, slots: dict[str, Any] | None = None, sender: str = "patient-1") -> Tracker:
    events = [
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": latest["text"],
            "parse_data": latest,
            "metadata": latest.get("metadata"),
            "timestamp": 1.0,
        },
    ]
    return Tracker(
        sender,
        dict(slots or {}),
        latest,
        events,
        False,
        None,
        {"name": "symptom_report_form"},
        "action_listen",
    )


def run(action, tr: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, DOMAIN))
    return dispatcher.messages, events


class Conversation:
    """A patient talking to the form: slots carried from turn to turn like Rasa does."""

    def __init__(self, sender: str = "patient-1") -> None:
        self.sender = sender
        self.slots: dict[str, Any] = {"requested_slot": None}
        self.asked: list[str | None] = []

    def say(self, text: str, intent: str = "report_symptoms") -> str | None:
        """One message; returns the slot the form asks for next (None: the form ends)."""
        _, events = run(ValidateSymptomReportForm(), tracker(message(text, intent), self.slots, self.sender))
        for e in events:
            assert e["event"] == "slot"
            self.slots[e["name"]] = e["value"]
        self.asked.append(self.slots["requested_slot"])
        return self.slots["requested_slot"]

    def first(self, text: str, intent: str = "report_symptoms") -> str | None:
        """The first message of a report without a red flag, then "none of these" to the
        red-flag screen the form asks first; returns what the form asks next."""
        assert self.say(text, intent) == "red_flag_screen"
        return self.say("None of these", "deny")

    def triage(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        messages, events = run(ActionTriage(), tracker(message("(form done)"), self.slots, self.sender))
        assert len(messages) == 1
        return messages[0], events


def test_asks_only_for_missing_facts_then_anything_else_then_triage() -> None:
    chat = Conversation()
    assert chat.first("I have a headache") == "severity"
    assert chat.say("it's mild", "inform") == "days_since_infusion"
    assert chat.say("yesterday", "inform") == "anything_else"
    assert chat.say("no", "deny") is None
    assert (chat.slots["severity"], chat.slots["days_since_infusion"]) == ("mild", 1)
    reply, events = chat.triage()
    assert reply["custom"]["triage"]["disposition"] == "routine"
    assert reply["custom"]["triage"]["rule"] == "expected-reaction-first-day"
    assert {e["name"] for e in events} == set(REPORT_SLOTS) and all(e["value"] is None for e in events)


def test_facts_in_the_first_message_are_not_asked_again() -> None:
    chat = Conversation()
    assert chat.first("I've had a mild headache since my infusion yesterday") == "anything_else"
    assert chat.say("nothing else", "deny") is None


def test_fever_asks_temperature_first() -> None:
    chat = Conversation()
    assert chat.first("I think I have a fever") == "temperature_c"
    assert chat.say("38.6", "inform") == "days_since_infusion"
    assert chat.slots["temperature_c"] == 38.6


def test_red_flag_mid_form_ends_it_at_once() -> None:
    chat = Conversation()
    assert chat.first("I have a rash") == "severity"
    assert chat.say("it's mild, but now my lips are swelling", "inform") is None
    reply, _ = chat.triage()
    assert reply["custom"]["triage"]["disposition"] == "emergency"
    assert get_site().emergency_number in reply["text"]


def test_red_flag_in_the_first_message_asks_nothing() -> None:
    chat = Conversation()
    assert chat.say("My face is drooping and I have a rash") is None
    reply, _ = chat.triage()
    payload = reply["custom"]["triage"]
    assert (payload["disposition"], payload["rule"]) == ("emergency", "stroke-signs")
    assert payload["symptoms"] == ["face_droop", "rash"]
    assert reply["text"].startswith(f"This needs emergency care now: call {get_site().emergency_number}")


def test_severe_answer_that_makes_it_an_emergency_ends_the_form() -> None:
    chat = Conversation()
    assert chat.first("I've got a headache") == "severity"
    assert chat.say("really bad", "inform") is None
    assert chat.triage()[0]["custom"]["triage"]["rule"] == "severe-headache"


def test_a_correction_replaces_the_days() -> None:
    chat = Conversation()
    assert chat.first("I have a rash since my infusion 2 days ago") == "severity"
    assert chat.slots["days_since_infusion"] == 2
    assert chat.say("no, it was 3 days ago", "inform") == "anything_else"  # severity asked once
    assert chat.slots["days_since_infusion"] == 3
    chat.say("a little itchy too", "report_symptoms")
    assert chat.slots["days_since_infusion"] == 3


def test_a_corrected_temperature_replaces_a_higher_one() -> None:
    chat = Conversation()
    chat.first("I have a fever of 38.1")
    chat.say("sorry, I meant 37.8", "inform")
    assert chat.slots["temperature_c"] == 37.8
    chat.say("it was 38.4 later", "inform")  # not a correction: the highest reading counts
    assert chat.slots["temperature_c"] == 38.4


def test_bare_numbers_answer_the_question_asked() -> None:
    chat = Conversation()
    assert chat.first("I have a rash") == "severity"
    assert chat.say("38.6", "inform") == "days_since_infusion"  # not asked for a temperature
    assert chat.slots["temperature_c"] is None
    assert chat.say("3", "inform") == "anything_else"
    assert chat.slots["days_since_infusion"] == 3


def test_each_question_is_asked_once_even_without_an_answer() -> None:
    chat = Conversation()
    assert chat.first("I feel sick") == "severity"
    assert chat.say("hmm not sure", "inform") == "days_since_infusion"
    assert chat.say("can't remember", "inform") == "anything_else"
    assert chat.say("that's all", "deny") is None
    assert chat.asked.count("severity") == 1


def test_new_symptom_in_anything_else_adds_its_question_but_not_anything_else() -> None:
    chat = Conversation()
    chat.first("I have a mild rash since yesterday")
    assert chat.say("I also feel a bit feverish", "report_symptoms") == "temperature_c"
    assert chat.say("37.6", "inform") is None


def test_someone_elses_red_flag_is_an_emergency_for_them() -> None:
    chat = Conversation()
    assert chat.say("my husband's face is drooping") is None
    reply, _ = chat.triage()
    payload = reply["custom"]["triage"]
    assert (payload["disposition"], payload["rule"]) == ("emergency", "someone-else-red-flag")
    assert payload["someone_else"] == ["face_droop"] and payload["symptoms"] == []


def test_hypothetical_question_gets_advice_without_questions_or_a_stored_report(user_db: str) -> None:
    chat = Conversation()
    assert chat.first("what if I get chest pain?") is None
    reply, _ = chat.triage()
    payload = reply["custom"]["triage"]
    assert payload["disposition"] == "routine" and payload["symptoms"] == []
    assert payload["if_case"] == {
        "disposition": "emergency",
        "rule": "heart-signs",
        "symptoms": ["chest_pain"],
    }
    assert get_site().emergency_number in reply["text"]
    with session_factory(user_db)() as s:
        assert s.execute(select(PatientReport)).scalars().all() == []


def test_triage_payload_shape_and_stored_report_with_alert(user_db: str) -> None:
    chat = Conversation(sender="patient-77")
    chat.first("I have a fever of 38.6")
    chat.say("2 days ago", "inform")
    chat.say("no", "deny")
    reply, _ = chat.triage()
    assert set(reply["custom"]) == {"triage"}
    payload = reply["custom"]["triage"]
    assert {"disposition", "rule", "symptoms", "source"} <= set(payload)
    assert (payload["disposition"], payload["rule"], payload["symptoms"]) == ("urgent", "fever-38", ["fever"])
    assert get_site().site_phone in reply["text"] and "Source: " in reply["text"]
    with session_factory(user_db)() as s:
        [report] = s.execute(select(PatientReport)).scalars().all()
        assert (report.sender_id, report.disposition, report.rule) == ("patient-77", "urgent", "fever-38")
        assert report.text == "I have a fever of 38.6\nNone of these\n2 days ago\nno"
        assert (report.temperature_c, report.days_since_infusion) == (38.6, 2)
        assert report.dedupe_key.startswith("sha256:")  # of the sender and the message id
        [alert] = s.execute(select(AlertOutbox)).scalars().all()
        assert alert.report_id == report.id and alert.delivered_at is None


def test_the_same_message_read_twice_counts_once() -> None:
    chat = Conversation()
    latest = message("I have a rash")
    for _ in range(2):
        _, events = run(ValidateSymptomReportForm(), tracker(latest, chat.slots))
        chat.slots.update({e["name"]: e["value"] for e in events})
    assert len(chat.slots["report_turns"]) == 1


@pytest.mark.parametrize(
    "text, metadata, role",
    [
        ("I have a rash", {}, "patient"),
        ("my patient has a rash", {}, "staff"),
        ("my patient has a rash", {"role": "patient"}, "patient"),
        ("I have a rash", {"role": "staff"}, "staff"),
    ],
)
def test_role_slot_on_every_message(text: str, metadata: dict, role: str) -> None:
    _, events = run(ActionValidateSlotMappings(), tracker(message(text, metadata=metadata)))
    assert {"event": "slot", "name": "role", "value": role, "timestamp": None} in events


@pytest.fixture
def use_test_kb(kb: KnowledgeBase, user_db: str) -> None:
    configure_actions(user_db, kb)


@pytest.mark.usefixtures("use_test_kb")
def test_staff_symptom_message_gets_the_protocol_answer() -> None:
    """Graded from the description (issue 11), the reaction kept for a follow-up."""
    messages, events = run(ActionAnswerQuestion(), tracker(message("my patient has a rash")))
    assert [e["name"] for e in events] == ["staff_context"]
    assert "Source: " in messages[0]["text"] and not messages[0]["custom"]
    assert "grade 1–2" in messages[0]["text"]


@pytest.mark.usefixtures("use_test_kb")
def test_patients_symptom_under_another_intent_goes_to_the_report() -> None:
    _, events = run(ActionAnswerQuestion(), tracker(message("I can't breathe", "ask_manage_reaction")))
    assert events == [{"event": "followup", "name": "symptom_report_form", "timestamp": None}]


@pytest.mark.usefixtures("use_test_kb")
def test_a_patients_protocol_question_never_gets_staff_text() -> None:
    messages, events = run(
        ActionAnswerQuestion(),
        tracker(message("what premedication will I get before the infusion?", "ask_premedication")),
    )
    assert messages == []
    assert events == [{"event": "followup", "name": "symptom_report_form", "timestamp": None}]
