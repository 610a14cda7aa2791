"""Rasa-level checks on the trained model: data validation, held-out NLU gate, test stories."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

from bot.core.paths import BUILD_DIR, ROOT
from tests.support.rasa_cli import rasa

pytestmark = pytest.mark.rasa
MACRO_F1_GATE = 0.90
NEAR_COPY = 0.85  # similarity above which a training example counts as a held-out copy


def _examples(path: Path) -> set[str]:
    """Example texts of an NLU file, lower-cased, annotations and punctuation removed."""
    texts = set()
    for item in yaml.safe_load(path.read_text()).get("nlu", []):
        if "intent" not in item:
            continue
        for line in item["examples"].splitlines():
            text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:])
            texts.add(re.sub(r"[^a-z0-9 ]", "", text.lower()).strip())
    return texts


def test_rasa_data_validate() -> None:
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_holdout_is_never_trained_on() -> None:
    """No held-out example is in the training data, not even as a near-copy."""
    training = set().union(*(_examples(p) for p in (ROOT / "data" / "nlu").glob("*.yml")))
    holdout = _examples(ROOT / "tests" / "nlu_holdout.yml")
    near_copies = []
    for held in holdout:
        matcher = SequenceMatcher(None, held)
        for trained in training:
            matcher.set_seq1(trained)
            if matcher.real_quick_ratio() > NEAR_COPY and matcher.ratio() > NEAR_COPY:
                near_copies.append((held, trained))
    assert holdout and not near_copies


def test_nlu_holdout_macro_f1_meets_the_gate(trained_model: Path) -> None:
    out = BUILD_DIR / "nlu_eval"
    result = rasa(
        "test", "nlu", "--nlu", "tests/nlu_holdout.yml", "-m", str(trained_model), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads((out / "intent_report.json").read_text())
    f1 = report["macro avg"]["f1-score"]
    print(f"intent macro-F1 on the held-out set: {f1:.3f} ({report['macro avg']['support']} examples)")
    assert f1 >= MACRO_F1_GATE, f"macro-F1 {f1:.3f} < {MACRO_F1_GATE}; see {out}"


def test_conversation_stories(trained_model: Path) -> None:
    out = BUILD_DIR / "core_eval"
    result = rasa(
        "test",
        "core",
        "--stories",
        "tests/test_stories.yml",
        "-m",
        str(trained_model),
        "--out",
        str(out),
        "--fail-on-prediction-errors",
    )
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else result.stdout[-4000:]
    assert result.returncode == 0, detail + result.stderr[-3000:]
