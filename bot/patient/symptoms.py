"""The symptom catalogue: the lexicon (knowledge/symptoms.yml) with each symptom's triage class, and
the ConText rules (knowledge/context_rules.yml) and grammar the reader applies."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml
from bot.patient.findings import SEVERITY_RANK

SYMPTOMS_FILE = KNOWLEDGE_DIR / "symptoms.yml"
CONTEXT_FILE = KNOWLEDGE_DIR / "context_rules.yml"
GRAMMAR_FILE = KNOWLEDGE_DIR / "symptom_grammar.yml"
SPELLING_FILE = KNOWLEDGE_DIR / "spelling.yml"

CLASSES = ("emergency", "urgent", "routine")
SEVERITY_LEVELS = tuple(SEVERITY_RANK)  # mild, moderate, severe
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
_GROUP = re.compile(r"\{([^{}]*)\}")
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_CHARS = re.compile(r"\s+|.", re.S)
_ID = re.compile(r"^[a-z0-9_]+$")
_WORD = re.compile(r"(?<![\w'])[\w']+(?![\w'])")
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")  # a word of letters ("can't" whole), for typos


class LexiconError(ValueError):
    """A lexicon or ConText rule file is invalid; the message names the entry."""


def normalise(text: str) -> tuple[str, list[int]]:
    """Text as matched: whitespace runs become one space and a hyphen between letters
    a space ("light-headed" = "light headed"). Also returns, for each character of the
    result, its index in `text`."""
    out, index = [], []
    for m in _CHARS.finditer(text):
        if not m.group().isspace():
            out.append(m.group())
        elif out and out[-1] != " ":
            out.append(" ")
        else:
            continue
        index.append(m.start())
    return _WORD_HYPHEN.sub(" ", "".join(out)), index


def _squash(text: str) -> str:
    """`normalise` without the character map, stripped: expanding the lexicon squashes
    ~130,000 phrases, and the map cost a second of every start-up."""
    return _WORD_HYPHEN.sub(" ", " ".join(text.split()))


def respell(text: str, index: list[int], words: dict[str, str]) -> tuple[str, list[int]]:
    """Replace whole words by their spelling in `words` (lower-case keys): "cant" ->
    "can't". `index` maps each character of `text` to the original message; the result
    comes with the same map for the new text, each replacement's characters pointing
    into the word it replaced."""
    out: list[str] = []
    new_index: list[int] = []
    last = 0
    for m in _WORD.finditer(text):
        replacement = words.get(m.group().lower())
        if replacement is None:
            continue
        out.append(text[last : m.start()])
        new_index += index[last : m.start()]
        width = m.end() - m.start()
        out.append(replacement)
        new_index += [index[m.start() + min(i, width - 1)] for i in range(len(replacement))]
        last = m.end()
    out.append(text[last:])
    new_index += index[last:]
    return "".join(out), new_index


@lru_cache(maxsize=None)
def load_spelling(path: Path = SPELLING_FILE) -> dict[str, str]:
    """Respellings of knowledge/spelling.yml, keyed by the lower-case word."""
    data = read_yaml(path) or {}
    words = data.get("words") or {}
    if not isinstance(words, dict) or not words:
        raise LexiconError(f"{path.name}: needs a `words` mapping")
    return {str(k).lower(): str(v) for k, v in words.items()}


@dataclass(frozen=True)
class GrammarRule:
    """A body part and a sign that, close together, make a symptom."""

    symptom: str
    parts: frozenset[str]
    signs: frozenset[str]
    window: int
    needs_lead: bool = False  # the sign counts only right after a lead word ("won't stop")
    part_first: bool = (
        False  # the sign counts only after the part ("face going huge", not "huge spots on my face")
    )


@dataclass(frozen=True)
class Grammar:
    """The rules of knowledge/symptom_grammar.yml."""

    rules: tuple[GrammarRule, ...]
    breaks: frozenset[str]
    lead: frozenset[str]
    negations: frozenset[str] = frozenset()
    inability: frozenset[str] = frozenset()
    fillers: frozenset[str] = frozenset()  # "can't get it to stop": between a negation and its sign


@lru_cache(maxsize=None)
def load_grammar(path: Path = GRAMMAR_FILE, symptoms: Path = SYMPTOMS_FILE) -> Grammar:
    """Read and validate the symptom grammar against the lexicon's symptom ids."""
    data = read_yaml(path) or {}
    known = load_lexicon(symptoms).symptoms
    window = int(data.get("window", 4))
    rules = []
    for i, raw in enumerate(data.get("rules") or []):
        where = f"{path.name}: rule #{i + 1}"
        _require(raw, ("symptom", "parts", "signs"), where)
        _words_only(raw["parts"] + raw["signs"], where)
        if raw["symptom"] not in known:
            raise LexiconError(f"{where}: unknown symptom id '{raw['symptom']}'")
        rules.append(
            GrammarRule(
                raw["symptom"],
                frozenset(str(w).lower() for w in raw["parts"]),
                frozenset(str(w).lower() for w in raw["signs"]),
                int(raw.get("window", window)),
                bool(raw.get("needs_lead", False)),
                bool(raw.get("part_first", False)),
            )
        )
    if not rules:
        raise LexiconError(f"{path.name}: needs `rules`")
    for key in ("breaks", "lead", "negations", "inability", "fillers"):
        _words_only(data.get(key) or [], f"{path.name}: {key}")
    words = {
        key: frozenset(str(w).lower() for w in data.get(key) or ())
        for key in ("breaks", "lead", "negations", "inability", "fillers")
    }
    return Grammar(tuple(rules), **words)


