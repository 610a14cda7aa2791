"""Grade a reaction in progress from what staff describe (signs, vital signs, response).

Plain functions over the data in knowledge/reaction_grading.yml (CTCAE v5.0 infusion
related reaction; anaphylaxis and hypotension thresholds from Resuscitation Council UK
2021 and NIAID/FAAN 2006). The text given is already shorthand-expanded
(bot/staff/shorthand.py), so "sats 91" arrives as "oxygen saturation 91".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml

GRADING_FILE = KNOWLEDGE_DIR / "reaction_grading.yml"
# Order of severity of the outcomes; the most severe supported one wins.
SEVERITY = ("1", "1-2", "2", "3", "3-4", "4")
# Outcomes that are emergencies: airway/breathing/circulation, and signs whose own outcome
# (knowledge file) is a possible stroke, meningitis or another grade 3-4 emergency.
EMERGENCY_OUTCOMES = ("3-4", "4", "severe", "stroke", "meningitis", "settling")
# Outcomes whose reply leads with the anaphylaxis management (airway, breathing, circulation).
ANAPHYLAXIS_OUTCOMES = ("3-4", "4", "settling")
EMERGENCY_SYSTEMS = ("airway", "breathing", "circulation")
# The outcome of a circulation sign that responded promptly to treatment (grade 2), and of
# airway or breathing signs easing (anaphylaxis until settled, grade 2 if they did promptly).
PROMPT, SETTLING = "2-prompt", "settling"
CLAUSE = re.compile(r"[,;.!?()\n]|\bbut\b|\band\b|\+")
# A stretch between punctuation, where a sign told in two words ("face puffy around eyes and
# lips") is read: "and" does not part them.
STRETCH = re.compile(r"[,;.!?()\n]")
BRACKETED = re.compile(r"\s*\([^()]*\)")


@dataclass(frozen=True)
class Finding:
    """One thing seen: a sign group or a vital sign beyond its threshold."""

    id: str
    system: str
    label: str
    grade: str
    cites: tuple[str, ...]
    outcome: str | None = None
    note: str | None = None
    note_cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """The grade the description supports and why."""

    outcome: str  # a key of `outcomes` ("1" ... "4", "severe", "stroke")
    findings: tuple[Finding, ...]
    stated_grade: str | None = None

    @property
    def emergency(self) -> bool:
        return self.outcome in EMERGENCY_OUTCOMES


@dataclass(frozen=True)
class GradingRules:
    """knowledge/reaction_grading.yml, compiled."""

    vitals: dict[str, dict[str, Any]]
    signs: tuple[dict[str, Any], ...]
    negations: tuple[str, ...]
    course_words: dict[str, tuple[str, ...]]
    present_words: tuple[str, ...]
    outcomes: dict[str, dict[str, Any]]
    after_infusion: dict[str, list[str]]
    unnamed: dict[str, Any] = field(default_factory=dict)
    after_infusion_symptoms: dict[str, list[str]] = field(default_factory=dict)
    together: tuple[dict[str, Any], ...] = ()
    prompt_response: dict[str, Any] = field(default_factory=dict)
    settling_response: dict[str, Any] = field(default_factory=dict)
    restart: dict[str, Any] = field(default_factory=dict)
    _patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)

    def words(self, key: str, words: tuple[str, ...]) -> re.Pattern[str]:
        """One pattern for a word list, each word matched at the start of a word (a word
        ending in "$": only as a whole word)."""
        if key not in self._patterns:
            alternatives = "|".join(
                re.escape(w.lower()[:-1]) + r"(?![\w'])" if w.endswith("$") else re.escape(w.lower())
                for w in sorted(words, key=len, reverse=True)
            )
            self._patterns[key] = re.compile(rf"(?<![\w'])(?:{alternatives})")
        return self._patterns[key]


def load_rules(path: Path = GRADING_FILE) -> GradingRules:
    """Read the grading data; a missing part fails loudly, naming the file."""
    data = read_yaml(Path(path)) or {}
    missing = {
        "vitals",
        "signs",
        "negations",
        "course_words",
        "present_words",
        "outcomes",
        "after_infusion",
    } - data.keys()
    if missing:
        raise ValueError(f"{path}: missing {', '.join(sorted(missing))}")
    unknown = [
        s.get("id")
        for s in [*data["signs"], *(data.get("together") or ())]
        if s.get("grade") not in SEVERITY or s.get("outcome", "1") not in data["outcomes"]
    ]
    if unknown or set(SEVERITY) - data["outcomes"].keys():
        raise ValueError(f"{path}: signs with unknown grades {unknown} or outcomes missing")
    return GradingRules(
        vitals=data["vitals"],
        signs=tuple(data["signs"]),
        negations=tuple(str(n) for n in data["negations"]),
        course_words={k: tuple(v) for k, v in data["course_words"].items()},
        present_words=tuple(str(w) for w in data["present_words"]),
        outcomes={str(k): v for k, v in data["outcomes"].items()},
        after_infusion={str(k): list(v) for k, v in data["after_infusion"].items()},
        unnamed=dict(data.get("unnamed_reaction") or {}),
        after_infusion_symptoms={
            str(k): list(v) for k, v in (data.get("after_infusion_symptoms") or {}).items()
        },
        together=tuple(data.get("together") or ()),
        prompt_response=dict(data.get("prompt_response") or {}),
        settling_response=dict(data.get("settling_response") or {}),
        restart=dict(data.get("restart_rate") or {}),
    )


@lru_cache(maxsize=1)
def rules() -> GradingRules:
    """The project's grading data, read once."""
    return load_rules()


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in CLAUSE.split(text.lower()) if c.strip()]


