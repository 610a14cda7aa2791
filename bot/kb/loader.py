"""Validate knowledge/*.yml and build the knowledge database in one step.

All files are read and checked before anything is written; the database is
written to a temporary file and moved into place only when complete, so a bad
entry never leaves a half-loaded knowledge base behind.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bot.core.yamlfile import read_yaml
from bot.kb.models import Base, Citation, Condition, Entry, Source, Topic, Vocabulary

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ENTRY_KEYS = {"id", "topic", "title", "intent", "when", "answer", "source", "cites"}
REQUIRED_ENTRY_KEYS = {"id", "topic", "title", "answer", "source", "cites"}
SOURCE_KEYS = {"id", "tag", "title", "publisher", "note"}
# Files in knowledge/ owned by other loaders (triage, NLP, quiz, channels); skipped here.
OTHER_LOADERS = {
    "symptoms.yml",
    "triage.yml",
    "context_rules.yml",
    "quiz.yml",
    "channel_replies.yml",
    "symptom_grammar.yml",
    "spelling.yml",
    "red_flag_screen.yml",
    "languages.yml",
    "red_flag_paraphrases.yml",
    "shorthand.yml",
    "reaction_grading.yml",
    "staff_cues.yml",
    "subjects.yml",
}
VOCABULARY_KEYS = {
    "severity_words",
    "this_drug",
    "other_drugs",
    "other_drug_suffixes",
    "stop_words",
    "comparison_words",
    "outside_topics",
    "chat_topics",
    "undosed_drugs",
    "dose_words",
    "ranker",
}


class KnowledgeError(ValueError):
    """The knowledge files are invalid; the message names every file and entry at fault."""


@dataclass
class Parsed:
    """Everything read from the knowledge files, validated, ready to write."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    vocabulary: list[tuple[str, str, str]] = field(default_factory=list)


def _read_yaml(path: Path, errors: list[str]) -> Any:
    try:
        return read_yaml(path)
    except yaml.YAMLError as exc:
        errors.append(f"{path.name}: not valid YAML: {exc}")
        return None


def _check_entry(name: str, index: int, raw: Any, errors: list[str]) -> dict[str, Any] | None:
    where = f"{name}: entry #{index + 1}"
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be a mapping")
        return None
    if isinstance(raw.get("id"), str):
        where = f"{name}: entry '{raw['id']}'"
    problems = []
    missing = REQUIRED_ENTRY_KEYS - raw.keys()
    if missing:
        problems.append(f"missing {', '.join(sorted(missing))}")
    unknown = raw.keys() - ENTRY_KEYS
    if unknown:
        problems.append(f"unknown key(s) {', '.join(sorted(unknown))}")
    if "id" in raw and not (isinstance(raw["id"], str) and ID_PATTERN.match(raw["id"])):
        problems.append("id must be lower-case letters, digits and '-'")
    for key in ("title", "answer", "source"):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            problems.append(f"{key} must be non-empty text")
    cites = raw.get("cites")
    if "cites" in raw and not (isinstance(cites, list) and cites and all(isinstance(c, str) for c in cites)):
        problems.append("cites must be a non-empty list of source ids")
    when = raw.get("when", {})
    if not isinstance(when, dict) or not all(
        isinstance(v, (str, int)) or (isinstance(v, list) and v) for v in when.values()
    ):
        problems.append("when must map entity names to a value or a list of values")
    if problems:
        errors.append(f"{where}: {'; '.join(problems)}")
        return None
    entry = dict(raw)
    entry["when"] = {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in when.items()}
    entry["file"] = name
    return entry


