"""`python -m bot.ops.cli doctor`: check a deployment's settings before the servers start.

A misconfigured server fails late and obscurely (Rasa names one missing variable at a
time; a bad webhook URL shows up only when the first emergency alert cannot be posted).
The doctor checks everything a role needs at once and names each setting at fault, so
the container runs it first and a site's IT team reads one list of plain sentences.

Network probes (database, Redis, webhook) are functions passed in, so tests can run the
checks against local stand-ins.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import socket
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator, Mapping
from urllib.parse import urlparse

import yaml

from bot.core.paths import KB_PATH, KNOWLEDGE_DIR, ROOT
from bot.core.sites import TeamsAlerts
from bot.rasa.action_server import MIN_TOKEN_CHARS

ROLES = ("rasa", "actions", "dispatcher")
MODEL = ROOT / "models" / "iar.tar.gz"
# What each server reads (README "Production"); all are needed in a deployment.
REQUIRED = {
    "rasa": (
        "ACTION_ENDPOINT_URL",
        "IAR_ACTION_TOKEN",
        "DB_HOST",
        "DB_PORT",
        "DB_USER",
        "DB_PASSWORD",
        "DB_NAME",
        "REDIS_HOST",
        "REDIS_PORT",
    ),
    "actions": ("IAR_USER_DB_URL", "IAR_ACTION_TOKEN"),
    "dispatcher": ("IAR_USER_DB_URL", "IAR_TRACKER_DB_URL", "IAR_ALERT_WEBHOOK_URL"),
}
# Set, but possibly empty (PostgreSQL with trust or certificate authentication).
MAY_BE_EMPTY = {"DB_PASSWORD"}
READERS = {"rasa": "the Rasa server", "actions": "the action server", "dispatcher": "the alert dispatcher"}
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SLACK_SECRET = re.compile(r"^[0-9a-zA-Z]{32}$")
SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
TEAMS_CONVERSATION = re.compile(r"^19:[^\s;/]+@thread\.[a-z0-9]+$")


@dataclass(frozen=True)
class Finding:
    """One check: the setting it is about, whether it passed, and what to do in plain words."""

    setting: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.setting}: {self.message}"


@dataclass(frozen=True)
class Probes:
    """How the doctor reaches the outside: each returns None when reachable, else the error."""

    database: Callable[[str], str | None]
    redis: Callable[[str, int], str | None]
    http: Callable[[str], str | None]


def probe_database(url: str) -> str | None:
    """Connect and run SELECT 1 (5 s connect timeout for PostgreSQL)."""
    from sqlalchemy import create_engine, text

    args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    try:
        engine = create_engine(url, connect_args=args)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure is the finding: the message names it
        return str(exc).strip().splitlines()[0]
    return None


def probe_redis(host: str, port: int) -> str | None:
    """Send PING and expect +PONG (a password-protected Redis answers -NOAUTH: reachable)."""
    try:
        with socket.create_connection((host, port), timeout=3) as conn:
            conn.sendall(b"PING\r\n")
            answer = conn.recv(64)
    except OSError as exc:
        return str(exc)
    return None if answer.startswith((b"+PONG", b"-NOAUTH")) else f"unexpected answer {answer!r}"


def probe_http(url: str) -> str | None:
    """Any HTTP answer to a HEAD request means reachable; nothing is posted."""
    import requests

    try:
        requests.head(url, timeout=5, allow_redirects=False)
    except requests.RequestException as exc:
        return type(exc).__name__
    return None


REAL_PROBES = Probes(probe_database, probe_redis, probe_http)


def check(
    env: Mapping[str, str],
    roles: tuple[str, ...] = ROLES,
    probes: Probes = REAL_PROBES,
    model: Path = MODEL,
    kb_path: Path = KB_PATH,
    knowledge_dir: Path = KNOWLEDGE_DIR,
) -> list[Finding]:
    """Every finding for the given roles, problems and passes alike."""
    value = {k: v.strip() for k, v in env.items()}.get
    findings: list[Finding] = []
    teams_sites, teams_error = _teams_alert_sites(value)
    missing = sorted(
        {
            name
            for role in roles
            for name in REQUIRED[role]
            if not value(name)
            and not (name in MAY_BE_EMPTY and name in env)
            and not (name == "IAR_ALERT_WEBHOOK_URL" and _all_sites_on_teams(value, teams_sites))
        }
    )
    findings += [Finding(name, False, f"is not set; {_readers(name)}") for name in missing]
    if "rasa" in roles:
        findings += list(_rasa(value, probes, model))
    user_db = value("IAR_USER_DB_URL")
    if {"actions", "dispatcher"} & set(roles) and user_db:
        findings.append(_reachable("IAR_USER_DB_URL", "reports database", probes.database(user_db)))
    token = value("IAR_ACTION_TOKEN")
    if {"rasa", "actions"} & set(roles) and token and len(token) < MIN_TOKEN_CHARS:
        findings.append(
            Finding(
                "IAR_ACTION_TOKEN",
                False,
                f"is {len(token)} characters; use a "
                f"secret of at least {MIN_TOKEN_CHARS} (openssl rand -hex 32)",
            )
        )
    if "dispatcher" in roles:
        findings += list(_dispatcher(value, probes))
    if {"rasa", "actions"} & set(roles):
        findings += list(_knowledge_base(kb_path, knowledge_dir))
    findings += list(_site(value))
    findings += list(_chat_credentials(value))
    findings += list(_teams_alerts(value, roles, probes, teams_sites, teams_error))
    findings += list(_personal_links(value))
    findings += list(_inbox(value, probes if "rasa" in roles else None))
    return findings


def _readers(name: str) -> str:
    """'the Rasa server needs it', 'the action server and the alert dispatcher need it'."""
    readers = [READERS[role] for role in ROLES if name in REQUIRED[role]]
    return " and ".join(readers) + (" needs it" if len(readers) == 1 else " need it")


def _reachable(setting: str, what: str, error: str | None) -> Finding:
    return Finding(
        setting, error is None, f"{what} reachable" if error is None else f"{what} not reachable: {error}"
    )


def _port(value: Callable[[str], str | None], name: str) -> int | None:
    text = value(name) or ""
    if text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    return None


def _rasa(value: Callable[[str], str | None], probes: Probes, model: Path) -> Iterator[Finding]:
    action_url = value("ACTION_ENDPOINT_URL")
    if action_url:
        parsed = urlparse(action_url)
        if (
            parsed.scheme not in ("http", "https")
            or not parsed.hostname
            or not parsed.path.endswith("/webhook")
        ):
            yield Finding(
                "ACTION_ENDPOINT_URL",
                False,
                f"{action_url!r} is not the action server's webhook, e.g. http://iar-actions:5055/webhook",
            )
    for name in ("DB_PORT", "REDIS_PORT"):
        if value(name) and _port(value, name) is None:
            yield Finding(name, False, f"{value(name)!r} is not a port number")
    db = ("DB_HOST", "DB_PORT", "DB_USER", "DB_NAME")
    if all(value(n) for n in db) and _port(value, "DB_PORT"):
        from sqlalchemy.engine import URL

        url = URL.create(
            "postgresql",
            value("DB_USER"),
            value("DB_PASSWORD") or None,
            value("DB_HOST"),
            _port(value, "DB_PORT"),
            value("DB_NAME"),
        )
        yield _reachable(
            "DB_HOST",
            "conversation database (PostgreSQL)",
            probes.database(url.render_as_string(hide_password=False)),
        )
    redis_host, redis_port = value("REDIS_HOST"), _port(value, "REDIS_PORT")
    if redis_host and redis_port:
        yield _reachable("REDIS_HOST", "lock store (Redis)", probes.redis(redis_host, redis_port))
    yield from _model(model)


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    """A file of the model archive (KeyError when it is missing or not a file)."""
    member = tar.extractfile(name)
    if member is None:
        raise KeyError(f"{name} is not a file")
    return member


def _model(model: Path) -> Iterator[Finding]:
    """The trained model exists, was trained by this Rasa and on this domain's intents and actions."""
    rasa_version = importlib.metadata.version("rasa")  # the installed Rasa, without importing it
    if not model.exists():
        yield Finding("model", False, f"{model} is missing: train it (make model)")
        return
    with tarfile.open(model) as tar:
        metadata = json.load(_member(tar, "metadata.json"))
        trained = yaml.safe_load(_member(tar, "components/domain_provider/domain.yml"))
    version = metadata.get("rasa_open_source_version", "?")
    if version.split(".")[:2] != rasa_version.split(".")[:2]:
        yield Finding(
            "model",
            False,
            f"trained with Rasa {version}, this is Rasa {rasa_version}: retrain it (make model)",
        )
        return
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    differ = sorted(_names(domain, "intents") ^ _names(trained, "intents")) + sorted(
        _names(domain, "actions") ^ _names(trained, "actions")
    )
    if differ:
        yield Finding(
            "model",
            False,
            "was trained on another domain.yml (differs in "
            f"{', '.join(differ[:5])}): retrain it (make model)",
        )
    else:
        yield Finding("model", True, f"{model.name}, Rasa {version}, matches domain.yml")


