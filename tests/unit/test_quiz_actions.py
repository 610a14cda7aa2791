"""Quiz actions run with rasa_sdk's CollectingDispatcher, real Trackers and a temporary user DB."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.quiz import (
    DONE,
    ActionAskQuizResponse,
    ActionFinishQuiz,
    ActionQuizProgress,
    ActionReportDuringQuiz,
    ActionStartQuiz,
    ActionStopQuiz,
    ValidateQuizForm,
)
from bot.kb import KnowledgeBase
from bot.quiz import store
from bot.quiz.bank import QUIZ_FILE, Question, QuizBank, load_bank
from tests.support.actions_app import configure_actions
from tests.support.userdb import session_factory


@pytest.fixture(scope="module")
def bank(kb: KnowledgeBase) -> QuizBank:
    return load_bank(QUIZ_FILE, kb)


@pytest.fixture(autouse=True)
def quiz_env(bank: QuizBank, kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The actions use the test knowledge base, its quiz bank and a fresh user database."""
    url = f"sqlite:///{tmp_path / 'userdata.db'}"
    monkeypatch.setenv("IAR_USER_DB_URL", url)
    configure_actions(url, kb)
    return url


def tracker(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    sender: str = "nurse-1",
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    metadata = {"role": "staff", **(metadata or {})}  # the quiz is for staff (Slack, Teams)
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": entities or [],
        "metadata": metadata,
    }
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message, "metadata": metadata, "input_channel": "rest"},
    ]
    return Tracker(sender, {}, message, events, False, None, {}, "action_listen")


def run(action, tr: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, events


def reply(
    text: str,
    sender: str = "nurse-1",
    intent: str = "quiz_answer",
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], Any]:
    """Validate one reply as the form would; returns messages and the new slot value."""
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidateQuizForm().validate_quiz_response(
            text, dispatcher, tracker(text, intent, entities, sender=sender, metadata=metadata), {}
        )
    )
    return dispatcher.messages, result["quiz_response"]


def ask(
    bank: QuizBank, sender: str = "nurse-1", metadata: dict[str, Any] | None = None
) -> tuple[dict[str, Any], Question]:
    messages, _ = run(ActionAskQuizResponse(), tracker("", "quiz_answer", sender=sender, metadata=metadata))
    question = next(q for q in bank.questions.values() if q.text == messages[0]["question"])
    return messages[0], question


def test_start_asks_with_buttons_and_option_lines(bank: QuizBank) -> None:
    messages, events = run(
        ActionStartQuiz(), tracker("start the quiz", "start_quiz", metadata={"display_name": "Ana"})
    )
    assert messages[0]["response"] == "utter_quiz_started" and messages[0]["total"] == 10
    assert messages[0]["pass_mark"] == "80%"
    assert events == [{"event": "slot", "timestamp": None, "name": "quiz_response", "value": None}]
    message, question = ask(bank)
    assert message["response"] == "utter_quiz_question" and message["number"] == 1
    assert [b["payload"] for b in message["buttons"]] == list("abcde"[: len(question.options)])
    assert message["buttons"][1]["title"] == f"B) {question.options[1]}"
    assert message["options"].splitlines()[0] == f"A) {question.options[0]}"
    with session_factory()() as session:
        assert store.active_attempt(session, "nurse-1").display_name == "Ana"


