"""The Rasa GraphComponent SymptomExtractor, called on Message objects without training."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.rasa.components import SymptomExtractor

# bot.patient.nlp.pipeline silences spaCy W036 (empty token Matchers); pytest resets filters per test.
pytestmark = pytest.mark.filterwarnings("ignore:.*W036")


@pytest.fixture(scope="session")
def component() -> SymptomExtractor:
    """One component (and pipeline) for the session; `create` ignores storage and resource."""
    return SymptomExtractor.create(SymptomExtractor.get_default_config(), None, None, None)


def entities(component: SymptomExtractor, text: str, existing: list[dict] | None = None) -> list[dict]:
    data: dict[str, Any] = {"text": text}
    if existing is not None:
        data["entities"] = existing
    message = Message(data=data)
    component.process([message])
    return message.get("entities")


def symptoms(found: list[dict]) -> list[tuple[str, str]]:
    return [(e["value"], e["role"]) for e in found if e["entity"] == "symptom"]


def values(found: list[dict], kind: str) -> list[str]:
    return [e["value"] for e in found if e["entity"] == kind]


# (message, [(symptom, role)], temperature, days_since_infusion, severity)
CASES = [
    ("My face is drooping", [("face_droop", "present")], [], [], []),
    ("no fever, but I have a rash", [("fever", "negated"), ("rash", "present")], [], [], []),
    ("what if I get chest pain?", [("chest_pain", "hypothetical")], [], [], []),
    ("my mum had a stroke", [("stroke", "family")], [], [], []),
    ("I had a rash last year", [("rash", "historical")], [], [], []),
    ("fever of 101.5 °F since yesterday", [("fever", "present")], ["38.6"], ["1"], []),
    ("temp 38,6 after my infusion 2 days ago", [], ["38.6"], ["2"], []),
    ("my headache is really bad", [("headache", "present")], [], [], ["severe"]),
    ("when is my next visit?", [], [], [], []),
]


@pytest.mark.parametrize("text, found, temp, days, severity", CASES, ids=[c[0] for c in CASES])
def test_entities(
    component: SymptomExtractor, text: str, found: list, temp: list, days: list, severity: list
) -> None:
    result = entities(component, text)
    assert symptoms(result) == found
    assert values(result, "temperature") == temp
    assert values(result, "days_since_infusion") == days
    assert values(result, "severity") == severity


def test_entity_fields(component: SymptomExtractor) -> None:
    text = "since yesterday my lips are swelling, temp 39C"
    by_kind = {e["entity"]: e for e in entities(component, text)}
    symptom = by_kind["symptom"]
    assert text[symptom["start"] : symptom["end"]] == symptom["text"] == "lips are swelling"
    assert symptom["extractor"] == "SymptomExtractor" and symptom["confidence_entity"] == 1.0
    assert text[by_kind["temperature"]["start"] : by_kind["temperature"]["end"]].startswith("39")
    assert (
        text[by_kind["days_since_infusion"]["start"] : by_kind["days_since_infusion"]["end"]] == "yesterday"
    )


def test_symptom_carries_its_own_severity(component: SymptomExtractor) -> None:
    found = entities(component, "a bit of a headache and really bad nausea")
    assert {e["value"]: e.get("severity") for e in found if e["entity"] == "symptom"} == {
        "headache": "mild",
        "nausea": "severe",
    }


def test_existing_entities_are_kept(component: SymptomExtractor) -> None:
    earlier = [{"entity": "course", "value": "2", "start": 0, "end": 1, "extractor": "DIETClassifier"}]
    found = entities(component, "course 2, I feel dizzy", earlier)
    assert found[0] == earlier[0]
    assert symptoms(found) == [("dizziness_balance", "present")]


def test_message_without_text_is_left_alone(component: SymptomExtractor) -> None:
    message = Message(data={"intent": {"name": "greet"}})
    component.process([message])
    assert message.get("entities") is None


def test_registered_as_untrainable_entity_extractor() -> None:
    registered = DefaultV1Recipe._from_registry(SymptomExtractor.__name__)
    assert registered.clazz is SymptomExtractor
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
    assert registered.is_trainable is False
