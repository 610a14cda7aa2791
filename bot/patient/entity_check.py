"""Entities checked like any input before a report is built from them.

Most entities come from SymptomExtractor, but a user can also type an intent with
entities, `/report_symptoms{"temperature": "<script>"}`, which Rasa passes on
unread. Such a value once crashed the form (a float conversion) and could have put
arbitrary text in an alert. So only well-formed entities are kept: a symptom id of
knowledge/symptoms.yml with a known status, a temperature in the band the extractor
accepts with a unit, a whole number of days, a severity word.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping

from bot.patient.findings import (
    DAYS_ENTITY,
    SEVERITY_ENTITY,
    SEVERITY_RANK,
    STATUSES,
    SYMPTOM_ENTITY,
    TEMPERATURE_ENTITY,
)
from bot.patient.nlp.quantities import EXPLICIT_CELSIUS
from bot.patient.symptoms import load_lexicon

MAX_DAYS = 3650  # no trial follows a patient longer than this after an infusion


def _number(value: Any) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _offset(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def valid_entity(entity: Mapping[str, Any]) -> bool:
    """Whether a report entity is well formed (entities of other kinds pass unchanged)."""
    kind, value = entity.get("entity"), entity.get("value")
    if kind == SYMPTOM_ENTITY:
        return (
            isinstance(value, str)
            and value in load_lexicon().symptoms
            and (entity.get("role") or "present") in STATUSES
            and entity.get(SEVERITY_ENTITY) in (None, *SEVERITY_RANK)
            and _offset(entity.get("start"))
            and _offset(entity.get("end"))
        )
    if kind == TEMPERATURE_ENTITY:
        number = _number(value)
        return number is not None and EXPLICIT_CELSIUS[0] <= number <= EXPLICIT_CELSIUS[1]
    if kind == DAYS_ENTITY:
        digits = str(value).strip()
        return bool(re.fullmatch(r"[0-9]{1,4}", digits)) and int(digits) <= MAX_DAYS
    if kind == SEVERITY_ENTITY:
        return value in SEVERITY_RANK
    return True


def valid_entities(entities: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The well-formed entities, in order."""
    return [e for e in entities if isinstance(e, Mapping) and valid_entity(e)]
