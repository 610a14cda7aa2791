"""Build the Teams app package (`make teams-app`): manifest.json and the two icons, zipped.

A Teams admin uploads the zip (Teams admin centre > Manage apps > Upload). The bot id and
the host come from the environment, as the servers' settings do, so the package always
names the Azure Bot the deployment runs:

    MICROSOFT_APP_ID   the Azure Bot's app id (a GUID); also the Teams app's id
    IAR_PUBLIC_HOST    the bot's public host name, e.g. iar.site.example.org
    IAR_TEAMS_PRIVACY_URL, IAR_TEAMS_TERMS_URL   optional; default https://<host>/

Usage: python deploy/teams/build_package.py build/teams-app.zip
"""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA_VERSION = "1.29"
APP_VERSION = "1.0.0"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def manifest(app_id: str, host: str, privacy_url: str, terms_url: str) -> dict:
    """The Teams app manifest: one bot, for personal chats, team channels and group chats."""
    return {
        "$schema": "https://developer.microsoft.com/json-schemas/teams/"
        f"v{SCHEMA_VERSION}/MicrosoftTeams.schema.json",
        "manifestVersion": SCHEMA_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": "IAR Assistant trial team",
            "websiteUrl": f"https://{host}/",
            "privacyUrl": privacy_url,
            "termsOfUseUrl": terms_url,
        },
        "name": {
            "short": "IAR Assistant",
            "full": "IAR Assistant for alemtuzumab infusion-associated reactions",
        },
        "description": {
            "short": "Protocol answers and onboarding quiz for alemtuzumab IARs",
            "full": "Answers site staff's protocol questions about infusion-associated "
            "reactions (IARs) to alemtuzumab, each with its source, and runs the "
            "onboarding quiz for new staff. Ask in a chat with the bot, or mention it "
            "in a channel.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#0B6E99",
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal", "team", "groupChat"],
                        "commands": [
                            {"title": "premedication", "description": "Which premedication, and when?"},
                            {"title": "start the quiz", "description": "The onboarding quiz"},
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity"],
        "validDomains": [host],
    }


def settings(env: dict[str, str]) -> tuple[dict, list[str]]:
    """The manifest from the environment, or the problems that prevent it."""
    app_id = env.get("MICROSOFT_APP_ID", "").strip()
    host = env.get("IAR_PUBLIC_HOST", "").strip().lower()
    problems = []
    if not GUID.match(app_id):
        problems.append(
            "MICROSOFT_APP_ID must be the Azure Bot's app id (a GUID)" + ("" if app_id else "; it is not set")
        )
    if not HOST.match(host):
        problems.append(
            "IAR_PUBLIC_HOST must be the bot's public host name, e.g. "
            "iar.site.example.org" + ("" if host else "; it is not set")
        )
    if problems:
        return {}, problems
    default = f"https://{host}/"
    return manifest(
        app_id, host, env.get("IAR_TEAMS_PRIVACY_URL") or default, env.get("IAR_TEAMS_TERMS_URL") or default
    ), []


def build(target: Path, env: dict[str, str]) -> list[str]:
    """Write the package to `target`; return the problems instead when settings are wrong."""
    data, problems = settings(env)
    if problems:
        return problems
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(data, indent=2))
        for icon in ("color.png", "outline.png"):
            package.write(HERE / icon, icon)
    return []


def main(argv: list[str]) -> int:
    target = Path(argv[1] if len(argv) > 1 else "build/teams-app.zip")
    problems = build(target, dict(os.environ))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"Teams app package: {target} (upload it in the Teams admin centre)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