def _negated(clause: str, start: int, negations: tuple[str, ...]) -> bool:
    """A negation word before the sign in its clause ("no sob", "denies itch")."""
    before = clause[:start]
    return any(re.search(rf"(?<![\w']){re.escape(n)}(?![\w'])", before) for n in negations)


def _finding(sign: dict[str, Any]) -> Finding:
    return Finding(
        sign["id"],
        sign["system"],
        sign["label"],
        sign["grade"],
        tuple(sign.get("cites", ())),
        sign.get("outcome"),
        sign.get("note"),
        tuple(sign.get("note_cites", ())),
    )


def _matches(
    text: str, key: str, words: tuple[str, ...], grading: GradingRules
) -> Iterator[tuple[str, re.Match[str]]]:
    """Each match of the words, with the clause of the text it is in."""
    return ((clause, m) for clause in _clauses(text) for m in grading.words(key, words).finditer(clause))


def _named(text: str, key: str, words: tuple[str, ...], grading: GradingRules) -> bool:
    """One of the words, not negated, in a clause of the text."""
    return any(
        not _negated(clause, match.start(), grading.negations)
        for clause, match in _matches(text, key, words, grading)
    )


def _paired(text: str, sign: dict[str, Any], grading: GradingRules) -> bool:
    """A word of each of the sign's two lists in one stretch between punctuation ("face puffy
    around eyes and lips"), with no negation before the first of them."""
    if not sign.get("pairs"):
        return False
    first, second = (tuple(words) for words in sign["pairs"])
    for stretch in STRETCH.split(text.lower()):
        a = grading.words(f"{sign['id']}_pair_a", first).search(stretch)
        b = grading.words(f"{sign['id']}_pair_b", second).search(stretch)
        if a and b and not _negated(stretch, min(a.start(), b.start()), grading.negations):
            return True
    return False


def sign_findings(text: str, grading: GradingRules, symptoms: Iterable[str] = ()) -> list[Finding]:
    """The sign groups named, and not negated, in the text, or with `symptoms_needed` of their
    listed `symptoms` found by the symptom reader, told of the patient."""
    told = set(symptoms)
    return [
        _finding(sign)
        for sign in grading.signs
        if _named(text, sign["id"], tuple(sign["words"]), grading)
        or _paired(text, sign, grading)
        or len(told & set(sign.get("symptoms", ()))) >= sign.get("symptoms_needed", 1)
    ]


