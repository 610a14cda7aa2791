"""`python -m bot.rasa.action_server -p 5055`: the rasa_sdk action server for actions/, authenticated.

A forged tracker POSTed to an open action server runs any action: it can store a
fake emergency report (and page the site team) or erase a patient's conversation.
So every call except GET /health must carry the shared secret $IAR_ACTION_TOKEN in
the X-IAR-Action-Token header (Rasa sends it: `headers` of the action endpoint,
see bot.ops.stack.write_endpoints and endpoints.prod.yml); otherwise the answer is 401
and nothing runs. Without the variable the server refuses to start.

Also unlike rasa_sdk's own server: no CORS (no browser has business here), errors
never echo the request body (the whole tracker, which Rasa would then log), log
records are redacted (bot.core.logs) and files are created private (umask 077).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os

from rasa_sdk.endpoint import create_app
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.runtime import configure
from bot.app import build_app
from bot.core.logs import install_redaction
from bot.core.settings import Settings
from bot.patient.nlp.red_flag_similarity import detector

TOKEN_ENV = "IAR_ACTION_TOKEN"
TOKEN_HEADER = "X-IAR-Action-Token"
OPEN_PATHS = ("/health",)
MIN_TOKEN_CHARS = 16
log = logging.getLogger("bot.rasa.action_server")


def token_from_env() -> str:
    """The shared secret; SystemExit when it is unset or too short to be a secret."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise SystemExit(
            f"{TOKEN_ENV} must be set to a secret of at least {MIN_TOKEN_CHARS} "
            "characters (make run / bot.ops.stack generate one)"
        )
    return token


def authorised(request: Request, token: str) -> bool:
    """Whether the request carries the secret (compared in constant time)."""
    given = request.headers.get(TOKEN_HEADER, "")
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def create_authenticated_app(token: str, actions: str = "actions"):
    """rasa_sdk's app for the actions package, with the token check and a quiet error handler."""
    app = create_app(actions, cors_origins=None)

    @app.on_request
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or authorised(request, token):
            return None
        log.warning("refused an action call without a valid %s header from %s", TOKEN_HEADER, request.ip)
        return response.json({"error": "unauthorized"}, status=401)

    async def quiet_error(request: Request, exception: Exception) -> HTTPResponse:
        log.error("action call failed: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": type(exception).__name__}, status=500)

    app.exception(Exception)(quiet_error)  # replaces rasa_sdk's, which echoes the body

    @app.after_server_start
    async def warm_up(app, _loop) -> None:
        """Load the red-flag detector (~0.3 s) off the request path, so the first
        red-flag screen does not wait for it."""
        app.add_task(asyncio.to_thread(detector))

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.rasa.action_server", description=__doc__)
    parser.add_argument("-p", "--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    os.umask(0o077)
    install_redaction()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = build_app(Settings.from_env())  # before rasa_sdk loads the actions
    services.create_schema()
    configure(services)
    app = create_authenticated_app(token_from_env(), args.actions)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    log.info("action server on http://%s:%d (calls need %s)", host, args.port, TOKEN_HEADER)
    app.run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
