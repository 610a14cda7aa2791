"""Faults: the action server killed mid-conversation or before a red flag, the reports
database down, and a server killed under `make run`'s supervisor.

The report database is PostgreSQL from scripts/services.sh (so it can be stopped and
started again); the tracker store is the default SQLite file. The alert dispatcher
runs, flushing the report spool.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.core.paths import KB_PATH, ROOT
from bot.core.sites import get_site
from bot.ops.services import Services, start_services
from bot.ops.stack import (
    Stack,
    child_pid,
    free_port,
    server_env,
    start_action_server,
    start_alert_dispatcher,
    start_rasa_server,
    wait_until_up,
    write_endpoints,
)
from bot.patient.reports.models import AlertOutbox
from bot.patient.triage import Report, format_reply, triage
from bot.rasa.channels.safety import no_reply
from tests.support.alert_webhook import AlertWebhook
from tests.support.patient_helpers import SCREEN_QUESTION, answer_screen, reports_of, say, wait_until
from tests.support.rest import RestClient
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e


@dataclass
class FaultStack:
    """The running servers, and what is needed to restart the action server."""

    stack: Stack
    services: Services
    rest: RestClient
    action_port: int
    env: dict[str, str]
    work: Path

    @property
    def spool(self) -> Path:
        return Path(self.env["IAR_REPORT_SPOOL"])

    def restart_action_server(self) -> None:
        self.stack.servers[0] = start_action_server(
            self.action_port, env=self.env, log=self.work / "actions.log"
        )
        wait_until_up(self.stack.servers[0], "/health")


@pytest.fixture(scope="module")
def faults(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> FaultStack:
    work = tmp_path_factory.mktemp("faults")
    services = start_services()
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db")
    env = {
        "IAR_USER_DB_URL": services.db_url(),
        "IAR_REPORT_SPOOL": str(work / "spool.jsonl"),
        "IAR_TRACKER_DB_URL": f"sqlite:///{work / 'tracker.db'}",
    }
    stack = Stack([start_action_server(action_port, log=work / "actions.log", env=env)])
    try:
        stack.servers.append(
            start_rasa_server(rasa_port, trained_model, endpoints, log=work / "rasa.log", env=env)
        )
        stack.servers.append(start_alert_dispatcher(0.5, log=work / "alerts.log", env=env))
        wait_until_up(stack.servers[0], "/health")
        wait_until_up(stack.servers[1], "/")
        yield FaultStack(stack, services, RestClient(stack.servers[1].url), action_port, env, work)
    finally:
        stack.stop()
        services.remove()


def test_action_server_killed_mid_conversation_gives_the_safe_reply_then_continues(
    faults: FaultStack,
) -> None:
    who, site = f"patient-fault-{uuid.uuid4().hex[:8]}", get_site()
    text, _ = say(faults.rest, who, "I have a headache")
    assert SCREEN_QUESTION in text
    text, _ = answer_screen(faults.rest, who)
    assert "mild, moderate or severe" in text
    faults.stack.servers[0].process.kill()
    faults.stack.servers[0].process.wait()

    text, payload = say(faults.rest, who, "it's mild")
    assert text == no_reply(site) and payload is None
    assert site.emergency_number in text and site.site_phone in text
    webchat = requests.post(
        f"{faults.rest.url}/webhooks/webchat/webhook",
        timeout=60,
        json={"sender": "fault-9c2e71b5a04f3d8e", "message": "I have a rash"},
    )
    assert webchat.json()[-1] == {"recipient_id": "webchat-fault-9c2e71b5a04f3d8e", "text": no_reply(site)}

    faults.restart_action_server()
    text, _ = say(faults.rest, who, "it's mild")
    assert "infusion" in text.lower()
    text, _ = say(faults.rest, who, "yesterday")
    assert "anything else" in text.lower()
    _, payload = say(faults.rest, who, "nothing else")
    assert payload["disposition"] == "routine"


def test_report_made_while_the_database_is_down_is_saved_once_when_it_returns(faults: FaultStack) -> None:
    who, url = f"patient-dbdown-{uuid.uuid4().hex[:8]}", faults.services.db_url()
    faults.services.run("stop")
    try:
        say(faults.rest, who, "I have a fever of 38.6")
        answer_screen(faults.rest, who)
        say(faults.rest, who, "2 days ago")
        text, payload = say(faults.rest, who, "no, that's all")
        assert payload["disposition"] == "urgent" and get_site().site_phone in text
        assert who in faults.spool.read_text()
        time.sleep(2)  # dispatcher passes with the database still down keep the report
        assert who in faults.spool.read_text()
    finally:
        faults.services.run("start")
    [report] = wait_until(lambda: reports_of(url, who), what="spooled report saved")
    wait_until(lambda: faults.spool.read_text() == "", what="spool emptied")
    time.sleep(1.5)  # more dispatcher passes: still exactly one
    assert [r.id for r in reports_of(url, who)] == [report.id]
    assert report.disposition == "urgent" and report.text.startswith("I have a fever of 38.6")
    with session_factory(url)() as session:
        alerts = (
            session.execute(select(AlertOutbox).where(AlertOutbox.report_id == report.id)).scalars().all()
        )
    assert len(alerts) == 1  # its alert was enqueued with it


CHEST_PAIN = [{"entity": "symptom", "value": "chest_pain", "role": "present", "text": "chest pain"}]


def assert_chest_pain_emergency_advice(text: str, payload: dict | None) -> None:
    """The emergency reply for chest pain (knowledge wording, site numbers) first, the safe
    reply last."""
    site = get_site()
    assert text.startswith(format_reply(triage(Report.from_entities(CHEST_PAIN)), site))
    assert text.endswith(no_reply(site)) and site.emergency_number in text
    assert payload["disposition"] == "emergency" and payload["symptoms"] == ["chest_pain"]


def alerts_of(url: str, report_id: int) -> list[AlertOutbox]:
    with session_factory(url)() as session:
        return session.execute(select(AlertOutbox).where(AlertOutbox.report_id == report_id)).scalars().all()


def test_red_flag_with_the_action_server_down_gets_its_advice_and_one_report_and_alert(
    faults: FaultStack,
) -> None:
    who, url = f"patient-redflag-{uuid.uuid4().hex[:8]}", faults.services.db_url()
    faults.stack.servers[0].process.kill()
    faults.stack.servers[0].process.wait()
    try:
        text, payload = say(faults.rest, who, "I have chest pain")
        assert_chest_pain_emergency_advice(text, payload)
        # saved from the spool by the dispatcher while the action server is still down
        [report] = wait_until(lambda: reports_of(url, who), what="red-flag report saved")
    finally:
        faults.restart_action_server()
    text, _ = say(faults.rest, who, "thank you")
    assert text != no_reply(get_site())  # the conversation carries on
    time.sleep(1.5)  # more dispatcher passes: still exactly one report and one alert
    assert [r.id for r in reports_of(url, who)] == [report.id]
    assert (report.disposition, report.text) == ("emergency", "I have chest pain")
    assert len(alerts_of(url, report.id)) == 1


class Output:
    """The lines a process prints, read on a thread."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, needle: str, timeout: float = 180) -> str:
        return wait_until(
            lambda: next((l for l in self.lines if needle in l), None),
            timeout,
            what=f"output line {needle!r} (got {self.lines[-5:]})",
        )


