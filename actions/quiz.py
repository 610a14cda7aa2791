"""Actions for the onboarding quiz: thin adapters from Rasa to bot.quiz.service.

Quiz state lives in the user database keyed by the person (Slack or Teams user, from
the channel's metadata; else the conversation), so a quiz survives a server restart
and follows its owner from one Slack thread or Teams chat to another; the form slot
only carries the latest reply.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.patient import FORM as SYMPTOM_REPORT_FORM
from actions.patient import message_role
from actions.runtime import app
from actions.staff import answer_staff_question
from bot.core.roles import STAFF
from bot.quiz.answers import LETTERS
from bot.quiz.bank import Question
from bot.quiz.engine import Result
from bot.quiz.service import Marked, Position, Started

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
        response="utter_quiz_question",
        number=number,
        total=total,
        question=question.text,
        options="\n".join(labels),
        buttons=[{"title": label, "payload": LETTERS[i]} for i, label in enumerate(labels)],
    )


def _feedback(dispatcher: CollectingDispatcher, question: Question, choice: int | None) -> None:
    details = {
        "explanation": question.explanation,
        "source": question.source,
        "answer": question.label(question.answer),
    }
    if choice is None:
        dispatcher.utter_message(response="utter_quiz_skipped", **details)
    elif choice == question.answer:
        dispatcher.utter_message(response="utter_quiz_correct", **details)
    else:
        dispatcher.utter_message(response="utter_quiz_incorrect", **details)


def quiz_owner(tracker: Tracker) -> str:
    """Whose quiz this is: the person the channel named, else the conversation."""
    return str(_metadata(tracker).get("person") or tracker.sender_id)


def _start(tracker: Tracker) -> Started:
    """Start or resume the person's quiz, on the topic the message asks for, if any."""
    return app().quiz.start(
        quiz_owner(tracker),
        next(tracker.get_latest_entity_values("quiz_topic"), None),
        tracker.latest_message.get("text") or "",
        _metadata(tracker).get("display_name"),
        tracker.get_latest_input_channel(),
    )


def _utter_started(dispatcher: CollectingDispatcher, started: Started) -> None:
    if started.unknown_topic:
        dispatcher.utter_message(
            response="utter_quiz_unknown_topic",
            topic=started.unknown_topic,
            topics=_bullets(app().quiz.topics()),
        )
    if started.resumed:
        dispatcher.utter_message(response="utter_quiz_resumed", number=started.number, total=started.total)
    else:
        dispatcher.utter_message(
            response="utter_quiz_started",
            total=started.total,
            pass_mark=f"{app().quiz.bank.pass_mark:.0%}",
            topic=started.topic_label,
        )


def _utter_result(dispatcher: CollectingDispatcher, result: Result) -> None:
    """Pass or fail with the score, then the topics to review, if any."""
    bank = app().quiz.bank
    dispatcher.utter_message(
        response="utter_quiz_passed" if result.passed else "utter_quiz_not_passed",
        correct=result.correct,
        total=result.total,
        percent=f"{result.fraction:.0%}",
        pass_mark=f"{bank.pass_mark:.0%}",
    )
    if result.review_topics:
        dispatcher.utter_message(
            response="utter_quiz_review",
            topics=_bullets([bank.topic_labels[t] for t in result.review_topics]),
        )


def _mark_reply(dispatcher: CollectingDispatcher, tracker: Tracker, marked: Marked | None) -> str | None:
    """The slot value after a reply: DONE ends the form, None asks again (next or same question).
    A protocol question asked mid-quiz (e.g. a reaction on the ward) is still answered from
    the knowledge base; anything else that is not an answer gets a hint on how to answer."""
    if marked is None:
        return DONE
    if marked.understood:
        _feedback(dispatcher, marked.question, marked.choice)
        return DONE if marked.finished else None
    if ((tracker.latest_message.get("intent") or {}).get("name") or "").startswith("ask_"):
        if message_role(tracker) == STAFF:  # a patient never gets protocol text
            answer_staff_question(dispatcher, tracker)
    else:
        dispatcher.utter_message(
            response="utter_quiz_unclear", letters=", ".join(LETTERS[: len(marked.question.options)])
        )
    return None


