"""The App the actions use, handed over once at start-up.

rasa_sdk creates the Action objects itself, without arguments, so the action server
(bot.rasa.action_server) calls `configure` with the App it built from the Settings
before it serves; tests configure their own App the same way.
"""

from __future__ import annotations

from bot.app import App

_app: App | None = None


class NotConfigured(RuntimeError):
    """An action ran before the process configured its App."""


def configure(app: App) -> None:
    """Use this App for every action of this process."""
    global _app
    _app = app


def app() -> App:
    """The App `configure` was given."""
    if _app is None:
        raise NotConfigured(
            "actions.runtime.configure(app) was not called at start-up "
            "(run the actions with python -m bot.rasa.action_server)"
        )
    return _app
