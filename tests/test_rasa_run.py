"""bot.rasa_run: the API only with a JWT secret; action server responses checked as Rasa does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_run import JWT_SECRET_ENV, api_args, check_action_responses_fast


def test_api_needs_a_secret_to_be_on() -> None:
    assert api_args({}) == [] and api_args({JWT_SECRET_ENV: "  "}) == []
    assert api_args({JWT_SECRET_ENV: "s3cret"}) == ["--enable-api", "--jwt-secret", "s3cret",
                                                    "--jwt-method", "HS256"]


def test_fast_response_check_accepts_and_rejects_what_rasa_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)  # restored afterwards
    check_action_responses_fast()
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "role", "value": "patient"}],
            "responses": [{"text": "hi"}]}
    assert action._validate_action_result(good) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no-such-event"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"responses": "not a list"})
