"""Where the project's files live, overridable from the environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = Path(os.environ.get("IAR_KNOWLEDGE_DIR", ROOT / "knowledge"))
BUILD_DIR = Path(os.environ.get("IAR_BUILD_DIR", ROOT / "build"))
KB_PATH = Path(os.environ.get("IAR_KB_PATH", BUILD_DIR / "knowledge.db"))
# The endpoints file bot.ops.stack writes for Rasa on this machine, and its SQLite tracker store.
LOCAL_ENDPOINTS = BUILD_DIR / "endpoints.local.yml"
TRACKER_DB = BUILD_DIR / "tracker.db"
