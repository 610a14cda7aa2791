"""Where a turn's time and CPU go: ours (staff questions) against the stock `rasa init` bot.

For each bot the model is loaded in this process (with the same patches and endpoints
as its server) and sent sequential turns through `Agent.handle_message`, with timers
around Rasa's own steps, so each step's wall and CPU time per turn is printed:

  lock store       Agent.handle_message minus MessageProcessor.handle_message
  fetch tracker    tracker store retrieve + session start / rollover
  NLU              parse_message, split by graph node (each component)
  extract slots    action_extract_slots (slot mappings)
  policies         the prediction graph, split by graph node (each policy)
  actions          running the predicted actions; the action server round trip apart
  save tracker     tracker store save
  other            the rest of MessageProcessor.handle_message

CPU is this process's (all threads, TensorFlow's included). Then the same turns go
over REST to real servers (`rasa run`; ours: `make run`'s pair), which gives the
part Sanic, the channel and HTTP add (REST p50 minus in-process p50) and the CPU
per turn of each server process.

`--bare` adds the floor: a bot with the stock bot's data, a keyword intent classifier
and memoization + RulePolicy only (trained once into build/bare-bot), i.e. what any Rasa 3.6 turn
costs before NLU or policies do real work.

Usage: .venv/bin/python bench/profile_turn.py [--turns 200] [--bare]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.staff_latency import holdout_questions  # noqa: E402
from bench.vs_stock import (  # noqa: E402
    STOCK_DIR,
    STOCK_MESSAGES,
    Bot,
    build_stock_bot,
    cold_start,
    cpu_seconds,
    rest_url,
    start_ours,
    start_stock,
)
from bot.core.paths import BUILD_DIR  # noqa: E402
from bot.ops.stack import MODEL_PATH, VENV_BIN, free_port, server_env, start_action_server, write_endpoints  # noqa: E402

BARE_DIR = BUILD_DIR / "bare-bot"
BARE_CONFIG = {
    "recipe": "default.v1",
    "language": "en",
    "assistant_id": "bare",
    "pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "KeywordIntentClassifier"}],
    "policies": [{"name": "MemoizationPolicy"}, {"name": "RulePolicy"}],
}


@dataclass
class Meter:
    """Wall and CPU milliseconds per step, summed over the measured turns."""

    wall: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    on: bool = False

    def add(self, key: str, wall: float, cpu: float) -> None:
        if self.on:
            self.wall[key] += wall * 1000
            self.cpu[key] += cpu * 1000


METER = Meter()


def timed_async(key: str | Callable[[Any], str], fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return await fn(*args, **kwargs)
        finally:
            name = key(args[0]) if callable(key) else key
            METER.add(name, time.perf_counter() - w, time.process_time() - c)

    return run


def timed_sync(key: str | Callable[[Any], str], fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            name = key(args[0]) if callable(key) else key
            METER.add(name, time.perf_counter() - w, time.process_time() - c)

    return run


class Phase:
    """Which top-level step a graph node runs in (NLU or policies)."""

    current = "other"


def instrument() -> None:
    """Timers around Rasa 3.6's per-turn steps (class level, this process only)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.engine.graph import GraphNode

    def phased(phase: str, fn: Callable[..., Any], is_async: bool) -> Callable[..., Any]:
        if is_async:

            async def run_async(*args: Any, **kwargs: Any) -> Any:
                Phase.current = phase
                try:
                    return await fn(*args, **kwargs)
                finally:
                    Phase.current = "other"

            return timed_async(phase, run_async)

        def run_sync(*args: Any, **kwargs: Any) -> Any:
            Phase.current = phase
            try:
                return fn(*args, **kwargs)
            finally:
                Phase.current = "other"

        return timed_sync(phase, run_sync)

    Agent.handle_message = timed_async("agent", Agent.handle_message)
    MessageProcessor.handle_message = timed_async("processor", MessageProcessor.handle_message)
    MessageProcessor.fetch_tracker_and_update_session = timed_async(
        "fetch tracker", MessageProcessor.fetch_tracker_and_update_session
    )
    MessageProcessor.parse_message = phased("NLU", MessageProcessor.parse_message, True)
    MessageProcessor.run_action_extract_slots = timed_async(
        "extract slots", MessageProcessor.run_action_extract_slots
    )
    MessageProcessor._predict_next_with_tracker = phased(
        "policies", MessageProcessor._predict_next_with_tracker, False
    )
    MessageProcessor._run_action = timed_async("actions", MessageProcessor._run_action)
    MessageProcessor.save_tracker = timed_async("save tracker", MessageProcessor.save_tracker)
    RemoteAction.run = timed_async("actions: action server round trip", RemoteAction.run)
    GraphNode.__call__ = timed_sync(lambda node: f"{Phase.current}: {node._node_name}", GraphNode.__call__)


