"""Slack and Teams name the person who wrote, for what belongs to a person (their quiz)."""

from __future__ import annotations

from types import SimpleNamespace

from bot.rasa.channels.slack import slack_person
from bot.rasa.channels.teams import teams_person


def test_slack_names_the_writer_of_an_event_and_of_a_button_click() -> None:
    event = SimpleNamespace(
        headers={"content-type": "application/json"},
        json={"team_id": "T1", "event": {"user": "U1", "text": "hi"}},
    )
    click = SimpleNamespace(
        headers={"content-type": "application/x-www-form-urlencoded"},
        form={"payload": ['{"user": {"id": "U1"}, "team": {"id": "T1"}}']},
    )
    assert slack_person(event) == slack_person(click) == "slack:T1:U1"
    assert (
        slack_person(SimpleNamespace(headers={"content-type": "application/json"}, json={"event": {}}))
        is None
    )


def test_teams_names_the_entra_object_id_else_the_channel_account() -> None:
    assert teams_person({"from": {"id": "29:x", "aadObjectId": "a-b-c"}}) == "teams:a-b-c"
    assert teams_person({"from": {"id": "29:x"}}) == "teams:29:x"
