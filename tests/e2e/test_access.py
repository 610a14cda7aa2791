"""Access: the Rasa HTTP API off (or only behind a JWT), the action server on loopback only,
secrets only from the environment. (Report access logging: tests/unit/test_reports.py.)"""

from __future__ import annotations

import fcntl
import socket
import struct
from pathlib import Path

import jwt
import pytest
import requests
import yaml

from bot.core.paths import ROOT
from bot.ops.stack import Server, Stack, free_port, start_rasa_server, wait_until_up, write_endpoints
from bot.rasa.run import JWT_SECRET_ENV

SECRET = "test-jwt-secret-0123456789abcdef"
SIOCGIFADDR = 0x8915


@pytest.mark.e2e
@pytest.mark.parametrize(
    "method, path",
    [("GET", "/status"), ("GET", "/conversations/x/tracker"), ("POST", "/model/parse"), ("GET", "/version")],
)
def test_http_api_is_off_by_default(servers: Stack, method: str, path: str) -> None:
    response = requests.request(method, servers.servers[1].url + path, json={"text": "hi"}, timeout=10)
    assert response.status_code == 404


@pytest.fixture(scope="module")
def jwt_server(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A Rasa server started with $RASA_JWT_SECRET set (no action server needed)."""
    work = tmp_path_factory.mktemp("jwt")
    endpoints = write_endpoints(work / "endpoints.yml", free_port(), work / "tracker.db")
    stack = Stack(
        [
            start_rasa_server(
                free_port(), trained_model, endpoints, log=work / "rasa.log", env={JWT_SECRET_ENV: SECRET}
            )
        ]
    )
    try:
        wait_until_up(stack.servers[0], "/")
        yield stack.servers[0]
    finally:
        stack.stop()


def status(server: Server, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.url}/status", headers=headers, timeout=10).status_code


@pytest.mark.e2e
def test_with_a_secret_the_api_answers_only_signed_tokens(jwt_server: Server) -> None:
    admin = {"user": {"username": "ops", "role": "admin"}}
    assert status(jwt_server, None) == 401
    assert status(jwt_server, jwt.encode(admin, "another-secret", algorithm="HS256")) == 401
    assert status(jwt_server, jwt.encode(admin, SECRET, algorithm="HS256")) == 200


@pytest.mark.e2e
def test_the_secret_is_not_on_the_command_line(jwt_server: Server) -> None:
    cmdline = Path(f"/proc/{jwt_server.process.pid}/cmdline").read_bytes()
    assert b"bot.rasa.run" in cmdline and SECRET.encode() not in cmdline


def listening_addresses(port: int) -> set[str]:
    """The IPv4/IPv6 addresses with a socket listening on `port` (from /proc/net)."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def other_ipv4_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback."""
    found = []
    for _, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                packed = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
            except OSError:  # no IPv4 address on this interface
                continue
        address = socket.inet_ntoa(packed[20:24])
        if not address.startswith("127."):
            found.append(address)
    return found


@pytest.mark.e2e
def test_action_server_listens_on_loopback_only(servers: Stack) -> None:
    port = int(servers.servers[0].url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
    for address in other_ipv4_addresses():
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=3):
            pass


def string_settings(node: object, key: str = "") -> list[tuple[str, str]]:
    """Every (key, text value) in a YAML tree."""
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in string_settings(v, k)]
    return [(key, node)] if isinstance(node, str) else []


def test_production_endpoints_and_channels_hold_no_secrets() -> None:
    endpoints = yaml.safe_load((ROOT / "endpoints.prod.yml").read_text())
    assert all(
        value.startswith("${") and value.endswith("}")
        for key, value in string_settings(endpoints)
        if key not in ("type", "dialect")
    )
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert all(value is None for value in credentials.values())
