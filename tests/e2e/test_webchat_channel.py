"""The patient web chat over HTTP: the page, its assets and the JSON endpoint."""

from __future__ import annotations

import json
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.core.sites import get_site
from bot.rasa.channels.ratelimit import DEFAULT_ADDRESS_LIMIT, DEFAULT_SENDER_LIMIT, parse_limit
from bot.rasa.channels.safety import rate_limited_reply
from bot.rasa.channels.webchat import MAX_CHARS, STATIC_DIR
from tests.support.channel_stack import ChannelStack
from tests.support.patient_helpers import reports_of

pytestmark = pytest.mark.e2e


def say(stack: ChannelStack, sender: str, message: str, **extra: object) -> requests.Response:
    return requests.post(
        f"{stack.url}/webhooks/webchat/webhook",
        timeout=60,
        json={"sender": sender, "message": message, **extra},
    )


def test_page_is_self_contained_accessible_and_names_the_emergency_number(
    channel_stack: ChannelStack,
) -> None:
    response = requests.get(f"{channel_stack.url}/webhooks/webchat/", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    page = response.text
    number = get_site().emergency_number
    assert re.search(rf'In an emergency call <a href="tel:{number}">{number}</a>', page)
    assert '<label for="message">' in page and 'id="message"' in page
    assert 'role="log"' in page and '<meta name="viewport"' in page
    for name in ("webchat.css", "webchat.js"):
        asset = requests.get(f"{channel_stack.url}/webhooks/webchat/static/{name}", timeout=10)
        assert asset.status_code == 200 and asset.headers["X-Content-Type-Options"] == "nosniff"
    for path in STATIC_DIR.iterdir():  # no CDN, font or any other outside resource
        assert not re.search(r"https?://|(src|href)=\"//|url\(|@import", path.read_text()), path.name
    assert "innerHTML" not in (STATIC_DIR / "webchat.js").read_text()


def test_page_without_trailing_slash_redirects(channel_stack: ChannelStack) -> None:
    response = requests.get(f"{channel_stack.url}/webhooks/webchat", timeout=10, allow_redirects=False)
    assert response.status_code in (301, 302) and response.headers["Location"].endswith("/webchat/")


def test_static_files_are_only_the_known_assets(channel_stack: ChannelStack) -> None:
    for name in ("index.html", "..%2F__init__.py", "webchat.py"):
        url = f"{channel_stack.url}/webhooks/webchat/static/{name}"
        assert requests.get(url, timeout=10).status_code == 404


def test_message_is_answered_and_marked_patient(channel_stack: ChannelStack) -> None:
    response = say(
        channel_stack, "patient-7f3c9a2e5b1d41", "hello", metadata={"role": "staff"}
    )  # client metadata must be ignored
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json()[0]["text"].startswith("Hello")
    [stored] = channel_stack.user_events("webchat-patient-7f3c9a2e5b1d41")
    assert stored["input_channel"] == "webchat"
    assert stored["metadata"]["role"] == "patient"


@pytest.mark.parametrize("message", ["list reports", "show the roster", "roster"])
def test_staff_only_functions_are_never_offered(channel_stack: ChannelStack, message: str) -> None:
    sender = f"patient-staffonly-{abs(hash(message))}"
    replies = say(channel_stack, sender, message).json()
    shown = " ".join(
        [r.get("text", "") for r in replies]
        + [b.get("title", "") + b.get("payload", "") for r in replies for b in r.get("buttons", [])]
    ).lower()
    # a patient has no reason to see either word; staff listings would contain them
    assert "roster" not in shown and "reports" not in shown
    assert all(e["metadata"]["role"] == "patient" for e in channel_stack.user_events(f"webchat-{sender}"))


def test_too_long_message_gets_a_clear_reply_and_is_not_processed(channel_stack: ChannelStack) -> None:
    replies = say(channel_stack, "patient-7f3c9a2e5b1d42", "a" * (MAX_CHARS + 1)).json()
    assert f"under {MAX_CHARS} characters" in replies[0]["text"]
    assert get_site().emergency_number in replies[0]["text"]
    assert channel_stack.user_events("webchat-patient-7f3c9a2e5b1d42") == []


@pytest.mark.parametrize(
    "body, status",
    [
        ({"sender": "short", "message": "hi"}, 400),
        ({"sender": "has spaces in the id!", "message": "hi"}, 400),
        ({"sender": "patient-7f3c9a2e5b1d43", "message": "   "}, 400),
        ({"sender": "patient-7f3c9a2e5b1d43", "message": ["hi"]}, 400),
    ],
)
def test_malformed_requests_are_refused(channel_stack: ChannelStack, body: dict, status: int) -> None:
    response = requests.post(f"{channel_stack.url}/webhooks/webchat/webhook", json=body, timeout=10)
    assert response.status_code == status and "error" in response.json()


def test_form_posts_are_refused(channel_stack: ChannelStack) -> None:
    response = requests.post(
        f"{channel_stack.url}/webhooks/webchat/webhook",
        timeout=10,
        data={"sender": "patient-7f3c9a2e5b1d44", "message": "hi"},
    )
    assert response.status_code == 415


def random_sender() -> str:
    return secrets.token_hex(16)  # as webchat.js makes them


@pytest.mark.parametrize(
    "sender",
    ["aaaaaaaaaaaaaaaa", "abcdefghijklmnop", "patient1patient1", "0000000000000000000000000000000000000001"],
)
def test_guessable_sender_ids_are_refused(channel_stack: ChannelStack, sender: str) -> None:
    response = say(channel_stack, sender, "hello")
    assert response.status_code == 400 and "random id" in response.json()["error"]
    assert channel_stack.user_events(f"webchat-{sender}") == []


def from_address(stack: ChannelStack, address: str, sender: str, message: str) -> requests.Response:
    """A message as the reverse proxy forwards it (the server trusts one proxy)."""
    return requests.post(
        f"{stack.url}/webhooks/webchat/webhook",
        timeout=60,
        headers={"X-Forwarded-For": address},
        json={"sender": sender, "message": message},
    )


def assert_rate_limited(response: requests.Response, sender: str) -> None:
    assert response.status_code == 429
    assert response.json() == [{"recipient_id": f"webchat-{sender}", "text": rate_limited_reply(get_site())}]
    assert get_site().emergency_number in response.json()[0]["text"]


def emergency(response: requests.Response) -> bool:
    return response.status_code == 200 and any(
        (r.get("custom") or {}).get("triage", {}).get("disposition") == "emergency" for r in response.json()
    )


def test_one_sender_over_its_limit_gets_a_clear_reply_but_its_first_red_flag_passes(
    channel_stack: ChannelStack,
) -> None:
    sender, address = random_sender(), "198.51.100.1"
    limit, _ = parse_limit(DEFAULT_SENDER_LIMIT)
    assert all(from_address(channel_stack, address, sender, "hello").status_code == 200 for _ in range(limit))
    assert_rate_limited(from_address(channel_stack, address, sender, "hello"), sender)
    assert len(channel_stack.user_events(f"webchat-{sender}")) == limit  # not processed
    assert emergency(from_address(channel_stack, address, sender, "I have chest pain"))
    assert_rate_limited(from_address(channel_stack, address, sender, "I have chest pain"), sender)
    other = random_sender()  # the limit is per sender: another one from the address is fine
    assert from_address(channel_stack, address, other, "hello").status_code == 200


def test_one_address_over_its_limit_gets_a_clear_reply_but_first_red_flags_pass(
    channel_stack: ChannelStack,
) -> None:
    address = "198.51.100.2"
    limit, _ = parse_limit(DEFAULT_ADDRESS_LIMIT)
    assert all(
        from_address(channel_stack, address, random_sender(), "hello").status_code == 200
        for _ in range(limit)
    )
    sender = random_sender()
    assert_rate_limited(from_address(channel_stack, address, sender, "hello"), sender)
    assert emergency(from_address(channel_stack, address, random_sender(), "I can't breathe"))
    assert from_address(channel_stack, "198.51.100.3", random_sender(), "hello").status_code == 200


def test_five_identical_concurrent_messages_give_one_turn_and_one_report(channel_stack: ChannelStack) -> None:
    sender, start = random_sender(), threading.Barrier(5)

    def send(_: int) -> requests.Response:
        start.wait()
        return say(channel_stack, sender, "I have chest pain")

    with ThreadPoolExecutor(5) as pool:
        responses = list(pool.map(send, range(5)))
    assert all(emergency(r) for r in responses)
    assert len({json.dumps(r.json()) for r in responses}) == 1  # all got the one turn's replies
    assert len(channel_stack.user_events(f"webchat-{sender}")) == 1
    assert len(reports_of(channel_stack.user_db_url, f"webchat-{sender}")) == 1
