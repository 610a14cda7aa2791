"""Tracker store cost per turn: Rasa's SQLTrackerStore against bot.rasa.tracker_store.LeanSQLTrackerStore.

One turn = retrieve the conversation, add a staff turn's events (7), save; on SQLite
files in a temporary folder, with the project's domain. Prints mean and p95 ms per
turn for conversations that already hold 40 and 150 events (the rollover limit).

Usage: .venv/bin/python bench/tracker_store.py [--turns 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered  # noqa: E402

from bench.staff_latency import percentile  # noqa: E402
from bot.core.paths import ROOT  # noqa: E402
from bot.rasa.tracker_store import LeanSQLTrackerStore  # noqa: E402


def turn_events(i: int) -> list:
    return [
        ActionExecuted("action_listen"),
        UserUttered(f"question {i}", {"name": "ask_premedication", "confidence": 0.9}),
        SlotSet("role", "staff"),
        ActionExecuted("action_answer_question"),
        SlotSet("staff_context", {"topic": "premedication", "course": 2}),
        BotUttered(f"answer {i}", {"elements": None}),
        ActionExecuted("action_listen"),
    ]


async def one_turn(store: SQLTrackerStore, sender: str, i: int) -> float:
    t0 = time.perf_counter()
    tracker = await store.get_or_create_tracker(sender)
    tracker.update_with_events(turn_events(i), store.domain)
    await store.save(tracker)
    return (time.perf_counter() - t0) * 1000


async def measure(store: SQLTrackerStore, prefill: int, turns: int) -> list[float]:
    """Mean cost of a turn in conversations that start with `prefill` events."""
    times = []
    for n in range(turns):
        sender = f"bench-{prefill}-{n}"
        for i in range(prefill // 7):
            await one_turn(store, sender, i)
        times.append(await one_turn(store, sender, prefill))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    domain = Domain.load(ROOT / "domain.yml")
    work = Path(tempfile.mkdtemp(prefix="iar-bench-store-"))
    for prefill in (40, 150):
        for cls in (SQLTrackerStore, LeanSQLTrackerStore):
            store = cls(domain, db=str(work / f"{cls.__name__}-{prefill}.db"))
            times = asyncio.run(measure(store, prefill, args.turns))
            print(
                f"{cls.__name__:22} {prefill:4} events before the turn: mean "
                f"{statistics.mean(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms "
                f"({len(times)} turns)",
                flush=True,
            )


if __name__ == "__main__":
    main()