TOP = ["lock store", "fetch tracker", "NLU", "extract slots", "policies", "actions", "save tracker", "other"]


def report(meter: Meter, turns: int) -> None:
    """Per-turn means of each step, sub-steps indented (only those >= 0.1 ms wall)."""
    wall, cpu = dict(meter.wall), dict(meter.cpu)
    for table in (wall, cpu):
        table["lock store"] = table.get("agent", 0) - table.get("processor", 0)
        table["other"] = table.get("processor", 0) - sum(
            table.get(k, 0) for k in TOP if k not in ("lock store", "other")
        )
    print(f"    {'step':<52} {'wall ms':>8} {'CPU ms':>8}")
    print(f"    {'turn (Agent.handle_message)':<52} {wall['agent'] / turns:8.2f} {cpu['agent'] / turns:8.2f}")
    for key in TOP:
        print(f"    {key:<52} {wall.get(key, 0) / turns:8.2f} {cpu.get(key, 0) / turns:8.2f}")
        subs = sorted(
            (k for k in wall if k.startswith(key + ": ") and wall[k] / turns >= 0.1),
            key=lambda k: -wall[k],
        )
        for sub in subs:
            print(f"      {sub[len(key) + 2 :]:<50} {wall[sub] / turns:8.2f} {cpu[sub] / turns:8.2f}")