def _current_question(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> tuple[Position | None, list[dict[str, Any]]]:
    """The person's current question. With none, a patient's message goes to the symptom
    report (the events returned), and staff are told they have no quiz open."""
    position = app().quiz.current(quiz_owner(tracker))
    if position is None and patients_message_outside_the_quiz(tracker):
        return None, [FollowupAction(SYMPTOM_REPORT_FORM)]
    if position is None:
        dispatcher.utter_message(response="utter_quiz_no_active")
    return position, []


class ActionStartQuiz(Action):
    """Start a quiz (optionally on one topic) or resume the user's paused one."""

    def name(self) -> str:
        return "action_start_quiz"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        _utter_started(dispatcher, _start(tracker))
        if (tracker.latest_message.get("intent") or {}).get("name") == START_INTENT:
            return [SlotSet(SLOT, None)]
        # asked for in other words and sent here by action_answer_question: no rule follows,
        # so open the quiz form from here
        return [SlotSet(SLOT, None), FollowupAction(FORM_NAME)]


class ActionReportDuringQuiz(Action):
    """A message read as a symptom report while a quiz question is open (the rule has left
    the form). Staff answering in an option's words ("medications for delayed rash, fever or
    headache") are answering the quiz, not describing a patient: the answer is marked and the
    quiz goes on. Anything else, and every patient's message, is answered as a report."""

    def name(self) -> str:
        return "action_report_during_quiz"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        marked = None
        if message_role(tracker) == STAFF:
            marked = app().quiz.answer(quiz_owner(tracker), tracker.latest_message.get("text") or "")
        if marked is None or not marked.understood:
            return [FollowupAction("action_answer_question")]
        _feedback(dispatcher, marked.question, marked.choice)
        if marked.finished:
            return [SlotSet(SLOT, None), FollowupAction("action_finish_quiz")]
        return [SlotSet(SLOT, None), FollowupAction(FORM_NAME)]


class ActionAskQuizResponse(Action):
    """Ask the current question of the user's quiz (the form's request for its slot)."""

    def name(self) -> str:
        return "action_ask_quiz_response"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        position, routed = _current_question(dispatcher, tracker)
        if position is not None:
            _ask(dispatcher, position.question, position.number, position.total)
        return routed


class ValidateQuizForm(FormValidationAction):
    """Mark each reply, give feedback and move to the next question; end after the last."""

    def name(self) -> str:
        return "validate_quiz_form"

    async def validate_quiz_response(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Record the answer; None asks again (next question or a repeat), DONE ends the form."""
        if slot_value is None:  # the reset by action_start_quiz: nothing to mark
            return {SLOT: None}
        marked = app().quiz.answer(quiz_owner(tracker), str(slot_value))
        return {SLOT: _mark_reply(dispatcher, tracker, marked)}


class ActionFinishQuiz(Action):
    """Report the score of the quiz just finished: pass or fail, and topics to review."""

    def name(self) -> str:
        return "action_finish_quiz"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        result = app().quiz.last_result(quiz_owner(tracker))
        if result is None:
            dispatcher.utter_message(response="utter_quiz_no_active")
        else:
            _utter_result(dispatcher, result)
        return [SlotSet(SLOT, None)]


class ActionStopQuiz(Action):
    """Pause the user's quiz; it stays in the database to be resumed later."""

    def name(self) -> str:
        return "action_stop_quiz"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        position, routed = _current_question(dispatcher, tracker)
        if routed:
            return routed
        if position is not None:
            dispatcher.utter_message(
                response="utter_quiz_paused", number=position.number, total=position.total
            )
        return [SlotSet(SLOT, None)]


class ActionQuizProgress(Action):
    """Tell the user their quiz record: finished quizzes, best score, pass, paused quiz."""

    def name(self) -> str:
        return "action_quiz_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        record = app().quiz.progress(quiz_owner(tracker))
        if record is None and patients_message_outside_the_quiz(tracker):
            return [FollowupAction(SYMPTOM_REPORT_FORM)]
        if record is None:
            dispatcher.utter_message(response="utter_quiz_no_progress")
        else:
            dispatcher.utter_message(response="utter_quiz_progress", summary=record.describe())
        return []
