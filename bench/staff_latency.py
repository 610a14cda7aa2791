"""Staff Q&A figures: training time, cold start, and REST turn latency.

Prints:
  training time   `rasa train` of the current config/data into a temporary folder (no cache)
  cold start      from starting both servers to the first answered REST message
  turn latency    p50/p95/max over N questions sent over REST (one at a time)

Usage: .venv/bin/python bench/staff_latency.py [--questions 200] [--skip-training]
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.core.paths import ROOT  # noqa: E402
from bot.ops.stack import (  # noqa: E402
    MODEL_PATH,
    Stack,
    free_port,
    server_env,
    start_action_server,
    start_rasa_server,
    write_endpoints,
)

ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def holdout_questions() -> list[str]:
    """Staff questions from the held-out NLU set (never trained on)."""
    questions = []
    for item in yaml.safe_load((ROOT / "tests/nlu_holdout.yml").read_text())["nlu"]:
        if item.get("intent", "").startswith("ask_"):
            for line in item["examples"].splitlines():
                questions.append(ANNOTATION.sub(r"\1", line.strip()[2:]))
    return questions


def train_seconds(out: Path) -> float:
    start = time.monotonic()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "--fixed-model-name",
            "bench",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=server_env({"RASA_CACHE_DIRECTORY": str(out / "cache")}),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="iar-bench-"))
    if not args.skip_training:
        print(f"training time:  {train_seconds(work):.1f} s", flush=True)
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db")
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    stack = Stack()
    started = time.monotonic()
    try:
        stack.servers.append(start_action_server(action_port, log=work / "actions.log"))
        stack.servers.append(start_rasa_server(rasa_port, MODEL_PATH, endpoints, log=work / "rasa.log"))
        while True:
            try:
                reply = requests.post(
                    url,
                    json={"sender": "bench-0", "message": "premeds?", "metadata": {"role": "staff"}},
                    timeout=30,
                ).json()
                if reply:
                    break
            except requests.RequestException:
                time.sleep(0.1)
            if any(s.process.poll() is not None for s in stack.servers):
                raise SystemExit(f"a server died; logs in {work}")
        print(
            f"cold start:     {time.monotonic() - started:.1f} s "
            "(both servers started → first answered message)",
            flush=True,
        )
        questions = holdout_questions()
        latencies = []
        for i, question in zip(range(args.questions), itertools.cycle(questions)):
            t0 = time.perf_counter()
            reply = requests.post(
                url,
                json={"sender": f"bench-{i % 20}", "message": question, "metadata": {"role": "staff"}},
                timeout=30,
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            reply.raise_for_status()
        print(
            f"turn latency:   p50 {statistics.median(latencies):.0f} ms, "
            f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms "
            f"over {len(latencies)} REST questions"
        )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