def _names(domain: dict, key: str) -> set[str]:
    """Intent or action names of a domain (an item may be a name or a one-key mapping)."""
    return {next(iter(item)) if isinstance(item, dict) else item for item in domain.get(key) or []}


def _knowledge_base(kb_path: Path, knowledge_dir: Path) -> Iterator[Finding]:
    """The knowledge database exists and holds exactly the entries of knowledge/ as they are."""
    from sqlalchemy import create_engine, text

    from bot.kb.loader import KnowledgeError, parse

    if not kb_path.exists():
        yield Finding("knowledge base", False, f"{kb_path} is missing: build it (make kb)")
        return
    try:
        parsed = parse(knowledge_dir)
    except KnowledgeError as exc:
        yield Finding("knowledge base", False, str(exc))
        return
    wanted = {e["id"]: " ".join(e["answer"].split()) for e in parsed.entries}
    engine = create_engine(f"sqlite:///{kb_path}")
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, answer FROM entries")).all())
    engine.dispose()
    stale = sorted(k for k in wanted.keys() | stored.keys() if wanted.get(k) != stored.get(k))
    if stale:
        yield Finding(
            "knowledge base",
            False,
            f"{kb_path.name} differs from knowledge/ in {', '.join(stale[:5])}: rebuild it (make kb)",
        )
    else:
        yield Finding("knowledge base", True, f"{len(stored)} entries, as in knowledge/")


