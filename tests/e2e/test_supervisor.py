"""bot.ops.stack.Supervisor with real child processes and a hand-driven clock: a server that
exits is restarted after a growing back-off, and each exit and restart is announced."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.ops.stack import Server, Supervisor, _spawn, server_env


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def program(code: str, log: Path):
    """A start function for a child running `code` (a stand-in for a server without a URL)."""
    return lambda: _spawn("child", [sys.executable, "-c", code], "", log, server_env())


def wait_exit(server: Server) -> None:
    server.process.wait(30)


def test_a_crashing_server_is_restarted_with_a_growing_back_off(tmp_path: Path) -> None:
    clock, said = Clock(), []
    supervisor = Supervisor(say=said.append, clock=clock, base_delay=1, max_delay=4)
    try:
        first = supervisor.add("crasher", program("raise SystemExit(3)", tmp_path / "c.log"))
        wait_exit(first)
        delays = []
        for _ in range(4):
            supervisor.check()  # notes the exit and schedules the restart
            entry = supervisor.supervised[0]
            delays.append(entry.restart_at - clock.now)
            clock.now = entry.restart_at - 0.01
            supervisor.check()  # back-off not over: not restarted yet
            assert entry.restart_at is not None
            clock.now = entry.restart_at
            supervisor.check()  # restarted
            assert entry.restart_at is None and entry.server is not first
            wait_exit(entry.server)
        assert delays == [1, 2, 4, 4]
        assert said[0].startswith("The crasher stopped (exit code 3); restarting it in 1 s")
        assert sum("Restarted the crasher" in line for line in said) == 4
    finally:
        supervisor.stop()


def test_back_off_resets_once_a_server_stays_up_and_stop_ends_all(tmp_path: Path) -> None:
    clock, said = Clock(), []
    supervisor = Supervisor(say=said.append, clock=clock, stable_after=60)
    server = supervisor.add("sleeper", program("import time; time.sleep(600)", tmp_path / "s.log"))
    try:
        entry = supervisor.supervised[0]
        entry.crashes = 3
        clock.now = 59
        supervisor.check()
        assert entry.crashes == 3 and said == []  # running, not yet stable
        clock.now = 60
        supervisor.check()
        assert entry.crashes == 0
        server.process.kill()
        wait_exit(server)
        supervisor.check()
        assert entry.restart_at == 61  # the first back-off again: 1 s
    finally:
        supervisor.stop()
    assert all(e.server.process.poll() is not None for e in supervisor.supervised)
