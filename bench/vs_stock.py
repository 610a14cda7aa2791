"""Our bot against a stock `rasa init` bot, on the same venv and machine, in one run.

Prints for each bot, then the ratios ours/stock:
  cold start     from starting the server(s) to the first answered REST message
  sequential     p50/p95 of 200 REST turns sent one at a time (a new sender every 20 turns)
  throughput     turns/s with 10 concurrent senders for --seconds, and CPU ms per turn of
                 each server process (from /proc), so a site can size replicas
  growth         mean turn time of turns 1-20 and 381-400 of ONE conversation

The stock bot is `rasa init --no-prompt` (default pipeline and policies, trained here,
kept in build/stock-bot and reused while the Rasa version is the same), run with plain
`rasa run` and the same kind of tracker store as ours (SQLite), so both keep their
conversations. Ours is `make run`'s pair (action server + Rasa server via bot.rasa.run),
asked staff questions from the held-out NLU set as a staff member.

Usage: .venv/bin/python bench/vs_stock.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.staff_latency import holdout_questions, percentile  # noqa: E402
from bot.core.paths import BUILD_DIR  # noqa: E402
from bot.ops.stack import (  # noqa: E402
    MODEL_PATH,
    VENV_BIN,
    Server,
    Stack,
    _spawn,
    free_port,
    server_env,
    start_action_server,
    start_rasa_server,
    write_endpoints,
)

STOCK_DIR = BUILD_DIR / "stock-bot"
STOCK_MESSAGES = [
    "hello",
    "I am sad",
    "yes",
    "good",
    "bye",
    "are you a bot?",
    "hi there",
    "not really",
    "I am great",
    "no",
]
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Bot:
    """How to start one bot and what to say to it."""

    name: str
    start: Callable[[Path], Stack]
    messages: list[str]
    metadata: dict[str, str]


@dataclass
class Figures:
    cold_start: float
    p50: float
    p95: float
    throughput: float
    cpu_ms_per_turn: dict[str, float]
    early: float
    late: float


def rasa_version() -> str:
    import rasa  # the bench runs in the project venv

    return rasa.__version__


def build_stock_bot() -> Path:
    """`rasa init --no-prompt` in build/stock-bot (trains its model); reused when current."""
    stamp = STOCK_DIR / ".rasa-version"
    models = sorted((STOCK_DIR / "models").glob("*.tar.gz")) if STOCK_DIR.exists() else []
    if models and stamp.exists() and stamp.read_text() == rasa_version():
        return models[-1]
    print("building the stock bot with `rasa init` (trains a model; a few minutes)", flush=True)
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
        env=server_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stamp.write_text(rasa_version())
    return sorted((STOCK_DIR / "models").glob("*.tar.gz"))[-1]


def start_stock(model: Path) -> Callable[[Path], Stack]:
    def start(work: Path) -> Stack:
        endpoints = work / "endpoints.yml"
        endpoints.write_text(
            yaml.safe_dump(
                {"tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(work / "tracker.db")}}
            )
        )
        port = free_port()
        cmd = [
            str(VENV_BIN / "python"),
            "-m",
            "rasa",
            "run",
            "-m",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(STOCK_DIR / "credentials.yml"),
            "-p",
            str(port),
            "-i",
            "127.0.0.1",
        ]
        return Stack(
            [_spawn("stock Rasa server", cmd, f"http://127.0.0.1:{port}", work / "rasa.log", server_env())]
        )

    return start


def start_ours(work: Path) -> Stack:
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db")
    env = {
        "IAR_USER_DB_URL": f"sqlite:///{work / 'userdata.db'}",
        "IAR_REPORT_SPOOL": str(work / "spool" / "reports.jsonl"),
    }
    return Stack(
        [
            start_action_server(action_port, log=work / "actions.log", env=env),
            start_rasa_server(rasa_port, MODEL_PATH, endpoints, log=work / "rasa.log", env=env),
        ]
    )


def rest_url(stack: Stack) -> str:
    return stack.servers[-1].url + "/webhooks/rest/webhook"


def say(url: str, bot: Bot, sender: str, message: str, session: requests.Session | None = None) -> float:
    """One REST turn; its wall time in ms. A turn without a reply is an error."""
    t0 = time.perf_counter()
    reply = (session or requests).post(
        url, json={"sender": sender, "message": message, "metadata": bot.metadata}, timeout=60
    )
    elapsed = (time.perf_counter() - t0) * 1000
    reply.raise_for_status()
    if not reply.json():
        raise RuntimeError(f"no reply to {message!r}")
    return elapsed


def cpu_seconds(server: Server) -> float:
    """User + system CPU of the server process (all its threads), from /proc."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cold_start(bot: Bot, work: Path) -> tuple[Stack, float]:
    started = time.monotonic()
    stack = bot.start(work)
    url = rest_url(stack)
    while True:
        if any(s.process.poll() is not None for s in stack.servers):
            stack.stop()
            raise SystemExit(f"{bot.name}: a server died; logs in {work}")
        try:
            say(url, bot, "warm-up", bot.messages[0])
            return stack, time.monotonic() - started
        except (requests.RequestException, RuntimeError):
            time.sleep(0.1)


