"""bot.rasa.run: the API only with a JWT secret; action server responses checked as Rasa does."""

from __future__ import annotations

import asyncio

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.core.sites import get_site
from bot.rasa.channels.safety import answer, no_reply
from bot.rasa.run import JWT_SECRET_ENV, api_args, check_action_responses_fast, note_action_failures


def test_api_needs_a_secret_to_be_on() -> None:
    assert api_args({}) == [] and api_args({JWT_SECRET_ENV: "  "}) == []
    assert api_args({JWT_SECRET_ENV: "s3cret"}) == [
        "--enable-api",
        "--jwt-secret",
        "s3cret",
        "--jwt-method",
        "HS256",
    ]


def test_fast_response_check_accepts_and_rejects_what_rasa_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )  # restored afterwards
    check_action_responses_fast()
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "role", "value": "patient"}], "responses": [{"text": "hi"}]}
    assert action._validate_action_result(good) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no-such-event"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"responses": "not a list"})


def test_a_failing_remote_action_is_noted_for_the_turn_and_still_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def unreachable(self: RemoteAction, *args: object, **kwargs: object) -> None:
        raise ConnectionError("action server down")

    monkeypatch.setattr(RemoteAction, "run", unreachable)  # restored afterwards
    note_action_failures()
    raised: list[Exception] = []

    async def rasa_turn(message: UserMessage) -> None:
        try:
            await RemoteAction("action_triage", None).run(None, None, None, None)
        except ConnectionError as error:  # Rasa's processor catches and logs it, and goes on
            raised.append(error)
        await message.output_channel.send_text_message(message.sender_id, "Please rephrase.")

    site = get_site()
    replies = asyncio.run(answer(rasa_turn, CollectingOutputChannel(), site, "hi", "p-1", "rest"))
    assert raised and [r["text"] for r in replies] == ["Please rephrase.", no_reply(site)]
