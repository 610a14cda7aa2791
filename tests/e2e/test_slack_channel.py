"""Slack: signed Events API and interactivity requests, shaped like Slack's, to the running server.

Replies are captured by the stand-in for Slack's Web API (chat.postMessage).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
import requests

from bot.core.sites import get_site
from bot.rasa.channels.safety import MAX_CHARS, too_long_reply
from bot.rasa.channels.slack import StaffSlackBot, escape_slack
from tests.support.channel_stack import SLACK_SECRET, SLACK_TOKEN, ChannelStack, StandIn
from tests.support.patient_helpers import wait_until

pytestmark = pytest.mark.e2e


def signed_post(
    stack: ChannelStack,
    body: bytes,
    content_type: str,
    *,
    secret: str = SLACK_SECRET,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """POST to the Slack webhook with Slack's v0 signature headers."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return requests.post(
        f"{stack.url}/webhooks/slack/webhook",
        data=body,
        timeout=30,
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": f"v0={digest}",
            **(headers or {}),
        },
    )


def event_body(
    text: str, ts: str, event_id: str, user: str = "U0NURSE1", channel: str = "D0DIRECT1"
) -> bytes:
    """An Events API callback for a direct message to the bot, as Slack sends it."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": "T0TEAM",
            "api_app_id": "A0APP",
            "event": {
                "client_msg_id": f"msg-{event_id}",
                "type": "message",
                "text": text,
                "user": user,
                "ts": ts,
                "team": "T0TEAM",
                "channel": channel,
                "event_ts": ts,
                "channel_type": "im",
            },
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(float(ts)),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": "T0TEAM",
                    "user_id": "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-ctx-{event_id}",
        }
    ).encode()


def click_body(
    value: str, thread_ts: str, trigger_id: str, user: str = "U0NURSE1", channel: str = "D0DIRECT1"
) -> bytes:
    """A block_actions interaction: the user clicked a button of a message in the thread."""
    message_ts = f"{float(thread_ts) + 1:.6f}"
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "nurse1", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
            "thread_ts": thread_ts,
        },
        "trigger_id": trigger_id,
        "team": {"id": "T0TEAM", "domain": "trial"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {
            "type": "message",
            "user": "U0BOT",
            "bot_id": "B0BOT",
            "text": "Choose",
            "ts": message_ts,
            "thread_ts": thread_ts,
        },
        "response_url": "https://hooks.slack.invalid/actions/T0TEAM/1/x",
        "actions": [
            {
                "action_id": "choice-1",
                "block_id": "b1",
                "type": "button",
                "text": {"type": "plain_text", "text": "Say hello"},
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def replies_in_thread(standin: StandIn, thread_ts: str) -> list[dict]:
    return standin.captured("slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == thread_ts)


def test_url_verification_challenge_is_answered(channel_stack: ChannelStack) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "t", "challenge": challenge, "type": "url_verification"}).encode()
    response = signed_post(channel_stack, body, "application/json")
    assert response.status_code == 200 and response.json() == challenge


def test_signed_question_is_answered_in_its_thread_as_staff(channel_stack: ChannelStack) -> None:
    ts = f"{time.time():.6f}"
    response = signed_post(channel_stack, event_body("premeds?", ts, "Ev0PREMEDS"), "application/json")
    assert response.status_code == 200
    reply = channel_stack.standin.wait_for(
        "slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == ts
    )[0]
    assert reply["auth"] == f"Bearer {SLACK_TOKEN}"
    assert reply["body"]["channel"] == "D0DIRECT1"
    assert "methylprednisolone" in reply["body"]["text"]
    assert "Source: " in reply["body"]["text"], "one Slack message per bot message"
    assert "as_user" not in reply["body"]
    # Rasa saves the tracker after the reply went out: wait for it rather than race it
    [stored] = wait_until(lambda: channel_stack.user_events(f"U0NURSE1_D0DIRECT1_{ts}"), what="tracker saved")
    assert stored["input_channel"] == "slack" and stored["metadata"]["role"] == "staff"


@pytest.mark.parametrize("reason", ["wrong signature", "stale timestamp", "no signature"])
def test_unauthentic_requests_are_rejected(channel_stack: ChannelStack, reason: str) -> None:
    ts = f"{time.time():.6f}"
    body = event_body("premeds?", ts, f"Ev0BAD{abs(hash(reason))}")
    if reason == "wrong signature":
        response = signed_post(channel_stack, body, "application/json", secret="not-the-secret")
    elif reason == "stale timestamp":  # correctly signed, but 6 minutes old
        response = signed_post(channel_stack, body, "application/json", timestamp=int(time.time()) - 360)
    else:
        response = requests.post(
            f"{channel_stack.url}/webhooks/slack/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
    assert response.status_code in (400, 401)
    time.sleep(3)
    assert replies_in_thread(channel_stack.standin, ts) == []
    assert channel_stack.user_events(f"U0NURSE1_D0DIRECT1_{ts}") == []


def test_retried_event_is_answered_once(channel_stack: ChannelStack) -> None:
    ts = f"{time.time():.6f}"
    body = event_body("hello", ts, "Ev0RETRY1")
    assert signed_post(channel_stack, body, "application/json").status_code == 200
    for num, reason in [(1, "http_timeout"), (2, "http_error"), (3, "unknown_error")]:
        retry = signed_post(
            channel_stack,
            body,
            "application/json",
            headers={"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason},
        )
        assert retry.status_code == 200
        assert retry.headers.get("X-Slack-No-Retry") == "1"
    channel_stack.standin.wait_for("slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == ts)
    time.sleep(3)
    assert len(replies_in_thread(channel_stack.standin, ts)) == 1
    assert len(channel_stack.user_events(f"U0NURSE1_D0DIRECT1_{ts}")) == 1


def test_button_click_is_handled_in_the_thread_once(channel_stack: ChannelStack) -> None:
    thread_ts = f"{time.time():.6f}"
    body = click_body("/greet", thread_ts, trigger_id="1111.2222.click1")
    content_type = "application/x-www-form-urlencoded"
    assert signed_post(channel_stack, body, content_type).status_code == 200
    assert signed_post(channel_stack, body, content_type).status_code == 200  # delivered twice
    reply = channel_stack.standin.wait_for(
        "slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == thread_ts
    )[0]
    assert reply["body"]["text"].startswith("Hello")
    time.sleep(3)
    assert len(replies_in_thread(channel_stack.standin, thread_ts)) == 1
    [stored] = channel_stack.user_events(f"U0NURSE1_D0DIRECT1_{thread_ts}")
    assert stored["metadata"]["role"] == "staff"


def test_buttons_are_posted_as_slack_blocks_in_the_thread(standin: StandIn) -> None:
    out = StaffSlackBot(SLACK_TOKEN, "D0DIRECT1", "1700000000.000100", api_url=f"{standin.url}/slack/api/")
    buttons = [
        {"title": "A", "payload": '/quiz_answer{"choice": "A"}'},
        {"title": "B", "payload": '/quiz_answer{"choice": "B"}'},
    ]
    asyncio.run(out.send_text_with_buttons("U0NURSE1", "Which is right?", buttons))
    [posted] = standin.captured(
        "slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == "1700000000.000100"
    )
    section, actions = posted["body"]["blocks"]
    assert section["text"]["text"] == "Which is right?"
    assert [(e["type"], e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        ("button", b["title"], b["payload"]) for b in buttons
    ]


def test_triage_payloads_are_not_posted_to_slack(standin: StandIn) -> None:
    out = StaffSlackBot(SLACK_TOKEN, "D0DIRECT1", "1700000000.000200", api_url=f"{standin.url}/slack/api/")
    asyncio.run(out.send_custom_json("U0NURSE1", {"triage": {"disposition": "emergency"}}))
    assert replies_in_thread(standin, "1700000000.000200") == []


ECHOED = "<!channel> <!here> <@U0BOSS> see <https://evil.invalid|the protocol> & [this](https://evil.invalid)"


def test_text_the_bot_posts_cannot_mention_or_link(standin: StandIn) -> None:
    """Words a user got echoed back stay text under the bot's name: no @channel, no link."""
    out = StaffSlackBot(SLACK_TOKEN, "D0DIRECT1", "1700000000.000300", api_url=f"{standin.url}/slack/api/")
    asyncio.run(out.send_text_message("U0NURSE1", ECHOED))
    asyncio.run(out.send_text_with_buttons("U0NURSE1", ECHOED, [{"title": "A", "payload": "/a"}]))
    text, with_buttons = [
        r["body"]["text"]
        for r in standin.captured(
            "slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == "1700000000.000300"
        )
    ]
    for posted in (text, with_buttons):
        assert "<" not in posted and ">" not in posted and "&lt;!channel&gt;" in posted
        assert "&amp; [this]" in posted


