"""Blind patient triage figures: play a blind set against freshly started servers.

Prints the issue's figures (red flags caught in the first reply and by the end of
the conversation, over-triage of non-red-flag cases, under-triage) with counts,
and lists the red flags missed in the first reply.

Usage: .venv/bin/python bench/blind_patients.py [--set tests/blind/patients.yml] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.core.paths import ROOT  # noqa: E402
from bot.ops.stack import start_bot  # noqa: E402
from tests.blind.patients_play import figures, form_questions, load_cases, play, screen_labels  # noqa: E402
from tests.support.rest import RestClient  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests/blind/patients.yml")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    cases = load_cases(args.set)
    with start_bot(Path(tempfile.mkdtemp(prefix="iar-blind-"))) as stack:
        rest = RestClient(stack.servers[1].url)
        questions, screen = form_questions(), screen_labels()
        outcomes = [
            play(lambda who, text: rest.say(who, text, role="patient"), c, questions, screen) for c in cases
        ]
    print(f"blind set: {args.set} ({len(cases)} cases)")
    for line in figures(outcomes).lines():
        print(line)
    missed = [o for o in outcomes if o.red_flag and o.first != "emergency"]
    print(f"\nred flags not caught in the first reply ({len(missed)}):")
    for o in missed:
        print(
            f"  {o.case['id']} [{o.case.get('sign')}] first={o.first} final={o.final}: {o.case['text'][:110]}"
        )
    over = [
        o for o in outcomes if not o.red_flag and o.case["expected"] != "emergency" and o.final == "emergency"
    ]
    print(f"\nover-triaged to emergency ({len(over)}):")
    for o in over:
        print(f"  {o.case['id']} expected={o.case['expected']} rule={o.rule}: {o.case['text'][:110]}")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "id": o.case["id"],
                        "expected": o.case["expected"],
                        "red_flag": o.red_flag,
                        "first": o.first,
                        "final": o.final,
                        "rule": o.rule,
                        "asked": o.asked,
                        "text": o.case["text"],
                    }
                    for o in outcomes
                ],
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
