"""Rasa 3.6 NLU components: symptoms with ConText status, temperature, days and severity as
entities (SymptomExtractor), a safety net on the intent (SymptomIntentGuard), and who is
writing (WriterTagger).

config.yml:
    pipeline:
      - name: bot.rasa.components.SymptomExtractor
      - name: bot.rasa.components.SymptomIntentGuard
      - name: bot.rasa.components.WriterTagger

Entities added to every message (extractor "SymptomExtractor"):
  symptom              value = symptom id (knowledge/symptoms.yml),
                       role = present | negated | hypothetical | historical | family,
                       text = the words matched, plus `severity` (mild | moderate |
                       severe) when said in the same clause
  temperature          value = °C with one decimal, e.g. "38.6" (°F converted)
  days_since_infusion  value = whole days as a string, e.g. "2"
  severity             value = mild | moderate | severe (strongest in the message)
  language             value = ISO code, only for a message clearly not in English;
                       role "red_flag" when it uses a warning sign's word (languages.yml)
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.roles import PATIENT, STAFF, reports_symptoms, role_of
from bot.patient.findings import LANGUAGE_ENTITY, entities_from, entity
from bot.patient.nlp.extract import extract, get_extractor
from bot.patient.nlp.language import detect_language, names_red_flag
from bot.patient.small_talk import says_more, vocabularies
from bot.staff.ask import small_talk_without_cue

WRITER_ENTITY = "writer"
METADATA = "metadata"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
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
        """Append symptom, temperature, days_since_infusion, severity and language entities."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = entities_from(extract(text))
            language = detect_language(text)
            if language:
                role = {ENTITY_ATTRIBUTE_ROLE: "red_flag"} if names_red_flag(text, language) else {}
                entities.append(entity(LANGUAGE_ENTITY, language, 0, len(text), **role))
            found = self.add_extractor_name(entities)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages


# Intents that never describe a symptom: a message classified as one of them that
# names a symptom someone has now ("hi, I can't breathe") is a symptom report.
SMALL_TALK_INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "ask_capabilities",
    "out_of_scope",
    "affirm",
    "deny",
    "start_quiz",
    "stop_quiz",
    "skip_question",
    "quiz_answer",
    "my_progress",
    # an erasure request that names a present red flag is a symptom report first: a
    # report and its alert are never lost to an erasure
    "forget_me",
]
VOCABULARY_FILE = "small_talk_vocabulary.json"


def replace_intent(message: Message, name: str) -> None:
    """Give `message` the intent `name`, keeping the classifier's confidence (the fallback
    threshold still applies to it)."""
    intent = message.get(INTENT) or {}
    message.set(
        INTENT,
        {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY, 1.0)},
        add_to_output=True,
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SymptomIntentGuard(GraphComponent):
    """Turns small talk from a patient that says more than small talk into `report_symptoms`.

    A safety net after the intent classifier and SymptomExtractor, so that a red flag
    wrapped in a greeting, in another language or in words the lexicon does not know yet
    still reaches the triage. Trained only to learn the words of each small-talk intent's
    examples (bot.patient.small_talk). Put it after SymptomExtractor and before
    FallbackClassifier.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """`intent`: the intent to use; `overrides`: the intents it may replace."""
        return {"intent": "report_symptoms", "overrides": SMALL_TALK_INTENTS}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SymptomIntentGuard:
        """Build the component from its config, with no vocabulary until trained."""
        return cls(config, model_storage, resource, {})

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SymptomIntentGuard:
        """The component with the vocabulary written by `train`."""
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, {k: frozenset(v) for k, v in stored.items()})

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Dict[Text, frozenset[str]],
    ) -> None:
        self.intent = config["intent"]
        self.overrides = set(config["overrides"])
        self._storage, self._resource = model_storage, resource
        self.vocabulary = vocabulary

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the words of each overridable intent's examples and store them."""
        examples = ((m.get(TEXT) or "", m.get(INTENT) or "") for m in training_data.intent_examples)
        self.vocabulary = vocabularies(examples, self.overrides)
        with self._storage.write_to(self._resource) as directory:
            stored = {k: sorted(v) for k, v in self.vocabulary.items()}
            (directory / VOCABULARY_FILE).write_text(json.dumps(stored), encoding="utf-8")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace an overridable intent when a symptom is present (the writer's or someone
        else's), the message is in another language (the intent classifier reads English:
        "Hola, …" is no greeting to answer, it needs the symptom report), or a patient says
        more than the intent's examples ever do."""
        for message in messages:
            intent = message.get(INTENT) or {}
            name = str(intent.get(INTENT_NAME_KEY) or "")
            if name not in self.overrides:
                continue
            entities = message.get(ENTITIES, [])
            text = message.get(TEXT) or ""
            if (
                reports_symptoms(entities)
                or any(e.get(ENTITY_ATTRIBUTE_TYPE) == LANGUAGE_ENTITY for e in entities)
                or (
                    role_of(text, message.get(METADATA)) == PATIENT and says_more(text, name, self.vocabulary)
                )
            ):
                replace_intent(message, self.intent)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StaffSmallTalkGuard(GraphComponent):
    """Turns a staff message read as small talk, but holding none of its words, into
    `out_of_scope`, which the answer logic handles (a passage, "not covered" or "I don't
    know"): "paediatric dose for a 14 yo" is no greeting to say hello to. Patients' messages
    are left to SymptomIntentGuard and the patient rules. Put it before FallbackClassifier."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """`intent`: the intent to use instead of small talk without its words."""
        return {"intent": "out_of_scope"}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StaffSmallTalkGuard:
        """Build the component from its config."""
        return cls(config)

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intent = config["intent"]

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace the small-talk intent of a staff message that holds none of its words."""
        for message in messages:
            intent = message.get(INTENT) or {}
            text = message.get(TEXT) or ""
            if role_of(text, message.get(METADATA)) != STAFF or not small_talk_without_cue(
                intent.get(INTENT_NAME_KEY), text
            ):
                continue
            replace_intent(message, self.intent)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class WriterTagger(GraphComponent, EntityExtractorMixin):
    """Adds entity `writer` = patient | staff to every message (bot.core.roles: the channel's
    metadata, else cues in the text); the `role` slot is filled from it by Rasa itself.

    Done here rather than by a custom slot-mapping action, which cost every turn a
    round trip to the action server (with the whole tracker) for one slot.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """No options."""
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> WriterTagger:
        """Build the component (stateless)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Append the writer entity, spanning no text."""
        for message in messages:
            role = role_of(message.get(TEXT), message.get(METADATA))
            found = self.add_extractor_name([entity(WRITER_ENTITY, role, 0, 0)])
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
