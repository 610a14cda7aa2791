"""Patient-message understanding: symptom lexicon, medspaCy extraction, Rasa component.

Use `from bot.patient.nlp.extract import extract`; this package itself only exposes the
light result types so that e.g. bot.patient.triage does not load spaCy.
"""
from bot.patient.findings import STATUSES, Extraction, Finding

__all__ = ["STATUSES", "Extraction", "Finding"]