def _dispatcher(value: Callable[[str], str | None], probes: Probes) -> Iterator[Finding]:
    tracker_db = value("IAR_TRACKER_DB_URL")
    if tracker_db:
        yield _reachable("IAR_TRACKER_DB_URL", "conversation database", probes.database(tracker_db))
    url = value("IAR_ALERT_WEBHOOK_URL")
    if url:
        parsed = urlparse(url)
        if parsed.scheme != "https" or not parsed.hostname:
            yield Finding(
                "IAR_ALERT_WEBHOOK_URL",
                False,
                "must be the https:// incoming-webhook URL Slack or Teams gave you",
            )
        else:
            yield _reachable("IAR_ALERT_WEBHOOK_URL", "alert webhook", probes.http(url))


def _site(value: Callable[[str], str | None]) -> Iterator[Finding]:
    from bot.core.sites import SiteConfigError, get_site

    try:
        site = get_site(value("IAR_SITE") or None)
    except SiteConfigError as exc:
        yield Finding("IAR_SITE", False, str(exc))
        return
    yield Finding("IAR_SITE", True, f"{site.id}: {site.name}, emergency number {site.emergency_number}")


def _chat_credentials(value: Callable[[str], str | None]) -> Iterator[Finding]:
    """Slack and Teams are optional, but a half or misshapen configuration is a mistake."""
    shapes: dict[str, tuple[Callable[[str], object], str]] = {
        "SLACK_BOT_TOKEN": (lambda v: v.startswith("xoxb-"), "a bot token starts with xoxb-"),
        "SLACK_APP_TOKEN": (
            lambda v: v.startswith("xapp-"),
            "an app-level token (Socket Mode) starts with xapp-",
        ),
        "SLACK_SIGNING_SECRET": (SLACK_SECRET.match, "the signing secret is 32 letters and digits"),
        "SLACK_CHANNEL": (SLACK_CHANNEL_ID.match, "a channel id such as C0123ABCD, not its name"),
        "MICROSOFT_APP_ID": (GUID.match, "the Azure Bot's app id is a GUID"),
        "MICROSOFT_TENANT_ID": (GUID.match, "the tenant id is a GUID"),
    }
    for name, (fits, rule) in shapes.items():
        given = value(name)
        if given and not fits(given):
            yield Finding(name, False, f"looks wrong: {rule}")
    slack_modes = (value("SLACK_SIGNING_SECRET"), value("SLACK_APP_TOKEN"))
    if any(slack_modes) and not value("SLACK_BOT_TOKEN"):
        yield Finding("SLACK_BOT_TOKEN", False, "is not set; Slack needs it to post answers")
    if value("SLACK_BOT_TOKEN") and not any(slack_modes):
        yield Finding(
            "SLACK_SIGNING_SECRET",
            False,
            "Slack is half configured: set SLACK_SIGNING_SECRET (webhook) or SLACK_APP_TOKEN (Socket Mode)",
        )
    if bool(value("MICROSOFT_APP_ID")) != bool(value("MICROSOFT_APP_PASSWORD")):
        name = "MICROSOFT_APP_PASSWORD" if value("MICROSOFT_APP_ID") else "MICROSOFT_APP_ID"
        yield Finding(name, False, "is not set; Teams needs both MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD")


