"""`bot.ops.cli doctor`: each missing or wrong setting is reported by name.

Reachability uses the real probes against local stand-ins (SQLite files, a PING-answering
socket, the alert webhook stand-in, closed ports); a deployment's PostgreSQL and https
webhook are replaced by injected probes that record what they were asked to reach.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
import yaml

from bot.core.paths import KNOWLEDGE_DIR, ROOT
from bot.kb import build
from bot.ops.doctor import (
    REQUIRED,
    ROLES,
    Finding,
    Probes,
    check,
    probe_database,
    probe_http,
    probe_redis,
    report,
)
from bot.ops.stack import free_port
from tests.support.alert_webhook import AlertWebhook

GOOD = {
    "ACTION_ENDPOINT_URL": "http://iar-actions:5055/webhook",
    "IAR_ACTION_TOKEN": "0123456789abcdef0123456789abcdef",
    "DB_HOST": "db.internal",
    "DB_PORT": "5432",
    "DB_USER": "iar",
    "DB_PASSWORD": "",
    "DB_NAME": "iar_tracker",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "0",  # set per test
    "IAR_USER_DB_URL": "",
    "IAR_TRACKER_DB_URL": "",  # SQLite files, set per test
    "IAR_ALERT_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/secret",
    "IAR_SITE": "demo",
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_APP_TOKEN": "xapp-1-A0-1-abc",
    "MICROSOFT_APP_ID": "00000000-1111-2222-3333-444444444444",
    "MICROSOFT_APP_PASSWORD": "pw",
    "MICROSOFT_TENANT_ID": "55555555-1111-2222-3333-444444444444",
}


class PongServer:
    """Answers +PONG to whatever it is sent, as Redis does to PING."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(64)
                conn.sendall(b"+PONG\r\n")


@pytest.fixture(scope="module")
def redis_standin() -> PongServer:
    server = PongServer()
    yield server
    server.sock.close()


class Recorder:
    """Probes for what has no local stand-in: PostgreSQL and an https webhook."""

    def __init__(self, error: str | None = None) -> None:
        self.asked: list[str] = []
        self.error = error

    def database(self, url: str) -> str | None:
        if url.startswith("sqlite"):
            return probe_database(url)
        self.asked.append(url)
        return self.error

    def http(self, url: str) -> str | None:
        self.asked.append(url)
        return self.error

    def probes(self) -> Probes:
        return Probes(self.database, probe_redis, self.http)


