"""A client for the Rasa server's REST channel, as the tests and benchmarks talk to it."""

from __future__ import annotations

import requests


class RestClient:
    """Talks to a running Rasa server through the REST channel."""

    def __init__(self, url: str) -> None:
        self.url = url

    def say(self, sender: str, message: str, **metadata: object) -> list[dict]:
        """Send one message; return the bot's replies."""
        body: dict[str, object] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def text(self, sender: str, message: str, **metadata: object) -> str:
        """Send one message; return the bot's reply texts joined by blank lines."""
        return "\n\n".join(r.get("text", "") for r in self.say(sender, message, **metadata))
