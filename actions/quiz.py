"""Actions for the onboarding quiz: thin adapters from Rasa to bot.quiz.

Quiz state lives in the user database keyed by the sender id, so a quiz
survives a server restart; the form slot only carries the latest reply.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.patient import FORM as SYMPTOM_REPORT_FORM, message_role
from actions.staff import ActionAnswerQuestion
from bot.quiz import store
from bot.quiz.answers import LETTERS, SKIP, parse_answer
from bot.quiz.bank import Question, QuizBank, quiz_bank
from bot.core.roles import STAFF
from bot.staff.shorthand import expand
from bot.core.userdb import session_factory

SLOT = "quiz_response"
FORM_NAME, START_INTENT = "quiz_form", "start_quiz"
# Value that fills the slot, and so ends the form, once no question is left.
DONE = "done"


def patients_message_outside_the_quiz(tracker: Tracker) -> bool:
    """A patient's message read as a quiz command with no quiz running. When the patient
    has no quiz to stop or report on, it is more likely a misread report (a long message
    about a hand that "keeps dropping the pen" was read as "my progress"), so it goes to
    the symptom report and its red-flag screen instead of a quiz reply that would leave
    the patient without one."""
    return message_role(tracker) != STAFF and tracker.active_loop_name != FORM_NAME


def _metadata(tracker: Tracker) -> dict[str, Any]:
    """Metadata the channel sent with the latest user message (e.g. display_name)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def _bullets(labels: list[str]) -> str:
    return "\n".join(f"• {label}" for label in labels)


def _ask(dispatcher: CollectingDispatcher, question: Question, number: int, total: int) -> None:
    """Send a question: options as lines (terminal) and as buttons whose payload is the letter."""
    labels = [question.label(i) for i in range(len(question.options))]
    dispatcher.utter_message(
        response="utter_quiz_question", number=number, total=total, question=question.text,
        options="\n".join(labels),
        buttons=[{"title": label, "payload": LETTERS[i]} for i, label in enumerate(labels)])


def _feedback(dispatcher: CollectingDispatcher, question: Question, choice: int | None) -> None:
    details = {"explanation": question.explanation, "source": question.source,
               "answer": question.label(question.answer)}
    if choice is None:
        dispatcher.utter_message(response="utter_quiz_skipped", **details)
    elif choice == question.answer:
        dispatcher.utter_message(response="utter_quiz_correct", **details)
    else:
        dispatcher.utter_message(response="utter_quiz_incorrect", **details)


def _topics(bank: QuizBank) -> str:
    with_questions = {q.topic for q in bank.questions.values()}
    return _bullets([label for t, label in bank.topic_labels.items() if t in with_questions])


class ActionStartQuiz(Action):
    """Start a quiz (optionally on one topic) or resume the user's paused one."""

    def name(self) -> str:
        return "action_start_quiz"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        bank = quiz_bank()
        asked = next(tracker.get_latest_entity_values("quiz_topic"), None)
        text = tracker.latest_message.get("text") or ""
        # no topic entity: the topic's natural name anywhere in the request ("drill me on obs")
        topic = bank.resolve_topic(asked) if asked else bank.resolve_topic(expand(text))
        if asked and topic is None:
            dispatcher.utter_message(response="utter_quiz_unknown_topic", topic=asked,
                                     topics=_topics(bank))
        with session_factory().begin() as session:
            attempt, resumed = store.start_or_resume(
                session, tracker.sender_id, bank, topic=topic,
                display_name=_metadata(tracker).get("display_name"),
                channel=tracker.get_latest_input_channel())
            number, total = attempt.position + 1, len(attempt.question_ids)
        if resumed:
            dispatcher.utter_message(response="utter_quiz_resumed", number=number, total=total)
        else:
            dispatcher.utter_message(
                response="utter_quiz_started", total=total, pass_mark=f"{bank.pass_mark:.0%}",
                topic=bank.topic_labels[topic] if topic else "all topics")
        events: list[dict[str, Any]] = [SlotSet(SLOT, None)]
        if (tracker.latest_message.get("intent") or {}).get("name") != START_INTENT:
            # asked for in other words and sent here by action_answer_question: no rule
            # follows, so open the quiz form from here
            events.append(FollowupAction(FORM_NAME))
        return events


