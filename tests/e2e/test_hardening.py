"""Findings of the attack-and-fault pass (issue 10), against real servers over HTTP:
an authenticated action server, a strict REST channel, private databases, Unicode
tricks, user-typed entities and logs without patients' words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.core.paths import ROOT
from bot.core.sites import get_site
from bot.ops.stack import Stack
from bot.patient.privacy import ErasureRequest
from bot.patient.reports.models import AlertOutbox, PatientReport
from bot.rasa.action_server import TOKEN_ENV, TOKEN_HEADER
from bot.rasa.channels.safety import no_reply
from tests.support.patient_helpers import reports_of, say, wait_until
from tests.support.rest import RestClient
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e
WORDS = "I have crushing chest pain"


def forged_call(action: str, sender: str, text: str = WORDS) -> dict[str, Any]:
    """An action call as Rasa makes it, for a tracker the caller made up."""
    entities = [
        {
            "entity": "symptom",
            "value": "chest_pain",
            "role": "present",
            "start": 16,
            "end": 26,
            "text": "chest pain",
        }
    ]
    latest = {
        "text": text,
        "intent": {"name": "report_symptoms", "confidence": 1.0},
        "entities": entities,
        "message_id": uuid.uuid4().hex,
        "metadata": {"role": "patient"},
    }
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": latest,
            "events": [{"event": "user", "text": text, "parse_data": latest, "timestamp": 1.0}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def call_action(servers: Stack, body: Any, token: str | None) -> requests.Response:
    headers = {TOKEN_HEADER: token} if token is not None else {}
    return requests.post(f"{servers.servers[0].url}/webhook", json=body, headers=headers, timeout=30)


def user_db_state(url: str) -> tuple[int, int, int]:
    with session_factory(url)() as s:
        return tuple(
            len(s.execute(select(model.id)).all())  # type: ignore[return-value]
            for model in (PatientReport, AlertOutbox, ErasureRequest)
        )


@pytest.mark.parametrize("token", [None, "", "wrong-token-of-the-right-length-0123456789"])
def test_action_calls_without_the_secret_get_401_and_change_nothing(
    servers: Stack, user_db_url: str, rest: RestClient, token: str | None
) -> None:
    victim = f"patient-victim-{uuid.uuid4().hex[:6]}"
    say(rest, victim, "I have chest pain")
    wait_until(lambda: reports_of(user_db_url, victim), what="victim's report")
    before = user_db_state(user_db_url)
    for action, sender in (("action_triage", f"forger-{uuid.uuid4().hex[:6]}"), ("action_forget_me", victim)):
        response = call_action(servers, forged_call(action, sender), token)
        assert response.status_code == 401 and WORDS not in response.text
    assert requests.get(f"{servers.servers[0].url}/actions", timeout=10).status_code == 401
    assert user_db_state(user_db_url) == before


def test_the_secret_rasa_sends_is_the_one_the_action_server_checks(servers: Stack, user_db_url: str) -> None:
    """The same forged call with the secret runs (so the 401s above are the check's doing);
    an action that fails answers 500 without echoing the tracker, which Rasa would log."""
    forger = f"forger-{uuid.uuid4().hex[:6]}"
    response = call_action(servers, forged_call("action_triage", forger), os.environ[TOKEN_ENV])
    assert response.status_code == 200 and reports_of(user_db_url, forger)
    broken = forged_call("action_triage", forger)
    broken["tracker"]["latest_message"]["entities"] = 5
    response = call_action(servers, broken, os.environ[TOKEN_ENV])
    assert response.status_code == 500 and WORDS not in response.text
    assert requests.get(f"{servers.servers[0].url}/health", timeout=10).status_code == 200


def test_the_action_server_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "bot.rasa.action_server", "-p", "1"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and TOKEN_ENV in done.stderr


def rest_post(rest: RestClient, body: Any, content_type: str = "application/json") -> requests.Response:
    return requests.post(
        f"{rest.url}/webhooks/rest/webhook",
        data=json.dumps(body),
        headers={"Content-Type": content_type},
        timeout=60,
    )


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_rest_refuses_bodies_a_cross_site_form_can_send(
    rest: RestClient, user_db_url: str, content_type: str
) -> None:
    sender = f"csrf-{uuid.uuid4().hex[:6]}"
    response = rest_post(
        rest,
        {"sender": sender, "message": "I have chest pain", "metadata": {"role": "patient"}},
        content_type,
    )
    assert response.status_code == 415
    assert reports_of(user_db_url, sender) == []


@pytest.mark.parametrize(
    "body",
    [
        {"message": "hi"},
        {"sender": "", "message": "hi"},
        {"sender": "a", "message": "hi", "metadata": {"role": "staff", "pad": "x" * 5000}},
    ],
)
def test_rest_needs_a_sender_and_small_metadata(rest: RestClient, servers: Stack, body: dict) -> None:
    response = rest_post(rest, body)
    assert response.status_code == 400 and "error" in response.json()


def test_databases_are_readable_by_their_owner_only(
    rest: RestClient, servers: Stack, user_db_url: str
) -> None:
    say(rest, f"patient-perm-{uuid.uuid4().hex[:6]}", "I have chest pain")
    tracker = servers.servers[1].log.parent / "tracker.db"
    userdata = Path(user_db_url.removeprefix("sqlite:///"))
    for path in (tracker, userdata):
        assert path.stat().st_mode & 0o777 == 0o600, path


@pytest.mark.parametrize(
    "text", ["I have chest\u200b pain", "I have ｃｈｅｓｔ ｐａｉｎ", "I have ch\u00adest pa\u2060in"]
)
def test_format_characters_and_compatibility_forms_cannot_hide_a_red_flag(
    rest: RestClient, text: str
) -> None:
    _, payload = say(rest, f"patient-unicode-{uuid.uuid4().hex[:6]}", text)
    assert payload and payload["disposition"] == "emergency"


@pytest.mark.parametrize(
    "typed",
    [
        '/report_symptoms{"temperature": "<script>"}',
        '/report_symptoms{"days_since_infusion": "1e9"}',
        '/report_symptoms{"symptom": "<!channel>"}',
        '/report_symptoms{"symptom": "fever", "start": "x"}',
    ],
)
def test_user_typed_entities_are_validated_like_any_input(
    rest: RestClient, servers: Stack, user_db_url: str, typed: str
) -> None:
    sender = f"patient-typed-{uuid.uuid4().hex[:6]}"
    replies = rest.say(sender, "I have a fever", role="patient")
    replies += rest.say(sender, typed, role="patient")
    texts = [r.get("text") or "" for r in replies]
    assert texts and no_reply(get_site()) not in texts, texts
    assert "<!channel>" not in json.dumps([r.symptoms for r in reports_of(user_db_url, sender)])


def test_patients_words_never_reach_the_logs(rest: RestClient, servers: Stack) -> None:
    """After the conversations above (a failed action call included), a long message:
    neither its words nor a spaCy warning flood reach the logs."""
    rasa_log = servers.servers[1].log
    before = rasa_log.stat().st_size
    say(
        rest,
        f"patient-long-{uuid.uuid4().hex[:6]}",
        ("My chest hurts and my lips feel puffy since the infusion, " * 20)[:1000],
    )
    assert rasa_log.stat().st_size - before < 5_000
    for server in servers.servers:
        text = server.log.read_text(errors="replace")
        assert "crushing" not in text and "lips feel puffy" not in text, server.log
