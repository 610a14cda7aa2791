"""Microsoft Teams: Bot Framework activities with tokens signed by a locally served key set.

Replies are captured by the stand-in for the Bot Connector service; the bot's own
token comes from the stand-in for the tenant's token endpoint.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.core.sites import get_site
from bot.rasa.channels.safety import MAX_CHARS, too_long_reply
from bot.rasa.channels.teams import TeamsOutput, TeamsSettings, TokenProvider, escape_teams, sender_id
from tests.support.channel_stack import ACCESS_TOKEN, APP_ID, KEY_ID, TENANT_ID, ChannelStack, StandIn

pytestmark = pytest.mark.e2e

_ids = itertools.count(1)


def activity(standin: StandIn, text: str, tenant: str = TENANT_ID, **changes: Any) -> dict:
    """A message activity from a user in a personal chat, as the Bot Connector sends it."""
    n = next(_ids)
    return {
        "type": "message",
        "id": f"1700000000{n:03d}",
        "timestamp": "2026-11-29T10:00:00.000Z",
        "localTimestamp": "2026-11-29T10:00:00.000+00:00",
        "channelId": "msteams",
        "serviceUrl": f"{standin.url}/connector/",
        "from": {"id": "29:1nurse-one-id", "name": "Nurse One", "aadObjectId": "aad-nurse-1"},
        "conversation": {
            "conversationType": "personal",
            "tenantId": tenant,
            "id": f"a:1personal-chat-{n};messageid=1700000000{n:03d}",
        },
        "recipient": {"id": f"28:{APP_ID}", "name": "IAR Assistant"},
        "textFormat": "plain",
        "locale": "en-GB",
        "text": text,
        "entities": [{"type": "clientInfo", "locale": "en-GB", "platform": "Web"}],
        "channelData": {"tenant": {"id": tenant}},
        **changes,
    }


def post(stack: ChannelStack, body: dict, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{stack.url}/webhooks/teams/webhook", json=body, headers=headers, timeout=30)


def tokens(standin: StandIn) -> TokenProvider:
    """The bot's token source, pointed at the stand-in (for output-channel tests)."""
    return TokenProvider(
        TeamsSettings(APP_ID, "test-password", TENANT_ID, f"{standin.url}/openid", f"{standin.url}/token")
    )


def replies_to(standin: StandIn, act: dict) -> list[dict]:
    return standin.captured("connector", lambda r: r["path"]["activity"] == act["id"])


def test_valid_activity_is_answered_through_the_bot_connector(channel_stack: ChannelStack) -> None:
    standin = channel_stack.standin
    act = activity(standin, "premeds?")
    assert post(channel_stack, act, standin.bot_token()).status_code == 200
    [reply] = standin.wait_for("connector", lambda r: r["path"]["activity"] == act["id"])
    assert reply["path"]["conversation"] == act["conversation"]["id"]
    assert reply["auth"] == f"Bearer {ACCESS_TOKEN}"
    body = reply["body"]
    assert body["type"] == "message" and body["replyToId"] == act["id"]
    assert body["recipient"] == act["from"] and body["from"] == act["recipient"]
    assert "methylprednisolone" in body["text"] and "\n\nSource: " in body["text"]
    token_request = standin.captured("token")[0]["body"]
    assert token_request == {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": "test-password",
        "scope": "https://api.botframework.com/.default",
    }
    [stored] = channel_stack.user_events(sender_id(act))
    assert stored["input_channel"] == "teams" and stored["metadata"]["role"] == "staff"


def test_channel_mention_is_stripped_and_token_reused(channel_stack: ChannelStack) -> None:
    standin = channel_stack.standin
    act = activity(standin, "<at>IAR Assistant</at> hello")
    assert post(channel_stack, act, standin.bot_token()).status_code == 200
    [reply] = standin.wait_for("connector", lambda r: r["path"]["activity"] == act["id"])
    assert reply["body"]["text"].startswith("Hello")
    assert channel_stack.user_events(sender_id(act))[0]["text"] == "hello"
    assert len(standin.captured("token")) == 1, "the outgoing token is cached until expiry"


def test_redelivered_activity_is_answered_once(channel_stack: ChannelStack) -> None:
    standin = channel_stack.standin
    act = activity(standin, "hello")
    for _ in range(2):
        assert post(channel_stack, act, standin.bot_token()).status_code == 200
    standin.wait_for("connector", lambda r: r["path"]["activity"] == act["id"])
    time.sleep(3)
    assert len(replies_to(standin, act)) == 1


def _other_key_token(standin: StandIn) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return jwt.encode(
        {
            "iss": "https://api.botframework.com",
            "aud": APP_ID,
            "nbf": now - 60,
            "exp": now + 3600,
            "serviceurl": f"{standin.url}/connector/",
        },
        other,
        algorithm="RS256",
        headers={"kid": KEY_ID},
    )


def _hs256_with_public_key(standin: StandIn) -> str:
    """The algorithm-confusion attack: an HMAC 'signature' keyed with the public key."""
    public_pem = standin.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "exp": int(time.time()) + 3600,
        "serviceurl": f"{standin.url}/connector/",
    }
    parts = [
        _b64(json.dumps(part).encode()) for part in ({"alg": "HS256", "typ": "JWT", "kid": KEY_ID}, claims)
    ]
    signature = hmac.new(public_pem, ".".join(parts).encode(), hashlib.sha256).digest()
    return ".".join([*parts, _b64(signature)])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


