"""Scale-out on the production profile: PostgreSQL and Redis from Debian packages on loopback
(scripts/services.sh), two Rasa servers with endpoints.prod.yml, one action server and the
alert dispatcher. Conversations alternate between the servers turn by turn."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from bot.core.paths import ROOT
from bot.ops.services import TRACKER_DB, Services, start_services
from bot.ops.stack import (
    Stack,
    free_port,
    start_action_server,
    start_alert_dispatcher,
    start_rasa_server,
    wait_until_up,
)
from bot.patient.privacy import sender_hash
from bot.rasa.channels.dedupe import RedisSeenCache, seen_cache
from bot.rasa.lock_store import AtomicRedisLockStore
from tests.e2e.test_slack_channel import event_body, replies_in_thread, signed_post
from tests.support.channel_stack import StandIn, channel_env
from tests.support.patient_helpers import reports_of
from tests.support.rest import RestClient

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def services() -> Services:
    """PostgreSQL (tracker store, reports) and Redis (lock store) for this module."""
    running = start_services()
    yield running
    running.remove()


@pytest.fixture(scope="module")
def clients(
    trained_model: Path, services: Services, standin: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> list[RestClient]:
    """REST clients for two Rasa servers sharing one action server, PostgreSQL and Redis
    (Slack on too, its Web API played by the stand-in)."""
    work = tmp_path_factory.mktemp("scaleout")
    action_port = free_port()
    users = {
        "IAR_USER_DB_URL": services.db_url(),
        "IAR_REPORT_SPOOL": str(work / "spool.jsonl"),
        "IAR_TRACKER_DB_URL": services.db_url(TRACKER_DB),
    }
    rasa_env = {**channel_env(standin), **services.rasa_env(f"http://127.0.0.1:{action_port}/webhook")}
    stack = Stack([start_action_server(action_port, log=work / "actions.log", env=users)])
    try:
        stack.servers.append(start_alert_dispatcher(0.5, log=work / "alerts.log", env=users))
        for i in range(2):
            stack.servers.append(
                start_rasa_server(
                    free_port(),
                    trained_model,
                    ROOT / "endpoints.prod.yml",
                    log=work / f"rasa-{i}.log",
                    env=rasa_env,
                )
            )
        for server in stack.servers:
            if server.url:
                wait_until_up(server, "/health" if server.name == "action server" else "/")
        yield [RestClient(server.url) for server in stack.servers[2:]]
    finally:
        stack.stop()


def tracker_events(services: Services, sender: str) -> list[dict]:
    engine = create_engine(services.db_url(TRACKER_DB))
    try:
        with engine.connect() as db:
            rows = db.execute(
                text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).all()
    finally:
        engine.dispose()
    return [json.loads(data) for (data,) in rows]


def test_a_report_alternating_between_two_servers_keeps_its_form_and_is_stored_once(
    clients: list[RestClient], services: Services
) -> None:
    who = f"patient-scaleout-{uuid.uuid4().hex[:8]}"
    turns = [
        ("I have a headache", "Do you have any of these right now?"),
        ("None of these", "mild, moderate or severe"),
        ("it's mild", "infusion"),
        ("yesterday", "anything else"),
        ("nothing else", "Source: "),
    ]
    for i, (message, expected) in enumerate(turns):
        replies = clients[i % 2].say(who, message, role="patient")
        assert expected in "\n".join(r.get("text", "") for r in replies), (i, replies)
    assert any(r.get("custom", {}).get("triage", {}).get("disposition") == "routine" for r in replies)
    reports = reports_of(services.db_url(), who)
    assert len(reports) == 1
    assert reports[0].text == "\n".join(message for message, _ in turns)
    assert [e["text"] for e in tracker_events(services, who) if e["event"] == "user"] == [
        message for message, _ in turns
    ]


def test_simultaneous_messages_to_both_servers_are_serialised_by_the_lock(
    clients: list[RestClient], services: Services
) -> None:
    who = f"nurse-scaleout-{uuid.uuid4().hex[:8]}"
    questions = ["How common are IARs?", "What premedication is recommended?"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda pair: pair[0].text(who, pair[1], role="staff"), zip(clients, questions))
        )
    assert all("Source: " in answer for answer in answers)
    events = tracker_events(services, who)
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    answered = [i for i, e in enumerate(events) if e.get("name") == "action_answer_question"]
    assert len(users) == 2 and len(answered) == 2
    assert users[0] < answered[0] < users[1] < answered[1]  # one turn after the other


def test_forget_me_across_servers_erases_postgresql_events_and_unlinks_reports(
    clients: list[RestClient], services: Services
) -> None:
    who = f"patient-forget-{uuid.uuid4().hex[:8]}"
    clients[0].say(who, "I've had a mild headache since my infusion yesterday", role="patient")
    clients[1].say(who, "None of these", role="patient")  # the red-flag screen
    clients[0].say(who, "no", role="patient")
    assert len(reports_of(services.db_url(), who)) == 1
    clients[0].say(who, "please delete my data", role="patient")
    assert "this conversation will be erased" in clients[1].text(who, "yes", role="patient")
    deadline = time.monotonic() + 60
    while tracker_events(services, who) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert tracker_events(services, who) == []
    assert reports_of(services.db_url(), who) == []  # kept, under the hash of the sender id
    assert len(reports_of(services.db_url(), sender_hash(who))) == 1


def test_lock_tickets_are_unique_when_servers_race(services: Services) -> None:
    """Eight threads (standing for servers) take tickets of one conversation at once: with
    Rasa's RedisLockStore they can get the same ticket; here each gets its own, and the
    lock is gone once all are released."""
    stores = [AtomicRedisLockStore(host="127.0.0.1", port=services.redis_port) for _ in range(8)]
    conversation = f"race-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda store: [store.issue_ticket(conversation) for _ in range(25)], stores))
    issued = [t for batch in tickets for t in batch]
    assert len(set(issued)) == len(issued) == 200
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda pair: [pair[0].cleanup(conversation, t) for t in pair[1]], zip(stores, tickets)))
    assert stores[0].get_lock(conversation) is None


def test_a_slack_retry_reaching_the_other_server_is_answered_once(
    clients: list[RestClient], standin: StandIn
) -> None:
    """Slack retries a delivery it thinks failed; behind a load balancer the retry lands on
    the other server, which must know (through Redis) that the first one took it."""
    ts = f"{time.time():.6f}"
    body = event_body("premeds?", ts, f"Ev{uuid.uuid4().hex[:10].upper()}")
    assert signed_post(clients[0], body, "application/json").status_code == 200
    retry = signed_post(
        clients[1],
        body,
        "application/json",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200
    standin.wait_for("slack:chat.postMessage", lambda r: r["body"].get("thread_ts") == ts)
    time.sleep(3)
    assert len(replies_in_thread(standin, ts)) == 1


def test_the_shared_dedupe_record_is_seen_by_every_server_and_expires(services: Services) -> None:
    env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(services.redis_port)}
    first, second = seen_cache(ttl=0.5, env=env), seen_cache(ttl=0.5, env=env)
    key = f"event-{uuid.uuid4().hex}"
    assert isinstance(first, RedisSeenCache)
    assert first.first_time(key, "")
    assert not second.first_time(key)
    assert not second.first_time(f"other-{key}", key)  # one seen key is enough
    assert second.first_time(f"other-{key}")  # ...and recorded nothing
    time.sleep(0.7)
    assert second.first_time(key)


def test_without_redis_a_delivery_counts_as_new_rather_than_unanswered() -> None:
    unreachable = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    cache = RedisSeenCache(unreachable, ttl=60)
    assert cache.first_time("event-1") and cache.first_time("event-1")
