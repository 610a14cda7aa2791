"""The user database: patient reports, alert outbox, quiz progress.

Separate from the knowledge base. SQLite under build/ by default; set
IAR_USER_DB_URL (an SQLAlchemy URL, e.g. postgresql://…) to use another server.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bot.core.paths import BUILD_DIR

UserBase = declarative_base()


def utcnow() -> datetime:
    """Now in UTC, as a naive datetime (what SQLite stores)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def user_db_url() -> str:
    """The configured database URL (IAR_USER_DB_URL, else SQLite in build/)."""
    return os.environ.get("IAR_USER_DB_URL") or f"sqlite:///{BUILD_DIR / 'userdata.db'}"


def make_private(path: Path) -> None:
    """Create the (database) file readable and writable by its owner only, or make it so:
    it holds patients' words. SQLite gives its journal the same permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if os.stat(path).st_mode & 0o077:  # made before this check existed
        os.chmod(path, 0o600)


@lru_cache(maxsize=None)
def engine_for(url: str) -> Engine:
    """One engine per URL; a SQLite file is created private (make_private)."""
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
    if path and path != ":memory:":
        make_private(Path(path))
    return create_engine(url, future=True, pool_pre_ping=True)


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    """Sessions on the user database; creates the tables of every model imported so far."""
    engine = engine_for(url or user_db_url())
    try:
        UserBase.metadata.create_all(engine)
    except (IntegrityError, ProgrammingError):  # another server created them at the same moment
        UserBase.metadata.create_all(engine)
    return sessionmaker(engine, future=True, expire_on_commit=False)
