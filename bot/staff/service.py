"""The staff journey's use cases, free of Rasa: actions/staff.py only translates.

`answer` turns a staff member's message (its text, NLU intent and entities, the previous
question's context) into a Reply from the knowledge base; `topics` lists what it covers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.core.roles import staff_intent
from bot.kb.queries import KnowledgeBase
from bot.staff.answers import Reply, answer_question
from bot.staff.foreign import foreign_reply
from bot.staff.ranker import LazyRanker, Ranks

# Question types of a reply to a quiz question.
QUIZ_INTENTS = ("quiz_answer", "skip_question")


def _no_choice(text: str) -> bool:
    return False


class StaffService:
    """Answers staff questions from one knowledge base.

    `is_quiz_choice` tells a reply that picks a quiz option ("b", "skip") from a sentence; the
    quiz package knows its forms (bot.app passes bot.quiz.answers.reads_as_choice), and is not
    imported here, which would make the two packages depend on each other. `ranker` places
    questions the rules cannot (bot.staff.ranker); by default the one `make kb` built, loaded
    on first use, its absence an error here."""

    def __init__(
        self,
        kb: KnowledgeBase,
        is_quiz_choice: Callable[[str], bool] = _no_choice,
        ranker: Ranks | None = None,
    ) -> None:
        self.kb = kb
        self.is_quiz_choice = is_quiz_choice
        self.ranker = ranker if ranker is not None else LazyRanker()

    def topics(self) -> list[str]:
        """The labels of the topics the knowledge base covers."""
        return [label for _, label in self.kb.topics]

    def answer(
        self,
        intent: str | None,
        text: str,
        entities: Sequence[Mapping[str, Any]],
        confidence: float,
        previous: Mapping[str, Any] | None,
    ) -> Reply:
        """The reply to a staff message: a symptom description becomes a reaction question.

        Called for a message read as a quiz reply only when no quiz question is open: a choice
        ("b", "skip", a button's payload) gets "no_quiz", anything else is a question
        ("calc eGFR for creat 120" is declined as one, not told there is no quiz open). A message
        not in English is told so (bot.staff.foreign), a warning sign in it first answered."""
        if intent in QUIZ_INTENTS and (
            text.startswith("/")
            or any(e.get("entity") == "choice" for e in entities)
            or self.is_quiz_choice(text)
        ):
            return Reply("no_quiz")
        if foreign := foreign_reply(self.kb, text):
            return foreign
        return answer_question(
            self.kb,
            staff_intent(intent, text, entities),
            entities,
            text,
            confidence=confidence,
            previous=previous,
            staff=True,
            ranker=self.ranker,
        )
