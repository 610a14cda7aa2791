"""Hostile input, property-based (hypothesis): the NLU component and the REST channel of the
running servers get empty, whitespace-only, huge, control-character, emoji, other-script,
SQL- and HTML/JS-injection text. Always a sane reply, never a 5xx, nothing executed,
stored data intact. (That the web chat shows such text as text: test_webchat_browser.py.)
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from bot.core.sites import get_site
from bot.core.userdb import engine_for
from bot.ops.stack import Stack
from bot.patient.nlp.extract import extract
from bot.patient.reports.models import PatientReport
from bot.rasa.channels.safety import MAX_CHARS, too_long_reply
from bot.rasa.components import SymptomExtractor
from tests.support.rest import RestClient
from tests.support.userdb import session_factory

# bot.patient.nlp.pipeline silences spaCy W036 (empty token Matchers); pytest resets filters per test.
pytestmark = pytest.mark.filterwarnings("ignore:.*W036")

SQL = [
    "'; DROP TABLE events; --",
    "1' OR '1'='1",
    '"); DELETE FROM patient_reports; --',
    "Robert'); DROP TABLE alert_outbox;--",
    "' UNION SELECT sqlite_version() --",
]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "javascript:alert(1)",
    "{{7*7}} ${jndi:ldap://x/a} %s%n",
    "<!-- --><svg onload=alert(1)>",
]
ODD = [
    "",
    " ",
    " \t\n ",
    "\x00",
    "\x1b[31mred\x1b[0m",
    "\ud800 lone surrogate",
    "\u202e reversed",
    "😀🤒🔥",
    "我头很疼",
    "У меня сыпь и температура",
    "عندي صداع",
    "मुझे बुखार है",
    "/restart",
    '/greet{"x": 1}',
    "a" * MAX_CHARS,
    "🙂" * MAX_CHARS,
]
HOSTILE = SQL + MARKUP + ODD
PHRASES = ["I have a rash ", "my temperature is 38.6 ", "my patient has a headache ", ""]
texts = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),  # any code point but surrogates, control characters included
    st.builds(
        lambda phrase, bad, tail: phrase + bad + tail,
        st.sampled_from(PHRASES),
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
    ),
)
senders = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)
ROLES = st.sampled_from([{"role": "patient"}, {"role": "staff"}, {}])
counter = itertools.count()


@pytest.fixture(scope="module")
def component() -> SymptomExtractor:
    return SymptomExtractor.create(SymptomExtractor.get_default_config(), None, None, None)


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(texts, st.text(max_size=MAX_CHARS)))
def test_extraction_never_raises_and_spans_are_inside_the_text(text: str) -> None:
    extraction = extract(text)
    for start, end in extraction.spans.values():
        assert 0 <= start <= end <= len(text)
    for finding in extraction.findings:
        assert 0 <= finding.start <= finding.end <= len(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_the_nlu_component_never_raises(component: SymptomExtractor, text: str) -> None:
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text})
    component.process([message])
    for entity in message.get("entities") or []:
        assert 0 <= entity["start"] <= entity["end"] <= len(text)


def post(rest: RestClient, body: Any) -> requests.Response:
    return requests.post(
        f"{rest.url}/webhooks/rest/webhook",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )


@pytest.mark.e2e
@settings(max_examples=50, deadline=None)
@given(text=texts, sender=senders, metadata=ROLES)
def test_rest_always_gives_a_sane_reply(
    rest: RestClient, text: str, sender: str, metadata: dict[str, str]
) -> None:
    who = f"hostile-{next(counter)}-{sender}"
    response = post(rest, {"sender": who, "message": text, "metadata": metadata})
    assert response.status_code == 200, response.text[:500]
    replies = response.json()
    assert replies and all(r["recipient_id"] == who for r in replies)
    assert any((r.get("text") or "").strip() for r in replies), replies


@pytest.mark.e2e
@pytest.mark.parametrize(
    "body",
    [None, [], "text", {"message": 5}, {"sender": None, "message": {}}, {"sender": "\x00", "message": "hi"}],
)
def test_malformed_rest_requests_get_400_not_500(rest: RestClient, body: Any) -> None:
    response = post(rest, body)
    assert response.status_code == 400 and "error" in response.json()


@pytest.mark.e2e
def test_malformed_json_gets_400(rest: RestClient) -> None:
    response = requests.post(
        f"{rest.url}/webhooks/rest/webhook",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400


@pytest.fixture(scope="module")
def tracker_db(servers: Stack) -> Path:
    """The SQLite tracker store of the session's servers (next to their logs)."""
    return servers.servers[1].log.parent / "tracker.db"


def user_texts(tracker_db: Path, sender: str) -> list[str]:
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


@pytest.mark.e2e
@pytest.mark.parametrize(
    "text", ["x" * 100_000, "🙂" * 100_000, "a" * (MAX_CHARS + 1)], ids=["100k ascii", "100k emoji", "cap+1"]
)
def test_oversized_message_gets_the_size_cap_reply_and_is_not_processed(
    rest: RestClient, tracker_db: Path, text: str
) -> None:
    who = f"oversized-{next(counter)}"
    assert rest.say(who, text, role="patient") == [{"recipient_id": who, "text": too_long_reply(get_site())}]
    assert user_texts(tracker_db, who) == []


@pytest.mark.e2e
def test_injection_is_stored_verbatim_and_every_table_survives(
    rest: RestClient, tracker_db: Path, user_db_url: str
) -> None:
    who = f"injection-{next(counter)}"
    first = "I've had a mild headache since my infusion yesterday'); DROP TABLE patient_reports;--"
    last = 'no"; DELETE FROM events WHERE 1=1; <script>alert(1)</script>'
    rest.say(who, first, role="patient")
    rest.say(who, "None of these", role="patient")  # the red-flag screen
    replies = rest.say(who, last, role="patient")
    assert any("triage" in (r.get("custom") or {}) for r in replies), replies
    assert user_texts(tracker_db, who) == [first, "None of these", last]
    with sqlite3.connect(tracker_db) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    assert {"patient_reports", "alert_outbox"} <= set(inspect(engine_for(user_db_url)).get_table_names())
    with session_factory(user_db_url)() as session:
        [report] = (
            session.execute(select(PatientReport).where(PatientReport.sender_id == who)).scalars().all()
        )
    assert report.text == f"{first}\nNone of these\n{last}"
