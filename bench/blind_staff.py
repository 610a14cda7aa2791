"""Blind staff evaluation: play a blind question set over REST against the real servers.

The set (tests/blind/staff.yml by default) was written by someone who never saw
data/, knowledge/ or tests/. Each case is one conversation as staff (metadata
{"role": "staff"}, one sender per case); the reply to its LAST turn is scored:

  passed      every `must_include` group has one alternative in the reply, and no
              `must_not_include` string is in it
  leads       (cases with `anaphylaxis: true`) the first reply's first lines say
              stop + emergency + epinephrine/adrenaline
  wrong       `must_not_include` hits: answers naming the wrong grade, course or dose

Matching is case-insensitive on text normalised the same way on both sides
(whitespace, a space before % or °, thousands commas, dashes, ≥/≤).

Usage: .venv/bin/python bench/blind_staff.py [--set PATH] [--json OUT] [--model PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.core.paths import ROOT  # noqa: E402
from bot.ops.stack import MODEL_PATH, start_bot  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "blind" / "staff.yml"
# "Leads with": within the first lines of the first reply bubble.
LEAD_LINES, LEAD_CHARS = 3, 400
LEAD_FACTS = (("stop",), ("emergency",), ("epinephrine", "adrenaline"))


def normalise(text: str) -> str:
    """Lower-case text with formatting differences removed, applied to replies and expectations."""
    text = text.lower().replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = text.replace("≥", ">=").replace("≤", "<=").replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"\s+(?=[%°])", "", text)
    return " ".join(text.split())


def contains(reply: str, phrase: str) -> bool:
    return normalise(phrase) in normalise(reply)


def names(reply: str, phrase: str) -> bool:
    """A forbidden figure is named only as that number: "5 mg" is not in "0.5 mg" or "15 mg"."""
    wanted = normalise(phrase)
    start = r"(?<![\d.,])" if wanted[:1].isdigit() else ""
    return re.search(start + re.escape(wanted), normalise(reply)) is not None


@dataclass
class Outcome:
    """The score of one case."""

    id: str
    category: str
    passed: bool
    missing: list[list[str]] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    anaphylaxis: bool = False
    leads: bool | None = None
    reply: str = ""


def leads_with_emergency(bubbles: list[str]) -> bool:
    """True when the first reply bubble opens with stop + emergency + epinephrine."""
    if not bubbles:
        return False
    lines = [line for line in bubbles[0].splitlines() if line.strip()][:LEAD_LINES]
    head = "\n".join(lines)[:LEAD_CHARS]
    return all(any(contains(head, word) for word in words) for words in LEAD_FACTS)


def score_case(case: dict[str, Any], bubbles: list[str]) -> Outcome:
    """Score the bot's reply bubbles to the last turn of one case."""
    reply = "\n\n".join(bubbles)
    missing = [
        list(group)
        for group in case.get("must_include") or []
        if not any(contains(reply, alt) for alt in _alternatives(group))
    ]
    forbidden = [s for s in case.get("must_not_include") or [] if names(reply, str(s))]
    anaphylaxis = bool(case.get("anaphylaxis"))
    return Outcome(
        id=str(case["id"]),
        category=str(case.get("category", "other")),
        passed=not missing and not forbidden,
        missing=missing,
        forbidden=forbidden,
        anaphylaxis=anaphylaxis,
        leads=leads_with_emergency(bubbles) if anaphylaxis else None,
        reply=reply,
    )


def _alternatives(group: Any) -> list[str]:
    return [str(a) for a in group] if isinstance(group, list) else [str(group)]


def load_cases(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(Path(path).read_text())["cases"]


def play(url: str, case: dict[str, Any], run: str) -> list[str]:
    """Send a case's turns as staff in one conversation; the reply bubbles to the last turn."""
    sender = f"blind-{run}-{case['id']}"
    bubbles: list[str] = []
    for turn in case["turns"]:
        response = requests.post(
            f"{url}/webhooks/rest/webhook",
            timeout=60,
            json={"sender": sender, "message": str(turn), "metadata": {"role": "staff"}},
        )
        response.raise_for_status()
        bubbles = [_bubble(r) for r in response.json()]
    return bubbles


def _bubble(reply: dict[str, Any]) -> str:
    """A reply's text with its button titles, as the user sees them."""
    titles = [b.get("title", "") for b in reply.get("buttons") or []]
    return "\n".join([reply.get("text") or ""] + titles).strip()


def evaluate(url: str, cases: Iterable[dict[str, Any]]) -> list[Outcome]:
    run = uuid.uuid4().hex[:8]
    return [score_case(case, play(url, case, run)) for case in cases]


@dataclass
class Summary:
    cases: int
    passed: int
    anaphylaxis_cases: int
    anaphylaxis_leading: int
    wrong_answers: int
    by_category: dict[str, dict[str, int]]

    @property
    def pass_rate(self) -> float:
        return self.passed / self.cases if self.cases else 0.0

    @property
    def lead_rate(self) -> float:
        return self.anaphylaxis_leading / self.anaphylaxis_cases if self.anaphylaxis_cases else 1.0


def summarise(outcomes: list[Outcome]) -> Summary:
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: {"cases": 0, "passed": 0})
    for o in outcomes:
        by_category[o.category]["cases"] += 1
        by_category[o.category]["passed"] += o.passed
    anaphylaxis = [o for o in outcomes if o.anaphylaxis]
    return Summary(
        cases=len(outcomes),
        passed=sum(o.passed for o in outcomes),
        anaphylaxis_cases=len(anaphylaxis),
        anaphylaxis_leading=sum(bool(o.leads) for o in anaphylaxis),
        wrong_answers=sum(bool(o.forbidden) for o in outcomes),
        by_category=dict(sorted(by_category.items())),
    )


def report(summary: Summary) -> str:
    lines = [
        f"answered with all required facts, nothing forbidden: {summary.pass_rate:.1%} "
        f"({summary.passed}/{summary.cases})",
        f"anaphylaxis cases leading with stop + emergency team + epinephrine: "
        f"{summary.lead_rate:.1%} ({summary.anaphylaxis_leading}/{summary.anaphylaxis_cases})",
        f"answers naming a wrong grade/course/dose (must_not_include hits): {summary.wrong_answers}",
        "per category:",
    ]
    for name, c in summary.by_category.items():
        lines.append(f"  {name:<24} {c['passed'] / c['cases']:6.1%} ({c['passed']}/{c['cases']})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="blind set (YAML)")
    parser.add_argument("--json", type=Path, help="write every case's outcome here")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--url", help="a running Rasa server instead of starting one")
    parser.add_argument("--failures", action="store_true", help="print the failed cases")
    args = parser.parse_args()
    cases = load_cases(args.set)
    stack = None
    if args.url:
        url = args.url
    else:
        stack = start_bot(Path(tempfile.mkdtemp(prefix="iar-blind-")), args.model)
        url = stack.servers[1].url
    try:
        outcomes = evaluate(url, cases)
    finally:
        if stack:
            stack.stop()
    summary = summarise(outcomes)
    print(f"blind set: {args.set}")
    print(report(summary))
    if args.failures:
        for o in outcomes:
            if not o.passed or o.leads is False:
                print(
                    f"\n--- {o.id} [{o.category}] missing={o.missing} forbidden={o.forbidden} "
                    f"leads={o.leads}\n{o.reply[:600]}"
                )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "summary": {
                        **asdict(summary),
                        "pass_rate": summary.pass_rate,
                        "lead_rate": summary.lead_rate,
                    },
                    "cases": [asdict(o) for o in outcomes],
                },
                indent=1,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