@pytest.fixture
def good_env(tmp_path: Path, redis_standin: PongServer) -> dict[str, str]:
    return {
        **GOOD,
        "REDIS_PORT": str(redis_standin.port),
        "IAR_USER_DB_URL": f"sqlite:///{tmp_path / 'users.db'}",
        "IAR_TRACKER_DB_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    }


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("doctor_kb") / "knowledge.db"
    build(KNOWLEDGE_DIR, path)
    return path


def model_tar(path: Path, domain: dict, version: str = "3.6.21") -> Path:
    """A model archive with the two members the doctor reads."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in [
            ("metadata.json", json.dumps({"rasa_open_source_version": version})),
            ("components/domain_provider/domain.yml", yaml.safe_dump(domain)),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data.encode())
            tar.addfile(info, io.BytesIO(data.encode()))
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return model_tar(tmp_path_factory.mktemp("doctor_model") / "iar.tar.gz", domain)


def failed(findings: list[Finding]) -> dict[str, str]:
    return {f.setting: f.message for f in findings if not f.ok}


def test_a_complete_deployment_passes(good_env: dict[str, str], kb_path: Path, model: Path) -> None:
    recorder = Recorder()
    findings = check(good_env, probes=recorder.probes(), model=model, kb_path=kb_path)
    assert failed(findings) == {}
    assert recorder.asked == ["postgresql://iar@db.internal:5432/iar_tracker", GOOD["IAR_ALERT_WEBHOOK_URL"]]
    text, status = report(findings)
    assert status == 0 and text.endswith("Everything checked is in order.")


@pytest.mark.parametrize("role", ROLES)
def test_every_missing_variable_is_named(role: str, kb_path: Path, model: Path) -> None:
    findings = failed(check({}, (role,), probes=Recorder().probes(), model=model, kb_path=kb_path))
    assert set(REQUIRED[role]) <= findings.keys()
    assert all("is not set" in findings[name] for name in REQUIRED[role])


def test_an_empty_database_password_is_allowed_but_an_unset_one_is_not(
    good_env: dict[str, str], kb_path: Path, model: Path
) -> None:
    probes = Recorder().probes()
    assert "DB_PASSWORD" not in failed(check(good_env, ("rasa",), probes, model, kb_path))
    del good_env["DB_PASSWORD"]
    assert "DB_PASSWORD" in failed(check(good_env, ("rasa",), probes, model, kb_path))


@pytest.mark.parametrize(
    "setting, value",
    [
        ("ACTION_ENDPOINT_URL", "iar-actions:5055"),
        ("DB_PORT", "fivefourthreetwo"),
        ("REDIS_PORT", "70000"),
        ("IAR_ALERT_WEBHOOK_URL", "http://hooks.example.org/x"),
        ("IAR_SITE", "nowhere"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("SLACK_SIGNING_SECRET", "too-short"),
        ("SLACK_CHANNEL", "#infusion-ward"),
        ("IAR_ACTION_TOKEN", "secret"),
        ("MICROSOFT_APP_ID", "iar-bot"),
        ("MICROSOFT_TENANT_ID", "contoso.onmicrosoft.com"),
    ],
)
def test_a_wrong_value_is_named(
    good_env: dict[str, str], kb_path: Path, model: Path, setting: str, value: str
) -> None:
    findings = failed(
        check({**good_env, setting: value}, probes=Recorder().probes(), model=model, kb_path=kb_path)
    )
    assert list(findings) == [setting], findings


@pytest.mark.parametrize(
    "unset, named",
    [
        ("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"),  # a bot token alone: no way to receive
        ("MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_PASSWORD"),
    ],
)
def test_half_configured_chat_apps_are_named(
    good_env: dict[str, str], kb_path: Path, model: Path, unset: str, named: str
) -> None:
    del good_env[unset]
    findings = failed(check(good_env, probes=Recorder().probes(), model=model, kb_path=kb_path))
    assert list(findings) == [named]


def test_unreachable_services_are_named(
    good_env: dict[str, str], tmp_path: Path, kb_path: Path, model: Path
) -> None:
    closed = str(free_port())
    env = {
        **good_env,
        "REDIS_PORT": closed,
        "DB_HOST": "127.0.0.1",
        "DB_PORT": closed,
        "IAR_USER_DB_URL": f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}",
    }
    probes = Probes(probe_database, probe_redis, Recorder("ConnectionError").http)
    findings = failed(check(env, probes=probes, model=model, kb_path=kb_path))
    assert set(findings) == {"DB_HOST", "REDIS_HOST", "IAR_USER_DB_URL", "IAR_ALERT_WEBHOOK_URL"}
    assert all("not reachable" in message for message in findings.values())


def test_http_probe_reaches_a_webhook_without_posting() -> None:
    hook = AlertWebhook().start()
    try:
        assert probe_http(hook.url) is None
        assert hook.received == []
    finally:
        hook.stop()
    assert probe_http(f"http://127.0.0.1:{free_port()}/hook") is not None


def test_missing_or_foreign_model_is_named(good_env: dict[str, str], kb_path: Path, tmp_path: Path) -> None:
    probes = Recorder().probes()
    missing = failed(check(good_env, ("rasa",), probes, tmp_path / "none.tar.gz", kb_path))
    assert "is missing" in missing["model"]
    old = model_tar(tmp_path / "old.tar.gz", {"intents": ["greet"]}, version="3.5.0")
    assert "Rasa 3.5.0" in failed(check(good_env, ("rasa",), probes, old, kb_path))["model"]
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    domain["intents"] = [*domain["intents"], "ask_about_another_drug"]
    other = model_tar(tmp_path / "other.tar.gz", domain)
    assert "ask_about_another_drug" in failed(check(good_env, ("rasa",), probes, other, kb_path))["model"]


def test_stale_knowledge_base_is_named(
    good_env: dict[str, str], kb_path: Path, model: Path, tmp_path: Path
) -> None:
    knowledge = shutil.copytree(KNOWLEDGE_DIR, tmp_path / "knowledge")
    path = knowledge / "incidence.yml"
    data = yaml.safe_load(path.read_text())
    entry = data["entries"][0]
    entry["answer"] += " Changed after the build."
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    findings = failed(check(good_env, ("actions",), Recorder().probes(), model, kb_path, knowledge))
    assert entry["id"] in findings["knowledge base"]
    assert (
        "is missing"
        in failed(check(good_env, ("actions",), Recorder().probes(), model, tmp_path / "none.db"))[
            "knowledge base"
        ]
    )


def test_cli_prints_each_problem_and_fails() -> None:
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED["actions"]}
    result = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "doctor", "--role", "actions"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        "FAIL IAR_USER_DB_URL: is not set; the action server and the alert dispatcher "
        "need it" in result.stdout
    )
    assert result.stdout.rstrip().endswith(f"{len(REQUIRED['actions'])} problem(s) found.")
