"""The composition root: settings read once, the schema made by one explicit step, the
actions refusing to run without the App their process configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

import actions.runtime as runtime
from bot.app import build_app
from bot.core.paths import KB_PATH
from bot.core.settings import Settings
from bot.core.sites import get_site
from bot.core.userdb import engine_for, session_factory

USER_TABLES = {"patient_reports", "alert_outbox", "quiz_attempts", "quiz_answers", "erasure_requests"}
UNREACHABLE = "postgresql://iar@127.0.0.1:1/iar_users"  # nothing listens on port 1


def tables(url: str) -> set[str]:
    return set(inspect(engine_for(url)).get_table_names())


def test_opening_sessions_creates_no_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'userdata.db'}"
    with session_factory(url)() as session:
        session.connection()
    assert tables(url) == set()


def test_create_schema_makes_every_table_of_the_user_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'userdata.db'}"
    app = build_app(Settings(user_db_url=url, kb_path=KB_PATH, site=get_site()))
    assert not app.schema_ready and tables(url) == set()
    assert app.create_schema() and app.schema_ready
    assert USER_TABLES <= tables(url)


def test_a_database_down_at_start_up_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    app = build_app(Settings(user_db_url=UNREACHABLE, kb_path=KB_PATH, site=get_site()))
    assert app.create_schema() is False and not app.schema_ready
    assert "user database unavailable" in caplog.text


def test_settings_come_from_the_environment_given() -> None:
    settings = Settings.from_env({"IAR_USER_DB_URL": "sqlite:///elsewhere.db", "IAR_SITE": "demo"})
    assert settings.user_db_url == "sqlite:///elsewhere.db" and settings.site == get_site("demo")
    assert Settings.from_env({}).user_db_url.endswith("/build/userdata.db")


def test_actions_refuse_to_run_before_their_app_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_app", None)
    with pytest.raises(runtime.NotConfigured, match="bot.rasa.action_server"):
        runtime.app()
