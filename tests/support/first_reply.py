"""A patient's first message read by the rules alone (extraction then triage), as the
table-driven word tests use it: no servers, a fixed day so that dates in messages read the same."""

from __future__ import annotations

from datetime import date

from bot.patient.nlp.extract import extract
from bot.patient.triage import Report, triage

TODAY = date(2026, 11, 30)


def read(text: str) -> tuple[str, str, dict[str, str]]:
    """The disposition, the rule and each symptom's status for one message."""
    extraction = extract(text, TODAY)
    decision = triage(Report.from_extraction(extraction))
    return decision.disposition, decision.rule_id, {f.symptom: f.status for f in extraction.findings}


def assert_reads(text: str, disposition: str, rules: str) -> None:
    """The first reply has the disposition, by one of the rules ("stroke-signs|heart-signs")."""
    got, rule_id, found = read(text)
    assert got == disposition and rule_id in rules.split("|"), (got, rule_id, found)
