"""The image's HEALTHCHECK: is the server this container runs answering?

One image runs three servers, so the check reads the container's command (PID 1) to
know which: the Rasa server answers GET / on 5005, the action server GET /health on
5055; the dispatcher has no port, and is healthy while it runs (Docker sees it exit).
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

ENDPOINTS = {
    "bot.rasa.run": "http://127.0.0.1:5005/",
    "bot.rasa.action_server": "http://127.0.0.1:5055/health",
}


def main() -> int:
    command = Path("/proc/1/cmdline").read_bytes().replace(b"\0", b" ").decode()
    url = next((u for module, u in ENDPOINTS.items() if module in command), None)
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
