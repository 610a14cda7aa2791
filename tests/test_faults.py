"""Faults: the action server killed mid-conversation, the reports database down.

The report database is PostgreSQL from scripts/services.sh (so it can be stopped and
started again); the tracker store is the default SQLite file. The alert dispatcher
runs, flushing the report spool.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.channels.safety import no_reply
from bot.reports.models import AlertOutbox
from bot.services import Services, start_services
from bot.sites import get_site
from bot.stack import (Stack, free_port, start_action_server, start_alert_dispatcher,
                       start_rasa_server, wait_until_up, write_endpoints)
from bot.userdb import session_factory
from tests.conftest import RestClient
from tests.patient_helpers import reports_of, say, wait_until

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
        self.stack.servers[0] = start_action_server(self.action_port, env=self.env,
                                                    log=self.work / "actions.log")
        wait_until_up(self.stack.servers[0], "/health")


@pytest.fixture(scope="module")
def faults(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> FaultStack:
    work = tmp_path_factory.mktemp("faults")
    services = start_services()
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db")
    env = {"IAR_USER_DB_URL": services.db_url(), "IAR_REPORT_SPOOL": str(work / "spool.jsonl"),
           "IAR_TRACKER_DB_URL": f"sqlite:///{work / 'tracker.db'}"}
    stack = Stack([start_action_server(action_port, log=work / "actions.log", env=env)])
    try:
        stack.servers.append(start_rasa_server(rasa_port, trained_model, endpoints,
                                               log=work / "rasa.log", env=env))
        stack.servers.append(start_alert_dispatcher(0.5, log=work / "alerts.log", env=env))
        wait_until_up(stack.servers[0], "/health")
        wait_until_up(stack.servers[1], "/")
        yield FaultStack(stack, services, RestClient(stack.servers[1].url), action_port, env, work)
    finally:
        stack.stop()
        services.remove()






def test_action_server_killed_mid_conversation_gives_the_safe_reply_then_continues(
        faults: FaultStack) -> None:
    who, site = f"patient-fault-{uuid.uuid4().hex[:8]}", get_site()
    text, _ = say(faults.rest, who, "I have a headache")
    assert "mild, moderate or severe" in text
    faults.stack.servers[0].process.kill()
    faults.stack.servers[0].process.wait()

    text, payload = say(faults.rest, who, "it's mild")
    assert text == no_reply(site) and payload is None
    assert site.emergency_number in text and site.site_phone in text
    webchat = requests.post(f"{faults.rest.url}/webhooks/webchat/webhook", timeout=60,
                            json={"sender": "fault-9c2e71b5a04f3d8e", "message": "I have a rash"})
    assert webchat.json()[-1] == {"recipient_id": "webchat-fault-9c2e71b5a04f3d8e",
                                  "text": no_reply(site)}

    faults.restart_action_server()
    text, _ = say(faults.rest, who, "it's mild")
    assert "infusion" in text.lower()
    text, _ = say(faults.rest, who, "yesterday")
    assert "anything else" in text.lower()
    _, payload = say(faults.rest, who, "nothing else")
    assert payload["disposition"] == "routine"




def test_report_made_while_the_database_is_down_is_saved_once_when_it_returns(
        faults: FaultStack) -> None:
    who, url = f"patient-dbdown-{uuid.uuid4().hex[:8]}", faults.services.db_url()
    faults.services.run("stop")
    try:
        say(faults.rest, who, "I have a fever of 38.6")
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
        alerts = session.execute(select(AlertOutbox).where(AlertOutbox.report_id == report.id)
                                 ).scalars().all()
    assert len(alerts) == 1  # its alert was enqueued with it