class ActionAskQuizResponse(Action):
    """Ask the current question of the user's quiz (the form's request for its slot)."""

    def name(self) -> str:
        return "action_ask_quiz_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        bank = quiz_bank()
        with session_factory()() as session:
            attempt = store.active_attempt(session, tracker.sender_id)
            if attempt is None and patients_message_outside_the_quiz(tracker):
                return [FollowupAction(SYMPTOM_REPORT_FORM)]
            if attempt is None:
                dispatcher.utter_message(response="utter_quiz_no_active")
                return []
            question = bank.questions[attempt.current_question_id]
            _ask(dispatcher, question, attempt.position + 1, len(attempt.question_ids))
        return []


class ValidateQuizForm(FormValidationAction):
    """Mark each reply, give feedback and move to the next question; end after the last."""

    def name(self) -> str:
        return "validate_quiz_form"

    async def validate_quiz_response(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Record the answer; None asks again (next question or a repeat), DONE ends the form."""
        if slot_value is None:  # the reset by action_start_quiz: nothing to mark
            return {SLOT: None}
        bank = quiz_bank()
        with session_factory().begin() as session:
            attempt = store.active_attempt(session, tracker.sender_id)
            if attempt is None:
                return {SLOT: DONE}
            question = bank.questions[attempt.current_question_id]
            parsed = parse_answer(str(slot_value), question.options)
            if parsed is not None:
                choice = None if parsed == SKIP else parsed
                store.record_answer(session, attempt, bank, choice)
                finished = attempt.status == store.FINISHED
        if parsed is None:
            await self._not_an_answer(dispatcher, tracker, domain, question)
            return {SLOT: None}
        _feedback(dispatcher, question, choice)
        return {SLOT: DONE if finished else None}

    @staticmethod
    async def _not_an_answer(dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict, question: Question) -> None:
        """A protocol question asked mid-quiz (e.g. a reaction on the ward) is still answered
        from the knowledge base; anything else gets a hint on how to answer."""
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if intent.startswith("ask_"):
            await ActionAnswerQuestion().run(dispatcher, tracker, domain)
        else:
            dispatcher.utter_message(response="utter_quiz_unclear",
                                     letters=", ".join(LETTERS[:len(question.options)]))


class ActionFinishQuiz(Action):
    """Report the score of the quiz just finished: pass or fail, and topics to review."""

    def name(self) -> str:
        return "action_finish_quiz"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        bank = quiz_bank()
        with session_factory()() as session:
            attempt = store.last_finished(session, tracker.sender_id)
            if attempt is None:
                dispatcher.utter_message(response="utter_quiz_no_active")
                return [SlotSet(SLOT, None)]
            result = store.result_of(attempt, bank)
        scores = {"correct": result.correct, "total": result.total,
                  "percent": f"{result.fraction:.0%}", "pass_mark": f"{bank.pass_mark:.0%}"}
        dispatcher.utter_message(
            response="utter_quiz_passed" if result.passed else "utter_quiz_not_passed", **scores)
        if result.review_topics:
            dispatcher.utter_message(response="utter_quiz_review", topics=_bullets(
                [bank.topic_labels[t] for t in result.review_topics]))
        return [SlotSet(SLOT, None)]


class ActionStopQuiz(Action):
    """Pause the user's quiz; it stays in the database to be resumed later."""

    def name(self) -> str:
        return "action_stop_quiz"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        with session_factory()() as session:
            attempt = store.active_attempt(session, tracker.sender_id)
            if attempt is None and patients_message_outside_the_quiz(tracker):
                return [FollowupAction(SYMPTOM_REPORT_FORM)]
            if attempt is None:
                dispatcher.utter_message(response="utter_quiz_no_active")
            else:
                dispatcher.utter_message(response="utter_quiz_paused",
                                         number=attempt.position + 1,
                                         total=len(attempt.question_ids))
        return [SlotSet(SLOT, None)]


class ActionQuizProgress(Action):
    """Tell the user their quiz record: finished quizzes, best score, pass, paused quiz."""

    def name(self) -> str:
        return "action_quiz_progress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        with session_factory()() as session:
            record = store.progress(session, tracker.sender_id)
        if record is None and patients_message_outside_the_quiz(tracker):
            return [FollowupAction(SYMPTOM_REPORT_FORM)]
        if record is None:
            dispatcher.utter_message(response="utter_quiz_no_progress")
        else:
            dispatcher.utter_message(response="utter_quiz_progress", summary=record.describe())
        return []