def denies_signs(text: str, grading: GradingRules | None = None) -> bool:
    """Signs named only to deny them ("no chest pain, not short of breath, hasn't fainted"):
    what the message adds to a case told before, not a reaction of its own."""
    grading = grading or rules()
    return not sign_findings(text, grading) and any(
        _negated(clause, match.start(), grading.negations)
        for sign in grading.signs
        for clause, match in _matches(text, sign["id"], tuple(sign["words"]), grading)
    )


def together_findings(text: str, found: list[Finding], grading: GradingRules) -> list[Finding]:
    """Signs that count only with another one found ("temp 38.9, confused": a possible
    meningitis, not a grade 1-2 fever)."""
    ids = {f.id for f in found}
    return [
        _finding(rule)
        for rule in grading.together
        if rule["with"] in ids and _named(text, rule["id"], tuple(rule["words"]), grading)
    ]


# a sign back after the infusion was restarted
RESTARTED_THEN_AGAIN = re.compile(r"\brestart(?:ed|ing)?\b.*\bagain\b")
# a temperature written bare ("38.2 at home"): a decimal a temperature can be, with no unit after it
BARE_TEMPERATURE = re.compile(
    r"(?<![\d./])((?:3[5-9]|4[0-2])\.\d)(?![\d%])(?!\s*(?:mg|ml|kg|mmol|h\b|hours?|days?|%))"
)
# a reading and the later one it changed to ("sats falling 94->88"): the later one
LATEST = re.compile(r"(?<![\d/])\d{2,3}\s*(?:-+>|→|=>)\s*(\d{2,3})(?![\d/])")


