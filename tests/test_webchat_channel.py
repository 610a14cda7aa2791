"""The patient web chat over HTTP: the page, its assets and the JSON endpoint."""
from __future__ import annotations

import re

import pytest
import requests

from bot.channels.webchat import MAX_CHARS, STATIC_DIR
from bot.sites import get_site
from tests.channel_stack import ChannelStack

pytestmark = pytest.mark.e2e


def say(stack: ChannelStack, sender: str, message: str, **extra: object) -> requests.Response:
    return requests.post(f"{stack.url}/webhooks/webchat/webhook", timeout=60,
                         json={"sender": sender, "message": message, **extra})


def test_page_is_self_contained_accessible_and_names_the_emergency_number(
        channel_stack: ChannelStack) -> None:
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
        assert not re.search(r"https?://|(src|href)=\"//|url\(|@import", path.read_text()), \
            path.name
    assert "innerHTML" not in (STATIC_DIR / "webchat.js").read_text()


def test_page_without_trailing_slash_redirects(channel_stack: ChannelStack) -> None:
    response = requests.get(f"{channel_stack.url}/webhooks/webchat", timeout=10,
                            allow_redirects=False)
    assert response.status_code in (301, 302) and response.headers["Location"].endswith("/webchat/")


def test_static_files_are_only_the_known_assets(channel_stack: ChannelStack) -> None:
    for name in ("index.html", "..%2F__init__.py", "webchat.py"):
        url = f"{channel_stack.url}/webhooks/webchat/static/{name}"
        assert requests.get(url, timeout=10).status_code == 404


def test_message_is_answered_and_marked_patient(channel_stack: ChannelStack) -> None:
    response = say(channel_stack, "patient-aaaaaaaaaaaa1", "hello",
                   metadata={"role": "staff"})  # client metadata must be ignored
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json()[0]["text"].startswith("Hello")
    [stored] = channel_stack.user_events("webchat-patient-aaaaaaaaaaaa1")
    assert stored["input_channel"] == "webchat"
    assert stored["metadata"]["role"] == "patient"


@pytest.mark.parametrize("message", ["list reports", "show the roster", "roster"])
def test_staff_only_functions_are_never_offered(channel_stack: ChannelStack, message: str) -> None:
    sender = f"patient-staffonly-{abs(hash(message))}"
    replies = say(channel_stack, sender, message).json()
    shown = " ".join([r.get("text", "") for r in replies] +
                     [b.get("title", "") + b.get("payload", "")
                      for r in replies for b in r.get("buttons", [])]).lower()
    # a patient has no reason to see either word; staff listings would contain them
    assert "roster" not in shown and "reports" not in shown
    assert all(e["metadata"]["role"] == "patient"
               for e in channel_stack.user_events(f"webchat-{sender}"))


def test_too_long_message_gets_a_clear_reply_and_is_not_processed(
        channel_stack: ChannelStack) -> None:
    replies = say(channel_stack, "patient-aaaaaaaaaaaa2", "a" * (MAX_CHARS + 1)).json()
    assert f"under {MAX_CHARS} characters" in replies[0]["text"]
    assert get_site().emergency_number in replies[0]["text"]
    assert channel_stack.user_events("webchat-patient-aaaaaaaaaaaa2") == []


@pytest.mark.parametrize("body, status", [
    ({"sender": "short", "message": "hi"}, 400),
    ({"sender": "has spaces in the id!", "message": "hi"}, 400),
    ({"sender": "patient-aaaaaaaaaaaa3", "message": "   "}, 400),
    ({"sender": "patient-aaaaaaaaaaaa3", "message": ["hi"]}, 400),
])
def test_malformed_requests_are_refused(channel_stack: ChannelStack, body: dict,
                                        status: int) -> None:
    response = requests.post(f"{channel_stack.url}/webhooks/webchat/webhook", json=body, timeout=10)
    assert response.status_code == status and "error" in response.json()


def test_form_posts_are_refused(channel_stack: ChannelStack) -> None:
    response = requests.post(f"{channel_stack.url}/webhooks/webchat/webhook", timeout=10,
                             data={"sender": "patient-aaaaaaaaaaaa4", "message": "hi"})
    assert response.status_code == 415
