"""Quiz attempts and answers in the user database (bot.core.userdb), keyed by the chat user id.

State lives here rather than in the conversation, so a quiz survives a server
restart and can be resumed from any session.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, String, select
from sqlalchemy.orm import Session, relationship

from bot.core.userdb import UserBase, utcnow
from bot.quiz.answers import LETTERS
from bot.quiz.bank import QuizBank
from bot.quiz.engine import Result, choose_questions, score

IN_PROGRESS, FINISHED, ABANDONED = "in_progress", "finished", "abandoned"


class QuizAttempt(UserBase):
    """One quiz taken by one user: the questions in order and how far they got."""

    __tablename__ = "quiz_attempts"
    id = Column(Integer, primary_key=True)
    user_id = Column(String, nullable=False, index=True)
    display_name = Column(String)
    channel = Column(String)
    topic = Column(String)
    question_ids = Column(JSON, nullable=False)
    position = Column(Integer, nullable=False, default=0)
    status = Column(String, nullable=False, default=IN_PROGRESS)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    finished_at = Column(DateTime)
    score = Column(Float)
    passed = Column(Boolean)
    answers = relationship(
        "QuizAnswer",
        back_populates="attempt",
        order_by="QuizAnswer.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def current_question_id(self) -> str:
        """The question to ask next."""
        return str(self.question_ids[self.position])


class QuizAnswer(UserBase):
    """The user's answer to one question of an attempt."""

    __tablename__ = "quiz_answers"
    id = Column(Integer, primary_key=True)
    attempt_id = Column(Integer, ForeignKey("quiz_attempts.id"), nullable=False, index=True)
    question_id = Column(String, nullable=False)
    given = Column(String)
    correct = Column(Boolean, nullable=False)
    skipped = Column(Boolean, nullable=False, default=False)
    answered_at = Column(DateTime, nullable=False, default=utcnow)
    attempt = relationship("QuizAttempt", back_populates="answers")


def active_attempt(session: Session, user_id: str) -> QuizAttempt | None:
    """The user's unfinished attempt, if any."""
    attempt: QuizAttempt | None = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status == IN_PROGRESS)
        .order_by(QuizAttempt.id.desc())
    ).first()
    return attempt


def last_finished(session: Session, user_id: str) -> QuizAttempt | None:
    """The user's most recently finished attempt, if any."""
    attempt: QuizAttempt | None = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status == FINISHED)
        .order_by(QuizAttempt.id.desc())
    ).first()
    return attempt


def missed_question_ids(session: Session, user_id: str) -> list[str]:
    """Questions whose latest answer by the user was wrong or skipped, oldest miss first."""
    rows = session.execute(
        select(QuizAnswer.question_id, QuizAnswer.correct)
        .join(QuizAttempt)
        .where(QuizAttempt.user_id == user_id)
        .order_by(QuizAnswer.id)
    ).all()
    latest: dict[str, bool] = {}
    for question_id, correct in rows:
        latest.pop(question_id, None)
        latest[question_id] = correct
    return [qid for qid, correct in latest.items() if not correct]


def start_or_resume(
    session: Session,
    user_id: str,
    bank: QuizBank,
    *,
    topic: str | None = None,
    display_name: str | None = None,
    channel: str | None = None,
    rng: random.Random | None = None,
) -> tuple[QuizAttempt, bool]:
    """Resume the user's unfinished quiz, or start a new one; True when resumed.

    Asking for another topic than the paused quiz's closes that quiz as abandoned.
    """
    current = active_attempt(session, user_id)
    if (
        current
        and topic in (None, current.topic)
        and all(qid in bank.questions for qid in current.question_ids[current.position :])
    ):
        current.display_name = display_name or current.display_name
        return current, True
    if current:
        current.status, current.finished_at = ABANDONED, utcnow()
    ids = choose_questions(
        bank.questions.values(), bank.questions_per_quiz, missed_question_ids(session, user_id), topic, rng
    )
    attempt = QuizAttempt(
        user_id=user_id,
        display_name=display_name,
        channel=channel,
        topic=topic,
        question_ids=ids,
        position=0,
        status=IN_PROGRESS,
        started_at=utcnow(),
    )
    session.add(attempt)
    session.flush()
    return attempt, False