def vocabulary(lexicon: Lexicon, grammar: Grammar) -> set[str]:
    """The words our warning signs and same-day signs are read from: the grammar's
    parts and signs and the words of the emergency and urgent phrases (lower case)."""
    words = {w for rule in grammar.rules for w in rule.parts | rule.signs}
    words |= {
        w
        for s in lexicon.symptoms.values()
        if s.cls != "routine"
        for phrase in s.phrases
        for w in WORD.findall(phrase.lower())
    }
    return words


def expand(template: str) -> list[str]:
    """Expand `{a|b|}` alternatives of a phrase template into plain, normalised phrases."""
    parts = _GROUP.split(template)
    # even indexes are literal text, odd indexes are alternative groups
    choices = [[p] if i % 2 == 0 else p.split("|") for i, p in enumerate(parts)]
    phrases = (_squash("".join(combo)) for combo in itertools.product(*choices))
    return list(dict.fromkeys(p for p in phrases if p))


def expand_all(templates: list[str]) -> list[str]:
    """Expand a list of templates, keeping order and dropping duplicates."""
    return list(dict.fromkeys(p for t in templates for p in expand(str(t))))


@dataclass(frozen=True)
class Symptom:
    """A canonical symptom with its triage class and lay phrasings."""

    id: str
    term: str
    name: str
    cls: str
    phrases: tuple[str, ...]
    not_phrases: tuple[str, ...]
    source: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """All symptoms plus the severity words of the patient-facing lexicon."""

    symptoms: dict[str, Symptom]
    severity_words: dict[str, str]  # phrase -> mild | moderate | severe
    severity_scores: dict[str, tuple[int, int]]  # level -> inclusive 0-10 rating range
    severity_source: str
    severity_cites: tuple[str, ...]
    readings: tuple["Reading", ...] = ()
    complaints: "Complaints | None" = None
    not_temperature: tuple[str, ...] = ()  # names a bare decimal after them is not a temperature of


@dataclass(frozen=True)
class Complaints:
    """Words that say something is wrong, for a message no symptom was read from
    (bot/patient/unplaced.py), with the words that deny one before it or end it after it."""

    words: frozenset[str]
    denials: frozenset[str]
    endings: frozenset[str]


@dataclass(frozen=True)
class Reading:
    """A home-device reading that is a symptom when below a threshold (a pulse oximeter)."""

    symptom: str
    names: tuple[str, ...]
    below: float
    at_least: float
    pressure: bool = False  # a blood-pressure pair ("75/45"): `below` applies to the systolic


@dataclass(frozen=True)
class ContextRuleSpec:
    """One ConText modifier rule, already expanded to a plain phrase."""

    literal: str
    category: str
    direction: str
    max_scope: int | None


@dataclass(frozen=True)
class ContextConfig:
    """ConText rules and how their categories map to finding statuses."""

    rules: tuple[ContextRuleSpec, ...]
    status_by_category: dict[str, str]  # in priority order, highest first
    terminated_by: dict[str, tuple[str, ...]]
    reach_categories: frozenset[str]
    fillers: frozenset[str]
    list_words: frozenset[str]
    list_lookahead: int
    # category -> the only symptom ids its cues modify (ConText allowed_types)
    applies_to: dict[str, frozenset[str]] = field(default_factory=dict)
    # (categories, status): a status set only when all the categories modify a finding,
    # checked before `status_by_category`
    together: tuple[tuple[frozenset[str], str], ...] = ()
    # categories that count for `together` wherever their cue is in the message (a question
    # asked in the next sentence: "My mum had a stroke at 70. Am I more likely to have one?")
    message_wide: frozenset[str] = frozenset()


def _words_only(words: list[Any], where: str) -> None:
    """YAML reads a bare no, yes, on or off as a boolean: a word list must hold strings."""
    odd = [w for w in words if not isinstance(w, str)]
    if odd:
        raise LexiconError(f'{where}: {odd} read as non-words; quote them (e.g. "no")')


