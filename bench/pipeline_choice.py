"""Compare NLU pipeline variants on the held-out set: the figures behind config.yml.

For each variant (config.yml with a few DIET/policy settings changed) this trains
a model into a temporary folder and prints training time, intent macro-F1 on
tests/nlu_holdout.yml, model load time and mean parse time per message.

Usage: .venv/bin/python bench/pipeline_choice.py [--variants lean,transformer,ted]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.core.paths import ROOT  # noqa: E402
from bot.ops.stack import server_env  # noqa: E402

RASA = str(Path(sys.executable).parent / "rasa")


def lean(config: dict) -> dict:
    return config


def transformer(config: dict) -> dict:
    """Rasa's default DIET: 2 transformer layers (and entity recognition in DIET)."""
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component.pop("number_of_transformer_layers", None)
    return config


def ted(config: dict) -> dict:
    """Adds TEDPolicy, as in `rasa init`."""
    config["policies"].append({"name": "TEDPolicy", "max_history": 5, "epochs": 100})
    return config


VARIANTS = {"lean": lean, "transformer": transformer, "ted": ted}


def measure(name: str, work: Path) -> str:
    config = VARIANTS[name](yaml.safe_load((ROOT / "config.yml").read_text()))
    config_path = work / f"{name}.yml"
    config_path.write_text(yaml.safe_dump(config))
    env = server_env({"RASA_CACHE_DIRECTORY": str(work / f"{name}-cache")})  # no cache hits
    start = time.monotonic()
    subprocess.run(
        [RASA, "train", "-c", str(config_path), "--fixed-model-name", name, "--out", str(work)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    trained = time.monotonic() - start
    out = work / f"{name}-eval"
    subprocess.run(
        [
            RASA,
            "test",
            "nlu",
            "--nlu",
            "tests/nlu_holdout.yml",
            "-m",
            str(work / f"{name}.tar.gz"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    f1 = json.loads((out / "intent_report.json").read_text())["macro avg"]["f1-score"]
    probe = subprocess.run(
        [sys.executable, __file__, "--probe", str(work / f"{name}.tar.gz")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    load, parse = next(line.split()[1:] for line in probe.stdout.splitlines() if line.startswith("RESULT "))
    return (
        f"{name:12s} train {trained:6.1f} s   macro-F1 {f1:.3f}   "
        f"load {float(load):5.1f} s   parse {float(parse):5.1f} ms/msg"
    )


def probe(model: str) -> None:
    """In a fresh process: model load time (incl. imports) and mean parse time."""
    start = time.monotonic()
    from rasa.core.agent import load_agent

    agent = asyncio.run(load_agent(model_path=model))
    load = time.monotonic() - start
    texts = ["premeds?", "grade 2 reaction what now", "IAR rate course 2 12mg"] * 34
    asyncio.run(agent.parse_message(texts[0]))
    t0 = time.perf_counter()
    for text in texts:
        asyncio.run(agent.parse_message(text))
    print("RESULT", load, (time.perf_counter() - t0) * 1000 / len(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--probe")
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return
    work = Path(tempfile.mkdtemp(prefix="iar-pipelines-"))
    for name in args.variants.split(","):
        print(measure(name, work), flush=True)


if __name__ == "__main__":
    main()