BAD_TOKENS = {
    "wrong audience": lambda s: s.bot_token(aud="someone-elses-app"),
    "wrong issuer": lambda s: s.bot_token(iss="https://sts.windows.net/evil/"),
    "expired": lambda s: s.bot_token(exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
    "not yet valid": lambda s: s.bot_token(nbf=int(time.time()) + 3600),
    "no expiry": lambda s: s.bot_token(exp=None),
    "bad signature": _other_key_token,
    "HS256 with the public key": _hs256_with_public_key,
    "other serviceUrl": lambda s: s.bot_token(serviceurl="https://smba.example.invalid/"),
    "no token": lambda s: None,
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_invalid_tokens_are_rejected_with_401(channel_stack: ChannelStack, case: str) -> None:
    standin = channel_stack.standin
    act = activity(standin, "hello")
    response = post(channel_stack, act, BAD_TOKENS[case](standin))
    assert response.status_code == 401
    time.sleep(1)
    assert replies_to(standin, act) == []
    assert channel_stack.user_events(sender_id(act)) == []


def test_other_tenant_is_refused(channel_stack: ChannelStack) -> None:
    standin = channel_stack.standin
    act = activity(standin, "hello", tenant="another-organisation")
    assert post(channel_stack, act, standin.bot_token()).status_code == 403
    assert channel_stack.user_events(sender_id(act)) == []


def test_buttons_become_a_hero_card(standin: StandIn) -> None:
    act = activity(standin, "quiz")
    buttons = [{"title": "A", "payload": '/quiz_answer{"choice": "A"}'}]
    asyncio.run(
        TeamsOutput(act, tokens(standin)).send_text_with_buttons(
            "29:1nurse-one-id", "Which is right?", buttons
        )
    )
    [reply] = replies_to(standin, act)
    [attachment] = reply["body"]["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.hero"
    assert attachment["content"] == {
        "text": "Which is right?",
        "buttons": [
            {"type": "messageBack", "title": "A", "text": '/quiz_answer{"choice": "A"}', "displayText": "A"}
        ],
    }


def test_triage_payloads_are_not_posted_to_teams(standin: StandIn) -> None:
    act = activity(standin, "hello")
    asyncio.run(
        TeamsOutput(act, tokens(standin)).send_custom_json(
            "29:1nurse-one-id", {"triage": {"disposition": "emergency"}}
        )
    )
    assert replies_to(standin, act) == []


def test_settings_use_the_tenant_token_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "pw")
    monkeypatch.delenv("MICROSOFT_TOKEN_URL", raising=False)
    monkeypatch.setenv("MICROSOFT_TENANT_ID", "contoso-tenant-id")
    assert (
        TeamsSettings.from_env().token_url
        == "https://login.microsoftonline.com/contoso-tenant-id/oauth2/v2.0/token"
    )
    monkeypatch.delenv("MICROSOFT_TENANT_ID")
    assert (
        TeamsSettings.from_env().token_url
        == "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    )
    monkeypatch.delenv("MICROSOFT_APP_PASSWORD")
    assert TeamsSettings.from_env() is None


def test_text_the_bot_sends_cannot_link_or_tag(standin: StandIn) -> None:
    """Words a user got echoed back stay text under the bot's name: no link, no tag."""
    act = activity(standin, "hello")
    echoed = "see [the protocol](https://evil.invalid) <a href='https://evil.invalid'>here</a>"
    out = TeamsOutput(act, tokens(standin))
    asyncio.run(out.send_text_message("29:1nurse-one-id", echoed))
    asyncio.run(out.send_text_with_buttons("29:1nurse-one-id", echoed, [{"title": "A", "payload": "/a"}]))
    text, card = replies_to(standin, act)
    for sent in (text["body"]["text"], card["body"]["attachments"][0]["content"]["text"]):
        assert sent == (
            "see \\[the protocol\\](https://evil.invalid) \\<a href='https://evil.invalid'\\>here\\</a\\>"
        )


def test_a_message_over_the_size_cap_gets_the_too_long_reply_and_is_not_processed(
    channel_stack: ChannelStack,
) -> None:
    standin = channel_stack.standin
    act = activity(standin, "What is the IAR rate? " + "x" * MAX_CHARS)
    assert post(channel_stack, act, standin.bot_token()).status_code == 200
    [reply] = standin.wait_for("connector", lambda r: r["path"]["activity"] == act["id"])
    assert reply["body"]["text"] == escape_teams(too_long_reply(get_site()))
    time.sleep(1)
    assert len(replies_to(standin, act)) == 1 and channel_stack.user_events(sender_id(act)) == []


def test_format_characters_do_not_reach_nlu(channel_stack: ChannelStack) -> None:
    standin = channel_stack.standin
    act = activity(standin, "pre\u200bmeds\u2060? ｐｌｅａｓｅ")
    assert post(channel_stack, act, standin.bot_token()).status_code == 200
    standin.wait_for("connector", lambda r: r["path"]["activity"] == act["id"])
    [stored] = channel_stack.user_events(sender_id(act))
    assert stored["text"] == "premeds? please"