def result_of(attempt: QuizAttempt, bank: QuizBank) -> Result:
    """Score an attempt's answers against the bank's pass mark."""
    outcomes = [
        (bank.questions[a.question_id], a.correct) for a in attempt.answers if a.question_id in bank.questions
    ]
    return score(outcomes, bank.pass_mark, list(bank.topic_labels))


def record_answer(session: Session, attempt: QuizAttempt, bank: QuizBank, choice: int | None) -> QuizAnswer:
    """Store the answer to the current question (None = skipped) and move on.

    After the last question the attempt is scored and marked finished.
    """
    question = bank.questions[attempt.current_question_id]
    answer = QuizAnswer(
        question_id=question.id,
        correct=choice == question.answer,
        given=None if choice is None else LETTERS[choice],
        skipped=choice is None,
        answered_at=utcnow(),
    )
    attempt.answers.append(answer)
    attempt.position += 1
    if attempt.position >= len(attempt.question_ids):
        result = result_of(attempt, bank)
        attempt.score, attempt.passed = result.fraction, result.passed
        attempt.status, attempt.finished_at = FINISHED, utcnow()
    session.flush()
    return answer


@dataclass(frozen=True)
class QuizRecord:
    """A user's quiz record, for 'my progress'."""

    finished: int
    best_score: float | None
    passed_at: datetime | None
    last_score: float | None
    position: tuple[int, int] | None
    to_review: int

    def describe(self) -> str:
        """The progress as a few short lines."""
        lines = [f"Quizzes finished: {self.finished}"]
        if self.best_score is not None:
            lines.append(f"Best score: {self.best_score:.0%}; last score: {self.last_score:.0%}")
        lines.append(f"Passed on {self.passed_at:%Y-%m-%d}" if self.passed_at else "Not passed yet")
        if self.position:
            lines.append(
                f"Unfinished quiz: next is question {self.position[0]} of "
                f"{self.position[1]} (say 'resume the quiz' to go on)"
            )
        if self.to_review:
            lines.append(f"Questions to revisit: {self.to_review} (they come first next time)")
        return "\n".join(lines)


def progress(session: Session, user_id: str) -> QuizRecord | None:
    """The user's quiz record, or None if they never started a quiz."""
    attempts = session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id).order_by(QuizAttempt.id)
    ).all()
    if not attempts:
        return None
    done = [a for a in attempts if a.status == FINISHED]
    passed = [a for a in done if a.passed]
    active = next((a for a in reversed(attempts) if a.status == IN_PROGRESS), None)
    return QuizRecord(
        finished=len(done),
        best_score=max((a.score for a in done), default=None),
        passed_at=passed[0].finished_at if passed else None,
        last_score=done[-1].score if done else None,
        position=(active.position + 1, len(active.question_ids)) if active else None,
        to_review=len(missed_question_ids(session, user_id)),
    )


@dataclass(frozen=True)
class RosterRow:
    """One member of staff in the site roster."""

    user_id: str
    display_name: str
    attempts: int
    best_score: float | None
    passed: bool
    passed_at: datetime | None
    last_activity: datetime


def roster(session: Session) -> list[RosterRow]:
    """Everyone who has started a quiz, by name: finished attempts, best score, first pass."""
    by_user: dict[str, list[QuizAttempt]] = {}
    for attempt in session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)):
        by_user.setdefault(attempt.user_id, []).append(attempt)
    rows = []
    for user_id, attempts in by_user.items():
        done = [a for a in attempts if a.status == FINISHED]
        passed = [a for a in done if a.passed]
        name = next((a.display_name for a in reversed(attempts) if a.display_name), user_id)
        rows.append(
            RosterRow(
                user_id=user_id,
                display_name=name,
                attempts=len(done),
                best_score=max((a.score for a in done), default=None),
                passed=bool(passed),
                passed_at=passed[0].finished_at if passed else None,
                last_activity=max(a.finished_at or a.started_at for a in attempts),
            )
        )
    return sorted(rows, key=lambda r: (r.display_name.lower(), r.user_id))