def _reading(
    text: str, names: list[str], with_diastolic: bool = False
) -> list[tuple[float, float | None, int]]:
    """Numbers written after a vital sign's name: (value, diastolic or None, position)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    number = r"(\d{2,3}(?:\.\d)?)" + (r"(?:\s*/\s*(\d{2,3}))?" if with_diastolic else "()")
    pattern = re.compile(rf"(?<![\w'])(?:{alternatives})\b[^\d\n,;]{{0,25}}?{number}(?!\s*(?:ml|mg|l\b))")
    return [
        (float(m.group(1)), float(m.group(2)) if m.group(2) else None, m.start())
        for m in pattern.finditer(text.lower())
    ]


def vital_findings(text: str, grading: GradingRules) -> tuple[list[Finding], bool]:
    """Vital signs beyond their thresholds, and whether any vital sign was given at all."""
    lowered, findings, any_reading = text.lower(), [], False
    spo2 = grading.vitals["spo2"]
    for value, _, _ in _reading(LATEST.sub(r"\1", lowered), spo2["names"]):
        any_reading = True
        if 50 <= value < spo2["below"]:
            findings.append(
                Finding(
                    "spo2",
                    spo2["system"],
                    spo2["label"].format(value=f"{value:g}"),
                    "3-4",
                    tuple(spo2["cites"]),
                )
            )
            break
    systolic = grading.vitals["systolic"]
    readings = _reading(lowered, systolic["names"], with_diastolic=True)
    if readings:  # "BP was 132/84 pre, now 84/50": later pressures need not repeat the name
        readings += [r for r in _pressures(lowered) if r[2] > readings[0][2]]
    baseline = _baseline(lowered, systolic)
    fall = _fall(lowered, systolic)
    if fall:
        readings.append((fall[1], None, len(lowered)))
    for value, diastolic, _position in readings:
        any_reading = True
        if diastolic is None and value < 40:
            continue
        if baseline and value == baseline:
            continue
        if value < systolic["below"]:
            findings.append(
                Finding(
                    "systolic",
                    systolic["system"],
                    systolic["label"].format(value=f"{value:g}"),
                    "3-4",
                    tuple(systolic["cites"]),
                )
            )
            break
        if baseline and (baseline - value) / baseline * 100 > systolic["fall_percent"]:
            findings.append(_fallen("systolic", systolic, systolic["fall_label"], value, baseline))
            break
        falling = systolic.get("falling")
        if falling and baseline and value < baseline:
            # a fall short of hypotension: no grade of its own, but where hypotension begins
            percent = round((baseline - value) / baseline * 100)
            findings.append(
                Finding(
                    "falling-pressure",
                    "general",
                    falling["label"].format(value=f"{value:g}", fall=percent, baseline=f"{baseline:g}"),
                    "1-2",
                    tuple(falling["cites"]),
                    note=falling["note"],
                    note_cites=tuple(falling["cites"]),
                )
            )
            break
    mean = grading.vitals.get("mean_pressure")
    mean_fall = _mean_pressure_fall(lowered, mean) if mean else None
    if mean and mean_fall:
        any_reading = True
        findings.append(_fallen("mean-pressure", mean, mean["label"], *mean_fall))
    temperature = grading.vitals["temperature"]
    units = "|".join(re.escape(u) for u in temperature.get("units", ()))
    with_unit = (
        [
            (float(m.group(1)), None, m.start())
            for m in re.finditer(rf"(?<![\d.])(\d{{2}}(?:\.\d)?)\s*(?:{units})(?![a-z])", lowered)
        ]
        if units
        else []
    )
    named = _reading(lowered, temperature["names"]) + with_unit
    # a bare one only when none is named ("temp 37.8 down from 38.4" is 37.8 now)
    bare = [] if named else [(float(m.group(1)), None, m.start()) for m in BARE_TEMPERATURE.finditer(lowered)]
    for value, _, _ in named + bare:
        any_reading = True
        if value >= temperature["at_least"] and value < 45:
            findings.append(
                Finding(
                    temperature["sign"],
                    "general",
                    temperature["label"].format(value=f"{value:g}"),
                    "1-2",
                    tuple(temperature["cites"]),
                )
            )
            break
    return findings, any_reading


def _fallen(finding_id: str, vital: dict[str, Any], label: str, value: float, baseline: float) -> Finding:
    """A pressure fallen from its baseline by more than the vital's threshold: a grade 3-4 sign."""
    percent = round((baseline - value) / baseline * 100)
    return Finding(
        finding_id,
        vital["system"],
        label.format(value=f"{value:g}", fall=percent, baseline=f"{baseline:g}"),
        "3-4",
        tuple(vital["cites"]),
    )


def _mean_pressure_fall(text: str, mean: dict[str, Any]) -> tuple[float, float] | None:
    """(value, baseline) of a mean arterial pressure fallen by more than the threshold from a
    baseline told with it ("MAP 55 ... baseline MAP was 90")."""
    readings = _reading(text, mean["names"])
    names = "|".join(re.escape(n) for n in mean["baseline_names"])
    mean_names = "|".join(re.escape(n) for n in mean["names"])
    told = re.search(
        rf"\b(?:{names})\b[^\d\n]{{0,15}}?(?:{mean_names})\b[^\d\n]{{0,10}}?(\d{{2,3}})"
        rf"|(?<![\w'])(?:{mean_names})\b[^\d\n]{{0,10}}?\b(?:{names})\b[^\d\n]{{0,10}}?(\d{{2,3}})",
        text,
    )
    if not told:
        return None
    baseline = float(told.group(1) or told.group(2))
    for value, _, _ in readings:
        if round((baseline - value) / baseline * 100) > mean["fall_percent"]:
            return value, baseline
    return None


def _pressures(text: str) -> list[tuple[float, float | None, int]]:
    """Every systolic/diastolic pair written as one ("84/50"): (systolic, diastolic, position);
    pairs that cannot be a pressure (a date, a fraction) are left out."""
    pairs = re.finditer(r"(?<![\d/.])(\d{2,3})\s*/\s*(\d{2,3})(?![\d/])", text)
    return [
        (float(m.group(1)), float(m.group(2)), m.start())
        for m in pairs
        if 50 <= int(m.group(1)) <= 300 and 20 <= int(m.group(2)) < int(m.group(1))
    ]


