"""Slack in Socket Mode, end to end: a real Rasa server connects out to a local stand-in.

The stand-in hands out its own WebSocket URL from `apps.connections.open`, sends Slack's
envelopes over it and records the acknowledgements and the bot's chat.postMessage calls.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from bot.ops.stack import start_bot
from bot.rasa.channels.disabled import DisabledChannel
from bot.rasa.channels.slack_socket import SlackSocketInput
from tests.e2e.test_slack_channel import click_body, event_body
from tests.support.channel_stack import SLACK_TOKEN
from tests.support.socket_standin import SocketModeStandIn

APP_TOKEN = "xapp-1-A0APP-1-test"


@pytest.fixture(scope="module")
def socket_slack() -> SocketModeStandIn:
    server = SocketModeStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def socket_stack(
    trained_model: Path, socket_slack: SocketModeStandIn, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """Action server + Rasa server with only Socket Mode's tokens set; returns the Rasa URL."""
    work = tmp_path_factory.mktemp("slack_socket")
    env = {
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_API_URL": f"{socket_slack.url}/slack/api/",
        "IAR_USER_DB_URL": f"sqlite:///{work / 'userdata.db'}",
        "HTTPS_PROXY": "",
        "https_proxy": "",
        "HTTP_PROXY": "",
        "http_proxy": "",
    }
    with start_bot(work, trained_model, env) as stack:
        socket_slack.wait_connected()
        yield stack.servers[1].url


def envelope(
    kind: str,
    payload: dict[str, Any],
    envelope_id: str | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """A Socket Mode envelope as Slack sends it."""
    return {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "type": kind,
        "payload": payload,
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
    }


def mention_in_thread(text: str, thread_ts: str, event_id: str, channel: str = "C0WARD") -> dict[str, Any]:
    """An app_mention in a reply of a channel thread (Events API payload)."""
    body = json.loads(
        event_body(f"<@U0BOT> {text}", f"{float(thread_ts) + 5:.6f}", event_id, channel=channel)
    )
    body["event"].update(type="app_mention", thread_ts=thread_ts)
    del body["event"]["channel_type"]
    return body


def replies(slack: SocketModeStandIn, thread_ts: str) -> list[dict[str, Any]]:
    return slack.captured("slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == thread_ts)


def acked(slack: SocketModeStandIn, envelope_id: str) -> bool:
    return bool(slack.captured("ack", lambda r: r["body"].get("envelope_id") == envelope_id))


def wait_for_reply(slack: SocketModeStandIn, thread_ts: str) -> dict[str, Any]:
    return slack.wait_for("slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == thread_ts)[0]


@pytest.mark.e2e
def test_connection_is_opened_with_the_app_token(socket_stack: str, socket_slack: SocketModeStandIn) -> None:
    [opened, *_] = socket_slack.captured("slack:apps.connections.open")
    assert opened["auth"] == f"Bearer {APP_TOKEN}"
    status = requests.get(f"{socket_stack}/webhooks/slack_socket/", timeout=10).json()
    assert status == {"status": "connected"}


@pytest.mark.e2e
def test_staff_question_in_a_thread_is_answered_in_the_thread(
    socket_stack: str, socket_slack: SocketModeStandIn
) -> None:
    thread_ts = f"{time.time():.6f}"
    sent = envelope("events_api", mention_in_thread("premeds?", thread_ts, "Ev0SOCKET1"))
    socket_slack.send(sent)
    reply = wait_for_reply(socket_slack, thread_ts)
    assert acked(socket_slack, sent["envelope_id"])
    assert reply["auth"] == f"Bearer {SLACK_TOKEN}"
    assert reply["body"]["channel"] == "C0WARD"
    assert "methylprednisolone" in reply["body"]["text"]
    assert "Source: " in reply["body"]["text"]


@pytest.mark.e2e
def test_redelivered_envelope_is_answered_once(socket_stack: str, socket_slack: SocketModeStandIn) -> None:
    thread_ts = f"{time.time():.6f}"
    payload = mention_in_thread("hello", thread_ts, "Ev0SOCKET2")
    first = envelope("events_api", payload)
    socket_slack.send(first)
    wait_for_reply(socket_slack, thread_ts)
    again = envelope("events_api", payload, retry_attempt=1, retry_reason="timeout")
    socket_slack.send(again)
    # A later message in another thread is answered after the redelivery was handled.
    later_ts = f"{time.time() + 1:.6f}"
    socket_slack.send(envelope("events_api", mention_in_thread("hello", later_ts, "Ev0SOCKET3")))
    wait_for_reply(socket_slack, later_ts)
    time.sleep(2)
    assert acked(socket_slack, first["envelope_id"]) and acked(socket_slack, again["envelope_id"])
    assert len(replies(socket_slack, thread_ts)) == 1


@pytest.mark.e2e
def test_button_click_is_answered_in_its_thread_once(
    socket_stack: str, socket_slack: SocketModeStandIn
) -> None:
    thread_ts = f"{time.time():.6f}"
    form = parse_qs(click_body("/greet", thread_ts, trigger_id="3333.4444.socket").decode())
    payload = json.loads(form["payload"][0])
    socket_slack.send(envelope("interactive", payload))
    socket_slack.send(envelope("interactive", payload))  # delivered twice
    reply = wait_for_reply(socket_slack, thread_ts)
    assert reply["body"]["text"].startswith("Hello")
    time.sleep(3)
    assert len(replies(socket_slack, thread_ts)) == 1


def test_socket_mode_is_off_without_its_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    channel = SlackSocketInput.from_credentials(None)
    assert isinstance(channel, DisabledChannel) and "SLACK_APP_TOKEN" in channel.needs


def test_socket_mode_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    channel = SlackSocketInput.from_credentials(None)
    assert isinstance(channel, SlackSocketInput) and channel.name() == "slack_socket"
