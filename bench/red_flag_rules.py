"""Red flags read from the first message by the rules alone (extraction + triage, no servers).

A quick stand-in for bench/blind_patients.py while changing the lexicon or grammar:
prints, per blind set, red flags whose first message triages to `emergency` and
non-red-flag messages that do, with the misses and false emergencies listed.
The REST bench stays the measure (the dialogue can differ, e.g. a foreign message).

Usage: .venv/bin/python bench/red_flag_rules.py [SET.yml ...] [--quiet]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.core.paths import ROOT  # noqa: E402
from bot.patient.nlp.extract import extract  # noqa: E402
from bot.patient.nlp.language import detect_language, names_red_flag  # noqa: E402
from bot.patient.triage import Report, triage  # noqa: E402
from tests.blind.patients_play import load_cases  # noqa: E402

DEFAULT_SETS = sorted((ROOT / "tests" / "blind").glob("patients*.yml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--quiet", action="store_true", help="figures only")
    args = parser.parse_args()
    for path in args.sets:
        cases = load_cases(path)
        missed, over, flags = [], [], 0
        for case in cases:
            extraction = extract(case["text"])
            language = detect_language(case["text"])
            report = replace(
                Report.from_extraction(extraction),
                language=language,
                foreign_red_flag=bool(language) and names_red_flag(case["text"], language),
            )
            decision = triage(report)
            found = ",".join(f"{f.symptom}:{f.status}" for f in extraction.findings)
            if case.get("red_flag"):
                flags += 1
                if decision.disposition != "emergency":
                    missed.append(f"  {case['id']} [{case.get('sign')}] {found}: {case['text'][:150]}")
            elif decision.disposition == "emergency":
                over.append(f"  {case['id']} {decision.rule_id} {found}: {case['text'][:150]}")
        others = len(cases) - flags
        print(
            f"{path.name}: first reply {flags - len(missed)}/{flags} "
            f"({100 * (flags - len(missed)) / max(flags, 1):.1f} %), "
            f"emergency for non-red-flags {len(over)}/{others} ({100 * len(over) / max(others, 1):.1f} %)"
        )
        if not args.quiet:
            print("\n".join([" missed:"] + missed + [" over-triaged:"] + over))


if __name__ == "__main__":
    main()
