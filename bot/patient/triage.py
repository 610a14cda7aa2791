"""Symptom triage: a report -> emergency / urgent / routine, driven by knowledge/triage.yml.

Pure functions over dataclasses; all clinical wording comes from the YAML files.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, cast

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.sites import Site
from bot.core.yamlfile import read_yaml
from bot.patient.findings import (
    DAYS_ENTITY,
    LANGUAGE_ENTITY,
    SEVERITY_ENTITY,
    SEVERITY_RANK,
    SYMPTOM_ENTITY,
    TEMPERATURE_ENTITY,
    Extraction,
    Finding,
)
from bot.patient.nlp.language import foreign_reply
from bot.patient.symptoms import CLASSES, SEVERITY_LEVELS, Lexicon, load_lexicon
from bot.patient.unplaced import unplaced_complaint

TRIAGE_FILE = KNOWLEDGE_DIR / "triage.yml"
SOURCES_FILE = KNOWLEDGE_DIR / "sources.yml"
DISPOSITIONS = ("emergency", "urgent", "routine")  # most urgent first
CONDITIONS = {
    "any_present",
    "any_present_class",
    "also_present",
    "any_resolved",
    "any_resolved_class",
    "any_gradual",
    "severity_at_least",
    "temperature_c_at_least",
    "temperature_c_below",
    "temperature_known",
    "feverish",
    "days_since_infusion_at_most",
    "days_since_infusion_at_least",
    "nothing_present",
    "unclear",
    "hypothetical_question",
    "usual_symptoms",
    "someone_else_class",
    "screen",
    "not_english",
    "foreign_red_flag",
    "unplaced",
}
SCREEN_ANSWERS = ("none", "yes", "unclear")  # besides a screen option id
# A report with a finding of one of these statuses, or a temperature, was understood;
# one with neither (nothing, or only denied or long-past symptoms) is "unclear" and
# never routine.
UNDERSTOOD = ("present", "hypothetical", "usual", "resolved", "gradual", "family")
SITE_FIELDS = ("emergency_number", "site_name", "site_phone", "on_call")


class TriageConfigError(ValueError):
    """knowledge/triage.yml is invalid; the message names the rule at fault."""


@dataclass(frozen=True)
class Report:
    """What is known about the patient's situation, possibly gathered over several turns."""

    findings: tuple[Finding, ...] = ()
    severity: str | None = None  # mild | moderate | severe, for symptoms without their own
    temperature_c: float | None = None
    days_since_infusion: int | None = None
    course: int | None = None  # treatment course (1, 2, 3...), carried for reports
    screen: str | None = None  # the red-flag screen's answer: none | yes | unclear | an option id
    language: str | None = None  # ISO code of a message not in English (bot.patient.nlp.language)
    foreign_red_flag: bool = False  # that message uses a warning sign's word
    unplaced: bool = False  # a complaint word outside everything read (bot.patient.unplaced)

    @classmethod
    def from_extraction(cls, extraction: Extraction, course: int | None = None) -> Report:
        """A report holding everything read from one message."""
        read = [(f.start, f.end) for f in extraction.findings] + list(extraction.spans.values())
        return cls(
            extraction.findings,
            extraction.severity,
            extraction.temperature_c,
            extraction.days_since_infusion,
            course,
            unplaced=unplaced_complaint(extraction.text, read),
        )

    @classmethod
    def from_entities(cls, entities: list[dict[str, Any]], course: int | None = None) -> Report:
        """A report from SymptomExtractor entities, e.g. collected over several turns.

        Takes the highest temperature, the last days_since_infusion and the strongest severity.
        """
        findings, temps, days, levels, languages = [], [], [], [], []
        for e in entities:
            kind, value = e.get("entity"), e.get("value")
            value = cast(Any, value)  # the entity's own type: text, number of days, °C
            if kind == SYMPTOM_ENTITY:
                findings.append(
                    Finding(
                        str(value),
                        str(e.get("text", value)),
                        int(e.get("start", 0)),
                        int(e.get("end", 0)),
                        e.get("role") or "present",
                        e.get(SEVERITY_ENTITY),
                    )
                )
            elif kind == TEMPERATURE_ENTITY:
                temps.append(float(value))
            elif kind == DAYS_ENTITY:
                days.append(int(value))
            elif kind == SEVERITY_ENTITY and value in SEVERITY_RANK:
                levels.append(str(value))
            elif kind == LANGUAGE_ENTITY:
                languages.append((str(value), e.get("role") == "red_flag"))
        return cls(
            tuple(findings),
            max(levels, key=SEVERITY_RANK.__getitem__, default=None),
            max(temps, default=None),
            days[-1] if days else None,
            course,
            language=languages[0][0] if languages else None,
            foreign_red_flag=any(flag for _, flag in languages),
        )

    def present(self) -> list[Finding]:
        """Findings the patient has now (not negated, hypothetical, historical or resolved).

        Someone else's sign that is not a red flag counts: whoever writes "my wife keeps
        throwing up" is most often caring for the patient, and leaving it out would end
        an understood report routine. Someone else's red flag keeps its own rule
        (someone-else-red-flag: "call for them").
        """
        symptoms = load_lexicon().symptoms
        return [
            f
            for f in self.findings
            if f.is_present or (f.status == "family" and symptoms[f.symptom].cls != "emergency")
        ]

    def with_status(self, status: str) -> list[str]:
        """Symptom ids with the given status that are not also present, in order, no repeats."""
        present = {f.symptom for f in self.present()}
        return list(
            dict.fromkeys(f.symptom for f in self.findings if f.status == status and f.symptom not in present)
        )


