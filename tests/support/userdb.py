"""Sessions on a test's user database with its tables made, as the servers make them at
start-up (bot.app.create_schema): a fresh database in a test needs the same step."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_schema
from bot.core.settings import Settings
from bot.core.userdb import engine_for, sessions_on


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    """Sessions on `url` (default: this environment's IAR_USER_DB_URL), tables created."""
    engine = engine_for(url or Settings.from_env().user_db_url)
    create_schema(engine)
    return sessions_on(engine)
