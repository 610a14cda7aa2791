"""Per-site configuration (sites.yml): emergency number, trial-site phone, how long an
alert may wait for "I'm on it" before it escalates, and where its alerts go (`alerts`: the
incoming webhook of $IAR_ALERT_WEBHOOK_URL by default, or a Teams channel the bot posts to),
and which staff groups see its reports in the inbox.

The file is ROOT/sites.yml, or the one named by $IAR_SITES_FILE (a deployment's mounted
copy, a test's shortened escalation limits)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.core.paths import ROOT
from bot.core.yamlfile import read_yaml

SITES_FILE = ROOT / "sites.yml"
SITE_ENV = "IAR_SITE"
SITES_FILE_ENV = "IAR_SITES_FILE"
# minutes without an acknowledgement before the next level is told, when sites.yml names
# none: an emergency reaches the on-call channel at once and the lead after this limit
DEFAULT_ESCALATION = {"emergency": "15m", "urgent": "30m", "needs_review": "4h"}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smh])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600}
_FIELDS = ("name", "emergency_number", "site_phone", "on_call")
ALERT_TARGETS = ("webhook", "teams")


class SiteConfigError(ValueError):
    """sites.yml is invalid or names no site matching the request."""


@dataclass(frozen=True)
class Site:
    """Contact details that every emergency and urgent reply must carry."""

    id: str
    name: str
    emergency_number: str
    site_phone: str
    on_call: str


def sites_file() -> Path:
    """$IAR_SITES_FILE, else ROOT/sites.yml."""
    return Path(os.environ.get(SITES_FILE_ENV) or SITES_FILE)


def duration(text: str) -> timedelta:
    """ "30m", "4h", "90s" as a timedelta."""
    found = _DURATION.fullmatch(str(text))
    if not found:
        raise SiteConfigError(f"escalation limit {text!r} is not a duration like 30m, 4h or 90s")
    return timedelta(seconds=float(found[1]) * _UNITS[found[2]])


def escalation_limits(site_id: str, path: Path | None = None) -> dict[str, timedelta]:
    """The site's wait before escalating, per kind of alert (emergency, urgent, needs_review):
    its `escalation` in sites.yml over DEFAULT_ESCALATION."""
    data = read_yaml(path or sites_file()) or {}
    raw = ((data.get("sites") or {}).get(site_id) or {}).get("escalation") or {}
    return {kind: duration(raw.get(kind, default)) for kind, default in DEFAULT_ESCALATION.items()}


@dataclass(frozen=True)
class TeamsAlerts:
    """A site whose alerts the bot posts itself, as cards with buttons, to a Teams channel
    (an incoming webhook cannot take the clicks back): the Bot Connector's service URL for
    the tenant's region and the channel's conversation id ("19:…@thread.tacv2")."""

    site_id: str
    service_url: str
    conversation_id: str
    on_call_conversation_id: str = ""  # where an escalation to the on-call team goes, if to Teams
    lead_conversation_id: str = ""  # and one to the site lead

    def channel(self, level: str) -> str:
        """The Teams channel of an escalation level (on_call, lead); "" when it goes to a webhook."""
        return {"on_call": self.on_call_conversation_id, "lead": self.lead_conversation_id}.get(level, "")

    def channels(self) -> set[str]:
        """Every Teams channel this site's alert cards are posted to."""
        return {
            c for c in (self.conversation_id, self.on_call_conversation_id, self.lead_conversation_id) if c
        }


def teams_alert_sites(path: Path | None = None) -> dict[str, TeamsAlerts]:
    """The sites whose `alerts.target` is teams, by site id; SiteConfigError when a site's
    `alerts` names another target or lacks the service URL or conversation id."""
    path = path or sites_file()
    data = read_yaml(path) or {}
    found: dict[str, TeamsAlerts] = {}
    for site_id, raw in (data.get("sites") or {}).items():
        alerts = (raw or {}).get("alerts") or {}
        target = str(alerts.get("target") or "webhook")
        if target not in ALERT_TARGETS:
            raise SiteConfigError(
                f"{path.name}: site '{site_id}' alerts.target is {target!r}; one of {', '.join(ALERT_TARGETS)}"
            )
        if target != "teams":
            continue
        fields = {key: str(alerts.get(key) or "").strip() for key in ("service_url", "conversation_id")}
        missing = [f"alerts.{key}" for key, given in fields.items() if not given]
        if missing:
            raise SiteConfigError(
                f"{path.name}: site '{site_id}' sends alerts to Teams but lacks {', '.join(missing)}"
            )
        levels = {
            key: str(alerts.get(key) or "").strip()
            for key in ("on_call_conversation_id", "lead_conversation_id")
        }
        found[str(site_id)] = TeamsAlerts(str(site_id), **fields, **levels)
    return found


def staff_sites(groups: Iterable[str], path: Path | None = None) -> frozenset[str]:
    """The ids of the sites whose `staff_groups` (sites.yml) name any of `groups`: the values
    of the staff member's ID token claim. A site without `staff_groups` admits nobody."""
    data = read_yaml(path or sites_file()) or {}
    wanted = {str(g) for g in groups}
    return frozenset(
        str(site_id)
        for site_id, raw in (data.get("sites") or {}).items()
        if wanted & {str(g) for g in ((raw or {}).get("staff_groups") or [])}
    )


def load_sites(path: Path | None = None) -> tuple[dict[str, Site], str]:
    """Read all sites and the default site id from `path` (default: sites_file())."""
    path = path or sites_file()
    data = read_yaml(path) or {}
    raw_sites = data.get("sites") or {}
    sites: dict[str, Site] = {}
    for site_id, raw in raw_sites.items():
        missing = [f for f in _FIELDS if not str((raw or {}).get(f) or "").strip()]
        if missing:
            raise SiteConfigError(f"{path.name}: site '{site_id}' lacks {', '.join(missing)}")
        sites[str(site_id)] = Site(id=str(site_id), **{f: str(raw[f]).strip() for f in _FIELDS})
    default = str(data.get("default") or "")
    if default not in sites:
        raise SiteConfigError(f"{path.name}: default site '{default}' is not among {sorted(sites)}")
    return sites, default


def get_site(site_id: str | None = None, path: Path | None = None) -> Site:
    """Return the site `site_id`, else the one named by $IAR_SITE, else the default."""
    path = path or sites_file()
    sites, default = load_sites(path)
    wanted = site_id or os.environ.get(SITE_ENV) or default
    if wanted not in sites:
        raise SiteConfigError(
            f"unknown site '{wanted}' (from {'argument' if site_id else SITE_ENV}); "
            f"known sites in {path.name}: {', '.join(sorted(sites))}"
        )
    return sites[wanted]
