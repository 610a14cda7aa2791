"""What a site installs: the container image, the Kubernetes overlays, the Slack and Teams apps.

No Docker engine runs here, so the image is linted (hadolint), not built. The overlays are
rendered with `kubectl kustomize` and validated against the Kubernetes schemas shipped in
kubernetes-validate; the Slack manifests and the Teams package against vendored JSON
schemas (check-jsonschema). The tools live in .venv-tools (requirements-dev.txt).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from bot.core.paths import ROOT

TOOLS = ROOT / ".venv-tools" / "bin"
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ["base", "overlays/single-site", "overlays/multi-site"]
TEAMS_SCHEMA = ROOT / "deploy" / "teams" / "schema" / "MicrosoftTeams.schema.json"
SLACK_SCHEMA = ROOT / "deploy" / "schemas" / "slack-app-manifest.schema.json"
SLACK_MANIFESTS = [ROOT / "deploy" / "slack-app.yml", ROOT / "deploy" / "slack-app-socket-mode.yml"]
# What the Slack channels use (bot/rasa/channels/slack.py, slack_socket.py): direct messages,
# mentions, every message of SLACK_CHANNEL; answers posted with chat.postMessage.
SLACK_EVENTS = {"message.im", "app_mention", "message.channels"}
SLACK_SCOPES = {"im:history", "app_mentions:read", "channels:history", "chat:write"}
APP_ID = "00000000-1111-2222-3333-444444444444"


def tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run 'make install' (it installs requirements-dev.txt)")
    return str(path)


def run(
    *args: str | Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300, env=env
    )


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """Each overlay rendered by `kubectl kustomize` (YAML text)."""
    out = {}
    for overlay in OVERLAYS:
        result = run(tool("kubectl"), "kustomize", K8S / overlay)
        assert result.returncode == 0, result.stderr
        out[overlay] = result.stdout
    return out


def docs(text: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d and (kind is None or d["kind"] == kind)]


def named(text: str, kind: str, name: str) -> list[dict[str, Any]]:
    return [d for d in docs(text, kind) if d["metadata"]["name"].startswith(name)]


# --- the image ------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = run(tool("hadolint"), "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_fail_a_bad_dockerfile() -> None:
    result = run(tool("hadolint"), "-", stdin="FROM python:latest\nRUN cd /app && pip install x\n")
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_image_builds_the_model_and_runs_as_a_user_without_secrets() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.10\.\d+-slim\S* AS build$", text, re.M)
    assert "python -m bot.ops.cli kb build" in text and "rasa train" in text
    assert re.search(r"^USER 10001", text, re.M) and "HEALTHCHECK" in text
    env_names = re.findall(r"^\s+(\w+)=", text, re.M) + re.findall(r"^ENV (\w+)=", text, re.M)
    assert not [n for n in env_names if re.search(r"SECRET|TOKEN|PASSWORD", n)]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".venv-tools", "build", "models"} <= set(ignored)


def test_entrypoint_runs_the_doctor_before_starting(tmp_path: Path) -> None:
    env = {"PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    result = run("sh", "deploy/docker-entrypoint.sh", "rasa", env=env)
    assert result.returncode == 78
    assert "FAIL ACTION_ENDPOINT_URL: is not set" in result.stdout
    assert "Not starting the rasa server" in result.stderr


# --- Kubernetes -----------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_is_valid_kubernetes(rendered: dict[str, str], overlay: str, tmp_path: Path) -> None:
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(rendered[overlay])
    result = run(tool("kubernetes-validate"), "--strict", "--quiet", manifest)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_validate_does_fail_a_bad_resource(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
        "spec: {replicas: two, selector: {}, template: {}}\n"
    )
    assert run(tool("kubernetes-validate"), "--strict", "--quiet", bad).returncode != 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rasa_is_replicated_probed_sized_autoscaled_and_protected(
    rendered: dict[str, str], overlay: str
) -> None:
    text = rendered[overlay]
    for rasa in named(text, "Deployment", "iar-rasa"):
        assert rasa["spec"]["replicas"] >= 2
        [server] = [c for c in rasa["spec"]["template"]["spec"]["containers"] if c["name"] == "rasa"]
        assert {"startupProbe", "readinessProbe", "livenessProbe"} <= server.keys()
        assert {"cpu", "memory"} <= server["resources"]["requests"].keys()
        assert rasa["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    hpas = named(text, "HorizontalPodAutoscaler", "iar-rasa")
    assert hpas and all(h["spec"]["minReplicas"] >= 2 for h in hpas)
    assert named(text, "PodDisruptionBudget", "iar-rasa")
    assert all(d["spec"]["replicas"] == 1 for d in named(text, "Deployment", "iar-dispatcher"))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_spool_is_read_by_a_dispatcher_in_its_pod(rendered: dict[str, str], overlay: str) -> None:
    for deployment in docs(rendered[overlay], "Deployment"):
        containers = deployment["spec"]["template"]["spec"]["containers"]
        spooling = [c for c in containers if any(m["name"] == "spool" for m in c.get("volumeMounts", []))]
        if spooling:
            assert ["dispatcher"] in [c["args"] for c in spooling], deployment["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_rasa_pods_reach_the_action_server(rendered: dict[str, str], overlay: str) -> None:
    policies = docs(rendered[overlay], "NetworkPolicy")
    assert any(
        p["spec"]["podSelector"] == {}
        and p["spec"]["policyTypes"] == ["Ingress"]
        and not p["spec"].get("ingress")
        for p in policies
    ), "default deny"
    to_actions = [
        p
        for p in policies
        if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "iar-actions"
    ]
    assert to_actions
    sources = [peer for p in to_actions for rule in p["spec"]["ingress"] for peer in rule["from"]]
    assert sources and all(
        peer == {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "iar-rasa"}}} for peer in sources
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_exposes_only_the_public_channels(rendered: dict[str, str], overlay: str) -> None:
    for ingress in docs(rendered[overlay], "Ingress"):
        paths = {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
        assert paths == {
            "/webhooks/webchat/",
            "/webhooks/inbox/",
            "/webhooks/slack/webhook",
            "/webhooks/teams/webhook",
        }
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"


def readme_variables() -> set[str]:
    """Every variable in the README's production table and channel setup."""
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Production") :]
    table = re.findall(r"^\| `([^|]+)` \|", production, re.M)
    names = {n for cell in table for n in re.findall(r"[A-Z][A-Z0-9_]{2,}", cell)}
    return names | set(re.findall(r"`((?:SLACK|MICROSOFT)_[A-Z_]+)`", readme))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_readme_variable_is_configured_and_no_secret_is_committed(
    rendered: dict[str, str], overlay: str
) -> None:
    text = rendered[overlay]
    for config, secret in zip(named(text, "ConfigMap", "iar-config"), named(text, "Secret", "iar-secrets")):
        keys = config["data"].keys() | secret["stringData"].keys()
        assert readme_variables() - keys == set()
        assert set(secret["stringData"].values()) == {""}
        assert not config["data"].keys() & secret["stringData"].keys()


