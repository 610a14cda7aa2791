"""`python -m bot.rasa.run run ...`: the Rasa CLI as this project runs it.

* The HTTP API (/status, /model/..., /conversations/...) stays off unless
  $RASA_JWT_SECRET is set; then it is on and every call needs a token signed with
  that secret (HS256). The secret is read here, from the environment, so it never
  appears on a command line (ps, /proc/*/cmdline).
* Rasa 3.6 validates every action server response with `jsonschema.validate`,
  which first re-checks the response schema itself against its meta-schema:
  about 40 ms of CPU per custom action call, most of a turn. The schema is
  checked once here instead; a response that fails still goes through Rasa's
  own check, so errors are unchanged.
* A custom action that fails (e.g. the action server is down) is noted for the
  patient-facing channels, which then add the safe reply (bot.rasa.channels.safety).
* A long conversation rolls over to a new session at a quiet point, so a turn's
  cost stays flat however long a Slack DM or thread lives (bot.rasa.session_rollover).
* Rasa's own per-turn work is trimmed where it pays (bot.rasa.speedups, pinned to 3.6.21).
* Log records are redacted (bot.core.logs: no message text, slots or trackers) and the
  files Rasa creates (the SQLite tracker store) are private (umask 077).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Mapping

JWT_SECRET_ENV = "RASA_JWT_SECRET"


def api_args(env: Mapping[str, str] = os.environ) -> list[str]:
    """The `rasa run` options that turn the API on with JWT auth, or [] without a secret."""
    secret = env.get(JWT_SECRET_ENV, "").strip()
    return ["--enable-api", "--jwt-secret", secret, "--jwt-method", "HS256"] if secret else []


def check_action_responses_fast() -> None:
    """Validate action server responses with a validator built once (same schema)."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasa_check = RemoteAction._validate_action_result

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        if best_match(validator.iter_errors(result)) is None:
            return True
        return rasa_check(self, result)  # raises Rasa's own error

    RemoteAction._validate_action_result = validate


def note_action_failures() -> None:
    """Report every failed remote action to bot.rasa.channels.safety, then fail as before."""
    from rasa.core.actions.action import RemoteAction

    from bot.rasa.channels.safety import note_action_failure

    run = RemoteAction.run

    async def run_noting_failure(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run(self, *args, **kwargs)
        except Exception as error:
            note_action_failure(f"custom action {self.name()} failed: {error}")
            raise

    RemoteAction.run = run_noting_failure


def main() -> None:
    from rasa.__main__ import main as rasa_main

    from bot.core.logs import install_redaction
    from bot.rasa import session_rollover, speedups

    os.umask(0o077)
    install_redaction()
    check_action_responses_fast()
    note_action_failures()
    session_rollover.install()
    speedups.install()
    extra = api_args() if sys.argv[1:2] == ["run"] else []
    sys.argv = ["rasa", *sys.argv[1:], *extra]
    rasa_main()


if __name__ == "__main__":
    main()
