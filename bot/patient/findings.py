"""What reading a patient's message finds: symptoms with their status, and the facts read
(light module: no spaCy import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

STATUSES = ("present", "negated", "hypothetical", "historical", "resolved", "gradual", "usual", "family")
SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}

# Rasa entity names emitted by bot.rasa.components.SymptomExtractor.
SYMPTOM_ENTITY = "symptom"  # value = symptom id, role = status, optional "severity"
TEMPERATURE_ENTITY = "temperature"  # value = °C, one decimal, as text
DAYS_ENTITY = "days_since_infusion"  # value = whole days, as text
SEVERITY_ENTITY = "severity"  # value = mild | moderate | severe
LANGUAGE_ENTITY = "language"  # value = ISO code of a message not in English


@dataclass(frozen=True)
class Finding:
    """One symptom mention: canonical id, where it is, and its ConText status."""

    symptom: str  # symptom id from knowledge/symptoms.yml
    text: str  # the words matched in the message
    start: int  # character offsets in the message
    end: int
    status: str = "present"  # one of STATUSES
    severity: str | None = None  # mild | moderate | severe said in the same clause

    @property
    def is_present(self) -> bool:
        """True when the patient reports having this symptom now."""
        return self.status == "present"


@dataclass(frozen=True)
class Extraction:
    """Everything read from one patient message."""

    text: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    temperature_c: float | None = None
    days_since_infusion: int | None = None
    severity: str | None = None  # strongest severity word anywhere in the message
    hypothetical_question: bool = False  # a conditional question and no present symptom
    # character spans the three values above were read from, keyed by field name
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    def present(self) -> list[str]:
        """Ids of the symptoms the patient has, in order of mention, without repeats."""
        return list(dict.fromkeys(f.symptom for f in self.findings if f.is_present))


def entity(kind: str, value: str, start: int, end: int, **extra: Any) -> dict[str, Any]:
    """One NLU entity dict, found with full confidence (a rule, not a guess)."""
    return {"entity": kind, "value": value, "start": start, "end": end, "confidence_entity": 1.0, **extra}


def entities_from(extraction: Extraction) -> list[dict[str, Any]]:
    """The extraction as NLU entity dicts (the shape Rasa hands on to the actions and that
    bot.patient.intake reads back): a symptom's role is its status."""
    entities = []
    for f in extraction.findings:
        extra = {"role": f.status, "text": f.text}
        if f.severity:
            extra[SEVERITY_ENTITY] = f.severity
        entities.append(entity(SYMPTOM_ENTITY, f.symptom, f.start, f.end, **extra))
    values: dict[str, tuple[str, Callable[[Any], str]]] = {
        TEMPERATURE_ENTITY: ("temperature_c", lambda v: f"{v:.1f}"),
        DAYS_ENTITY: ("days_since_infusion", str),
        SEVERITY_ENTITY: ("severity", str),
    }
    for kind, (field_name, as_text) in values.items():
        value = getattr(extraction, field_name)
        if value is not None:
            start, end = extraction.spans[field_name]
            entities.append(entity(kind, as_text(value), start, end))
    return entities
