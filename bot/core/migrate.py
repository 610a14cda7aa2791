"""Bring the user database's schema to the newest revision (Alembic, bot/core/migrations).

The one way tables are made or changed: bot.app.create_schema (at the action server's and
the dispatcher's start, and `make run` through them) and `python -m bot.ops.cli db upgrade`
call `upgrade`. A database made before Alembic is adopted by the baseline revision 0001,
its rows kept. Several processes may start at once: on PostgreSQL an advisory lock lets one
migrate while the others wait; on SQLite the database's own write lock serialises them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 0x1A12_0013  # the PostgreSQL advisory lock held while migrating


def alembic_config(connection: Connection | None = None, metadata: Any = None) -> Config:
    """Alembic's configuration for our scripts, on an open connection (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = metadata
    return config


def head() -> str:
    """The newest revision."""
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def current(engine: Engine) -> str | None:
    """The database's revision (None: made before Alembic, or empty)."""
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    return None if revision is None else str(revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` in one transaction (PostgreSQL rolls back a failed migration whole)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        command.upgrade(alembic_config(connection), revision)
