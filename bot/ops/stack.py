"""Start and stop the servers (action server, Rasa server, alert dispatcher) as child processes.

Used by `make run`, the end-to-end tests and the benchmarks, so all three run
the bot the same way. `make run` keeps them under a Supervisor, which restarts
a server that crashed.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NoReturn

import requests
import yaml

from bot.core.logs import pump_to_rotating_log
from bot.core.paths import BUILD_DIR, LOCAL_ENDPOINTS, ROOT, TRACKER_DB
from bot.core.userdb import make_private

VENV_BIN = Path(sys.executable).parent
MODEL_PATH = ROOT / "models" / "iar.tar.gz"
ACTION_TOKEN_ENV = "IAR_ACTION_TOKEN"  # the shared secret of Rasa and the action server
ACTION_TOKEN_HEADER = "X-IAR-Action-Token"


def ensure_action_token() -> str:
    """$IAR_ACTION_TOKEN, or a random one made now and put in this process's environment,
    so every server started from here (and Rasa's endpoint file) shares it."""
    if not os.environ.get(ACTION_TOKEN_ENV, "").strip():
        os.environ[ACTION_TOKEN_ENV] = secrets.token_urlsafe(32)
    return os.environ[ACTION_TOKEN_ENV]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the servers: project on the path, telemetry off, quiet TensorFlow,
    the action token."""
    ensure_action_token()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["SANIC_HOST"] = "127.0.0.1"
    env.update(extra or {})
    return env


def write_endpoints(
    path: Path, action_port: int, tracker_db: Path, base: Path = ROOT / "endpoints.yml"
) -> Path:
    """A copy of endpoints.yml pointing at the given action server port and tracker database
    (created private), sending the action token from the environment (never written here)."""
    endpoints = yaml.safe_load(base.read_text())
    endpoints["action_endpoint"] = {
        **(endpoints.get("action_endpoint") or {}),
        "url": f"http://127.0.0.1:{action_port}/webhook",
        "headers": {ACTION_TOKEN_HEADER: "${%s}" % ACTION_TOKEN_ENV},
    }  # Rasa substitutes it
    if endpoints.get("tracker_store", {}).get("dialect") == "sqlite":
        endpoints["tracker_store"]["db"] = str(tracker_db)
        make_private(tracker_db)
    path.write_text(yaml.safe_dump(endpoints))
    return path


def local_endpoints(action_port: int) -> Path:
    """endpoints.yml for this machine's action server port (build/endpoints.local.yml)."""
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    return write_endpoints(LOCAL_ENDPOINTS, action_port, TRACKER_DB)


@dataclass
class Server:
    """A running child process and the URL it answers on."""

    name: str
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        """Terminate the process (and kill it if it does not exit within 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _spawn(name: str, cmd: list[str], url: str, log: Path, env: dict[str, str]) -> Server:
    """Start a server whose files are private (umask 077) and whose output goes, redacted,
    to a log file rotated by size (bot.core.logs)."""
    process = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        umask=0o077,
    )
    assert process.stdout is not None  # stdout=PIPE
    pump_to_rotating_log(process.stdout, log)
    return Server(name, process, url, log)


def start_action_server(
    port: int = 5055, log: Path | None = None, env: dict[str, str] | None = None
) -> Server:
    """Start the action server for actions/ on 127.0.0.1:port; it only runs actions for
    callers with $IAR_ACTION_TOKEN (bot.rasa.action_server)."""
    cmd = [str(VENV_BIN / "python"), "-m", "bot.rasa.action_server", "--actions", "actions", "-p", str(port)]
    return _spawn(
        "action server",
        cmd,
        f"http://127.0.0.1:{port}",
        log or BUILD_DIR / "logs" / "actions.log",
        server_env(env),
    )


def start_rasa_server(
    port: int = 5005,
    model: Path = MODEL_PATH,
    endpoints: Path = ROOT / "endpoints.yml",
    credentials: Path = ROOT / "credentials.yml",
    interface: str = "127.0.0.1",
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> Server:
    """Start `rasa run` with the REST channel (and the other channels in credentials).
    Its HTTP API is off, or on behind a JWT when $RASA_JWT_SECRET is set (bot.rasa.run)."""
    cmd = [
        str(VENV_BIN / "python"),
        "-m",
        "bot.rasa.run",
        "run",
        "-m",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
        "-p",
        str(port),
        "-i",
        interface,
    ]
    return _spawn(
        "Rasa server",
        cmd,
        f"http://127.0.0.1:{port}",
        log or BUILD_DIR / "logs" / "rasa.log",
        server_env(env),
    )


def start_alert_dispatcher(
    interval: float = 2.0, log: Path | None = None, env: dict[str, str] | None = None
) -> Server:
    """Start the alert dispatcher (`python -m bot.ops.cli alerts run`): posts the outbox's
    alerts to $IAR_ALERT_WEBHOOK_URL, retrying until delivered. It serves no URL."""
    cmd = [str(VENV_BIN / "python"), "-m", "bot.ops.cli", "alerts", "run", "--interval", str(interval)]
    return _spawn("alert dispatcher", cmd, "", log or BUILD_DIR / "logs" / "alerts.log", server_env(env))


def wait_until_up(server: Server, path: str = "/", timeout: float = 120.0) -> float:
    """Poll the server until it answers; return the seconds waited. Fails fast if it died."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        try:
            if requests.get(server.url + path, timeout=2).status_code < 500:
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{server.name} not up after {timeout:.0f} s (log: {server.log})")


@dataclass
class Stack:
    """Servers started together (the action server, then the Rasa server, then others);
    `with` stops them all, last started first, however the block ends."""

    servers: list[Server] = field(default_factory=list)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()


def child_pid(parent: int, marker: str) -> int:
    """The pid of `parent`'s child process whose command line contains `marker` (Linux /proc):
    which server of a `make run` supervisor to kill in fault tests and benches."""
    for proc in Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and marker in cmdline:
            return int(proc.name)
    raise LookupError(f"no child of {parent} running {marker}")


def start_bot(
    work: Path,
    model: Path = MODEL_PATH,
    env: dict[str, str] | None = None,
    *,
    rasa_env: dict[str, str] | None = None,
    dispatcher_interval: float | None = None,
    rasa_port: int | None = None,
) -> Stack:
    """The one stack starter of tests, benchmarks and tools: the action server and the Rasa
    server (every channel of credentials.yml) on free ports, with a fresh tracker store, user
    database and spool in `work`, and, with `dispatcher_interval`, the alert dispatcher; all up
    when it returns (all stopped if one fails). Use it as `with start_bot(work) as stack:`.
    `env` adds or overrides variables for every server, `rasa_env` for the Rasa server only;
    `rasa_port` fixes the Rasa server's port (a test whose IAR_PUBLIC_URL must be its address)."""
    action_port, rasa_port = free_port(), rasa_port or free_port()
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db")
    env = {
        "IAR_USER_DB_URL": f"sqlite:///{work / 'userdata.db'}",
        "IAR_TRACKER_DB_URL": f"sqlite:///{work / 'tracker.db'}",
        "IAR_REPORT_SPOOL": str(work / "spool" / "reports.jsonl"),
        **(env or {}),
    }
    stack = Stack()
    try:
        stack.servers.append(start_action_server(action_port, log=work / "actions.log", env=env))
        stack.servers.append(
            start_rasa_server(
                rasa_port, model, endpoints, log=work / "rasa.log", env={**env, **(rasa_env or {})}
            )
        )
        wait_until_up(stack.servers[0], "/health")
        wait_until_up(stack.servers[1], "/")
        if dispatcher_interval is not None:  # once the action server has made the tables
            stack.servers.append(
                start_alert_dispatcher(dispatcher_interval, log=work / "alerts.log", env=env)
            )
    except BaseException:
        stack.stop()
        raise
    return stack


@dataclass
class Supervised:
    """A server the supervisor keeps running: how to start it and how to see it is up."""

    name: str
    start: Callable[[], Server]
    health: str | None  # path that answers once it is up; None: up once started
    server: Server  # the running (or last) process
    crashes: int = 0  # in a row: the back-off grows with them
    started_at: float = 0.0
    restart_at: float | None = None


class Supervisor:
    """Keeps the stack running: a server that exits is restarted after a back-off
    (1 s, doubling, at most 30 s; reset once it has stayed up for a minute), and each
    exit and restart is announced, so one crash no longer stops the whole bot."""

    def __init__(
        self,
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self.say, self.clock = say, clock
        self.base_delay, self.max_delay, self.stable_after = base_delay, max_delay, stable_after
        self.supervised: list[Supervised] = []

    def add(self, name: str, start: Callable[[], Server], health: str | None = None) -> Server:
        """Start a server (without waiting for it) and supervise it from now on."""
        entry = Supervised(name, start, health, start(), started_at=self.clock())
        self.supervised.append(entry)
        return entry.server

    def wait_until_up(self) -> None:
        """Wait until every server with a health path answers."""
        for entry in self.supervised:
            if entry.health is not None:
                wait_until_up(entry.server, entry.health)

    def backoff(self, crashes: int) -> float:
        """Seconds before restarting after this many crashes in a row."""
        return min(self.max_delay, self.base_delay * 2 ** max(0, crashes - 1))

    def check(self) -> None:
        """One look at every server: note exits, restart those whose back-off is over."""
        for entry in self.supervised:
            now = self.clock()
            if entry.restart_at is not None:
                if now >= entry.restart_at:
                    self._restart(entry)
                continue
            code = entry.server.process.poll()
            if code is None:
                if entry.crashes and now - entry.started_at >= self.stable_after:
                    entry.crashes = 0
                continue
            entry.crashes += 1
            delay = self.backoff(entry.crashes)
            entry.restart_at = now + delay
            self.say(
                f"The {entry.name} stopped (exit code {code}); restarting it in {delay:.0f} s"
                f" (crash {entry.crashes} in a row; log: {entry.server.log})."
            )

    def run(self, poll: float = 0.5) -> NoReturn:
        """Check every `poll` seconds until interrupted (Ctrl-C)."""
        while True:
            self.check()
            time.sleep(poll)

    def stop(self) -> None:
        """Stop every server, last started first."""
        for entry in reversed(self.supervised):
            entry.server.stop()

    def _start(self, entry: Supervised) -> None:
        entry.server, entry.started_at, entry.restart_at = entry.start(), self.clock(), None

    def _restart(self, entry: Supervised) -> None:
        began = self.clock()
        self._start(entry)
        if entry.health is not None:
            try:
                wait_until_up(entry.server, entry.health)
            except (RuntimeError, TimeoutError) as error:  # next check() counts it as a crash
                entry.server.stop()
                self.say(f"The {entry.name} did not come back: {str(error).splitlines()[0]}")
                return
        self.say(f"Restarted the {entry.name} in {self.clock() - began:.1f} s.")
