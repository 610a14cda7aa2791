"""Quiz progress in the user database: resume, persistence, progress, roster and CSV export."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from bot.kb import KnowledgeBase
from bot.ops import cli
from bot.quiz import store
from bot.quiz.bank import QUIZ_FILE, QuizBank, load_bank
from bot.quiz.roster import format_table, write_csv
from tests.support.userdb import session_factory


@pytest.fixture(scope="module")
def bank(kb: KnowledgeBase) -> QuizBank:
    return load_bank(QUIZ_FILE, kb)


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'userdata.db'}"


def answer(session: Session, attempt: store.QuizAttempt, bank: QuizBank, right: bool) -> None:
    question = bank.questions[attempt.current_question_id]
    store.record_answer(
        session, attempt, bank, question.answer if right else (question.answer + 1) % len(question.options)
    )


def test_interrupted_quiz_resumes_where_it_stopped(bank: QuizBank, db_url: str) -> None:
    with session_factory(db_url).begin() as session:
        attempt, resumed = store.start_or_resume(session, "nurse", bank, rng=random.Random(1))
        for _ in range(3):
            answer(session, attempt, bank, True)
        first_ids = list(attempt.question_ids)
    with session_factory(db_url).begin() as session:
        again, resumed = store.start_or_resume(session, "nurse", bank)
        assert resumed and again.position == 3 and again.question_ids == first_ids
        assert len(again.answers) == 3


def test_attempt_survives_a_new_engine_on_the_same_file(bank: QuizBank, db_url: str) -> None:
    with session_factory(db_url).begin() as session:
        attempt, _ = store.start_or_resume(session, "nurse", bank, display_name="Ana", channel="slack")
        for i in range(10):
            answer(session, attempt, bank, i != 0)
    engine = create_engine(db_url, future=True)  # as a restarted server would open it
    try:
        with sessionmaker(engine, future=True)() as session:
            done = store.last_finished(session, "nurse")
            assert done.status == store.FINISHED and done.passed and done.score == 0.9
            assert done.display_name == "Ana" and done.channel == "slack"
            assert [a.correct for a in done.answers].count(False) == 1
    finally:
        engine.dispose()


def test_missed_questions_come_first_next_time(bank: QuizBank, db_url: str) -> None:
    with session_factory(db_url).begin() as session:
        attempt, _ = store.start_or_resume(session, "nurse", bank, rng=random.Random(3))
        missed = [attempt.question_ids[1], attempt.question_ids[4]]
        for i in range(10):
            if i == 4:
                store.record_answer(session, attempt, bank, None)  # skipped
            else:
                answer(session, attempt, bank, i != 1)
        assert store.missed_question_ids(session, "nurse") == missed
        nxt, resumed = store.start_or_resume(session, "nurse", bank, rng=random.Random(4))
        assert not resumed and nxt.question_ids[:2] == missed
        assert len(set(nxt.question_ids)) == 10


def test_asking_for_another_topic_abandons_the_paused_quiz(bank: QuizBank, db_url: str) -> None:
    with session_factory(db_url).begin() as session:
        paused, _ = store.start_or_resume(session, "nurse", bank)
        topical, resumed = store.start_or_resume(session, "nurse", bank, topic="grading")
        assert not resumed and paused.status == store.ABANDONED
        assert {bank.questions[q].topic for q in topical.question_ids} == {"grading"}
        assert store.start_or_resume(session, "nurse", bank)[0] is topical


def test_progress_summary(bank: QuizBank, db_url: str) -> None:
    with session_factory(db_url).begin() as session:
        assert store.progress(session, "nurse") is None
        attempt, _ = store.start_or_resume(session, "nurse", bank)
        for i in range(10):
            answer(session, attempt, bank, i < 6)
        attempt, _ = store.start_or_resume(session, "nurse", bank)
        answer(session, attempt, bank, True)
        record = store.progress(session, "nurse")
    assert record.finished == 1 and record.best_score == 0.6 and record.passed_at is None
    assert record.position == (2, 10) and record.to_review == 3
    text = record.describe()
    assert "Best score: 60%" in text and "Not passed yet" in text and "question 2 of 10" in text


def _two_staff(bank: QuizBank, url: str) -> None:
    with session_factory(url).begin() as session:
        for user, name, right in [("U1", "Ana Nurse", 10), ("U2", None, 5)]:
            attempt, _ = store.start_or_resume(session, user, bank, display_name=name)
            for i in range(10):
                answer(session, attempt, bank, i < right)


def test_roster_table_and_csv_export(bank: QuizBank, db_url: str, tmp_path: Path) -> None:
    _two_staff(bank, db_url)
    with session_factory(db_url)() as session:
        rows = store.roster(session)
    assert [(r.display_name, r.attempts, r.best_score, r.passed) for r in rows] == [
        ("Ana Nurse", 1, 1.0, True),
        ("U2", 1, 0.5, False),
    ]
    table = format_table(rows)
    assert "Ana Nurse" in table and "100%" in table and "50%" in table
    out = tmp_path / "roster.csv"
    write_csv(rows, out)
    with out.open(newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert exported[0]["display_name"] == "Ana Nurse" and exported[0]["passed"] == "yes"
    assert exported[0]["best_score"] == "1.00" and exported[0]["passed_at"]
    assert exported[1]["user_id"] == "U2" and exported[1]["passed"] == "no"
    assert exported[1]["passed_at"] == ""


def test_roster_command_line(
    bank: QuizBank,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _two_staff(bank, db_url)
    monkeypatch.setenv("IAR_USER_DB_URL", db_url)
    out = tmp_path / "export.csv"
    assert cli.main(["roster", "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].startswith("user") and "Ana Nurse" in printed
    assert len(out.read_text().splitlines()) == 3
