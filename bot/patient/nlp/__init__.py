"""Reading a patient's message: medspaCy extraction with the symptom grammar, quantities,
language detection, the sentence-embedding red-flag detector.

The symptom catalogue it reads against is bot.patient.symptoms, and what it reads comes out
as bot.patient.findings' types; triage depends on those, not on this package's machinery.
Use `from bot.patient.nlp.extract import extract` (it loads spaCy).
"""
