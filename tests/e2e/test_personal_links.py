"""Personal links end to end over HTTP with the real servers: enrol with the CLI, open the
link, report, and the alert at the local test webhook names the participant and links to
the inbox; revoked, expired and forged links are refused with the site's number, a red flag
still gets its emergency advice, and nothing of another report leaks; the anonymous web chat
asks once for a study ID or phone number and keeps the answer with the report."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.core.paths import ROOT
from bot.core.sites import get_site
from bot.core.userdb import utcnow
from bot.ops.stack import Stack, start_bot
from bot.patient.links import sign
from bot.patient.reports.models import PatientReport
from tests.support.alert_webhook import AlertWebhook
from tests.support.patient_helpers import SCREEN_QUESTION, wait_until
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e
SECRET = secrets.token_urlsafe(32)
PUBLIC_URL = "https://iar.test.example"
FEVER = "fever 38.6 since last night, infusion 2 days ago"
REFUSED = f"This link no longer works, please call your site: {get_site().site_phone}"


class Bot:
    """The running stack, its user database and the CLI on it."""

    def __init__(self, stack: Stack, work: Path, hook: AlertWebhook) -> None:
        self.url = stack.servers[1].url
        self.db_url = f"sqlite:///{work / 'userdata.db'}"
        self.hook = hook
        self.env = {
            **os.environ,
            "IAR_USER_DB_URL": self.db_url,
            "IAR_LINK_SECRET": SECRET,
            "IAR_PUBLIC_URL": PUBLIC_URL,
            "PYTHONPATH": str(ROOT),
        }

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "bot.ops.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def enrol(self, study_id: str) -> str:
        """The token of the participant's new personal link, from the URL the CLI prints."""
        url = self.cli("participants", "enrol", study_id).strip().splitlines()[-1]
        assert url.startswith(f"{PUBLIC_URL}/webhooks/webchat/#t=") and study_id not in url
        return url.split("#t=", 1)[1]

    def say(self, sender: str, text: str, token: str | None = None) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": text, **({"token": token} if token else {})}
        response = requests.post(f"{self.url}/webhooks/webchat/webhook", json=body, timeout=90)
        assert response.status_code == 200, response.text
        return response.json()

    def report(self, sender: str, first: str, token: str | None = None) -> tuple[str, dict[str, Any]]:
        """Send `first`, answer the form's questions plainly; every reply and the triage."""
        said, message = [], first
        for _ in range(6):
            replies = self.say(sender, message, token)
            said += [r.get("text", "") for r in replies]
            triaged = [r["custom"]["triage"] for r in replies if "triage" in (r.get("custom") or {})]
            if triaged:
                return "\n".join(said), triaged[0]
            last = replies[-1].get("text", "")
            message = "None of these" if SCREEN_QUESTION in last else "no, that's all"
        raise AssertionError(f"no triage after: {said}")

    def reports(self) -> list[PatientReport]:
        with session_factory(self.db_url)() as session:
            return list(session.execute(select(PatientReport).order_by(PatientReport.id)).scalars())


