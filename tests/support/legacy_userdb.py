"""A user database as it was before Alembic (tests/fixtures/userdb: the DDL create_all made,
generated from the models of that time, and a few rows), for the upgrade tests."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine

import bot.app  # noqa: F401  (every model of the user database)
from bot.core.paths import ROOT
from bot.core.userdb import UserBase

FIXTURES = ROOT / "tests" / "fixtures" / "userdb"


def statements(name: str) -> list[str]:
    """The SQL statements of a fixture file (comments dropped)."""
    lines = [line for line in (FIXTURES / name).read_text().splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def make_legacy_db(engine: Engine) -> None:
    """Tables and rows as a database made by the code before Alembic holds them."""
    with engine.begin() as connection:
        for sql in [
            *statements(f"schema_before_alembic.{engine.dialect.name}.sql"),
            *statements("rows_before_alembic.sql"),
        ]:
            connection.execute(text(sql))


def legacy_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """What an upgrade must keep: the fixture's reports, alerts, erasures and quiz attempts."""
    queries = {
        "reports": "SELECT id, sender_id, text, disposition, rule, temperature_c, dedupe_key "
        "FROM patient_reports ORDER BY id",
        "alerts": "SELECT id, report_id, attempts, last_error, delivered_at IS NULL "
        "FROM alert_outbox ORDER BY id",
        "erasures": "SELECT sender_id, reports_deleted FROM erasure_requests",
        "quiz": "SELECT user_id, status FROM quiz_attempts",
    }
    with engine.connect() as connection:
        return {name: [tuple(row) for row in connection.execute(text(sql))] for name, sql in queries.items()}


def schema_drift(engine: Engine) -> list[object]:
    """How the database's tables differ from the models (empty: none); SQLite's own counter
    table (sqlite_sequence, kept for AUTOINCREMENT) is not ours."""
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), UserBase.metadata)
    return [d for d in diffs if not (d[0] == "remove_table" and d[1].name == "sqlite_sequence")]