async def profile_in_process(
    bot: Bot, model: Path, endpoints: Path, turns: int, probe: Callable[[], float]
) -> tuple[list[float], float]:
    """Load the model here and send `turns` sequential turns: per-turn wall times (ms) and
    the CPU seconds `probe` (another process's) counted over them."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)  # as `rasa run` (debug logging costs CPU)
    configure_structlog(logging.WARNING)
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints

    agent = await load_agent(
        model_path=str(model), endpoints=AvailableEndpoints.read_endpoints(str(endpoints))
    )
    run = uuid.uuid4().hex[:6]

    async def turn(sender: str, text: str) -> float:
        t0 = time.perf_counter()
        output = CollectingOutputChannel()
        await agent.handle_message(UserMessage(text, output, sender, metadata=bot.metadata or None))
        if not output.messages and bot.name != "bare":  # the bare bot's memoization may not know a turn
            raise RuntimeError(f"{bot.name}: no reply to {text!r}")
        return (time.perf_counter() - t0) * 1000

    for text in itertools.islice(itertools.cycle(bot.messages), 20):  # warm-up: graph, caches, connections
        await turn(f"warm-{run}", text)
    METER.on = True
    before = probe()
    times = [
        await turn(f"prof-{run}-{i // 20}", text)
        for i, text in zip(range(turns), itertools.cycle(bot.messages))
    ]
    METER.on = False
    return times, probe() - before


def rest_figures(bot: Bot, turns: int) -> tuple[float, dict[str, float]]:
    """The same turns over REST to real servers: p50 wall (ms) and CPU ms per turn per process."""
    stack, _ = cold_start(bot, Path(tempfile.mkdtemp(prefix=f"iar-profile-{bot.name}-")))

    def say(url: str, bot: Bot, sender: str, text: str) -> float:
        t0 = time.perf_counter()
        reply = requests.post(
            url, json={"sender": sender, "message": text, "metadata": bot.metadata}, timeout=60
        )
        reply.raise_for_status()
        if not reply.json() and bot.name != "bare":  # the bare bot's memoization may not know a turn
            raise RuntimeError(f"{bot.name}: no reply to {text!r}")
        return (time.perf_counter() - t0) * 1000

    try:
        url = rest_url(stack)
        for text in itertools.islice(itertools.cycle(bot.messages), 20):
            say(url, bot, "warm-up", text)
        run = uuid.uuid4().hex[:6]
        before = {s.name: cpu_seconds(s) for s in stack.servers}
        times = [
            say(url, bot, f"rest-{run}-{i // 20}", text)
            for i, text in zip(range(turns), itertools.cycle(bot.messages))
        ]
        cpu = {s.name: (cpu_seconds(s) - before[s.name]) * 1000 / turns for s in stack.servers}
        return statistics.median(times), cpu
    finally:
        stack.stop()


def build_bare_bot() -> Path:
    """The stock bot's data with a keyword classifier and RulePolicy (trained once, seconds)."""
    models = sorted((BARE_DIR / "models").glob("*.tar.gz")) if BARE_DIR.exists() else []
    if models:
        return models[-1]
    BARE_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("data", "domain.yml", "credentials.yml"):
        source = STOCK_DIR / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, BARE_DIR / name)
    (BARE_DIR / "config.yml").write_text(yaml.safe_dump(BARE_CONFIG, sort_keys=False))
    subprocess.run(
        [str(VENV_BIN / "rasa"), "train", "--fixed-model-name", "bare", "--out", "models"],
        cwd=BARE_DIR,
        env=server_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return sorted((BARE_DIR / "models").glob("*.tar.gz"))[-1]


def sql_endpoints(work: Path) -> Path:
    path = work / "endpoints.yml"
    path.write_text(
        yaml.safe_dump({"tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(work / "t.db")}})
    )
    return path


def profile_child(name: str, turns: int) -> None:
    """Runs in a child process (one model per process, as a server): prints the breakdown."""
    from rasa.utils.tensorflow.environment import setup_tf_environment

    from bot.rasa.run import check_action_responses_fast, note_action_failures

    setup_tf_environment()  # as `rasa run`: TF_INTER/INTRA_OP_PARALLELISM_THREADS
    instrument()
    work = Path(tempfile.mkdtemp(prefix=f"iar-profile-{name}-"))
    stack = None
    if name == "ours":
        from bot.rasa import session_rollover, speedups

        check_action_responses_fast()
        note_action_failures()
        session_rollover.install()
        if not os.environ.get("IAR_PROFILE_NO_SPEEDUPS"):
            speedups.install()
        port = free_port()
        os.environ.update(
            {
                "IAR_USER_DB_URL": f"sqlite:///{work / 'userdata.db'}",
                "IAR_REPORT_SPOOL": str(work / "spool.jsonl"),
            }
        )
        stack_server = start_action_server(port, log=work / "actions.log")
        endpoints = write_endpoints(work / "endpoints.yml", port, work / "tracker.db")
        bot = Bot("ours", start_ours, holdout_questions(), {"role": "staff"})
        model = MODEL_PATH
        stack = stack_server
    else:
        bot = Bot(name, lambda w: None, STOCK_MESSAGES, {})  # type: ignore[arg-type, return-value]
        model = build_stock_bot() if name == "stock" else build_bare_bot()
        endpoints = sql_endpoints(work)
    try:
        probe = (lambda: cpu_seconds(stack)) if stack else (lambda: 0.0)
        times, action_cpu = asyncio.run(profile_in_process(bot, model, endpoints, turns, probe))
        print(
            f"  in-process turn: p50 {statistics.median(times):.2f} ms, mean {statistics.mean(times):.2f} ms"
        )
        report(METER, turns)
        if stack:
            print(f"    action server process: CPU {action_cpu * 1000 / turns:.2f} ms per turn")
    finally:
        if stack:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--bare", action="store_true", help="also the bare Rasa bot (the floor)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", choices=["stock", "ours", "bare"], help="only these bots")
    parser.add_argument("--rest-only", action="store_true", help="skip the in-process part")
    parser.add_argument("--no-rest", action="store_true", help="skip the REST part")
    args = parser.parse_args()
    if args.child:
        profile_child(args.child, args.turns)
        return
    print(f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    stock_model = build_stock_bot()
    names = [n for n in args.only or ["stock", "ours", "bare"] if n != "bare" or args.bare]
    bare_model = build_bare_bot() if args.bare else None
    for name in names if not args.rest_only else []:
        print(f"\n{name}: in process, {args.turns} sequential turns", flush=True)
        subprocess.run(
            [sys.executable, __file__, "--child", name, "--turns", str(args.turns)],
            env=server_env(),
            check=True,
        )
    if args.no_rest:
        return
    bots = {
        "stock": Bot("stock", start_stock(stock_model), STOCK_MESSAGES, {}),
        "ours": Bot("ours", start_ours, holdout_questions(), {"role": "staff"}),
    }
    bots = {name: bot for name, bot in bots.items() if name in names}
    if bare_model and "bare" in names:
        bots["bare"] = Bot("bare", start_stock(bare_model), STOCK_MESSAGES, {})
    print()
    for name, bot in bots.items():
        p50, cpu = rest_figures(bot, args.turns)
        cpu_text = ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
        print(f"{name}: over REST p50 {p50:.1f} ms; CPU ms per turn: {cpu_text}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
