"""Staff enrol a participant from Slack or Teams ("enrol P-0042"), answered by the channel
before NLU with the personal link; a patient typing the same on the web chat enrols no one."""

from __future__ import annotations

import secrets
import time

import pytest
import requests
from sqlalchemy import select

from bot.core.sites import get_site
from bot.patient.participants import Participant
from tests.e2e.test_slack_channel import event_body, signed_post
from tests.e2e.test_teams_channel import activity, post
from tests.support.channel_stack import ChannelStack
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e


def enrolled(stack: ChannelStack) -> list[str]:
    with session_factory(stack.user_db_url)() as session:
        return list(session.execute(select(Participant.study_id)).scalars())


def test_staff_enrol_from_slack_and_get_the_link_in_the_thread(channel_stack: ChannelStack) -> None:
    ts = f"{time.time():.6f}"
    body = event_body("enrol P-0142", ts, "Ev0ENROL1")
    assert signed_post(channel_stack, body, "application/json").status_code == 200
    [reply] = channel_stack.standin.wait_for(
        "slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == ts
    )
    text = reply["body"]["text"]
    assert text.startswith(f"Enrolled P-0142 at {get_site().name}") and "/webhooks/webchat/#t=" in text
    assert "P-0142" in enrolled(channel_stack)
    link = text.rsplit("#t=", 1)[1].strip()
    greeting = requests.post(
        f"{channel_stack.url}/webhooks/webchat/link", json={"token": link}, timeout=30
    ).json()
    assert greeting["bound"] is True


def test_staff_enrol_from_teams(channel_stack: ChannelStack) -> None:
    standin = channel_stack.standin
    act = activity(standin, "<at>IAR Assistant</at> enrol p-0143 days 10")
    assert post(channel_stack, act, standin.bot_token()).status_code == 200
    [reply] = standin.wait_for("connector", lambda r: r["path"]["activity"] == act["id"])
    assert reply["body"]["text"].startswith("Enrolled P-0143")
    assert "P-0143" in enrolled(channel_stack)


def test_a_bad_study_id_is_refused_in_slack(channel_stack: ChannelStack) -> None:
    ts = f"{time.time():.6f}"
    assert (
        signed_post(channel_stack, event_body("enrol 42", ts, "Ev0ENROL2"), "application/json").status_code
        == 200
    )
    [reply] = channel_stack.standin.wait_for(
        "slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == ts
    )
    assert reply["body"]["text"].startswith("Not enrolled: '42' is not a study ID")


def test_a_patient_cannot_enrol_from_the_web_chat(channel_stack: ChannelStack) -> None:
    replies = requests.post(
        f"{channel_stack.url}/webhooks/webchat/webhook",
        timeout=60,
        json={"sender": secrets.token_hex(16), "message": "enrol P-0144"},
    ).json()
    assert replies and all("#t=" not in r.get("text", "") for r in replies)
    assert "P-0144" not in enrolled(channel_stack)