@dataclass(frozen=True)
class Rule:
    """One triage rule of knowledge/triage.yml."""

    id: str
    disposition: str
    when: dict[str, Any]
    advice: str
    worse_advice: str
    source: str
    cites: tuple[str, ...]
    headline: str | None = None  # overrides the disposition's headline
    contact: str | None = None  # overrides the disposition's contact line
    review: bool = False  # the message was not understood: the site team reads the words


@dataclass(frozen=True)
class Decision:
    """The disposition for a report, the rule that fired and what to tell the patient.

    `advice` and `worse_advice` still hold the site placeholders ({emergency_number},
    {site_phone}...), which `format_reply` fills in. `if_case` is the decision that
    would apply if the symptoms in `hypothetical_for` occurred (its `present` lists them).
    """

    disposition: str
    rule_id: str
    headline: str
    advice: str
    worse_advice: str
    source: str
    cites: tuple[str, ...]
    source_line: str
    present: tuple[str, ...]
    hypothetical_for: tuple[str, ...] = ()
    if_case: Decision | None = None
    someone_else: tuple[str, ...] = ()  # red flags reported about another person
    rules_fired: tuple[str, ...] = ()  # every rule that held, in file order
    contact: str | None = None  # the rule's own contact line, if it has one
    language: str | None = None  # the message's language when not English


@dataclass(frozen=True)
class TriageConfig:
    """Rules and wording of knowledge/triage.yml, validated against the lexicon."""

    rules: tuple[Rule, ...]
    dispositions: dict[str, dict[str, str]]
    reply: dict[str, str]
    source_tags: dict[str, str]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_wording(config: dict[str, Any], rules: list[Rule]) -> None:
    allowed = set(SITE_FIELDS) | {"symptoms"}
    texts = [
        (f"rule '{r.id}'", t)
        for r in rules
        for t in (r.advice, r.worse_advice, r.headline or "", r.contact or "")
    ]
    texts += [(f"disposition '{d}'", t) for d, w in config["dispositions"].items() for t in w.values()]
    texts += [(f"reply '{k}'", t) for k, t in config["reply"].items() if k != "source"]
    for where, text in texts:
        if _placeholders(text) - allowed:
            raise TriageConfigError(f"{where}: unknown placeholder(s) {_placeholders(text) - allowed}")
    needs = {"emergency": {"emergency_number", "site_phone", "on_call"}, "urgent": {"site_phone", "on_call"}}
    for disposition, required in needs.items():
        wording = config["dispositions"].get(disposition) or {}
        said = set().union(*(_placeholders(t) for t in wording.values())) if wording else set()
        if required - said:
            raise TriageConfigError(f"disposition '{disposition}' must name {sorted(required - said)}")


