"""The knowledge loader: the real files load; bad files fail clearly and change nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.core.paths import KNOWLEDGE_DIR
from bot.kb import KnowledgeBase, KnowledgeError, build


@pytest.fixture()
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of knowledge/."""
    return Path(shutil.copytree(KNOWLEDGE_DIR, tmp_path / "knowledge"))


def _edit_first_entry(folder: Path, file: str, change) -> str:
    path = folder / file
    data = yaml.safe_load(path.read_text())
    change(data["entries"][0])
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return yaml.safe_load((KNOWLEDGE_DIR / file).read_text())["entries"][0]["id"]


def test_real_knowledge_base_loads_every_seed_section(kb: KnowledgeBase) -> None:
    labels = " | ".join(e.source_label for e in kb.entries.values())
    for section in [
        "Q1",
        "Q2",
        "Q3",
        "Q4",
        "Q5",
        "Problem 1",
        "Problem 2",
        "Problem 3",
        "Protocol 1",
        "Protocol 2",
        "Table 1",
        "Table 2",
        "CTCAE",
    ]:
        assert section in labels, f"no entry cites the seed's {section}"
    tags = {e_tag for e in kb.entries.values() for e_tag in e.cite_tags}
    assert {f"[{n}]" for n in (1, 3, 14)} <= tags


def test_every_entry_has_a_source_line_with_citations(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        assert entry.cite_tags, entry.id
        assert entry.source_line.startswith("Source: ") and entry.cite_tags[0] in entry.source_line


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e.pop("answer"), "missing answer"),
        (lambda e: e.update(cites=["no-such-source"]), "cites unknown source 'no-such-source'"),
        (lambda e: e.update(topic="nonsense"), "unknown topic 'nonsense'"),
        (lambda e: e.update(id="Bad Id"), "id must be lower-case"),
        (lambda e: e.update(colour="red"), "unknown key(s) colour"),
        (lambda e: e.update(cites=[]), "cites must be a non-empty list"),
    ],
)
def test_bad_entry_names_file_and_entry_and_keeps_old_database(
    knowledge_copy: Path, tmp_path: Path, change, message: str
) -> None:
    db = tmp_path / "kb.db"
    build(knowledge_copy, db)
    before = db.read_bytes()
    entry_id = _edit_first_entry(knowledge_copy, "faq.yml", change)
    with pytest.raises(KnowledgeError) as err:
        build(knowledge_copy, db)
    assert "faq.yml" in str(err.value) and message in str(err.value)
    if message != "id must be lower-case":
        assert f"'{entry_id}'" in str(err.value)
    assert db.read_bytes() == before
    assert not db.with_suffix(".tmp").exists()


def test_broken_yaml_fails_with_file_name_and_nothing_written(knowledge_copy: Path, tmp_path: Path) -> None:
    (knowledge_copy / "faq.yml").write_text("entries:\n  - id: x\n   answer: [unclosed\n")
    db = tmp_path / "kb.db"
    with pytest.raises(KnowledgeError, match="faq.yml: not valid YAML"):
        build(knowledge_copy, db)
    assert not db.exists()


def test_duplicate_ids_across_files_are_rejected(knowledge_copy: Path, tmp_path: Path) -> None:
    first = yaml.safe_load((knowledge_copy / "faq.yml").read_text())["entries"][0]
    (knowledge_copy / "zz-extra.yml").write_text(yaml.safe_dump({"entries": [first]}))
    with pytest.raises(KnowledgeError, match=f"zz-extra.yml: entry '{first['id']}': id already used"):
        build(knowledge_copy, tmp_path / "kb.db")


def test_all_problems_are_reported_at_once(knowledge_copy: Path, tmp_path: Path) -> None:
    _edit_first_entry(knowledge_copy, "faq.yml", lambda e: e.update(topic="nonsense"))
    _edit_first_entry(knowledge_copy, "grading.yml", lambda e: e.update(cites=["nope"]))
    with pytest.raises(KnowledgeError) as err:
        build(knowledge_copy, tmp_path / "kb.db")
    assert "faq.yml" in str(err.value) and "grading.yml" in str(err.value)


def test_second_general_entry_for_an_intent_is_rejected(knowledge_copy: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((knowledge_copy / "incidence.yml").read_text())
    general = next(e for e in data["entries"] if e.get("intent") and not e.get("when"))
    data["entries"].append({**general, "id": "another-general"})
    (knowledge_copy / "incidence.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError, match="already has a general entry"):
        build(knowledge_copy, tmp_path / "kb.db")


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make kb"):
        KnowledgeBase(tmp_path / "absent.db")