def test_a_message_over_the_size_cap_gets_the_too_long_reply_and_is_not_processed(
    channel_stack: ChannelStack,
) -> None:
    ts = f"{time.time():.6f}"
    body = event_body("What is the IAR rate? " + "x" * MAX_CHARS, ts, f"Ev-long-{ts}")
    assert signed_post(channel_stack, body, "application/json").status_code == 200
    [reply] = channel_stack.standin.wait_for(
        "slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == ts
    )
    assert reply["body"]["text"] == escape_slack(too_long_reply(get_site()))
    time.sleep(1)
    assert len(replies_in_thread(channel_stack.standin, ts)) == 1
    assert channel_stack.user_events(f"U0NURSE1_D0DIRECT1_{ts}") == []


def test_a_click_on_an_alert_button_is_not_a_staff_question(channel_stack: ChannelStack) -> None:
    """The staff app's one interactivity URL also receives clicks on alerts' buttons: they are
    recorded as acknowledgements (here: of a report that does not exist), never sent to NLU."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U0NURSE1", "username": "nurse"},
        "actions": [{"action_id": "iar_ack", "value": "999999"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    answer = signed_post(channel_stack, body, "application/x-www-form-urlencoded")
    assert answer.status_code == 200 and answer.json()["text"] == "No such report."
    forged = signed_post(channel_stack, body, "application/x-www-form-urlencoded", secret="wrong")
    assert forged.status_code == 400  # Rasa's route refuses it
    assert channel_stack.user_events("U0NURSE1") == []