def ctrl_c_as_at_a_terminal() -> None:
    """Ctrl-C (SIGINT) as a terminal delivers it. A suite started in the background by a
    non-interactive shell (`make test &`, `nohup`) inherits SIGINT ignored, and Python then
    leaves it ignored, so `make run` would never see the test's Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_make_run_restarts_a_killed_action_server_and_a_red_flag_meanwhile_is_not_lost(
    trained_model: Path, tmp_path: Path
) -> None:
    hook = AlertWebhook().start()
    port, action_port = free_port(), free_port()
    user_db = f"sqlite:///{tmp_path / 'userdata.db'}"
    env = server_env(
        {
            "IAR_BUILD_DIR": str(tmp_path / "build"),
            "IAR_KB_PATH": str(KB_PATH),
            "IAR_USER_DB_URL": user_db,
            "IAR_ALERT_WEBHOOK_URL": hook.url,
            "IAR_REPORT_SPOOL": str(tmp_path / "spool.jsonl"),
            "IAR_TRACKER_DB_URL": f"sqlite:///{tmp_path / 'build' / 'tracker.db'}",
        }
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "bot.ops.cli", "run", "--port", str(port), "--action-port", str(action_port)],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    output, rest, who = Output(run), RestClient(f"http://127.0.0.1:{port}"), "patient-supervised"
    try:
        output.wait_for("Ready in")
        os.kill(child_pid(run.pid, "bot.rasa.action_server"), signal.SIGKILL)
        text, payload = say(rest, who, "I have chest pain")
        assert_chest_pain_emergency_advice(text, payload)
        assert "restarting it in 1 s" in output.wait_for("The action server stopped", 30)
        output.wait_for("Restarted the action server", 120)
        assert run.poll() is None  # the bot stayed up
        [report] = wait_until(lambda: reports_of(user_db, who), what="report saved")
        hook.wait_for(f"report #{report.id}\n")
        text, _ = say(rest, who, "hello")
        assert text != no_reply(get_site())  # the action server answers again
        time.sleep(3)  # more dispatcher passes
        assert [r.id for r in reports_of(user_db, who)] == [report.id]
        assert len(alerts_of(user_db, report.id)) == 1
        assert sum(f"report #{report.id}\n" in t for t in hook.texts()) == 1
    finally:
        run.send_signal(signal.SIGINT)  # Ctrl-C stops everything
        code = run.wait(60)
        hook.stop()
    assert code == 0
    with pytest.raises(LookupError):  # no server left running
        child_pid(run.pid, "python")
