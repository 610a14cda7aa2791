"""Schema migrations on PostgreSQL (scripts/services.sh on loopback): a database made before
Alembic keeps its reports and alerts when upgraded; a fresh one is made at the newest revision."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.app import create_schema
from bot.core.migrate import current, head
from bot.core.userdb import engine_for
from bot.ops.services import TRACKER_DB, USER_DB, Services, start_services
from tests.support.legacy_userdb import legacy_rows, make_legacy_db, schema_drift

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    running = start_services()
    yield running
    running.remove()


def engine_on(services: Services, name: str) -> Iterator[Engine]:
    engine = engine_for(services.db_url(name))
    yield engine
    engine.dispose()


@pytest.fixture
def legacy(services: Services) -> Iterator[Engine]:
    yield from engine_on(services, USER_DB)


@pytest.fixture
def fresh(services: Services) -> Iterator[Engine]:
    yield from engine_on(services, TRACKER_DB)  # empty: no Rasa server uses it here


def test_a_postgresql_database_made_before_alembic_keeps_its_reports(legacy: Engine) -> None:
    make_legacy_db(legacy)
    before = legacy_rows(legacy)
    assert len(before["reports"]) == 2 and current(legacy) is None
    create_schema(legacy)
    assert current(legacy) == head()
    assert legacy_rows(legacy) == before
    assert schema_drift(legacy) == []


def test_a_fresh_postgresql_database_is_migrated_to_the_models(fresh: Engine) -> None:
    create_schema(fresh)
    assert current(fresh) == head() and schema_drift(fresh) == []
