"""Shared fixtures: the real knowledge base built from knowledge/, the trained model, the
servers; and the tier markers. The tiers are folders: tests/unit (no model, no server),
tests/rasa (Rasa itself or the trained model), tests/e2e (real servers over HTTP);
tests/support holds the helpers they share."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# `make test-fast` runs the unit tier, which needs no TensorFlow; spaCy's thinc imports it
# only to see whether it is there (about 5 s), unless the import is marked as failing.
if os.environ.get("IAR_WITHOUT_TENSORFLOW") == "1":
    sys.modules["tensorflow"] = None  # type: ignore[assignment]

from bot.core.paths import KNOWLEDGE_DIR, ROOT
from bot.kb import KnowledgeBase, build
from bot.ops.stack import Stack, start_bot
from tests.support.alert_webhook import AlertWebhook
from tests.support.rest import RestClient

MODEL = ROOT / "models" / "iar.tar.gz"
TIERS = {"rasa": pytest.mark.rasa, "e2e": pytest.mark.e2e}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, from its folder, so that `-m "not e2e"` selects by tier."""
    for item in items:
        tier = item.path.relative_to(ROOT / "tests").parts[0]
        if tier in TIERS:
            item.add_marker(TIERS[tier])


@pytest.fixture(scope="session", autouse=True)
def spool_outside_the_project(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test fills or flushes the project's own report spool (build/spool)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IAR_REPORT_SPOOL", str(tmp_path_factory.mktemp("spool") / "reports.jsonl"))
        yield


@pytest.fixture(scope="session")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The knowledge base built from the real knowledge/ files into a temporary database."""
    db = tmp_path_factory.mktemp("kb") / "knowledge.db"
    build(KNOWLEDGE_DIR, db)
    return KnowledgeBase(db)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model `make test` trained (skipped with a hint when run outside make)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests with 'make test' (it trains first)")
    return MODEL


@pytest.fixture(scope="session")
def user_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite user database (reports, quiz progress) for the servers of this run."""
    return f"sqlite:///{tmp_path_factory.mktemp('userdb') / 'userdata.db'}"


@pytest.fixture(scope="session")
def alert_webhook() -> AlertWebhook:
    """A local incoming webhook (Slack/Teams stand-in) that receives the servers' alerts."""
    hook = AlertWebhook().start()
    yield hook
    hook.stop()


@pytest.fixture(scope="session")
def servers(
    trained_model: Path,
    user_db_url: str,
    alert_webhook: AlertWebhook,
    tmp_path_factory: pytest.TempPathFactory,
):
    """Real action server + Rasa server on free ports, with a fresh tracker store and user DB,
    and the alert dispatcher posting to the local test webhook."""
    work = tmp_path_factory.mktemp("servers")
    env = {
        "IAR_USER_DB_URL": user_db_url,
        "IAR_ALERT_WEBHOOK_URL": alert_webhook.url,
        "IAR_TRACKER_DB_URL": f"sqlite:///{work / 'tracker.db'}",  # for 'forget me'
        "IAR_REPORT_SPOOL": str(work / "spool" / "reports.jsonl"),
    }
    with start_bot(work, trained_model, env, dispatcher_interval=1.0) as stack:
        yield stack


@pytest.fixture(scope="session")
def rest(servers: Stack) -> RestClient:
    """A REST client for the running Rasa server."""
    return RestClient(servers.servers[1].url)


# Fixtures for the channel tests (Slack, Teams, web chat): a stack with every channel on.
from tests.support.channel_stack import channel_stack, standin  # noqa: E402,F401
