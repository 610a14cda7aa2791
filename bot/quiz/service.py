"""The onboarding quiz's use cases, free of Rasa: actions/quiz.py only translates.

Each method is one use case in one transaction on the user database (quiz state is
kept there, keyed by the user id, so a quiz survives a server restart).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.quiz import store
from bot.quiz.answers import parse_answer
from bot.quiz.bank import Question, QuizBank
from bot.quiz.engine import Result
from bot.staff.shorthand import expand


@dataclass(frozen=True)
class Started:
    """A quiz started or resumed: where it stands, and the topic asked for if unknown."""

    resumed: bool
    number: int  # the question to ask next, from 1
    total: int
    topic_label: str
    unknown_topic: str | None = None


@dataclass(frozen=True)
class Position:
    """The user's open quiz: its current question, numbered from 1."""

    question: Question
    number: int
    total: int


@dataclass(frozen=True)
class Marked:
    """A reply to the current question: parsed (None = not an answer), and whether it ended the quiz."""

    question: Question
    understood: bool
    choice: int | None = None  # None with `understood`: skipped
    finished: bool = False


class QuizService:
    """The quiz from one bank, stored in one user database."""

    def __init__(self, bank: QuizBank, sessions: sessionmaker[Session]) -> None:
        self.bank = bank
        self.sessions = sessions

    def topics(self) -> list[str]:
        """The labels of the topics that have questions."""
        with_questions = {q.topic for q in self.bank.questions.values()}
        return [label for t, label in self.bank.topic_labels.items() if t in with_questions]

    def start(
        self, user_id: str, asked_topic: str | None, text: str, display_name: str | None, channel: str | None
    ) -> Started:
        """Start a quiz on the topic asked (an entity, else its natural name anywhere in `text`,
        shorthand expanded: "drill me on obs") or
        resume the user's paused one."""
        bank = self.bank
        topic = bank.resolve_topic(asked_topic) if asked_topic else bank.resolve_topic(expand(text))
        with self.sessions.begin() as session:
            attempt, resumed = store.start_or_resume(
                session, user_id, bank, topic=topic, display_name=display_name, channel=channel
            )
            number, total = attempt.position + 1, len(attempt.question_ids)
        return Started(
            resumed,
            number,
            total,
            bank.topic_labels[topic] if topic else "all topics",
            asked_topic if asked_topic and topic is None else None,
        )

    def current(self, user_id: str) -> Position | None:
        """The user's open quiz and its current question, if any."""
        with self.sessions() as session:
            attempt = store.active_attempt(session, user_id)
            if attempt is None:
                return None
            return Position(
                self.bank.questions[attempt.current_question_id],
                attempt.position + 1,
                len(attempt.question_ids),
            )

    def answer(self, user_id: str, reply: str) -> Marked | None:
        """Mark a reply to the current question and move on; None when no quiz is open."""
        with self.sessions.begin() as session:
            attempt = store.active_attempt(session, user_id)
            if attempt is None:
                return None
            question = self.bank.questions[attempt.current_question_id]
            parsed = parse_answer(reply, question.options)
            if parsed is None:
                return Marked(question, understood=False)
            choice = parsed if isinstance(parsed, int) else None  # else skipped
            store.record_answer(session, attempt, self.bank, choice)
            return Marked(question, True, choice, attempt.status == store.FINISHED)

    def last_result(self, user_id: str) -> Result | None:
        """The score of the user's most recently finished quiz."""
        with self.sessions() as session:
            attempt = store.last_finished(session, user_id)
            return None if attempt is None else store.result_of(attempt, self.bank)

    def progress(self, user_id: str) -> store.QuizRecord | None:
        """The user's quiz record (finished quizzes, best score, pass, paused quiz)."""
        with self.sessions() as session:
            return store.progress(session, user_id)
