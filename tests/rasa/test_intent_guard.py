"""SymptomIntentGuard: small talk that names a present symptom becomes a symptom report."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.rasa.components import SymptomExtractor, SymptomIntentGuard

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")


@pytest.fixture(scope="module")
def components() -> tuple[SymptomExtractor, SymptomIntentGuard]:
    return (
        SymptomExtractor.create({}, None, None, None),
        SymptomIntentGuard.create(SymptomIntentGuard.get_default_config(), None, None, None),
    )


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("hi, I can't breathe", "greet", "report_symptoms"),
        ("thanks, but my lips are swelling now", "thank", "report_symptoms"),
        ("bye, my husband's face is drooping", "goodbye", "report_symptoms"),
        ("yes I have a rash", "affirm", "report_symptoms"),
        ("no, I don't have a fever", "deny", "deny"),  # negated: nothing to report
        ("what if I get chest pain", "out_of_scope", "out_of_scope"),  # hypothetical
        ("hello", "greet", "greet"),
        ("patient has chest pain, what grade?", "ask_grading", "ask_grading"),  # not small talk
        ("I have a rash", "inform", "inform"),
        # an erasure request, or a foreign message read as one, never drops a red flag
        ("forget me, my chest is crushing", "forget_me", "report_symptoms"),
        ("mi marido no puede mover el brazo y habla raro", "forget_me", "report_symptoms"),
        ("forget me please", "forget_me", "forget_me"),
        # the patient's usual sign gets a triage, not a goodbye
        ("bye, my vision is blurry as always", "goodbye", "report_symptoms"),
    ],
)
def test_guard(components, text: str, intent: str, expected: str) -> None:
    extractor, guard = components
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8}})
    guard.process(extractor.process([message]))
    assert message.get("intent")["name"] == expected
    assert message.get("intent")["confidence"] == 0.8
