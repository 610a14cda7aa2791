"""Supervisor figures: how long `make run` takes to bring a killed server back.

Starts `python -m bot.ops.cli run` (as `make run` does) on free ports with a temporary
build directory, then kills (SIGKILL) the action server, the alert dispatcher and
the Rasa server in turn and prints, for each, the seconds from the kill to the
supervisor's "Restarted" line and, for the two HTTP servers, to the first patient
message answered by the bot again (not the safe reply).

Usage: .venv/bin/python bench/restart.py
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.core.paths import KB_PATH, ROOT  # noqa: E402
from bot.core.sites import get_site  # noqa: E402
from bot.ops.stack import child_pid, free_port, server_env  # noqa: E402
from bot.rasa.channels.safety import no_reply  # noqa: E402


def wait_line(lines: list[str], needle: str, after: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in line for line in lines[after:]):
            return
        time.sleep(0.05)
    raise TimeoutError(needle)


def answered(url: str) -> bool:
    try:
        replies = requests.post(
            f"{url}/webhooks/rest/webhook",
            timeout=30,
            json={"sender": "bench-restart", "message": "hello", "metadata": {"role": "patient"}},
        ).json()
    except requests.RequestException:
        return False
    return bool(replies) and replies[-1].get("text") != no_reply(get_site())


def main() -> None:
    port, action_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(
            {
                "IAR_BUILD_DIR": str(Path(tmp) / "build"),
                "IAR_KB_PATH": str(KB_PATH),
                "IAR_USER_DB_URL": f"sqlite:///{tmp}/userdata.db",
                "IAR_REPORT_SPOOL": f"{tmp}/spool.jsonl",
            }
        )
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.ops.cli",
                "run",
                "--port",
                str(port),
                "--action-port",
                str(action_port),
            ],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(l.rstrip() for l in run.stdout), daemon=True).start()
        url = f"http://127.0.0.1:{port}"
        try:
            wait_line(lines, "Ready in", 0)
            for name, marker, http in (
                ("action server", "bot.rasa.action_server", True),
                ("alert dispatcher", "alerts run", False),
                ("Rasa server", "bot.rasa.run", True),
            ):
                seen = len(lines)
                killed = time.monotonic()
                os.kill(child_pid(run.pid, marker), signal.SIGKILL)
                wait_line(lines, f"Restarted the {name}", seen)
                restarted = time.monotonic() - killed
                while http and not answered(url):
                    time.sleep(0.05)
                answering = time.monotonic() - killed
                print(
                    f"{name:16s} killed → restarted {restarted:5.1f} s"
                    + (f", answering again {answering:5.1f} s" if http else ""),
                    flush=True,
                )
                time.sleep(2)
        finally:
            run.send_signal(signal.SIGINT)
            run.wait(60)
        print("supervisor output:\n  " + "\n  ".join(l for l in lines if "stopped" in l or "Restarted" in l))


if __name__ == "__main__":
    main()
