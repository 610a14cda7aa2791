"""The App the actions use in tests: built from explicit Settings, as the action server does."""

from __future__ import annotations

from actions.runtime import configure
from bot.app import App, build_app
from bot.core.paths import KB_PATH
from bot.core.settings import Settings
from bot.core.sites import get_site
from bot.kb import KnowledgeBase


def configure_actions(db_url: str = "sqlite://", kb: KnowledgeBase | None = None) -> App:
    """Configure the actions with an App on `db_url` (tables created) and, when given, the
    test's knowledge base instead of build/knowledge.db."""
    app = build_app(Settings(user_db_url=db_url, kb_path=KB_PATH, site=get_site()))
    app.create_schema()
    if kb is not None:
        app.knowledge_base = kb
    configure(app)
    return app