def test_each_answer_gets_feedback_with_explanation_and_source(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    _, question = ask(bank)
    messages, value = reply("abcde"[question.answer].upper() + ")")
    assert value is None and messages[0]["response"] == "utter_quiz_correct"
    assert messages[0]["explanation"] == question.explanation
    assert messages[0]["source"] == question.source and question.source.startswith("Source: ")
    _, question = ask(bank)
    wrong = (question.answer + 1) % len(question.options)
    messages, _ = reply(question.options[wrong])
    assert messages[0]["response"] == "utter_quiz_incorrect"
    assert messages[0]["answer"] == question.label(question.answer)
    _, question = ask(bank)
    messages, _ = reply("skip")
    assert messages[0]["response"] == "utter_quiz_skipped"
    message, _ = ask(bank)
    assert message["number"] == 4


def test_unclear_reply_asks_again_without_moving_on(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    _, question = ask(bank)
    messages, value = reply("what?")
    assert messages[0]["response"] == "utter_quiz_unclear" and value is None
    message, again = ask(bank)
    assert again == question and message["number"] == 1


def test_protocol_question_mid_quiz_is_answered_and_the_question_repeated(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    messages, value = reply(
        "anaphylaxis in progress",
        intent="ask_manage_reaction",
        entities=[{"entity": "reaction", "value": "anaphylaxis"}],
    )
    assert value is None and "epinephrine" in messages[0]["text"].lower()
    assert "Source: " in messages[0]["text"]
    assert ask(bank)[0]["number"] == 1


def test_an_answer_in_an_options_words_read_as_a_report_is_marked(bank: QuizBank) -> None:
    """An option's words can name signs ("... rash, fever or headache"): the classifier reads
    a report, the rule leaves the form, and the answer is still marked and the quiz goes on."""
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    _, question = ask(bank)
    messages, events = run(
        ActionReportDuringQuiz(), tracker(question.options[question.answer], "report_symptoms")
    )
    assert messages[0]["response"] == "utter_quiz_correct" and messages[0]["source"] == question.source
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "quiz_form"}
    assert ask(bank)[0]["number"] == 2


def test_a_reaction_reported_mid_quiz_is_answered_and_not_marked(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    _, question = ask(bank)
    messages, events = run(ActionReportDuringQuiz(), tracker("pt wheezing, sats 89%", "report_symptoms"))
    assert messages == [] and events == [
        {"event": "followup", "timestamp": None, "name": "action_answer_question"}
    ]
    assert ask(bank)[1] == question


def test_a_patients_report_mid_quiz_is_never_marked(bank: QuizBank) -> None:
    patient = {"role": "patient"}
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz", metadata=patient))
    _, question = ask(bank, metadata=patient)
    messages, events = run(
        ActionReportDuringQuiz(),
        tracker(question.options[question.answer], "report_symptoms", metadata=patient),
    )
    assert messages == [] and events[-1]["name"] == "action_answer_question"
    assert ask(bank, metadata=patient)[0]["number"] == 1


def test_the_last_answer_read_as_a_report_is_scored(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    for _ in range(9):
        _, question = ask(bank)
        reply("abcde"[question.answer])
    _, question = ask(bank)
    _, events = run(ActionReportDuringQuiz(), tracker(question.options[question.answer], "report_symptoms"))
    assert events[-1]["name"] == "action_finish_quiz"
    messages, _ = run(ActionFinishQuiz(), tracker("x", "report_symptoms"))
    assert messages[0]["response"] == "utter_quiz_passed" and messages[0]["correct"] == 10


def test_last_answer_ends_the_form_and_the_score_is_reported(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    for number in range(1, 11):
        _, question = ask(bank)
        right = number > 3
        choice = question.answer if right else (question.answer + 1) % len(question.options)
        _, value = reply(str(choice + 1))
        assert value == (DONE if number == 10 else None)
    messages, events = run(ActionFinishQuiz(), tracker("b", "quiz_answer"))
    assert messages[0]["response"] == "utter_quiz_not_passed"
    assert (messages[0]["correct"], messages[0]["total"], messages[0]["percent"]) == (7, 10, "70%")
    assert messages[1]["response"] == "utter_quiz_review" and messages[1]["topics"].startswith("• ")
    assert events[0]["name"] == "quiz_response" and events[0]["value"] is None


def test_stop_pauses_and_start_resumes(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    _, question = ask(bank)
    reply("abcde"[question.answer])
    messages, _ = run(ActionStopQuiz(), tracker("stop the quiz", "stop_quiz"))
    assert messages[0]["response"] == "utter_quiz_paused" and messages[0]["number"] == 2
    messages, _ = run(ActionStartQuiz(), tracker("resume the quiz", "start_quiz"))
    assert messages[0]["response"] == "utter_quiz_resumed" and messages[0]["number"] == 2


def test_slot_reset_on_activation_is_not_marked(bank: QuizBank) -> None:
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidateQuizForm().validate_quiz_response(
            None, dispatcher, tracker("start the quiz", "start_quiz"), {}
        )
    )
    assert result == {"quiz_response": None} and dispatcher.messages == []
    assert ask(bank)[0]["number"] == 1


def test_stop_and_answers_without_a_quiz() -> None:
    messages, _ = run(ActionStopQuiz(), tracker("stop the quiz", "stop_quiz"))
    assert messages[0]["response"] == "utter_quiz_no_active"
    assert reply("b")[1] == DONE


def test_topic_quiz_and_unknown_topic(bank: QuizBank) -> None:
    messages, _ = run(
        ActionStartQuiz(),
        tracker("quiz me on premeds", "start_quiz", [{"entity": "quiz_topic", "value": "premeds"}]),
    )
    assert messages[0]["topic"] == bank.topic_labels["premedication"]
    with session_factory()() as session:
        attempt = store.active_attempt(session, "nurse-1")
        assert {bank.questions[q].topic for q in attempt.question_ids} == {"premedication"}
    messages, _ = run(
        ActionStartQuiz(),
        tracker(
            "quiz me on knitting",
            "start_quiz",
            [{"entity": "quiz_topic", "value": "knitting"}],
            sender="nurse-2",
        ),
    )
    assert messages[0]["response"] == "utter_quiz_unknown_topic"
    assert "premedication" in messages[0]["topics"]
    assert messages[1]["response"] == "utter_quiz_started" and messages[1]["topic"] == "all topics"


def test_progress(bank: QuizBank) -> None:
    messages, _ = run(ActionQuizProgress(), tracker("my progress", "my_progress"))
    assert messages[0]["response"] == "utter_quiz_no_progress"
    run(ActionStartQuiz(), tracker("start the quiz", "start_quiz"))
    reply("skip")
    messages, _ = run(ActionQuizProgress(), tracker("my progress", "my_progress"))
    assert messages[0]["response"] == "utter_quiz_progress"
    assert "question 2 of 10" in messages[0]["summary"]
    assert "Questions to revisit: 1" in messages[0]["summary"]


def test_a_quiz_follows_its_owner_from_one_thread_to_another(bank: QuizBank) -> None:
    """Slack keeps one conversation per thread and Teams one per chat; the quiz belongs to
    the person the channel names, so a new thread resumes it and another person's is apart."""
    nurse = {"person": "slack:T0TEAM:U0NURSE1"}
    run(ActionStartQuiz(), tracker("quiz me", "start_quiz", sender="thread-1", metadata=nurse))
    _, question = ask(bank, sender="thread-1", metadata=nurse)
    assert reply("abcde"[question.answer], sender="thread-1", metadata=nurse)[1] is None
    messages, _ = run(ActionStartQuiz(), tracker("quiz me", "start_quiz", sender="thread-2", metadata=nurse))
    assert messages[0]["response"] == "utter_quiz_resumed" and messages[0]["number"] == 2
    other = {"person": "slack:T0TEAM:U0OTHER"}
    messages, _ = run(ActionStartQuiz(), tracker("quiz me", "start_quiz", sender="thread-2", metadata=other))
    assert messages[0]["response"] == "utter_quiz_started"