def _baseline(text: str, systolic: dict[str, Any]) -> float | None:
    """A baseline systolic pressure written as "baseline 130/80", "was 125/80", or
    "dropped from 150 to 100" (a systolic name before it)."""
    names = "|".join(re.escape(n) for n in systolic["baseline_names"])
    match = re.search(rf"\b(?:{names})\b[^\d\n]{{0,15}}?(\d{{2,3}})\s*/\s*\d{{2,3}}", text)
    if match:
        return float(match.group(1))
    # the baseline named after its reading ("bp 140/85 at start now 92/60")
    after = "|".join(re.escape(n) for n in systolic.get("baseline_after_names", ()))
    match = re.search(rf"(\d{{2,3}})\s*/\s*\d{{2,3}}\s*\(?\s*(?:{after})\b", text) if after else None
    if match:
        return float(match.group(1))
    fall = _fall(text, systolic)
    return fall[0] if fall else None


def _fall(text: str, systolic: dict[str, Any]) -> tuple[float, float] | None:
    """(from, to) of a systolic pressure written as a change: "BP dropped from 150 to 100",
    "BP 140/85 -> 92/60" (an arrow needs no "from")."""
    names = "|".join(re.escape(n) for n in sorted(systolic["names"], key=len, reverse=True))
    match = re.search(
        rf"(?<![\w'])(?:{names})\b[^\d\n,;]{{0,25}}?(?:\bfrom\s+(\d{{2,3}})(?:\s*/\s*\d{{2,3}})?\s*(?:to|->|→)"
        rf"|(\d{{2,3}})(?:\s*/\s*\d{{2,3}})?\s*(?:->|→|=>))\s*(\d{{2,3}})",
        text,
    )
    if not match:
        return None
    return float(match.group(1) or match.group(2)), float(match.group(3))


def describes_reaction(text: str, grading: GradingRules | None = None) -> bool:
    """True when the text speaks of a reaction happening now (a patient, a time, a reading)."""
    grading = grading or rules()
    alternatives = "|".join(re.escape(w.lower()) for w in grading.present_words)
    return re.search(rf"(?<![\w'])(?:{alternatives})(?![\w'])", text.lower()) is not None


@dataclass(frozen=True)
class RestartRate:
    """The reduced restart rate worked out for the previous rate a message gives."""

    text: str
    source: str
    cites: tuple[str, ...]


def restart_rate(text: str, grading: GradingRules | None = None) -> RestartRate | None:
    """The restart rate for a previous rate written in mL/h ("was running at 50 mL/h"), at the
    protocol's share of it (knowledge/reaction_grading.yml `restart_rate`); None without one.
    Said as a figure so that nobody works out a rate at the chair; two rates name no one."""
    rule = (grading or rules()).restart
    if not rule:
        return None
    units = "|".join(re.escape(u) for u in sorted(rule["units"], key=len, reverse=True))
    found = {
        float(m.group(1))
        for m in re.finditer(rf"(?<![\d.])(\d{{1,4}}(?:\.\d+)?)\s*(?:{units})(?![a-z])", text.lower())
    }
    if len(found) != 1:
        return None
    previous = found.pop()
    restart = round(previous * float(rule["percent"]) / 100, 1)
    return RestartRate(
        rule["text"].format(previous=f"{previous:g}", restart=f"{restart:g}"),
        str(rule["source"]),
        tuple(rule["cites"]),
    )


def says_how_it_responded(text: str, grading: GradingRules | None = None) -> bool:
    """True when the text tells how a reaction went ("settled after piriton", "came back")."""
    grading = grading or rules()
    return any(_has(text, grading, kind) for kind in ("responded", "prolonged"))


def adds_to_the_case(text: str, grading: GradingRules | None = None) -> bool:
    """True when the text adds to a reaction told before: how it went, what was done for it
    ("paused. what next") or readings ("no other obs changes, sats 98, BP stable")."""
    grading = grading or rules()
    return (
        says_how_it_responded(text, grading)
        or _has(text, grading, "treated")
        or vital_findings(text, grading)[1]
    )


