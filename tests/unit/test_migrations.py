"""Schema migrations (Alembic, bot/core/migrations): a fresh database and one made before
Alembic both end at the newest revision, with tables equal to the models, and the old one
keeps its reports and alerts (the same test on PostgreSQL: tests/e2e/test_migrations_postgres.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from bot.app import create_schema
from bot.core.migrate import current, head
from bot.core.userdb import engine_for
from bot.ops.cli import main
from tests.support.legacy_userdb import legacy_rows, make_legacy_db, schema_drift


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return engine_for(f"sqlite:///{tmp_path / 'userdata.db'}")


def test_a_fresh_database_is_migrated_to_the_models(engine: Engine) -> None:
    assert current(engine) is None
    create_schema(engine)
    assert current(engine) == head()
    assert schema_drift(engine) == []


def test_a_database_made_before_alembic_keeps_its_reports_and_alerts(engine: Engine) -> None:
    make_legacy_db(engine)
    before = legacy_rows(engine)
    assert len(before["reports"]) == 2 and len(before["alerts"]) == 2
    assert current(engine) is None
    create_schema(engine)
    assert current(engine) == head()
    assert legacy_rows(engine) == before
    assert schema_drift(engine) == []
    with engine.begin() as connection:  # report ids are still never reused (AUTOINCREMENT kept)
        connection.execute(text("DELETE FROM alert_outbox WHERE report_id = 2"))
        connection.execute(text("DELETE FROM patient_reports WHERE id = 2"))
    make_row = (
        "INSERT INTO patient_reports (sender_id, created_at, text, symptoms, disposition, "
        "rule, site_id, dedupe_key) VALUES ('s', '2026-11-05 10:00:00.000000', 't', '[]', "
        "'routine', 'r', 'default', 'new-key')"
    )
    with engine.begin() as connection:
        connection.execute(text(make_row))
        assert connection.execute(text("SELECT max(id) FROM patient_reports")).scalar() == 3


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    create_schema(engine)
    tables = set(inspect(engine).get_table_names())
    create_schema(engine)
    assert set(inspect(engine).get_table_names()) == tables and current(engine) == head()


def test_the_cli_upgrades_the_database_of_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    make_legacy_db(engine_for(url))
    monkeypatch.setenv("IAR_USER_DB_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert f"at revision {head()}" in capsys.readouterr().out
    assert current(engine_for(url)) == head()
    assert len(legacy_rows(engine_for(url))["reports"]) == 2
