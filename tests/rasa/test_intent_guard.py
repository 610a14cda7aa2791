"""SymptomIntentGuard: small talk that names a present symptom, or from a patient says more
than small talk, becomes a symptom report."""

from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.core.paths import ROOT
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


@pytest.fixture(scope="module")
def trained_guard(tmp_path_factory: pytest.TempPathFactory) -> SymptomIntentGuard:
    """The guard trained on the project's NLU data and loaded back from model storage."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("guard-storage"))
    resource = Resource("guard")
    config = SymptomIntentGuard.get_default_config()
    guard = SymptomIntentGuard.create(config, storage, resource, None)
    guard.train(load_data(str(ROOT / "data" / "nlu")))
    return SymptomIntentGuard.load(config, storage, resource, None)


@pytest.mark.parametrize(
    "text, intent, role, expected",
    [
        # classified as small talk, says something else: the triage reads it
        (
            "suddenly cant see the right half of things, like its cut off",
            "goodbye",
            "patient",
            "report_symptoms",
        ),
        (
            "my husbands arm went floppy and he is talking gibberish",
            "forget_me",
            "patient",
            "report_symptoms",
        ),
        ("mi marido no puede mover el brazo derecho y habla raro", "forget_me", "patient", "report_symptoms"),
        ("feel really weird and not right, hard to explain", "thank", "patient", "report_symptoms"),
        # small talk said as small talk stays
        ("please delete my data", "forget_me", "patient", "forget_me"),
        ("thanks so much", "thank", "patient", "thank"),
        ("bye for now", "goodbye", "patient", "goodbye"),
        ("no", "deny", "patient", "deny"),
        # the same words from staff are not triaged (StaffSmallTalkGuard has its own rule)
        ("see you at the huddle after the ward round", "goodbye", "patient", "report_symptoms"),
        ("see you at the huddle after the ward round", "goodbye", "staff", "goodbye"),
    ],
)
def test_trained_guard_sends_what_a_patient_says_beyond_small_talk_to_triage(
    components, trained_guard: SymptomIntentGuard, text: str, intent: str, role: str, expected: str
) -> None:
    extractor, _ = components
    message = Message(
        data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "metadata": {"role": role}}
    )
    trained_guard.process(extractor.process([message]))
    assert message.get("intent")["name"] == expected


def test_trained_guard_keeps_each_intents_own_words(trained_guard: SymptomIntentGuard) -> None:
    assert {"delete", "data", "forget"} <= trained_guard.vocabulary["forget_me"]
    assert "bye" in trained_guard.vocabulary["goodbye"]
    assert "arm" not in trained_guard.vocabulary["goodbye"]
