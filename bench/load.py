"""Load benchmark: N concurrent conversations against one Rasa server, then against two.

Production profile: PostgreSQL tracker store and report database, Redis lock store
(scripts/services.sh on loopback ports), and one action server per Rasa server.
Each simulated user runs conversations back to back, alternating staff questions
(from the held-out NLU set, never trained on) and patient symptom reports (several
turns through the report form, stored in the database). Every turn goes to the
next server in turn, as a load balancer without sticky sessions would send it, so
with two servers each conversation jumps between them and relies on shared state.

Prints, for one and for two servers: turns, throughput (turns/s), latency p50 / p95
/ p99 and errors (HTTP errors, timeouts, empty or safe-reply answers), the CPU ms per
turn of each server process over the measured window (so a site can size replicas),
then the throughput ratio.

Usage: .venv/bin/python bench/load.py [--concurrency 20] [--duration 30] [--think 0]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.core.paths import ROOT  # noqa: E402
from bot.core.sites import get_site  # noqa: E402
from bot.ops.services import Services, start_services  # noqa: E402
from bot.ops.stack import MODEL_PATH, Stack, free_port, start_action_server, start_rasa_server, wait_until_up  # noqa: E402
from bot.rasa.channels.safety import no_reply  # noqa: E402

ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")
PATIENT_REPORTS = [  # (message, ...) ending in the triage; "None of these" answers the red-flag screen
    ["I have a headache", "None of these", "it's mild", "yesterday", "nothing else"],
    ["I have a fever of 38.6", "None of these", "2 days ago", "no, that's all"],
    ["I've had a mild rash since my infusion yesterday", "None of these", "no"],
    ["My face is drooping and my arm feels weak"],
]


def staff_questions() -> list[str]:
    """Staff questions from the held-out NLU set."""
    data = yaml.safe_load((ROOT / "tests" / "nlu_holdout.yml").read_text())["nlu"]
    return [
        ANNOTATION.sub(r"\1", line.strip()[2:])
        for item in data
        if item.get("intent", "").startswith("ask_")
        for line in item["examples"].splitlines()
    ]


@dataclass
class Results:
    """Turn latencies (ms) and errors counted inside the measurement window."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # per server process, in the window


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


async def turn(http: aiohttp.ClientSession, url: str, sender: str, text: str, role: str, safe: str) -> bool:
    """One message; True when the bot answered with something other than the safe reply."""
    body = {"sender": sender, "message": text, "metadata": {"role": role}}
    try:
        async with http.post(url, json=body) as response:
            replies = await response.json() if response.status == 200 else []
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False
    return bool(replies) and all(r.get("text") != safe for r in replies)


async def user(
    number: int,
    http: aiohttp.ClientSession,
    urls: itertools.cycle,
    window: tuple,
    results: Results,
    think: float,
    run_id: str,
    questions: list[str],
) -> None:
    """One simulated user: conversations back to back until the window closes."""
    rng, safe = random.Random(number), no_reply(get_site())
    start, end = window
    await asyncio.sleep(rng.uniform(0, think))  # users do not start in step
    for n in itertools.count():
        if n % 2 == 0:
            role, script = "staff", rng.sample(questions, 3)
        else:
            role, script = "patient", rng.choice(PATIENT_REPORTS)
        sender = f"load-{run_id}-{number}-{n}"
        for text in script:
            t0 = time.monotonic()
            if t0 >= end:
                return
            ok = await turn(http, next(urls), sender, text, role, safe)
            t1 = time.monotonic()
            if t0 >= start:
                results.latencies.append((t1 - t0) * 1000)
                results.errors += not ok
            if think:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def count_cpu(stack: Stack, window: tuple, results: Results) -> None:
    """CPU seconds each server process used inside the measurement window."""
    start, end = window
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    names = [f"{s.name} {i // 2}" for i, s in enumerate(stack.servers)]
    before = [process_cpu(s.process.pid) for s in stack.servers]
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    results.cpu_seconds = {
        name: process_cpu(s.process.pid) - b for name, s, b in zip(names, stack.servers, before)
    }


async def load(
    stack: Stack, concurrency: int, warmup: float, duration: float, think: float, run_id: str
) -> Results:
    """Run `concurrency` users; measure from `warmup` s after the start for `duration` s."""
    urls = [s.url for s in stack.servers[1::2]]
    results, questions = Results(), staff_questions()
    targets = itertools.cycle([f"{u}/webhooks/rest/webhook" for u in urls])
    start = time.monotonic() + warmup
    window = (start, start + duration)
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
        await asyncio.gather(
            count_cpu(stack, window, results),
            *(user(i, http, targets, window, results, think, run_id, questions) for i in range(concurrency)),
        )
    return results


def start_servers(count: int, services: Services, work: Path, model: Path) -> Stack:
    """`count` pairs of action server + Rasa server on the production profile."""
    stack = Stack()
    users_db = {"IAR_USER_DB_URL": services.db_url(), "IAR_REPORT_SPOOL": str(work / "spool.jsonl")}
    for i in range(count):
        action_port, rasa_port = free_port(), free_port()
        stack.servers.append(start_action_server(action_port, log=work / f"actions-{i}.log", env=users_db))
        env = {**users_db, **services.rasa_env(f"http://127.0.0.1:{action_port}/webhook")}
        stack.servers.append(
            start_rasa_server(
                rasa_port, model, ROOT / "endpoints.prod.yml", log=work / f"rasa-{i}.log", env=env
            )
        )
    for server in stack.servers:
        wait_until_up(server, "/health" if server.name == "action server" else "/")
    return stack


def report(count: int, results: Results, duration: float) -> float:
    """Print one setup's figures; return its throughput."""
    lat = results.latencies
    throughput = len(lat) / duration
    print(
        f"{count} server{'s' if count > 1 else ' '}: {len(lat):5d} turns  "
        f"{throughput:6.1f} turns/s  p50 {percentile(lat, 0.50):5.0f} ms  "
        f"p95 {percentile(lat, 0.95):5.0f} ms  p99 {percentile(lat, 0.99):5.0f} ms  "
        f"errors {results.errors}",
        flush=True,
    )
    if lat:
        cpu = ", ".join(f"{name} {sec * 1000 / len(lat):.1f}" for name, sec in results.cpu_seconds.items())
        print(f"          CPU ms per turn: {cpu}", flush=True)
    return throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=20, help="simultaneous conversations")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds between a user's turns (0.5-1.5 times this)"
    )
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="iar-load-"))
    services = start_services()
    print(
        f"{args.concurrency} concurrent conversations, {args.duration:.0f} s measured after "
        f"{args.warmup:.0f} s warm-up, think time {args.think} s; PostgreSQL + Redis; "
        f"logs in {work}",
        flush=True,
    )
    print(f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    throughputs = {}
    try:
        for count in args.servers:
            stack = start_servers(count, services, work, args.model)
            try:
                results = asyncio.run(
                    load(
                        stack,
                        args.concurrency,
                        args.warmup,
                        args.duration,
                        args.think,
                        f"{count}",
                    )
                )
                throughputs[count] = report(count, results, args.duration)
            finally:
                stack.stop()
    finally:
        services.remove()
    print(f"load average {os.getloadavg()[0]:.2f} at end")
    if {1, 2} <= throughputs.keys():
        print(f"two servers / one: {throughputs[2] / throughputs[1]:.2f}x throughput")


if __name__ == "__main__":
    main()