@pytest.fixture(scope="module")
def bot(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    work = tmp_path_factory.mktemp("links")
    hook = AlertWebhook().start()
    env = {"IAR_ALERT_WEBHOOK_URL": hook.url, "IAR_LINK_SECRET": SECRET, "IAR_PUBLIC_URL": PUBLIC_URL}
    try:
        with start_bot(work, trained_model, env, dispatcher_interval=0.5) as stack:
            yield Bot(stack, work, hook)
    finally:
        hook.stop()


def sender() -> str:
    return secrets.token_hex(16)


def test_enrol_open_the_link_report_and_the_alert_names_the_participant(bot: Bot) -> None:
    token = bot.enrol("P-0042")
    greeting = requests.post(f"{bot.url}/webhooks/webchat/link", json={"token": token}, timeout=30).json()
    assert greeting["bound"] and get_site().name in greeting["text"]
    assert "P-0042" not in greeting["text"]
    said, triaged = bot.report(sender(), FEVER, token)
    assert triaged["disposition"] == "urgent" and "P-0042" not in said
    assert "study ID" not in said  # a bound conversation is never asked who it is
    [report] = [r for r in bot.reports() if r.study_id == "P-0042"]
    assert (report.disposition, report.site_id) == ("urgent", get_site().id)
    alert = bot.hook.wait_for(f"report #{report.id}\n")
    assert "Participant: P-0042" in alert and f"Site: {get_site().name}" in alert
    assert f"Report: {PUBLIC_URL}/webhooks/inbox/reports/{report.id}" in alert
    assert "Time since infusion: 2 day(s)" in alert and "38.6" in alert
    assert "fever 38.6 since last night" in alert


def forged(token: str) -> str:
    """The token with another link id in its payload, the signature left as it was."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["lid"] = "someone-elses-link"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{body}.{signature}"


@pytest.mark.parametrize("how", ["revoked", "expired", "tampered", "foreign"])
def test_a_dead_or_forged_link_is_refused_and_nothing_leaks(bot: Bot, how: str) -> None:
    study_id = f"P-07{['revoked', 'expired', 'tampered', 'foreign'].index(how)}1"
    token = bot.enrol(study_id)
    said, _ = bot.report(sender(), "I have a headache, mild, since yesterday", token)
    assert "headache" not in REFUSED
    if how == "revoked":
        assert "revoked 1 link(s)" in bot.cli("participants", "revoke", study_id)
    elif how == "expired":
        link_id = bot.cli("participants", "list").split(study_id, 1)[1].split("link ")[1].split()[0]
        token = sign(link_id, utcnow() - timedelta(minutes=1), SECRET)
    elif how == "tampered":
        token = forged(token)
    else:
        token = sign("made-up-link", utcnow() + timedelta(days=1), "x" * 40)
    before = len(bot.reports())
    page = requests.post(f"{bot.url}/webhooks/webchat/link", json={"token": token}, timeout=30)
    assert page.json() == {"bound": False, "text": page.json()["text"]}
    assert page.json()["text"].startswith(REFUSED)
    replies = bot.say(sender(), "what did I say before? my headache is worse", token)
    texts = " ".join(r.get("text", "") for r in replies)
    assert texts.startswith(REFUSED) and len(replies) == 1
    assert study_id not in texts and "mild" not in texts and "headache" not in texts
    assert len(bot.reports()) == before  # the message never reached the bot


def test_a_red_flag_on_a_dead_link_still_gets_the_emergency_advice_and_an_alert(bot: Bot) -> None:
    token = bot.enrol("P-0099")
    bot.cli("participants", "revoke", "P-0099")
    replies = bot.say(sender(), "I have crushing chest pain and can't breathe", token)
    assert replies[0]["custom"]["triage"]["disposition"] == "emergency"
    assert get_site().emergency_number in replies[0]["text"]
    assert replies[-1]["text"].startswith(REFUSED)
    report = wait_until(
        lambda: [
            r
            for r in bot.reports()
            if r.channel == "webchat" and r.disposition == "emergency" and "crushing" in r.text
        ],
        what="the spooled emergency report saved",
    )[0]
    assert report.study_id is None
    alert = bot.hook.wait_for(f"report #{report.id}\n")
    assert alert.startswith("EMERGENCY") and "Participant: unidentified" in alert


def test_the_anonymous_web_chat_asks_once_for_a_study_id_and_keeps_it(bot: Bot) -> None:
    emergency = bot.say(sender(), "my face is drooping and I can't lift my arm")
    assert emergency[1]["custom"]["triage"]["disposition"] == "emergency"
    assert "study ID" not in emergency[-1].get("text", "")  # the advice stays the last word
    who = sender()
    said, triaged = bot.report(who, FEVER)
    assert triaged["disposition"] == "urgent" and "study ID" in said
    [report] = [r for r in bot.reports() if r.sender_id == f"webchat-{who}"]
    assert report.study_id is None
    assert "Participant: unidentified" in bot.hook.wait_for(f"report #{report.id}\n")
    thanks = bot.say(who, "P-0042")
    assert len(thanks) == 1 and "added that to your report" in thanks[0]["text"]
    [report] = [r for r in bot.reports() if r.sender_id == f"webchat-{who}"]
    assert report.contact == "P-0042" and report.study_id is None
    said, _ = bot.report(who, "I have a rash on my arms, itchy, since this morning")
    assert "study ID" not in said  # once per conversation