def _sites_path(value: Callable[[str], str | None]) -> Path | None:
    given = value("IAR_SITES_FILE")
    return Path(given) if given else None


def _teams_alert_sites(value: Callable[[str], str | None]) -> tuple[dict[str, TeamsAlerts], str | None]:
    """The sites whose alerts go to Teams, and what is wrong with sites.yml's `alerts` if anything."""
    from bot.core.sites import SiteConfigError, teams_alert_sites

    try:
        return teams_alert_sites(_sites_path(value)), None
    except (SiteConfigError, OSError) as exc:
        return {}, str(exc)


def _all_sites_on_teams(value: Callable[[str], str | None], teams_sites: dict[str, TeamsAlerts]) -> bool:
    """Whether every site posts its alerts to Teams (then no incoming webhook is needed)."""
    from bot.core.sites import SiteConfigError, load_sites

    try:
        sites = load_sites(_sites_path(value))[0]
    except (SiteConfigError, OSError):
        return False
    return bool(teams_sites) and set(sites) <= set(teams_sites)


def _teams_alerts(
    value: Callable[[str], str | None],
    roles: tuple[str, ...],
    probes: Probes,
    teams_sites: dict[str, TeamsAlerts],
    error: str | None,
) -> Iterator[Finding]:
    """A site whose alerts go to Teams needs the bot registration on the dispatcher (it posts
    the cards) and on the Rasa server (it receives the clicks), an https service URL the
    dispatcher can reach, and the channel's conversation id, not its name or link."""
    if error:
        yield Finding("sites.yml alerts", False, error)
        return
    if not teams_sites:
        return
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"):
        if {"rasa", "dispatcher"} & set(roles) and not value(name):
            yield Finding(
                name,
                False,
                f"is not set; site(s) {', '.join(sorted(teams_sites))} send alerts to Teams: the alert "
                "dispatcher posts the cards and the Rasa server receives the clicks as this Azure Bot",
            )
    for site in teams_sites.values():
        setting = f"sites.yml {site.site_id}.alerts"
        parsed = urlparse(site.service_url)
        if parsed.scheme != "https" or not parsed.hostname:
            yield Finding(
                f"{setting}.service_url",
                False,
                f"{site.service_url!r} is not the Bot Connector's https:// service URL "
                "(e.g. https://smba.trafficmanager.net/emea/: the serviceUrl of any activity from your tenant)",
            )
        elif "dispatcher" in roles:
            yield _reachable(f"{setting}.service_url", "Bot Connector service", probes.http(site.service_url))
        channels = {
            "conversation_id": site.conversation_id,
            "on_call_conversation_id": site.on_call_conversation_id,
            "lead_conversation_id": site.lead_conversation_id,
        }
        wrong = [key for key, given in channels.items() if given and not TEAMS_CONVERSATION.match(given)]
        for key in wrong:
            yield Finding(
                f"{setting}.{key}",
                False,
                f"{channels[key]!r} is not a Teams channel's conversation id "
                "(19:…@thread.tacv2; not the channel's name or link)",
            )
        if not wrong:
            yield Finding(setting, True, f"alerts go to Teams channel {site.conversation_id}")


