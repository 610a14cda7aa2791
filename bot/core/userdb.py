"""The user database: patient reports, alert outbox, quiz progress.

Separate from the knowledge base. SQLite under build/ by default; set
IAR_USER_DB_URL (an SQLAlchemy URL, e.g. postgresql://…) to use another server
(bot.core.settings). The tables are made and changed by one explicit step at start-up,
the Alembic migrations (bot.app.create_schema → bot.core.migrate), not by opening sessions.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

UserBase: Any = declarative_base()  # SQLAlchemy 1.4 has no types: its models are Any


def utcnow() -> datetime:
    """Now in UTC, as a naive datetime (what SQLite stores)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def make_private(path: Path) -> None:
    """Create the (database) file readable and writable by its owner only, or make it so:
    it holds patients' words. SQLite gives its journal the same permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if os.stat(path).st_mode & 0o077:  # made before this check existed
        os.chmod(path, 0o600)


def engine_for(url: str) -> Engine:
    """An engine (a connection pool) on the URL; a SQLite file is created private (make_private).
    Processes make one at start-up (bot.app.App) and share it."""
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
    if path and path != ":memory:":
        make_private(Path(path))
    return create_engine(url, future=True, pool_pre_ping=True)


def session_factory(url: str) -> sessionmaker[Session]:
    """A new engine on the URL and its session maker (for tools and tests; servers share bot.app.App's)."""
    return sessions_on(engine_for(url))


def sessions_on(engine: Engine) -> sessionmaker[Session]:
    """The session maker on an engine; sessions keep their objects readable after commit."""
    return sessionmaker(engine, future=True, expire_on_commit=False)