def _parse_file(path: Path, parsed: Parsed, errors: list[str]) -> None:
    data = _read_yaml(path, errors)
    if data is None:
        return
    name = path.name
    if not isinstance(data, dict):
        errors.append(f"{name}: must be a mapping at the top level")
        return
    if name == "sources.yml":
        for i, src in enumerate(data.get("sources") or []):
            if not isinstance(src, dict) or not {"id", "tag", "title"} <= src.keys():
                errors.append(f"{name}: source #{i + 1}: needs id, tag and title")
            elif src.keys() - SOURCE_KEYS:
                errors.append(
                    f"{name}: source '{src['id']}': unknown key(s) "
                    f"{', '.join(sorted(src.keys() - SOURCE_KEYS))}"
                )
            else:
                parsed.sources.append(src)
        return
    if name == "topics.yml":
        for i, topic in enumerate(data.get("topics") or []):
            if not isinstance(topic, dict) or not {"id", "label"} <= topic.keys():
                errors.append(f"{name}: topic #{i + 1}: needs id and label")
            else:
                parsed.topics.append(topic)
        return
    unknown = data.keys() - VOCABULARY_KEYS - {"entries"}
    if unknown:
        errors.append(f"{name}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    for kind in VOCABULARY_KEYS & data.keys():
        words = data[kind]
        if isinstance(words, dict):
            parsed.vocabulary += [(kind, str(w).lower(), str(v)) for w, v in words.items()]
        elif isinstance(words, list):
            parsed.vocabulary += [(kind, str(w).lower(), "") for w in words]
        else:
            errors.append(f"{name}: {kind} must be a list or a mapping")
    for i, raw in enumerate(data.get("entries") or []):
        entry = _check_entry(name, i, raw, errors)
        if entry:
            parsed.entries.append(entry)


def _check_references(parsed: Parsed, errors: list[str]) -> None:
    source_ids = {s["id"] for s in parsed.sources}
    topic_ids = {t["id"] for t in parsed.topics}
    if not parsed.sources:
        errors.append("sources.yml: no sources")
    if not parsed.topics:
        errors.append("topics.yml: no topics")
    seen: dict[str, str] = {}
    general: dict[str, str] = {}
    for entry in parsed.entries:
        where = f"{entry['file']}: entry '{entry['id']}'"
        if entry["id"] in seen:
            errors.append(f"{where}: id already used in {seen[entry['id']]}")
        seen[entry["id"]] = entry["file"]
        if entry["topic"] not in topic_ids:
            errors.append(f"{where}: unknown topic '{entry['topic']}'")
        for cite in entry["cites"]:
            if cite not in source_ids:
                errors.append(f"{where}: cites unknown source '{cite}'")
        intent = entry.get("intent")
        if intent and not entry["when"]:
            if intent in general:
                errors.append(f"{where}: intent '{intent}' already has a general entry '{general[intent]}'")
            general[intent] = entry["id"]
    for entry in parsed.entries:
        intent = entry.get("intent")
        if intent and entry["when"] and intent not in general:
            errors.append(
                f"{entry['file']}: entry '{entry['id']}': intent '{intent}' "
                "has no general entry (one without 'when')"
            )
            general[intent] = entry["id"]


def parse(knowledge_dir: Path) -> Parsed:
    """Read and validate every knowledge file; raise KnowledgeError listing all problems."""
    errors: list[str] = []
    parsed = Parsed()
    files = sorted(knowledge_dir.glob("*.yml"))
    if not files:
        raise KnowledgeError(f"{knowledge_dir}: no knowledge files (*.yml)")
    for path in files:
        if path.name not in OTHER_LOADERS:
            _parse_file(path, parsed, errors)
    _check_references(parsed, errors)
    if errors:
        raise KnowledgeError("invalid knowledge base:\n  " + "\n  ".join(errors))
    return parsed


def _write(parsed: Parsed, db_path: Path) -> None:
    engine = create_engine(f"sqlite:///{db_path}", future=True)
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.add_all(Source(**s) for s in parsed.sources)
        session.add_all(Topic(position=i, **t) for i, t in enumerate(parsed.topics))
        session.add_all(Vocabulary(kind=k, word=w, value=v) for k, w, v in parsed.vocabulary)
        for e in parsed.entries:
            session.add(
                Entry(
                    id=e["id"],
                    topic_id=e["topic"],
                    title=e["title"].strip(),
                    intent=e.get("intent"),
                    answer=" ".join(e["answer"].split()),
                    source_label=e["source"].strip(),
                    file=e["file"],
                    conditions=[
                        Condition(entity=k, value=v) for k, values in e["when"].items() for v in values
                    ],
                    citations=[Citation(source_id=c, position=i) for i, c in enumerate(e["cites"])],
                )
            )
        session.flush()
        session.execute(
            text(
                "CREATE VIRTUAL TABLE passages USING fts5("
                "entry_id UNINDEXED, title, body, tokenize='porter unicode61')"
            )
        )
        session.execute(
            text("INSERT INTO passages (entry_id, title, body) SELECT id, title, answer FROM entries")
        )
    engine.dispose()


def build(knowledge_dir: Path, db_path: Path) -> Parsed:
    """Validate the knowledge files and atomically (re)build the database at db_path."""
    parsed = parse(knowledge_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    try:
        _write(parsed, tmp)
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
    return parsed