def _personal_links(value: Callable[[str], str | None]) -> Iterator[Finding]:
    """Personal links are optional; when on, their secret must be strong and their address public."""
    from bot.patient.links import MIN_SECRET_CHARS

    secret = value("IAR_LINK_SECRET")
    if not secret:
        yield Finding("IAR_LINK_SECRET", True, "unset: personal web chat links are off")
        return
    if len(secret) < MIN_SECRET_CHARS:
        yield Finding(
            "IAR_LINK_SECRET",
            False,
            f"is {len(secret)} characters; use at least {MIN_SECRET_CHARS} (openssl rand -base64 48)",
        )
    public = value("IAR_PUBLIC_URL") or ""
    if not public.startswith("https://"):
        yield Finding(
            "IAR_PUBLIC_URL",
            False,
            "must be the bot's public https:// address: "
            "personal links and the alerts' inbox links start with it",
        )


def _inbox(value: Callable[[str], str | None], probes: Probes | None) -> Iterator[Finding]:
    """The report inbox is optional; when on, it needs all four settings, a strong session
    secret, https addresses, a site that admits some staff group and (for the Rasa server,
    which serves it) a reachable identity provider."""
    from bot.core.sites import SiteConfigError, sites_file
    from bot.core.yamlfile import read_yaml
    from bot.patient.inbox_login import (
        CLIENT_ID_ENV,
        CLIENT_SECRET_ENV,
        ISSUER_ENV,
        MIN_SECRET_CHARS,
        SESSION_SECRET_ENV,
    )

    names = (ISSUER_ENV, CLIENT_ID_ENV, CLIENT_SECRET_ENV, SESSION_SECRET_ENV)
    if not any(value(n) for n in names):
        yield Finding(ISSUER_ENV, True, "unset: the report inbox is off (its pages answer 503)")
        return
    for name in names:
        if not value(name):
            yield Finding(name, False, "is not set; the report inbox needs all of " + ", ".join(names))
    secret = value(SESSION_SECRET_ENV) or ""
    if secret and len(secret) < MIN_SECRET_CHARS:
        yield Finding(
            SESSION_SECRET_ENV,
            False,
            f"is {len(secret)} characters; use at least {MIN_SECRET_CHARS} (openssl rand -base64 48)",
        )
    issuer = (value(ISSUER_ENV) or "").rstrip("/")
    if issuer and not issuer.startswith("https://"):
        yield Finding(ISSUER_ENV, False, "must be the identity provider's https:// issuer URL")
    if not (value("IAR_PUBLIC_URL") or "").startswith("https://"):
        yield Finding(
            "IAR_PUBLIC_URL",
            False,
            "must be the bot's public https:// address: the inbox's login returns to "
            "<IAR_PUBLIC_URL>/webhooks/inbox/callback (register it with the identity provider)",
        )
    try:
        sites = (read_yaml(sites_file()) or {}).get("sites") or {}
    except (OSError, SiteConfigError) as exc:
        sites = {}
        yield Finding("IAR_SITES_FILE", False, str(exc))
    if not any((raw or {}).get("staff_groups") for raw in sites.values()):
        yield Finding(
            "sites.yml",
            False,
            "no site has staff_groups: nobody can sign in to the report inbox "
            f"(the values of the ID token's claim {value('IAR_OIDC_SITE_CLAIM') or 'groups'})",
        )
    if probes and issuer:
        found = probes.http(f"{issuer}/.well-known/openid-configuration")
        yield _reachable(ISSUER_ENV, "identity provider's discovery document", found)


def report(findings: list[Finding]) -> tuple[str, int]:
    """The printed report (problems first) and the exit status (1 if any problem)."""
    problems = [f for f in findings if not f.ok]
    lines = [str(f) for f in problems + [f for f in findings if f.ok]]
    lines.append(f"{len(problems)} problem(s) found." if problems else "Everything checked is in order.")
    return "\n".join(lines), 1 if problems else 0
