"""Staff entry ranker, leave one blind set out: what it fixes and breaks, and what it costs.

For each blind staff set (tests/blind/staff*.yml) held out in turn, a ranker is trained on
the labelled questions of the other sets (data/staff_questions.yml) and every entry's own
text (bot.staff.ranker), and every case whose reply, by the rules alone, is of a kind the
ranker may replace (unknown, closest, offer: bot.staff.answers.UNPLACED) on some turn is
played again with it. Printed per held-out set: such single-turn failures fixed (now
passing) of all, passing ones broken, and multi-turn cases changed either way; then the
training time per fold, the load time of the built ranker and the time to rank a question.

Played in-process: the real Rasa model parses each turn (once; the parses are reused), the
staff service answers (bot.app), the reply is scored on its text and offered titles as
bench/blind_staff.py scores it. `--threshold` replays at other probability floors than the
one in knowledge/search.yml (given at or above it).

Usage: .venv/bin/python bench/staff_ranker.py [--threshold 0.2 0.3 0.4] [--model models/iar.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.blind_staff import score_case  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.core.paths import ROOT  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.quiz.answers import reads_as_choice  # noqa: E402
from bot.staff.answers import UNPLACED, Reply  # noqa: E402
from bot.staff.ranker import (  # noqa: E402
    ARTIFACT_FILE,
    LABELS_FILE,
    EntryRanker,
    Ranked,
    Ranks,
    load,
    load_no_entry,
    load_questions,
)
from bot.staff.service import StaffService  # noqa: E402
from bot.staff.shorthand import expand  # noqa: E402

BLIND_DIR = ROOT / "tests" / "blind"
RESPONSES = {
    name: str(variants[0]["text"])
    for name, variants in yaml.safe_load((ROOT / "domain.yml").read_text())["responses"].items()
}
Parse = tuple[str | None, list[dict[str, Any]], float]


class Never:
    """A ranker never sure enough: the rules' own replies."""

    def top(self, text: str) -> Ranked:
        return Ranked("", 0.0)


class AtLeast:
    """A ranker's pick, sure (1.0) when its probability reaches `floor`, else never (0.0)."""

    def __init__(self, ranker: Ranks, floor: float) -> None:
        self.ranker, self.floor = ranker, floor

    def top(self, text: str) -> Ranked:
        best = self.ranker.top(text)
        return Ranked(best.entry_id, 1.0 if best.probability >= self.floor else 0.0)


async def parse_all(model: Path, sets: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str, int], Parse]:
    """The Rasa model's intent, entities and confidence for every turn of every case."""
    from rasa.core.agent import load_agent

    agent = await load_agent(model_path=str(model))
    parses = {}
    for name, cases in sets.items():
        for case in cases:
            for i, turn in enumerate(case["turns"]):
                parsed = await agent.parse_message(str(turn))
                intent = parsed["intent"]
                parses[(name, str(case["id"]), i)] = (
                    intent["name"],
                    parsed["entities"],
                    intent["confidence"],
                )
    return parses


def play(staff: StaffService, name: str, case: dict[str, Any], parses: dict[Any, Parse]) -> list[Reply]:
    """Every turn's reply, each turn given the previous one's context as the action server does."""
    previous: dict[str, Any] | None = None
    replies = []
    for i, turn in enumerate(case["turns"]):
        intent, entities, confidence = parses[(name, str(case["id"]), i)]
        reply = staff.answer(intent, str(turn), entities, confidence, previous)
        previous = reply.context if reply.context else previous
        replies.append(reply)
    return replies


def rendered(reply: Reply, topics: list[str]) -> str:
    """The reply as actions/staff.py sends it, for the kinds the ranker touches (the wording
    of domain.yml's responses); other kinds by their text."""
    titles = "\n".join(f"• {t}" for _, t in reply.offers)
    if reply.kind == "search":
        return RESPONSES["utter_search_result"].format(passage=reply.text)
    if reply.kind in ("offer", "closest"):
        return RESPONSES["utter_offer" if reply.kind == "offer" else "utter_offer_closest"].format(
            titles=titles
        )
    if reply.kind == "unknown":
        return RESPONSES["utter_dont_know"].format(topics="\n".join(f"• {t}" for t in topics))
    return reply.text or ""


