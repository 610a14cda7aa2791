"""PostgreSQL and Redis for the production profile, from scripts/services.sh, on loopback.

Used by the production-profile tests and the load benchmark: each gets its own
instance on free ports and in its own directory, removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.core.paths import ROOT
from bot.ops.stack import free_port

SCRIPT = ROOT / "scripts" / "services.sh"
TRACKER_DB, USER_DB, DB_USER = "iar_tracker", "iar_users", "iar"


@dataclass(frozen=True)
class Services:
    """One PostgreSQL (databases iar_tracker, iar_users; user iar) and one Redis."""

    pg_port: int
    redis_port: int
    data_dir: Path

    def run(self, action: str) -> str:
        """`scripts/services.sh ACTION` for this instance; its output."""
        env = {**os.environ, "PGPORT": str(self.pg_port), "REDIS_PORT": str(self.redis_port)}
        done = subprocess.run(
            [str(SCRIPT), action, str(self.data_dir)], env=env, text=True, capture_output=True, timeout=900
        )
        if done.returncode:
            raise RuntimeError(f"services.sh {action} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def db_url(self, name: str = USER_DB) -> str:
        """An SQLAlchemy URL for one of the databases."""
        return f"postgresql://{DB_USER}@127.0.0.1:{self.pg_port}/{name}"

    def rasa_env(self, action_url: str) -> dict[str, str]:
        """The environment endpoints.prod.yml reads, for a Rasa server."""
        return {
            "ACTION_ENDPOINT_URL": action_url,
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(self.pg_port),
            "DB_USER": DB_USER,
            "DB_PASSWORD": "",
            "DB_NAME": TRACKER_DB,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.redis_port),
        }

    def remove(self) -> None:
        """Stop both servers and delete their data."""
        try:
            self.run("stop")
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start_services() -> Services:
    """A fresh instance on free ports (installs the Debian packages when missing)."""
    data_dir = Path(tempfile.mkdtemp(prefix="iar-services-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as its own user when we are root
    services = Services(free_port(), free_port(), data_dir)
    try:
        services.run("start")
    except BaseException:
        services.remove()
        raise
    return services