def says_it_went_on(text: str, grading: GradingRules | None = None) -> bool:
    """True when the text tells a reaction did not settle or came back ("now recurred")."""
    return _has(text, grading or rules(), "prolonged")


def after_infusion_entries(assessment: Assessment, grading: GradingRules | None = None) -> list[str]:
    """The delayed-reaction entries for signs reported after the infusion (fever: same-day
    contact with the site)."""
    grading = grading or rules()
    ids = {f.id for f in assessment.findings}
    return next(
        (entries for sign, entries in grading.after_infusion.items() if sign in ids),
        grading.after_infusion["default"],
    )


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def _has(text: str, grading: GradingRules, kind: str) -> bool:
    """A course word of the kind, not negated; a prolonged word inside a reading told back to
    normal ("now back to 120") is no recurrence, and such a reading is a response; a response
    word inside a sign ("her voice has gone hoarse") is no response; nor is a prolonged word
    inside going ahead with treatment ("still going ahead with course 2?")."""
    recovered = grading.course_words.get("recovered", ())
    proceeding = grading.course_words.get("proceeding", ())
    found = False
    for clause in _clauses(text):
        back = (
            [m.span() for m in grading.words("_recovered", recovered).finditer(clause)] if recovered else []
        )
        ahead = (
            [m.span() for m in grading.words("_proceeding", proceeding).finditer(clause)]
            if proceeding
            else []
        )
        signs = [
            m.span()
            for sign in (grading.signs if kind == "responded" else ())
            for m in grading.words(sign["id"], tuple(sign["words"])).finditer(clause)
        ]
        for m in grading.words(f"_{kind}", grading.course_words[kind]).finditer(clause):
            inside = _overlaps(m.span(), back + ahead if kind == "prolonged" else signs)
            if not _negated(clause, m.start(), grading.negations) and not inside:
                found = True
        if kind == "responded" and any(not _negated(clause, start, grading.negations) for start, _ in back):
            found = True
    # back after the restart ("restarted at half, now rigors + 39.1 again"): a recurrence
    return found or (kind == "prolonged" and RESTARTED_THEN_AGAIN.search(text.lower()) is not None)


def _responded_promptly(
    findings: tuple[Finding, ...], text: str, grading: GradingRules, response: dict[str, Any]
) -> bool:
    """Only signs of the response's systems (circulation and general for a prompt response;
    airway, breathing, skin and general for signs easing), none of grade 4 or a reading below
    its threshold for easing signs, and they came back or eased with treatment, with no sign of
    going on."""
    systems = set(response.get("systems", ()))
    return bool(
        systems
        and all(f.system in systems and f.grade != "4" for f in findings)
        and _has(text, grading, "responded")
        and not _has(text, grading, "prolonged")
        and not _has(text, grading, "life_threatening")
        and not (
            response.get("unless")
            # without the words a shorthand expansion keeps in brackets: "no piriton" reads
            # "no antihistamine (piriton)", and the bracket would part it from its negation
            and _named(
                BRACKETED.sub("", text), f"_unless {response['label']}", tuple(response["unless"]), grading
            )
        )
    )


