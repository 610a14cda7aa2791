"""The quiz bank: the real one loads and agrees with the knowledge base; bad banks fail clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.kb import KnowledgeBase
from bot.quiz.bank import QUIZ_FILE, QuizBank, QuizBankError, load_bank

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
REQUIRED_TOPICS = {
    "incidence",
    "symptoms",
    "mechanism",
    "premedication",
    "administration",
    "monitoring",
    "grading",
    "management",
    "delayed",
    "education",
}


@pytest.fixture(scope="module")
def bank(kb: KnowledgeBase) -> QuizBank:
    return load_bank(QUIZ_FILE, kb)


def _write(tmp_path: Path, change) -> Path:
    """A copy of the real quiz.yml with `change` applied to its parsed data."""
    data = yaml.safe_load(QUIZ_FILE.read_text())
    change(data)
    path = tmp_path / "quiz.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def test_real_bank_loads_with_settings(bank: QuizBank) -> None:
    assert len(bank.questions) >= 30
    assert bank.questions_per_quiz == 10 and bank.pass_mark == 0.8
    assert REQUIRED_TOPICS <= {q.topic for q in bank.questions.values()}


def test_every_question_cites_an_existing_entry_and_shows_its_source(
    bank: QuizBank, kb: KnowledgeBase
) -> None:
    for q in bank.questions.values():
        assert q.entry in kb.entries, q.id
        assert q.source == kb.entries[q.entry].source_line
        assert 3 <= len(q.options) <= 5 and 0 <= q.answer < len(q.options)
        assert "\n" not in q.explanation


def test_figures_in_explanations_and_answers_come_from_the_cited_entry(
    bank: QuizBank, kb: KnowledgeBase
) -> None:
    """Every number the quiz states as true appears in the knowledge entry it cites."""
    for q in bank.questions.values():
        stated = set(NUMBER.findall(f"{q.explanation} {q.options[q.answer]}"))
        missing = stated - set(NUMBER.findall(kb.entries[q.entry].answer))
        assert not missing, f"{q.id}: {missing} not in entry {q.entry}"


def test_question_citing_a_missing_entry_fails_naming_the_question(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = _write(tmp_path, lambda d: d["questions"][0].update(entry="no-such-entry"))
    first = yaml.safe_load(QUIZ_FILE.read_text())["questions"][0]["id"]
    with pytest.raises(QuizBankError) as err:
        load_bank(path, kb)
    assert "quiz.yml" in str(err.value)
    assert f"question '{first}': cites missing knowledge entry 'no-such-entry'" in str(err.value)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda q: q.update(answer="e"), "answer must be one of the letters"),
        (lambda q: q.update(answer="B)"), "answer must be one of the letters"),
        (lambda q: q.update(answer="ab"), "answer must be one of the letters"),
        (lambda q: q.update(options=["yes", "no"]), "needs 3-5 options"),
        (lambda q: q.update(options=list("abcdef")), "needs 3-5 options"),
        (lambda q: q.update(options=["same", "Same", "other"]), "options must differ"),
        (lambda q: q.update(options=["x" * 80, "y", "z"]), "at most 72 characters"),
        (lambda q: q.update(topic="knitting"), "unknown topic 'knitting'"),
        (lambda q: q.pop("explanation"), "missing explanation"),
        (lambda q: q.update(hint="no"), "unknown key(s) hint"),
    ],
)
def test_bad_question_is_reported_with_its_id(
    tmp_path: Path, kb: KnowledgeBase, change, message: str
) -> None:
    path = _write(tmp_path, lambda d: change(d["questions"][1]))
    qid = yaml.safe_load(QUIZ_FILE.read_text())["questions"][1]["id"]
    with pytest.raises(QuizBankError) as err:
        load_bank(path, kb)
    assert f"question '{qid}'" in str(err.value) and message in str(err.value)


def test_duplicate_ids_and_several_problems_are_reported_together(tmp_path: Path, kb: KnowledgeBase) -> None:
    def change(data: dict) -> None:
        data["questions"][2]["id"] = data["questions"][0]["id"]
        data["questions"][3]["entry"] = "gone"
        data["settings"]["pass_mark"] = 80

    with pytest.raises(QuizBankError) as err:
        load_bank(_write(tmp_path, change), kb)
    text = str(err.value)
    assert "duplicate id" in text and "'gone'" in text and "pass_mark" in text


def test_topic_words_resolve_to_topic_ids(bank: QuizBank) -> None:
    assert bank.resolve_topic("premeds") == "premedication"
    assert bank.resolve_topic("Delayed reactions") == "delayed"
    assert bank.resolve_topic("CTCAE grading please") == "grading"
    assert bank.resolve_topic("discharge education") == "education"
    assert bank.resolve_topic("knitting") is None
