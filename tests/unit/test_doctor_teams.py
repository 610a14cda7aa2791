"""The deployment check names what a site whose alerts go to Teams is missing: the Azure Bot's
app id and password (the dispatcher posts the cards, the Rasa server takes the clicks), an
https service URL it can reach, a channel's conversation id; and then needs no webhook."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.doctor import Probes, check

CHANNEL = "19:0a1b2c3d4e5f@thread.tacv2"
SITE = """\
default: demo
sites:
  demo:
    name: Demo
    emergency_number: "112"
    site_phone: "+44 20 7946 0000"
    on_call: Ask for the doctor.
"""
APP = {"MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000001", "MICROSOFT_APP_PASSWORD": "pw"}


def probes(error: str | None = None) -> Probes:
    return Probes(lambda url: None, lambda host, port: None, lambda url: error)


def problems(sites: Path, env: dict[str, str], roles: tuple[str, ...] = (), error: str | None = None) -> dict:
    found = check({"IAR_SITES_FILE": str(sites), **env}, roles=roles, probes=probes(error))
    return {f.setting: f.message for f in found if not f.ok}


def sites_file(tmp_path: Path, alerts: str) -> Path:
    path = tmp_path / "sites.yml"
    path.write_text(SITE + (f"    alerts: {alerts}\n" if alerts else ""), encoding="utf-8")
    return path


TEAMS = (
    f"{{target: teams, service_url: 'https://smba.trafficmanager.net/emea/', conversation_id: '{CHANNEL}'}}"
)


def test_a_webhook_site_needs_no_teams_app(tmp_path: Path) -> None:
    found = problems(sites_file(tmp_path, ""), {}, roles=("dispatcher",))
    assert "MICROSOFT_APP_ID" not in found and "IAR_ALERT_WEBHOOK_URL" in found


def test_a_teams_site_that_is_set_up_passes_and_needs_no_webhook(tmp_path: Path) -> None:
    found = check(
        {"IAR_SITES_FILE": str(sites_file(tmp_path, TEAMS)), **APP}, roles=("dispatcher",), probes=probes()
    )
    assert not [
        f
        for f in found
        if not f.ok and ("alerts" in f.setting or f.setting.startswith(("MICROSOFT", "IAR_ALERT")))
    ]
    assert any(f.ok and f.setting == "sites.yml demo.alerts" for f in found)


@pytest.mark.parametrize("role", ["dispatcher", "rasa"])
def test_a_teams_site_without_the_app_is_named(tmp_path: Path, role: str) -> None:
    found = problems(sites_file(tmp_path, TEAMS), {}, roles=(role,))
    assert "send alerts to Teams" in found["MICROSOFT_APP_ID"] and "MICROSOFT_APP_PASSWORD" in found


@pytest.mark.parametrize(
    "alerts, setting, words",
    [
        (TEAMS.replace("https://smba", "http://smba"), "sites.yml demo.alerts.service_url", "https://"),
        (
            TEAMS.replace(CHANNEL, "General"),
            "sites.yml demo.alerts.conversation_id",
            "not the channel's name",
        ),
        ("{target: teams, service_url: 'https://x/'}", "sites.yml alerts", "lacks alerts.conversation_id"),
        ("{target: email}", "sites.yml alerts", "alerts.target is 'email'"),
        (
            TEAMS.replace("}", ", on_call_conversation_id: 'On call'}"),
            "sites.yml demo.alerts.on_call_conversation_id",
            "not a Teams channel's conversation id",
        ),
    ],
)
def test_a_misconfigured_teams_site_is_named(tmp_path: Path, alerts: str, setting: str, words: str) -> None:
    assert words in problems(sites_file(tmp_path, alerts), APP)[setting]


def test_the_dispatcher_must_reach_the_service_url(tmp_path: Path) -> None:
    found = problems(sites_file(tmp_path, TEAMS), APP, roles=("dispatcher",), error="ConnectionError")
    assert "not reachable: ConnectionError" in found["sites.yml demo.alerts.service_url"]
