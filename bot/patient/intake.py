"""A patient's symptom report gathered over several turns (the dialogue's clinical logic).

Pure functions, free of Rasa: actions/patient.py only moves values between the
tracker and these functions. Each turn of the report keeps the message id, the
patient's words and the entities SymptomExtractor read from them; the report is
rebuilt from all turns every time, so a later turn can correct an earlier one:

* days since the infusion: the latest value wins ("no, it was 3 days ago");
* temperature and severity: the highest / strongest wins, unless the message
  is a correction ("sorry, I meant 37.8", "actually it's only mild");
* a symptom the patient later denies ("it's not a rash") is dropped, unless it
  is a red flag: a red flag, once said, stays.

The form asks first the red-flag screen (bot.patient.screen), unless a red flag is
already present, then only for facts the triage still needs
(bot.patient.triage.missing_facts), each at most once, then "anything else?" once, last;
with a red flag present, or a message in another language, it asks nothing at all.
An unclear answer to the screen gets the question once more; a second one is
recorded as "unclear", which is never routine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from bot.patient.findings import (
    DAYS_ENTITY,
    LANGUAGE_ENTITY,
    SEVERITY_ENTITY,
    SYMPTOM_ENTITY,
    TEMPERATURE_ENTITY,
    Finding,
)
from bot.patient.nlp.quantities import parse_bare_temperature
from bot.patient.screen import UNCLEAR, load_screen, read_answer
from bot.patient.symptoms import load_lexicon
from bot.patient.triage import Decision, Report, missing_facts, triage
from bot.patient.unplaced import unplaced_complaint

ANYTHING_ELSE = "anything_else"
SCREEN = "red_flag_screen"
SCREEN_ASKS = 2  # the screen is asked again once after an unclear answer
# bot.patient.triage fact -> form slot asking for it
FACT_SLOTS = {
    "days_since_infusion": "days_since_infusion",
    "severity": "severity",
    "temperature_c": "temperature_c",
}
FORM_SLOTS = (SCREEN, *FACT_SLOTS.values(), ANYTHING_ELSE)
REPORT_ENTITIES = (SYMPTOM_ENTITY, TEMPERATURE_ENTITY, DAYS_ENTITY, SEVERITY_ENTITY, LANGUAGE_ENTITY)
_KEEP = ("entity", "value", "role", "start", "end", "text", SEVERITY_ENTITY)
CORRECTION = re.compile(
    r"^\W*(?:no|nope|nah|sorry|oops|wait|actually|correction|not)\b"
    r"|\b(?:i mean|i meant|actually|correction|rather|my mistake|i was wrong|not \w+(?: \w+)?,? but)\b",
    re.IGNORECASE,
)
# a bare number of days, as an answer to "when was your last infusion?"
BARE_DAYS = re.compile(
    r"^\W*(?:about|around|maybe|roughly|i think|it was|it's|its)?\s*(\d{1,2})"
    r"(?:\s*days?)?\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Turn:
    """One patient message of a report."""

    id: str
    text: str
    entities: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "entities": [dict(e) for e in self.entities]}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Turn:
        return cls(
            str(raw.get("id") or ""),
            str(raw.get("text") or ""),
            tuple(dict(e) for e in raw.get("entities") or ()),
        )


def is_correction(text: str) -> bool:
    """True when the message corrects something said before ("no, it was 3 days ago")."""
    return bool(CORRECTION.search(text or ""))


def report_entities(entities: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The entities a report is built from (symptom, temperature, days, severity), JSON-safe."""
    return tuple(
        {k: e[k] for k in _KEEP if k in e and e[k] is not None}
        for e in entities
        if e.get("entity") in REPORT_ENTITIES
    )


def answer_entities(
    text: str, entities: Iterable[Mapping[str, Any]], requested: str | None, report: Report
) -> list[dict[str, Any]]:
    """Values a message gives only in context, which the extractor cannot read on its own:
    a bare temperature ("38.6") when asked for it or when a reading or fever is already
    known ("sorry, I meant 37.8"), and a bare number of days when asked for them ("3")."""
    kinds = {e.get("entity") for e in entities}
    extra: list[dict[str, Any]] = []
    temperature_context = (
        requested == FACT_SLOTS["temperature_c"]
        or report.temperature_c is not None
        or any(f.symptom == "fever" for f in report.present())
    )
    if TEMPERATURE_ENTITY not in kinds and temperature_context:
        reading = parse_bare_temperature(text)
        if reading is not None:
            extra.append(
                {
                    "entity": TEMPERATURE_ENTITY,
                    "value": f"{reading.value:.1f}",
                    "start": reading.start,
                    "end": reading.end,
                    "text": text[reading.start : reading.end],
                }
            )
    days = BARE_DAYS.match(text) if requested == FACT_SLOTS["days_since_infusion"] else None
    if DAYS_ENTITY not in kinds and days:
        extra.append(
            {
                "entity": DAYS_ENTITY,
                "value": str(int(days.group(1))),
                "start": days.start(1),
                "end": days.end(1),
                "text": days.group(1),
            }
        )
    return extra


def add_turn(
    turns: Iterable[Turn],
    message_id: str | None,
    text: str,
    entities: Iterable[Mapping[str, Any]],
    requested: str | None = None,
) -> tuple[Turn, ...]:
    """The turns with this message added; the same message seen again replaces itself.

    `requested` is the question the message answers, if any (see answer_entities).
    """
    turns = tuple(turns)
    kept_entities = list(report_entities(entities))
    earlier = tuple(t for t in turns if t.id != str(message_id))
    kept_entities += answer_entities(text or "", kept_entities, requested, report_of(earlier))
    turn = Turn(str(message_id or f"turn-{len(turns)}"), text or "", tuple(kept_entities))
    kept = [t for t in turns if t.id != turn.id]
    return (*kept, turn)