def test_multi_site_gives_each_site_its_namespace_site_and_databases(rendered: dict[str, str]) -> None:
    configs = named(rendered["overlays/multi-site"], "ConfigMap", "iar-config")
    by_namespace = {c["metadata"]["namespace"]: c["data"] for c in configs}
    assert set(by_namespace) == {"iar-site-a", "iar-site-b"}
    assert {d["IAR_SITE"] for d in by_namespace.values()} == {"site-a", "site-b"}
    assert len({d["DB_NAME"] for d in by_namespace.values()}) == 2
    assert all(d["PGSSLMODE"] == "require" for d in by_namespace.values())
    [sites, *_] = named(rendered["overlays/multi-site"], "ConfigMap", "iar-sites")
    assert set(yaml.safe_load(sites["data"]["sites.yml"])["sites"]) == {"site-a", "site-b"}


# --- Slack ----------------------------------------------------------------------------


def test_slack_manifests_match_the_manifest_schema() -> None:
    result = run(tool("check-jsonschema"), "--schemafile", SLACK_SCHEMA, *SLACK_MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", SLACK_MANIFESTS, ids=lambda p: p.name)
def test_slack_manifest_has_exactly_the_scopes_and_events_the_bot_uses(path: Path) -> None:
    manifest = yaml.safe_load(path.read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SLACK_SCOPES
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == SLACK_EVENTS
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    socket_mode = manifest["settings"]["socket_mode_enabled"]
    assert socket_mode == ("socket" in path.name)
    urls = [manifest["settings"][k].get("request_url") for k in ("event_subscriptions", "interactivity")]
    assert urls == ([None, None] if socket_mode else ["https://iar.example.org/webhooks/slack/webhook"] * 2)


def test_slack_schema_does_fail_a_typo(tmp_path: Path) -> None:
    manifest = yaml.safe_load(SLACK_MANIFESTS[0].read_text())
    manifest["settings"]["event_subscription"] = manifest["settings"].pop("event_subscriptions")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(manifest))
    assert run(tool("check-jsonschema"), "--schemafile", SLACK_SCHEMA, bad).returncode != 0


# --- Teams ----------------------------------------------------------------------------


def build_teams(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run(
        ROOT / ".venv" / "bin" / "python",
        "deploy/teams/build_package.py",
        tmp_path / "teams-app.zip",
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
    )


def test_teams_package_is_valid_and_names_this_bot(tmp_path: Path) -> None:
    result = build_teams(tmp_path, MICROSOFT_APP_ID=APP_ID, IAR_PUBLIC_HOST="iar.site.example.org")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "teams-app.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        package.extractall(tmp_path / "package")
    manifest_path = tmp_path / "package" / "manifest.json"
    check = run(tool("check-jsonschema"), "--schemafile", TEAMS_SCHEMA, manifest_path)
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = json.loads(manifest_path.read_text())
    schema_version = json.loads(TEAMS_SCHEMA.read_text())["properties"]["manifestVersion"]["const"]
    assert manifest["manifestVersion"] == schema_version
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["iar.site.example.org"]
    color = Image.open(tmp_path / "package" / "color.png")
    outline = Image.open(tmp_path / "package" / "outline.png").convert("RGBA")
    assert color.size == (192, 192) and outline.size == (32, 32)
    pixels = list(outline.get_flattened_data())
    assert any(alpha == 0 for *_, alpha in pixels), "a transparent background"
    assert {tuple(rgb) for *rgb, alpha in pixels if alpha} == {(255, 255, 255)}, "white lines"


def test_teams_package_needs_the_bot_id_and_host(tmp_path: Path) -> None:
    result = build_teams(tmp_path, MICROSOFT_APP_ID="iar-bot")
    assert result.returncode == 1
    assert "MICROSOFT_APP_ID" in result.stderr and "IAR_PUBLIC_HOST" in result.stderr
    assert not (tmp_path / "teams-app.zip").exists()


def test_teams_schema_does_fail_a_wrong_manifest(tmp_path: Path) -> None:
    bad = tmp_path / "manifest.json"
    bad.write_text(json.dumps({"manifestVersion": "1.29", "id": "not-a-guid"}))
    assert run(tool("check-jsonschema"), "--schemafile", TEAMS_SCHEMA, bad).returncode != 0
