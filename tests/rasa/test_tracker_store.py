"""bot.rasa.tracker_store.LeanSQLTrackerStore stores exactly what Rasa's SQL store stores, on
real trackers and SQLite files: same rows, readable by either store, sessions kept apart."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.core.paths import ROOT
from bot.rasa.tracker_store import SESSION_INDEX, LeanSQLTrackerStore


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def turn(i: int) -> list:
    return [
        UserUttered(f"question {i}", {"name": "ask_premedication", "confidence": 0.9}),
        SlotSet("role", "staff"),
        ActionExecuted("action_answer_question"),
        BotUttered(f"answer {i}"),
        ActionExecuted("action_listen"),
    ]


def converse(store: SQLTrackerStore, sender: str, turns: range, session_at: int = -1) -> None:
    """Each turn as Rasa runs it: retrieve (or create), add the turn's events, save."""

    async def run() -> None:
        for i in turns:
            tracker = await store.get_or_create_tracker(sender)
            if i == session_at:
                tracker.update_with_events(
                    [
                        ActionExecuted("action_session_start"),
                        SessionStarted(),
                        ActionExecuted("action_listen"),
                    ],
                    store.domain,
                )
            tracker.update_with_events(turn(i), store.domain)
            await store.save(tracker)

    asyncio.run(run())


def rows(db: Path, sender: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT type_name, intent_name, action_name FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()


def test_it_writes_the_rows_rasas_store_writes(domain: Domain, tmp_path: Path) -> None:
    rasa_db, lean_db = tmp_path / "rasa.db", tmp_path / "lean.db"
    converse(SQLTrackerStore(domain, db=str(rasa_db)), "nurse", range(6), session_at=3)
    converse(LeanSQLTrackerStore(domain, db=str(lean_db)), "nurse", range(6), session_at=3)
    assert rows(lean_db, "nurse") == rows(rasa_db, "nurse")
    assert len(rows(lean_db, "nurse")) > 30


def test_either_store_reads_the_latest_session_of_the_other(domain: Domain, tmp_path: Path) -> None:
    db = str(tmp_path / "shared.db")
    lean, rasa_store = LeanSQLTrackerStore(domain, db=db), SQLTrackerStore(domain, db=db)
    converse(lean, "nurse", range(4), session_at=2)
    converse(rasa_store, "nurse", range(4, 6))
    converse(lean, "nurse", range(6, 8))
    tracker = asyncio.run(lean.retrieve("nurse"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [
        f"question {i}" for i in range(2, 8)
    ]  # from the session started at turn 2
    full = asyncio.run(rasa_store.retrieve_full_tracker("nurse"))
    assert len([e for e in full.events if isinstance(e, UserUttered)]) == 8


def test_sqlite_uses_wal_and_the_session_index(domain: Domain, tmp_path: Path) -> None:
    db = tmp_path / "lean.db"
    converse(LeanSQLTrackerStore(domain, db=str(db)), "nurse", range(1))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")]
    assert SESSION_INDEX in indexes


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.prod.yml"])
def test_the_endpoint_files_name_this_store(endpoints: str) -> None:
    """Rasa silently falls back to an in-memory store (conversations lost at restart) when
    the class named in endpoints cannot be imported: check the name resolves."""
    from rasa.shared.utils.common import class_from_module_path

    name = yaml.safe_load((ROOT / endpoints).read_text())["tracker_store"]["type"]
    assert class_from_module_path(name) is LeanSQLTrackerStore


def test_a_server_built_from_endpoints_yml_gets_this_store(
    domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("IAR_ACTION_TOKEN", "a-token-for-reading-the-file")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    config.kwargs["db"] = str(tmp_path / "tracker.db")
    store = TrackerStore.create(config, domain)
    while hasattr(store, "_tracker_store"):  # Rasa's awaitable / fail-safe wrappers
        store = store._tracker_store
    assert isinstance(store, LeanSQLTrackerStore)
