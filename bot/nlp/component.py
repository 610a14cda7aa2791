"""Rasa 3.6 NLU component: symptoms with ConText status, temperature, days and severity as entities.

config.yml:
    pipeline:
      - name: bot.nlp.component.SymptomExtractor

Entities added to every message (extractor "SymptomExtractor"):
  symptom              value = symptom id (knowledge/symptoms.yml),
                       role = present | negated | hypothetical | historical | family,
                       text = the words matched, plus `severity` (mild | moderate |
                       severe) when said in the same clause
  temperature          value = °C with one decimal, e.g. "38.6" (°F converted)
  days_since_infusion  value = whole days as a string, e.g. "2"
  severity             value = mild | moderate | severe (strongest in the message)
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TEXT,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.extract import extract, get_extractor
from bot.nlp.findings import (
    DAYS_ENTITY, SEVERITY_ENTITY, SYMPTOM_ENTITY, TEMPERATURE_ENTITY, Extraction,
)


def _entity(kind: str, value: str, start: int, end: int, **extra: Any) -> Dict[Text, Any]:
    return {ENTITY_ATTRIBUTE_TYPE: kind, ENTITY_ATTRIBUTE_VALUE: value,
            ENTITY_ATTRIBUTE_START: start, ENTITY_ATTRIBUTE_END: end,
            ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0, **extra}


def entities_from(extraction: Extraction) -> List[Dict[Text, Any]]:
    """Rasa entity dicts for one extraction."""
    entities = []
    for f in extraction.findings:
        extra = {ENTITY_ATTRIBUTE_ROLE: f.status, ENTITY_ATTRIBUTE_TEXT: f.text}
        if f.severity:
            extra[SEVERITY_ENTITY] = f.severity
        entities.append(_entity(SYMPTOM_ENTITY, f.symptom, f.start, f.end, **extra))
    values = {
        TEMPERATURE_ENTITY: ("temperature_c", lambda v: f"{v:.1f}"),
        DAYS_ENTITY: ("days_since_infusion", str),
        SEVERITY_ENTITY: ("severity", str),
    }
    for kind, (field_name, as_text) in values.items():
        value = getattr(extraction, field_name)
        if value is not None:
            start, end = extraction.spans[field_name]
            entities.append(_entity(kind, as_text(value), start, end))
    return entities


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class SymptomExtractor(GraphComponent, EntityExtractorMixin):
    """Rule-based symptom extractor (spaCy + medspaCy ConText); needs no training."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """No options: the lexicon and ConText rules live in knowledge/*.yml."""
        return {}

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """The lexicon and ConText rules are English."""
        return ["en"]

    @staticmethod
    def required_packages() -> List[Text]:
        """Python packages the component imports."""
        return ["spacy", "medspacy"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SymptomExtractor:
        """Build the component and warm the shared pipeline so the first message is fast."""
        get_extractor()
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Append symptom, temperature, days_since_infusion and severity entities."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.add_extractor_name(entities_from(extract(text)))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