def _check_rule(rule: Rule, lexicon: Lexicon) -> None:
    where = f"{TRIAGE_FILE.name}: rule '{rule.id}'"
    if rule.disposition not in DISPOSITIONS:
        raise TriageConfigError(f"{where}: disposition must be one of {DISPOSITIONS}")
    if not rule.when or set(rule.when) - CONDITIONS:
        raise TriageConfigError(f"{where}: `when` needs conditions among {sorted(CONDITIONS)}")
    named = [
        *rule.when.get("any_present", ()),
        *rule.when.get("also_present", ()),
        *rule.when.get("any_resolved", ()),
        *rule.when.get("any_gradual", ()),
    ]
    unknown = set(named) - set(lexicon.symptoms)
    if unknown:
        raise TriageConfigError(f"{where}: unknown symptom id(s) {sorted(unknown)}")
    for key in ("someone_else_class", "any_resolved_class", "any_present_class"):
        if rule.when.get(key, "emergency") not in CLASSES:
            raise TriageConfigError(f"{where}: {key} must be one of {CLASSES}")
    if "screen" in rule.when and rule.when["screen"] not in SCREEN_ANSWERS:
        raise TriageConfigError(f"{where}: screen must be one of {SCREEN_ANSWERS}")
    if rule.when.get("severity_at_least", "mild") not in SEVERITY_RANK:
        raise TriageConfigError(f"{where}: severity_at_least must be one of {SEVERITY_LEVELS}")
    if not (rule.advice and rule.worse_advice and rule.source and rule.cites):
        raise TriageConfigError(f"{where}: needs advice, worse_advice, source and cites")


def _check_coverage(rules: list[Rule], lexicon: Lexicon) -> None:
    """Every symptom must be named by a rule of its own class's disposition."""
    for symptom in lexicon.symptoms.values():
        if not any(
            r.disposition == symptom.cls
            and (
                symptom.id in r.when.get("any_present", ()) or r.when.get("any_present_class") == symptom.cls
            )
            for r in rules
        ):
            raise TriageConfigError(f"symptom '{symptom.id}' ({symptom.cls}) has no {symptom.cls} rule")