def _is_red_flag(entity: Mapping[str, Any]) -> bool:
    symptom = load_lexicon().symptoms.get(str(entity.get("value")))
    return symptom is not None and symptom.cls == "emergency"


def merged_entities(turns: Iterable[Turn]) -> list[dict[str, Any]]:
    """All turns' entities with later turns' corrections applied (see the module docstring)."""
    merged: list[dict[str, Any]] = []
    for turn in turns:
        new = [dict(e) for e in turn.entities]
        kinds = {e["entity"] for e in new}
        correcting = is_correction(turn.text)
        denied = {e["value"] for e in new if e["entity"] == SYMPTOM_ENTITY and e.get("role") == "negated"}
        replaced = {DAYS_ENTITY} & kinds
        if correcting:
            replaced |= {TEMPERATURE_ENTITY, SEVERITY_ENTITY} & kinds
        kept = []
        for e in merged:
            if e["entity"] in replaced:
                continue
            if e["entity"] == SYMPTOM_ENTITY and e["value"] in denied and not _is_red_flag(e):
                continue
            if SEVERITY_ENTITY in replaced and e["entity"] == SYMPTOM_ENTITY:
                e = {k: v for k, v in e.items() if k != SEVERITY_ENTITY}
            kept.append(e)
        merged = kept + new
    return merged


def report_of(turns: Iterable[Turn], screen: str | None = None) -> Report:
    """The report all turns describe so far, with the screen's answer: an option the
    patient said yes to counts as its first sign being present."""
    turns = tuple(turns)
    report = Report.from_entities(merged_entities(turns))
    read = ((t.text, [(int(e.get("start", 0)), int(e.get("end", 0))) for e in t.entities]) for t in turns)
    report = replace(report, unplaced=any(unplaced_complaint(text, spans) for text, spans in read))
    option = load_screen().option(screen) if screen else None
    if option is not None:
        said = Finding(option.symptoms[0], option.label, 0, 0, "present")
        report = replace(report, findings=(*report.findings, said))
    return replace(report, screen=screen)


def screen_answer(
    text: str, screen: str | None, times_asked: int, shown: list[str] | None = None
) -> str | None:
    """The screen's answer after a reply to it: what the reply says, or "unclear"
    once the question has been asked SCREEN_ASKS times without a clear answer."""
    if screen is not None:
        return screen
    answer = read_answer(text, load_screen(), shown)
    return UNCLEAR if answer is None and times_asked >= SCREEN_ASKS else answer


def patient_text(turns: Iterable[Turn]) -> str:
    """The patient's words, message by message."""
    return "\n".join(t.text for t in turns if t.text)


@dataclass(frozen=True)
class FormProgress:
    """Where a report stands after a turn: the facts known and what to ask next."""

    report: Report
    decision: Decision
    slots: dict[str, Any] = field(default_factory=dict)  # fact slots as now known
    to_ask: tuple[str, ...] = ()  # form slots still to ask, in order; () ends the form


def progress(
    turns: Iterable[Turn],
    asked: Iterable[str] = (),
    anything_else: str | None = None,
    screen: str | None = None,
) -> FormProgress:
    """What is known and what the form should still ask.

    Nothing is asked once a red flag is present, or for a message in another
    language; otherwise the red-flag screen first (until answered, at most
    SCREEN_ASKS times), then, when a symptom is present, each missing fact once in
    missing_facts' order, then "anything else?" once.
    """
    turns, asked = tuple(turns), list(asked)
    report = report_of(turns, screen)
    decision = triage(report)
    slots = {
        "days_since_infusion": report.days_since_infusion,
        "severity": report.severity,
        "temperature_c": report.temperature_c,
        SCREEN: screen,
    }
    if decision.disposition == "emergency" or report.language is not None:
        return FormProgress(report, decision, slots, ())
    to_ask = [SCREEN] if screen is None and asked.count(SCREEN) < SCREEN_ASKS else []
    if report.present():
        to_ask += [FACT_SLOTS[f] for f in missing_facts(report) if FACT_SLOTS[f] not in asked]
        if anything_else is None and ANYTHING_ELSE not in asked:
            to_ask.append(ANYTHING_ELSE)
    return FormProgress(report, decision, slots, tuple(to_ask))


def should_store(decision: Decision) -> bool:
    """Reports worth keeping: something someone has now, or a non-routine reading.
    A purely hypothetical question ("what if I get chest pain?") is not a report."""
    return bool(decision.present or decision.someone_else or decision.disposition != "routine")


def _summary(decision: Decision) -> dict[str, Any]:
    return {"disposition": decision.disposition, "rule": decision.rule_id, "symptoms": list(decision.present)}


def triage_payload(decision: Decision) -> dict[str, Any]:
    """The custom payload sent with every triage reply, for channels and other systems."""
    body: dict[str, Any] = {**_summary(decision), "source": decision.source, "cites": list(decision.cites)}
    if decision.someone_else:
        body["someone_else"] = list(decision.someone_else)
    if decision.if_case is not None:
        body["if_case"] = {**_summary(decision.if_case), "symptoms": list(decision.hypothetical_for)}
    return {"triage": body}