def assess(
    text: str,
    stated_grade: str | None = None,
    grading: GradingRules | None = None,
    symptoms: Iterable[str] = (),
) -> Assessment | None:
    """The grade a description of a reaction supports, or None when it names no sign.

    Airway, breathing or circulation signs, SpO2 below 92 % or hypotension make it
    grade 3-4 (grade 4 when life-threatening); sudden focal neurological signs are a
    possible stroke; other signs are grade 1-2, narrowed by how the reaction
    responded (settled after a pause or treatment: 2; not settling or back after
    improving: 3; mild and transient: 1). A grade staff state is kept unless the
    signs support a higher one.
    """
    grading = grading or rules()
    signs = sign_findings(text, grading, symptoms)
    vitals, _ = vital_findings(text, grading)
    seen = vitals + [s for s in signs if not (s.id == "fever" and any(v.id == "fever" for v in vitals))]
    findings = tuple(seen + together_findings(text, seen, grading))
    if not findings:
        return None
    systems = {f.system for f in findings}
    if any(f.grade == "4" for f in findings):
        outcome = "4"
    elif systems & set(EMERGENCY_SYSTEMS) and _responded_promptly(
        findings, text, grading, grading.prompt_response
    ):
        response = grading.prompt_response
        prompt = Finding("prompt-response", "general", response["label"], "2", tuple(response["cites"]))
        stated = stated_grade in SEVERITY and SEVERITY.index(str(stated_grade)) > SEVERITY.index("2")
        return Assessment(str(stated_grade) if stated else PROMPT, (*findings, prompt), stated_grade)
    elif (
        systems & {"airway", "breathing"}
        and not any(f.id in grading.vitals for f in findings)
        and _responded_promptly(findings, text, grading, grading.settling_response)
    ):
        response = grading.settling_response
        easing = Finding("settling", "general", response["label"], "2", tuple(response["cites"]))
        return Assessment(SETTLING, (*findings, easing), stated_grade)
    elif systems & set(EMERGENCY_SYSTEMS):
        outcome = "3-4"
    elif any(f.outcome for f in findings):
        # an emergency outcome (meningitis) before another one (a rhythm to assess)
        outcomes = [f.outcome for f in findings if f.outcome]
        first = next((o for o in outcomes if o in EMERGENCY_OUTCOMES), outcomes[0])
        return Assessment(first, findings, stated_grade)
    elif _has(text, grading, "life_threatening"):
        outcome = "4"
    elif _has(text, grading, "prolonged"):
        outcome = "3"
    elif _has(text, grading, "untreated"):
        outcome = "1"
    elif _has(text, grading, "responded") or _has(text, grading, "treated"):
        outcome = "2"
    elif all(f.grade == "1" for f in findings) or _has(text, grading, "transient"):
        outcome = "1"
    else:
        outcome = "1-2"
    if stated_grade in SEVERITY and SEVERITY.index(stated_grade) > SEVERITY.index(outcome):
        outcome = stated_grade
    if stated_grade == "5":
        outcome = "4"
    return Assessment(outcome, findings, stated_grade)


def assess_unnamed(
    text: str, stated_grade: str | None = None, grading: GradingRules | None = None
) -> Assessment | None:
    """The grade of a reaction told only by how it responded ("needed IV fluids, settled
    quickly - grade?"): life-threatening (intensive care) 4, not settling or back again 3,
    no pause or treatment needed 1, settled after a pause or treatment 2, mild and
    transient 1; None when the text tells neither signs nor response."""
    grading = grading or rules()
    if not grading.unnamed:
        return None
    if _has(text, grading, "life_threatening"):
        outcome = "4"
    elif _has(text, grading, "prolonged"):
        outcome = "3"
    elif _has(text, grading, "untreated"):
        outcome = "1"
    elif _has(text, grading, "responded") or _has(text, grading, "treated"):
        outcome = "2"
    elif _has(text, grading, "transient"):
        outcome = "1"
    else:
        return None
    if stated_grade in SEVERITY and SEVERITY.index(stated_grade) > SEVERITY.index(outcome):
        outcome = stated_grade
    finding = Finding(
        "unnamed", "general", grading.unnamed["label"], outcome, tuple(grading.unnamed["cites"])
    )
    return Assessment(outcome, (finding,), stated_grade)


def delayed_event_entries(symptoms: list[str], grading: GradingRules | None = None) -> list[str]:
    """The delayed-event entries for symptoms relayed after the infusion ("bruises and
    bleeding gums three weeks on": ITP), in the order named, each once."""
    grading = grading or rules()
    entries = [e for s in symptoms for e in grading.after_infusion_symptoms.get(s, ())]
    return list(dict.fromkeys(entries))
