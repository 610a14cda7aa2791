"""What reading a patient's message finds: symptoms with their status, and the facts read
(light module: no spaCy import)."""
from __future__ import annotations

from dataclasses import dataclass, field

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
