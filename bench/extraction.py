"""Benchmark extract(): pipeline load time and ms per message (target < 10 ms).

Run: .venv/bin/python bench/extraction.py [--messages N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FRAMES = [
    "{p}",
    "Since yesterday I have {p}.",
    "no fever, but {p}",
    "what if I get {p}?",
    "my mum had {p} last year",
    "I don't have {p}",
    "temp 38.4 and {p}, infusion was 2 days ago",
    "Had my infusion on Monday. This morning {p} and it's really bad. Should I call someone?",
    "Hi, I'm on the Lemtrada trial, course 2, day 3. Last night I felt a bit off and now {p}, "
    "my temperature is 101.5F. I haven't had any chest pain or swelling.",
]


def messages(n: int, seed: int = 7) -> list[str]:
    """n varied messages built from lexicon phrases in everyday frames."""
    from bot.patient.symptoms import load_lexicon

    phrases = [p for s in load_lexicon().symptoms.values() for p in s.phrases]
    rng = random.Random(seed)
    return [rng.choice(FRAMES).format(p=rng.choice(phrases)) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()

    start = time.perf_counter()
    from bot.patient.nlp.extract import extract, get_extractor

    imported = time.perf_counter()
    get_extractor()
    built = time.perf_counter()
    print(f"import: {1000 * (imported - start):.0f} ms, pipeline build: {1000 * (built - imported):.0f} ms")

    texts = messages(args.messages)
    for text in texts[:50]:  # warm-up
        extract(text)
    times = []
    for text in texts:
        t0 = time.perf_counter()
        extract(text)
        times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    mean_chars = statistics.mean(len(t) for t in texts)
    print(
        f"{len(times)} messages (mean {mean_chars:.0f} chars): mean {statistics.mean(times):.2f} ms, "
        f"p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms"
    )
    print("target < 10 ms per message:", "OK" if statistics.mean(times) < 10 and p95 < 10 else "MISSED")


if __name__ == "__main__":
    main()
