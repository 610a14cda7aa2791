"""StaffSmallTalkGuard: a staff message read as small talk without any of its words is a
question for the answer logic, not a greeting or a progress report."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.rasa.components import StaffSmallTalkGuard

STAFF = {"role": "staff"}
PATIENT = {"role": "patient"}


@pytest.fixture(scope="module")
def guard() -> StaffSmallTalkGuard:
    return StaffSmallTalkGuard.create(StaffSmallTalkGuard.get_default_config(), None, None, None)


@pytest.mark.parametrize(
    "text, intent, metadata, expected",
    [
        ("dosing for a teenager of 15", "greet", STAFF, "out_of_scope"),
        ("what's the disability score for subject 2031", "my_progress", STAFF, "out_of_scope"),
        ("box sizes of the concentrate", "thank", STAFF, "out_of_scope"),
        ("storage fridge temperature", "goodbye", STAFF, "out_of_scope"),
        ("work out creatinine clearance for me", "skip_question", STAFF, "out_of_scope"),
        ("dunno, skip it", "skip_question", STAFF, "skip_question"),
        ("hiya, got a question", "greet", STAFF, "greet"),
        ("good morning from the day unit", "greet", STAFF, "greet"),
        ("cheers, that's really useful", "thank", STAFF, "thank"),
        ("ok that's me, bye", "goodbye", STAFF, "goodbye"),
        ("what's my quiz score", "my_progress", STAFF, "my_progress"),
        ("how am I doing", "my_progress", STAFF, "my_progress"),
        ("dosing for a teenager of 15", "greet", PATIENT, "greet"),  # the patient side decides
        ("premeds for day 4?", "ask_premedication", STAFF, "ask_premedication"),
    ],
)
def test_small_talk_guard(
    guard: StaffSmallTalkGuard, text: str, intent: str, metadata, expected: str
) -> None:
    message = Message(
        data={"text": text, "intent": {"name": intent, "confidence": 0.6}, "metadata": metadata}
    )
    guard.process([message])
    assert message.get("intent")["name"] == expected
    assert message.get("intent")["confidence"] == 0.6
