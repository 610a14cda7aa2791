"""Per-site contact configuration (sites.yml): emergency number and trial-site phone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.core.paths import ROOT
from bot.core.yamlfile import read_yaml

SITES_FILE = ROOT / "sites.yml"
SITE_ENV = "IAR_SITE"
_FIELDS = ("name", "emergency_number", "site_phone", "on_call")


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


def load_sites(path: Path = SITES_FILE) -> tuple[dict[str, Site], str]:
    """Read all sites and the default site id from `path`."""
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


def get_site(site_id: str | None = None, path: Path = SITES_FILE) -> Site:
    """Return the site `site_id`, else the one named by $IAR_SITE, else the default."""
    sites, default = load_sites(path)
    wanted = site_id or os.environ.get(SITE_ENV) or default
    if wanted not in sites:
        raise SiteConfigError(
            f"unknown site '{wanted}' (from {'argument' if site_id else SITE_ENV}); "
            f"known sites in {path.name}: {', '.join(sorted(sites))}"
        )
    return sites[wanted]