def passes(case: dict[str, Any], reply: Reply, topics: list[str]) -> bool:
    return score_case(case, [rendered(reply, topics)]).passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "iar.tar.gz")
    parser.add_argument("--threshold", type=float, nargs="*", default=[])
    args = parser.parse_args()
    sets = {p.stem: yaml.safe_load(p.read_text())["cases"] for p in sorted(BLIND_DIR.glob("staff*.yml"))}
    kb = build_app(Settings.from_env()).knowledge_base
    floor = float(kb.vocabulary("ranker")["min_probability"])
    floors = sorted({floor, *args.threshold})
    parses = asyncio.run(parse_all(args.model, sets))
    rules = StaffService(kb, reads_as_choice, Never())
    questions, no_entry = load_questions(), load_no_entry()
    labels = yaml.safe_load(LABELS_FILE.read_text())
    question_sets = [str(q["set"]) for q in labels["questions"]]
    no_entry_sets = [str(q["set"]) for q in labels["no_entry"]]
    entries = list(kb.entries.values())
    topics = [label for _, label in kb.topics]
    fits: list[float] = []
    totals: dict[float, Counter[str]] = {f: Counter() for f in floors}
    for held, cases in sets.items():
        t0 = time.perf_counter()
        ranker = EntryRanker.train(
            [pair for pair, s in zip(questions, question_sets) if s != held],
            entries,
            [q for q, s in zip(no_entry, no_entry_sets) if s != held],
        )
        fits.append(time.perf_counter() - t0)
        for f in floors:
            counts: Counter[str] = Counter()
            staff = StaffService(kb, reads_as_choice, AtLeast(ranker, f))
            for case in cases:
                base = play(rules, held, case, parses)
                if not any(r.kind in UNPLACED for r in base):
                    continue
                now = play(staff, held, case, parses)[-1]
                before, after = passes(case, base[-1], topics), passes(case, now, topics)
                single = len(case["turns"]) == 1
                if f == floor and now != base[-1]:
                    best = ranker.top(expand(str(case["turns"][-1])))
                    print(
                        f"  {held} {case['id']}: {base[-1].kind} -> {now.kind} {best.entry_id} "
                        f"p={best.probability:.2f}, {'pass' if before else 'fail'} -> "
                        f"{'pass' if after else 'fail'}: {str(case['turns'][-1])[:70]!r}"
                    )
                if single and base[-1].kind in UNPLACED:
                    counts["failing"] += not before
                    counts["fixed"] += after and not before
                    counts["passing"] += before
                    counts["broken"] += before and not after
                elif before != after:
                    counts["multi_fixed" if after else "multi_broken"] += 1
            totals[f].update(counts)
            if f != floor:
                continue
            print(
                f"{held:14} floor {f:.2f}: fixed {counts['fixed']}/{counts['failing']} failing, "
                f"broken {counts['broken']}/{counts['passing']} passing, "
                f"multi-turn fixed {counts['multi_fixed']} broken {counts['multi_broken']}",
                flush=True,
            )
    for f, c in totals.items():
        print(
            f"ALL floor {f:.2f}: fixed {c['fixed']}/{c['failing']}, broken {c['broken']}/{c['passing']}, "
            f"multi-turn fixed {c['multi_fixed']} broken {c['multi_broken']}"
        )
    timings(fits, [q for q, _ in questions])


def timings(fits: list[float], questions: list[str]) -> None:
    t0 = time.perf_counter()
    built = load(ARTIFACT_FILE)
    loaded = time.perf_counter() - t0
    texts = [expand(q) for q in questions]
    t0 = time.perf_counter()
    for text in texts:
        built.top(text)
    per_question = (time.perf_counter() - t0) / len(texts) * 1000
    print(
        f"train {statistics.mean(fits):.2f} s per fold (max {max(fits):.2f}); "
        f"load {loaded:.2f} s; rank {per_question:.2f} ms per question ({len(texts)} questions)"
    )


if __name__ == "__main__":
    main()
