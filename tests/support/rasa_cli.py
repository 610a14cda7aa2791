"""Run the Rasa command line from tests, with the project's environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.core.paths import ROOT
from bot.ops.stack import server_env

RASA = Path(sys.executable).parent / "rasa"


def rasa(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `rasa ARGS` in the project root and return the finished process (output captured)."""
    return subprocess.run(
        [str(RASA), *args], cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=timeout
    )
