"""Benchmark the sentence-embedding red-flag detector (bot/patient/nlp/red_flag_similarity.py).

Prints: model load (weights inflated from the package zip, and from the verified
copy in build/), paraphrase-vector cache build and load, start-up (model + cache),
embedding latency of one short text, detector latency per message (mean, p95) for
short, ~1,000- and ~5,000-character messages, and the installed size of the
model package. The machine is shared: the load average is printed with the figures.

Run: .venv/bin/python bench/red_flag_similarity.py [--rounds N]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from bot.patient.nlp.embedding import MODEL_DISTRIBUTION, load_encoder  # noqa: E402
from bot.patient.nlp.red_flag_similarity import PARAPHRASES_FILE, build_cache, load_detector  # noqa: E402

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "red_flag_dev.yml"


def short_messages() -> list[str]:
    return [c["text"] for c in yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["cases"]]


def long_messages(texts: list[str], size: int, count: int) -> list[str]:
    """`count` messages of about `size` characters, each a different run of dev sentences."""
    out = []
    for k in range(count):
        parts, length, i = [], 0, k * 7
        while length < size:
            sentence = texts[i % len(texts)].rstrip(".") + ". "
            parts.append(sentence)
            length += len(sentence)
            i += 1
        out.append("".join(parts)[:size])
    return out


def timed(fn, *args):
    """(result, wall milliseconds)."""
    start = time.perf_counter()
    result = fn(*args)
    return result, 1000 * (time.perf_counter() - start)


def latency(label: str, fn, texts: list[str], rounds: int) -> None:
    """Wall time (what the patient waits, inflated when other jobs share the
    cores) and process CPU time (the work itself, close to the wall time on an
    idle machine since BLAS runs one thread)."""
    fn(texts[0])  # warm-up
    wall, cpu = [], []
    for _ in range(rounds):
        for text in texts:
            w0, c0 = time.perf_counter(), time.process_time()
            fn(text)
            wall.append(1000 * (time.perf_counter() - w0))
            cpu.append(1000 * (time.process_time() - c0))
    wall.sort()
    cpu.sort()
    chars = statistics.mean(len(t) for t in texts)
    print(
        f"{label:<30} n={len(wall):<4} {chars:>5.0f} chars: wall mean {statistics.mean(wall):7.1f}"
        f" p95 {_p95(wall):7.1f} ms | CPU mean {statistics.mean(cpu):7.1f} p95 {_p95(cpu):7.1f} ms"
    )


def _p95(values: list[float]) -> float:
    return values[int(0.95 * (len(values) - 1))]


def package_size() -> tuple[int, int]:
    """Bytes installed by the model package (all its files) and of its model.zip."""
    dist = importlib.metadata.distribution(MODEL_DISTRIBUTION)
    files = [Path(str(dist.locate_file(f))) for f in dist.files or []]
    total = sum(p.stat().st_size for p in files if p.is_file())
    zip_size = sum(p.stat().st_size for p in files if p.name == "model.zip")
    return total, zip_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the short messages")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at start")

    with tempfile.TemporaryDirectory() as tmp:
        weights, vectors = Path(tmp) / "weights.safetensors", Path(tmp) / "vectors.npz"
        _, cold = timed(lambda: load_encoder(cache=weights))
        model, warm = timed(lambda: load_encoder(cache=weights))
        print(
            f"model load: {cold:.0f} ms from the package zip (first start), "
            f"{warm:.0f} ms from the verified copy in build/"
        )
        _, build = timed(build_cache, PARAPHRASES_FILE, vectors, model)
        detector, cache_load = timed(load_detector, PARAPHRASES_FILE, vectors, model)
        print(
            f"paraphrase cache: build {build:.0f} ms ({len(detector.paraphrases.texts())} "
            f"sentences), load {cache_load:.0f} ms, {vectors.stat().st_size / 1e3:.0f} kB"
        )
        print(f"start-up (model from build/ + cache load): {warm + cache_load:.0f} ms")
        weights_size = weights.stat().st_size

    texts = short_messages()
    latency("embed one short text", lambda t: model.embed([t]), texts[:40], args.rounds)
    latency("detector, short messages", detector.similar_signs, texts, args.rounds)
    latency("detector, ~1,000 characters", detector.similar_signs, long_messages(texts, 1000, 10), 1)
    latency("detector, ~5,000 characters", detector.similar_signs, long_messages(texts, 5000, 5), 1)

    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    total, zip_size = package_size()
    print(
        f"installed size of {MODEL_DISTRIBUTION}: {total / 1e6:.1f} MB "
        f"(model.zip {zip_size / 1e6:.1f} MB); verified weights copy in build/ "
        f"{weights_size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