def _source_tags(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = read_yaml(path) or {}
    return {s["id"]: s["tag"] for s in data.get("sources") or [] if "id" in s and "tag" in s}


@lru_cache(maxsize=None)
def load_triage(path: Path = TRIAGE_FILE, sources: Path = SOURCES_FILE) -> TriageConfig:
    """Read and validate the triage rules and wording."""
    data = read_yaml(path)
    lexicon = load_lexicon()
    rules = [
        Rule(
            id=r["id"],
            disposition=r["disposition"],
            when=dict(r.get("when") or {}),
            advice=r.get("advice", ""),
            worse_advice=r.get("worse_advice", ""),
            source=r.get("source", ""),
            cites=tuple(r.get("cites") or ()),
            headline=r.get("headline"),
            contact=r.get("contact"),
            review=bool(r.get("review", False)),
        )
        for r in data["rules"]
    ]
    for rule in rules:
        _check_rule(rule, lexicon)
    if len({r.id for r in rules}) != len(rules):
        raise TriageConfigError(f"{path.name}: duplicate rule ids")
    _check_coverage(rules, lexicon)
    _check_wording(data, rules)
    return TriageConfig(tuple(rules), data["dispositions"], data["reply"], _source_tags(sources))


def review_rules() -> frozenset[str]:
    """Ids of the rules whose reports the site team must read ("needs review")."""
    return frozenset(r.id for r in load_triage().rules if r.review)


def _effective_severity(finding: Finding, report: Report) -> int:
    return SEVERITY_RANK.get(finding.severity or report.severity or "", 0)


def _concerned(when: dict[str, Any], report: Report, lexicon: Lexicon) -> list[Finding] | None:
    """The findings a rule is about, or None when the rule does not hold.

    `someone_else_class` is about someone else's findings instead (status "family")
    of that lexicon class that the patient does not also have; `any_resolved` and
    `any_resolved_class` about symptoms that came and went (status "resolved");
    `any_gradual` about symptoms creeping on over days (status "gradual").
    """
    chosen = report.present()
    if "someone_else_class" in when:
        own = {f.symptom for f in chosen}
        chosen = [
            f
            for f in report.findings
            if f.status == "family"
            and f.symptom not in own
            and lexicon.symptoms[f.symptom].cls == when["someone_else_class"]
        ]
    if "any_resolved" in when or "any_resolved_class" in when:
        chosen = [
            f
            for f in report.findings
            if f.status == "resolved"
            and f.symptom in when.get("any_resolved", [f.symptom])
            and lexicon.symptoms[f.symptom].cls
            == when.get("any_resolved_class", lexicon.symptoms[f.symptom].cls)
        ]
    if "any_gradual" in when:
        chosen = [f for f in report.findings if f.status == "gradual" and f.symptom in when["any_gradual"]]
    if "any_present" in when:
        chosen = [f for f in chosen if f.symptom in when["any_present"]]
    if "any_present_class" in when:
        chosen = [f for f in chosen if lexicon.symptoms[f.symptom].cls == when["any_present_class"]]
    if "severity_at_least" in when:
        floor = SEVERITY_RANK[when["severity_at_least"]]
        chosen = [f for f in chosen if _effective_severity(f, report) >= floor]
    if (
        {
            "any_present",
            "any_present_class",
            "any_resolved",
            "any_resolved_class",
            "any_gradual",
            "severity_at_least",
            "someone_else_class",
        }
        & when.keys()
    ) and not chosen:
        return None
    return chosen if all(_holds(name, value, report) for name, value in when.items()) else None


def _holds(condition: str, value: Any, report: Report) -> bool:
    """Whether one of the report-wide conditions holds (finding conditions: _concerned)."""
    temp, days, present = report.temperature_c, report.days_since_infusion, report.present()
    asked = bool(report.with_status("hypothetical"))
    checks: dict[str, Callable[[], bool]] = {
        "also_present": lambda: any(f.symptom in value for f in present),
        "temperature_c_at_least": lambda: temp is not None and temp >= value,
        "temperature_c_below": lambda: temp is not None and temp < value,
        "temperature_known": lambda: (temp is not None) == value,
        "feverish": lambda: (
            any(f.symptom == "fever" for f in present) or (temp is not None and temp >= value)
        ),
        "days_since_infusion_at_most": lambda: days is not None and days <= value,
        "days_since_infusion_at_least": lambda: days is not None and days >= value,
        "nothing_present": lambda: (not present) == value,
        "unclear": lambda: (
            (temp is None and not any(f.status in UNDERSTOOD for f in report.findings)) == value
        ),
        "hypothetical_question": lambda: (asked and not present) == value,
        "usual_symptoms": lambda: bool(report.with_status("usual")) == value,
        "screen": lambda: report.screen == value,
        "not_english": lambda: (report.language is not None) == value,
        "foreign_red_flag": lambda: report.foreign_red_flag == value,
        "unplaced": lambda: report.unplaced == value,
    }
    return checks[condition]() if condition in checks else True


def _fill(template: str, names: str) -> str:
    """Put symptom names into a template; capitalise a sentence that starts with them."""
    text = template.replace("{symptoms}", names)
    return ". ".join(part[:1].upper() + part[1:] for part in text.split(". "))


def _names(ids: list[str], config: TriageConfig, lexicon: Lexicon) -> str:
    return config.reply["symptom_join"].join(lexicon.symptoms[i].name for i in dict.fromkeys(ids))


def _source_line(rule: Rule, config: TriageConfig) -> str:
    """ "Source: <the rule's source> [1][3]", the line every triage reply ends with."""
    tags = "".join(config.source_tags.get(c, f"[{c}]") for c in rule.cites)
    return config.reply["source"].format(source=rule.source, tags=tags)


def rule_source(rule_id: str) -> str:
    """The source line of a rule by id (what the report's triage cited), or "" for an unknown id
    (a rule renamed since the report was made)."""
    config = load_triage()
    rule = next((r for r in config.rules if r.id == rule_id), None)
    return _source_line(rule, config) if rule else ""


def _decide(report: Report, config: TriageConfig, lexicon: Lexicon) -> Decision:
    fired = [
        (rule, found)
        for rule in config.rules
        if (found := _concerned(rule.when, report, lexicon)) is not None
    ]
    if not fired:
        raise TriageConfigError("no triage rule holds for this report; add a fallback rule")
    rule, found = min(fired, key=lambda rf: DISPOSITIONS.index(rf[0].disposition))
    names = _names([f.symptom for f in found], config, lexicon)
    return Decision(
        disposition=rule.disposition,
        rule_id=rule.id,
        headline=rule.headline or config.dispositions[rule.disposition]["headline"],
        advice=_fill(rule.advice, names),
        worse_advice=_fill(rule.worse_advice, names),
        source=rule.source,
        cites=rule.cites,
        source_line=_source_line(rule, config),
        present=tuple(dict.fromkeys(f.symptom for f in report.present())),
        rules_fired=tuple(r.id for r, _ in fired),
        contact=rule.contact,
    )


def triage(report: Report) -> Decision:
    """Decide emergency / urgent / routine for what the patient has now.

    Only present findings count. Symptoms asked about hypothetically get their own
    decision in `if_case`; red flags reported about someone else are listed in
    `someone_else`.
    """
    config, lexicon = load_triage(), load_lexicon()
    decision = _decide(report, config, lexicon)
    asked = report.with_status("hypothetical")
    if asked:
        case = [
            replace(f, status="present")
            for f in report.findings
            if f.symptom in asked and f.status == "hypothetical"
        ]
        decision = replace(
            decision,
            hypothetical_for=tuple(asked),
            if_case=_decide(Report(findings=tuple(case)), config, lexicon),
        )
    others = [s for s in report.with_status("family") if lexicon.symptoms[s].cls == "emergency"]
    return replace(decision, someone_else=tuple(others), language=report.language)


def missing_facts(report: Report) -> list[str]:
    """Report fields the dialogue should still ask for, most useful first.

    Empty when a red flag is present (no questions before emergency advice) or
    when the patient reports no symptom.
    """
    present = report.present()
    if not present or triage(report).disposition == "emergency":
        return []
    lexicon = load_lexicon()
    facts = []
    if report.temperature_c is None and any(f.symptom == "fever" for f in present):
        facts.append("temperature_c")
    if report.severity is None and any(
        f.severity is None and lexicon.symptoms[f.symptom].cls == "routine" for f in present
    ):
        facts.append("severity")
    if report.days_since_infusion is None:
        facts.append("days_since_infusion")
    return facts


def _block(decision: Decision, config: TriageConfig) -> list[str]:
    wording = config.dispositions[decision.disposition]
    return [
        decision.headline,
        decision.advice,
        decision.worse_advice,
        decision.contact or wording["contact"],
        decision.source_line,
    ]


def format_reply(decision: Decision, site: Site) -> str:
    """Patient-facing text for a decision, with the site's numbers filled in.

    A message in another language starts with the emergency number and the site's
    phone in that language (knowledge/languages.yml); a red flag reported about
    someone else comes first otherwise. A purely hypothetical question (nothing
    present, routine otherwise) gets only the advice for that case.
    """
    config, lexicon = load_triage(), load_lexicon()
    lines: list[str] = []
    translated = foreign_reply(decision.language) if decision.language else None
    if translated:
        lines.append(translated)
    if decision.someone_else and decision.disposition != "emergency":
        lines.append(
            config.reply["someone_else"].replace(
                "{symptoms}", _names(list(decision.someone_else), config, lexicon)
            )
        )
    if decision.present or decision.if_case is None or decision.disposition != "routine":
        lines += _block(decision, config)
    if decision.if_case is not None:
        intro = config.reply["hypothetical"].replace(
            "{symptoms}", _names(list(decision.hypothetical_for), config, lexicon)
        )
        lines += [intro] + _block(decision.if_case, config)
    values = {
        "emergency_number": site.emergency_number,
        "site_name": site.name,
        "site_phone": site.site_phone,
        "on_call": site.on_call,
    }
    return "\n".join(" ".join(line.split()).format(**values) for line in lines if line.strip())