def _require(raw: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if not raw.get(k)]
    if missing:
        raise LexiconError(f"{where}: missing {', '.join(missing)}")


def _symptom(raw: dict[str, Any], index: int) -> Symptom:
    where = f"{SYMPTOMS_FILE.name}: symptom #{index + 1} ({raw.get('id', '?')})"
    _require(raw, ("id", "term", "name", "class", "phrases", "source", "cites"), where)
    if not _ID.match(str(raw["id"])):
        raise LexiconError(f"{where}: id must match [a-z0-9_]+")
    if raw["class"] not in CLASSES:
        raise LexiconError(f"{where}: class must be one of {CLASSES}")
    return Symptom(
        id=raw["id"],
        term=raw["term"],
        name=raw["name"],
        cls=raw["class"],
        phrases=tuple(expand_all(raw["phrases"])),
        not_phrases=tuple(expand_all(raw.get("not_phrases") or [])),
        source=raw["source"],
        cites=tuple(raw["cites"]),
    )


@lru_cache(maxsize=None)
def load_lexicon(path: Path = SYMPTOMS_FILE) -> Lexicon:
    """Read and validate the symptom lexicon."""
    data = read_yaml(path)
    symptoms: dict[str, Symptom] = {}
    for i, raw in enumerate(data.get("symptoms") or []):
        symptom = _symptom(raw, i)
        if symptom.id in symptoms:
            raise LexiconError(f"{path.name}: duplicate symptom id '{symptom.id}'")
        symptoms[symptom.id] = symptom
    severity = data.get("severity") or {}
    words: dict[str, str] = {}
    for level, templates in (severity.get("levels") or {}).items():
        if level not in SEVERITY_LEVELS:
            raise LexiconError(f"{path.name}: severity level '{level}' not in {SEVERITY_LEVELS}")
        words.update({w.lower(): level for w in expand_all(templates)})
    scores = {level: (int(lo), int(hi)) for level, (lo, hi) in (severity.get("scores") or {}).items()}
    if not symptoms or not words or set(scores) - set(SEVERITY_LEVELS):
        raise LexiconError(f"{path.name}: needs `symptoms`, `severity.levels` and valid `severity.scores`")
    readings = tuple(
        Reading(
            str(r["symptom"]),
            tuple(str(n).lower() for n in r["names"]),
            float(r["below"]),
            float(r["at_least"]),
            bool(r.get("pressure", False)),
        )
        for r in data.get("readings") or ()
    )
    unknown = [r.symptom for r in readings if r.symptom not in symptoms]
    if unknown:
        raise LexiconError(f"{path.name}: readings name unknown symptoms {unknown}")
    raw_complaints = data.get("complaints") or {}
    complaints = Complaints(
        *(
            frozenset(str(w).lower() for w in raw_complaints.get(k) or ())
            for k in ("words", "denials", "endings")
        )
    )
    return Lexicon(
        symptoms,
        words,
        scores,
        str(severity.get("source", "")),
        tuple(severity.get("cites") or ()),
        readings,
        complaints,
        tuple(str(n).lower() for n in (data.get("decimal_temperature") or {}).get("not_after") or ()),
    )


@lru_cache(maxsize=None)
def load_context_config(path: Path = CONTEXT_FILE) -> ContextConfig:
    """Read and validate the ConText rules for patient language."""
    data = read_yaml(path)
    status = {s["category"]: s["status"] for s in data["status"]}
    scopes: dict[str, int] = data.get("max_scope") or {}
    rules: list[ContextRuleSpec] = []
    for i, raw in enumerate(data.get("rules") or []):
        where = f"{path.name}: rule #{i + 1}"
        _require(raw, ("literal", "category", "direction"), where)
        if raw["direction"] not in DIRECTIONS:
            raise LexiconError(f"{where}: direction must be one of {DIRECTIONS}")
        scope = raw.get("max_scope", scopes.get(raw["category"]))
        rules += [
            ContextRuleSpec(p, raw["category"], raw["direction"], scope) for p in expand(raw["literal"])
        ]
    reach = data.get("reach") or {}
    return ContextConfig(
        rules=tuple(rules),
        status_by_category=status,
        terminated_by={k: tuple(v) for k, v in (data.get("terminated_by") or {}).items()},
        reach_categories=frozenset(reach.get("categories") or ()),
        fillers=frozenset(str(w).lower() for w in reach.get("fillers") or ()),
        list_words=frozenset(str(w).lower() for w in reach.get("list_words") or ()),
        list_lookahead=int(reach.get("lookahead", 3)),
        applies_to={k: frozenset(str(s) for s in v) for k, v in (data.get("applies_to") or {}).items()},
        together=tuple((frozenset(t["categories"]), str(t["status"])) for t in data.get("together") or ()),
        message_wide=frozenset(data.get("message_wide") or ()),
    )
