"""The site roster of the onboarding quiz: who passed, when, with what score (table or CSV)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Sequence

from sqlalchemy.orm import Session, sessionmaker

from bot.quiz.store import RosterRow, roster

COLUMNS = ("user", "name", "attempts", "best score", "passed", "passed on", "last activity")


def _cells(row: RosterRow) -> list[str]:
    return [
        row.user_id,
        row.display_name,
        str(row.attempts),
        "" if row.best_score is None else f"{row.best_score:.0%}",
        "yes" if row.passed else "no",
        f"{row.passed_at:%Y-%m-%d %H:%M}" if row.passed_at else "",
        f"{row.last_activity:%Y-%m-%d %H:%M}",
    ]


def format_table(rows: Sequence[RosterRow]) -> str:
    """The roster as an aligned plain-text table."""
    table = [list(COLUMNS)] + [_cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in table)


def write_csv(rows: Sequence[RosterRow], path: Path) -> None:
    """Export the roster as CSV (dates in ISO format, score as a fraction)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["user_id", "display_name", "attempts", "best_score", "passed", "passed_at", "last_activity"]
        )
        for r in rows:
            writer.writerow(
                [
                    r.user_id,
                    r.display_name,
                    r.attempts,
                    "" if r.best_score is None else f"{r.best_score:.2f}",
                    "yes" if r.passed else "no",
                    r.passed_at.isoformat(timespec="seconds") if r.passed_at else "",
                    r.last_activity.isoformat(timespec="seconds"),
                ]
            )


def roster_command(sessions: sessionmaker[Session], csv_path: Path | None = None) -> int:
    """Print the roster from the user database; with csv_path also export it."""
    with sessions() as session:
        rows = roster(session)
    print(format_table(rows) if rows else "No one has started the quiz yet.")
    if csv_path:
        write_csv(rows, csv_path)
        print(f"{len(rows)} rows written to {csv_path}", file=sys.stderr)
    return 0
