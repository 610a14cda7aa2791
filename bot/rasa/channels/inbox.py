"""The site team's report inbox on the Rasa server: a thin HTTP adapter over bot.patient.inbox.

GET  /webhooks/inbox/                      the list (filters in the query string)
GET  /webhooks/inbox/reports/<id>          one report (the link in every alert)
POST /webhooks/inbox/reports/<id>/acknowledge | note | close    the forms (CSRF token)
GET  /webhooks/inbox/export.csv            the filtered list as CSV
GET  /webhooks/inbox/login, /callback      OpenID Connect login (bot.patient.inbox_login)
POST /webhooks/inbox/logout

Every page needs a signed session cookie; without one a GET goes to the login and the
browser comes back to the page it asked for. Without the OIDC settings the inbox answers
503 and names them. Nothing here reaches the bot's NLU.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from http import HTTPStatus
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.app import build_app
from bot.core.settings import Settings
from bot.core.userdb import utcnow
from bot.patient.inbox import Filters, Inbox, Refused, Staff
from bot.patient.inbox_login import (
    LOGIN_SECONDS,
    SESSION_SECONDS,
    LoginFailed,
    OidcClient,
    OidcSettings,
    csrf_ok,
    csrf_token,
    new_session,
    sign,
    staff_of,
    unsign,
)
from bot.patient.inbox_pages import BASE, CSS, list_page, message_page, report_page

SESSION_COOKIE = "iar_inbox"
LOGIN_COOKIE = "iar_inbox_login"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # patients' words: never kept by a shared browser or proxy
}
ACTIONS = ("acknowledge", "note", "close")
log = logging.getLogger(__name__)


class InboxInput(InputChannel):
    """The inbox pages; on when IAR_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET and
    IAR_INBOX_SESSION_SECRET are set."""

    @classmethod
    def name(cls) -> str:
        return "inbox"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = Settings.from_env()
        oidc = OidcSettings.from_env(os.environ, settings.public_url)
        return cls(oidc, Inbox(build_app(settings).sessions))

    def __init__(self, oidc: OidcSettings, inbox: Inbox) -> None:
        self.oidc = oidc
        self.inbox = inbox
        self.client = OidcClient(oidc)

    def _session(self, request: Request) -> dict[str, Any] | None:
        value = request.cookies.get(SESSION_COOKIE, "")
        return unsign(value, self.oidc.session_secret, "session", time.time()) if value else None

    def _cookie(self, resp: HTTPResponse, name: str, value: str, max_age: int) -> None:
        resp.cookies[name] = value
        cookie = resp.cookies[name]
        cookie["path"] = BASE
        cookie["httponly"] = True
        cookie["samesite"] = "Lax"
        cookie["max-age"] = max_age
        if self.oidc.secure_cookies:
            cookie["secure"] = True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("inbox", __name__)

        def html(body: str, status: int = 200) -> HTTPResponse:
            return response.html(body, status=status, headers=HEADERS)

        async def with_staff(
            request: Request, handle: Callable[[Staff, dict[str, Any]], Awaitable[HTTPResponse]]
        ) -> HTTPResponse:
            """Run `handle` for the logged-in staff member, else send them to log in (GET) or refuse."""
            missing = self.oidc.missing()
            if missing:
                return html(
                    message_page("The inbox is not set up", f"Set {', '.join(missing)} (see the README)."),
                    HTTPStatus.SERVICE_UNAVAILABLE,
                )
            session = self._session(request)
            if session is None:
                if request.method == "GET":
                    target = request.path + (f"?{request.query_string}" if request.query_string else "")
                    return response.redirect(f"{BASE}/login?{urlencode({'next': target})}", headers=HEADERS)
                return html(
                    message_page("Please sign in again", "Your session has ended; nothing was changed."),
                    HTTPStatus.FORBIDDEN,
                )
            return await handle(staff_of(session), session)

        def refused(staff: Staff, csrf: str, report_id: int) -> HTTPResponse:
            text = (
                f"Report #{report_id} is not one of your site's reports (or does not exist). "
                f"You can see the reports of: {', '.join(sorted(staff.sites))}."
            )
            return html(message_page("Not your site's report", text, staff, csrf), HTTPStatus.FORBIDDEN)

        @bp.route("/inbox.css", methods=["GET"])
        async def css(request: Request) -> HTTPResponse:
            return response.text(CSS, content_type="text/css; charset=utf-8", headers=HEADERS)

        @bp.route("/", methods=["GET"])
        async def listing(request: Request) -> HTTPResponse:
            async def handle(staff: Staff, session: dict[str, Any]) -> HTTPResponse:
                filters = Filters.from_query({k: v[0] for k, v in request.args.items()})
                rows = await asyncio.to_thread(self.inbox.listing, staff, filters)
                csrf = csrf_token(session, self.oidc.session_secret)
                return html(list_page(rows, filters, staff, csrf, utcnow()))

            return await with_staff(request, handle)

        @bp.route("/export.csv", methods=["GET"])
        async def export(request: Request) -> HTTPResponse:
            async def handle(staff: Staff, session: dict[str, Any]) -> HTTPResponse:
                filters = Filters.from_query({k: v[0] for k, v in request.args.items()})
                text = await asyncio.to_thread(self.inbox.export_csv, staff, filters)
                name = f"iar-reports-{utcnow():%Y%m%d-%H%M}.csv"
                return response.text(
                    text,
                    content_type="text/csv; charset=utf-8",
                    headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
                )

            return await with_staff(request, handle)

        @bp.route("/reports/<report_id:int>", methods=["GET"])
        async def report(request: Request, report_id: int) -> HTTPResponse:
            async def handle(staff: Staff, session: dict[str, Any]) -> HTTPResponse:
                csrf = csrf_token(session, self.oidc.session_secret)
                try:
                    view = await asyncio.to_thread(self.inbox.view, staff, report_id)
                except Refused:
                    return refused(staff, csrf, report_id)
                return html(report_page(view, staff, csrf, utcnow()))

            return await with_staff(request, handle)

        @bp.route("/reports/<report_id:int>/<action:str>", methods=["POST"])
        async def act(request: Request, report_id: int, action: str) -> HTTPResponse:
            async def handle(staff: Staff, session: dict[str, Any]) -> HTTPResponse:
                csrf = csrf_token(session, self.oidc.session_secret)
                form = request.form or {}
                if not csrf_ok(session, self.oidc.session_secret, str(form.get("csrf") or "")):
                    return html(
                        message_page(
                            "Please try again", "The form had expired; nothing was changed.", staff, csrf
                        ),
                        HTTPStatus.FORBIDDEN,
                    )
                if action not in ACTIONS:
                    return html(
                        message_page("Unknown action", action[:40], staff, csrf), HTTPStatus.NOT_FOUND
                    )
                try:
                    if action == "acknowledge":
                        await asyncio.to_thread(self.inbox.acknowledge, staff, report_id)
                    elif action == "note":
                        await asyncio.to_thread(
                            self.inbox.add_note, staff, report_id, str(form.get("text") or "")
                        )
                    else:
                        await asyncio.to_thread(
                            self.inbox.close, staff, report_id, str(form.get("outcome") or "")
                        )
                except Refused:
                    return refused(staff, csrf, report_id)
                except ValueError:
                    return html(
                        message_page("Choose an outcome", "Pick one of the listed outcomes.", staff, csrf),
                        HTTPStatus.BAD_REQUEST,
                    )
                return response.redirect(f"{BASE}/reports/{report_id}", status=303, headers=HEADERS)

            return await with_staff(request, handle)

        @bp.route("/login", methods=["GET"])
        async def login(request: Request) -> HTTPResponse:
            missing = self.oidc.missing()
            if missing:
                return html(
                    message_page("The inbox is not set up", f"Set {', '.join(missing)} (see the README)."),
                    HTTPStatus.SERVICE_UNAVAILABLE,
                )
            target = str(request.args.get("next") or f"{BASE}/")
            if not target.startswith(f"{BASE}/") or "//" in target:  # only back into the inbox
                target = f"{BASE}/"
            try:
                start = await asyncio.to_thread(self.client.start, target)
            except LoginFailed as error:
                return html(message_page("Sign-in is not available", str(error)), HTTPStatus.BAD_GATEWAY)
            resp = response.redirect(start.url, headers=HEADERS)
            self._cookie(
                resp, LOGIN_COOKIE, sign(start.state, self.oidc.session_secret, "login"), LOGIN_SECONDS
            )
            return resp

        @bp.route("/callback", methods=["GET"])
        async def callback(request: Request) -> HTTPResponse:
            kept = unsign(
                request.cookies.get(LOGIN_COOKIE, ""), self.oidc.session_secret, "login", time.time()
            )
            if request.args.get("error"):
                return html(
                    message_page("Sign-in was not completed", str(request.args.get("error"))[:100]),
                    HTTPStatus.FORBIDDEN,
                )
            if kept is None:
                return html(
                    message_page("Sign-in expired", "Please open the inbox again to sign in."),
                    HTTPStatus.FORBIDDEN,
                )
            try:
                staff = await asyncio.to_thread(
                    self.client.finish,
                    str(request.args.get("code") or ""),
                    str(request.args.get("state") or ""),
                    kept,
                )
            except LoginFailed as error:
                log.warning("inbox login refused: %s", error)
                return html(message_page("Sign-in refused", str(error)), HTTPStatus.FORBIDDEN)
            if not staff.sites:
                log.warning("inbox login of %s refused: no site", staff.sub)
                text = (
                    "Your account is not mapped to any trial site. Ask the bot's administrator to add "
                    "your group to the site's staff_groups in sites.yml."
                )
                return html(message_page("No site for your account", text), HTTPStatus.FORBIDDEN)
            await asyncio.to_thread(self.inbox.signed_in, staff)
            resp = response.redirect(str(kept.get("next") or f"{BASE}/"), status=303, headers=HEADERS)
            session = new_session(staff, time.time())
            self._cookie(
                resp, SESSION_COOKIE, sign(session, self.oidc.session_secret, "session"), SESSION_SECONDS
            )
            self._cookie(resp, LOGIN_COOKIE, "", 0)
            return resp

        @bp.route("/logout", methods=["POST"])
        async def logout(request: Request) -> HTTPResponse:
            resp = html(message_page("Signed out", "You have signed out of the report inbox."))
            self._cookie(resp, SESSION_COOKIE, "", 0)
            return resp

        return bp