def sequential(url: str, bot: Bot, turns: int = 200) -> list[float]:
    run = uuid.uuid4().hex[:6]
    return [
        say(url, bot, f"seq-{run}-{i // 20}", message)
        for i, message in zip(range(turns), itertools.cycle(bot.messages))
    ]


def throughput(
    url: str, bot: Bot, stack: Stack, seconds: float, senders: int = 10
) -> tuple[float, dict[str, float]]:
    counts = [0] * senders
    stop = time.monotonic() + seconds
    errors: list[BaseException] = []

    def client(n: int) -> None:
        session = requests.Session()
        run = uuid.uuid4().hex[:6]
        try:
            for i, message in enumerate(itertools.cycle(bot.messages)):
                if time.monotonic() >= stop:
                    return
                say(url, bot, f"load-{run}-{n}-{i // 20}", message, session)
                counts[n] += 1
        except BaseException as error:  # reported below, after the other clients stop
            errors.append(error)

    cpu_before = {s.name: cpu_seconds(s) for s in stack.servers}
    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - t0
    if errors:
        raise SystemExit(f"{bot.name}: {len(errors)} clients failed: {errors[0]!r}")
    turns = sum(counts)
    cpu = {s.name: (cpu_seconds(s) - cpu_before[s.name]) * 1000 / turns for s in stack.servers}
    return turns / elapsed, cpu


def growth(url: str, bot: Bot, turns: int = 400) -> tuple[float, float]:
    sender = f"long-{uuid.uuid4().hex[:8]}"
    times = [
        say(url, bot, sender, message) for _, message in zip(range(turns), itertools.cycle(bot.messages))
    ]
    return statistics.mean(times[:20]), statistics.mean(times[-20:])


def measure(bot: Bot, seconds: float) -> Figures:
    work = Path(tempfile.mkdtemp(prefix=f"iar-vs-stock-{bot.name}-"))
    print(f"\n{bot.name}: starting", flush=True)
    stack, cold = cold_start(bot, work)
    try:
        url = rest_url(stack)
        print(f"  cold start      {cold:.1f} s", flush=True)
        seq = sequential(url, bot)
        print(
            f"  sequential      p50 {statistics.median(seq):.1f} ms, "
            f"p95 {percentile(seq, 0.95):.1f} ms ({len(seq)} turns)",
            flush=True,
        )
        rate, cpu = throughput(url, bot, stack, seconds)
        cpu_text = ", ".join(f"{name} {ms:.1f}" for name, ms in cpu.items())
        print(
            f"  throughput      {rate:.1f} turns/s at 10 concurrent senders; CPU ms per turn: {cpu_text}",
            flush=True,
        )
        early, late = growth(url, bot)
        print(
            f"  growth          turns 1-20 {early:.1f} ms, 381-400 {late:.1f} ms ({late / early:.2f}x)",
            flush=True,
        )
    finally:
        stack.stop()
    return Figures(cold, statistics.median(seq), percentile(seq, 0.95), rate, cpu, early, late)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--ours-first", action="store_true", help="measure ours before stock (to counter a load that changes)"
    )
    args = parser.parse_args()
    stock_model = build_stock_bot()
    ours = Bot("ours", start_ours, holdout_questions(), {"role": "staff"})
    stock = Bot("stock", start_stock(stock_model), STOCK_MESSAGES, {})
    print(f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    figures = {
        bot.name: measure(bot, args.seconds) for bot in ((ours, stock) if args.ours_first else (stock, ours))
    }
    print(f"load average {os.getloadavg()[0]:.2f} at end", flush=True)
    o, s = figures["ours"], figures["stock"]
    print("\nratios ours/stock (the issue's targets in brackets)")
    print(f"  cold start      {o.cold_start / s.cold_start:.2f}  (<= 0.35)")
    print(f"  p50 sequential  {o.p50 / s.p50:.2f}  (<= 0.5)")
    print(f"  p95 sequential  {o.p95 / s.p95:.2f}")
    print(f"  throughput      {o.throughput / s.throughput:.2f}  (>= 2.0)")
    print(
        f"  growth, ours    {o.late / o.early:.2f}x turn 381-400 vs 1-20  (<= 1.3); "
        f"stock {s.late / s.early:.2f}x"
    )


if __name__ == "__main__":
    main()
