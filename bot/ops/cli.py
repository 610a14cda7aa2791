"""Command line: knowledge base, run, shell, quiz roster, reports, alerts, db, doctor (see --help)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.paths import KB_PATH, KNOWLEDGE_DIR
from bot.kb.loader import KnowledgeError, build

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.app import App


def cmd_kb_build(args: argparse.Namespace) -> int:
    """Validate knowledge/*.yml and build the knowledge database."""
    try:
        parsed = build(KNOWLEDGE_DIR, KB_PATH)
    except KnowledgeError as exc:
        print(f"error: {exc}\nThe previous knowledge database was left as it was.", file=sys.stderr)
        return 1
    print(
        f"knowledge base: {len(parsed.entries)} entries, {len(parsed.sources)} sources, "
        f"{len(parsed.topics)} topics → {KB_PATH}"
    )
    from bot.kb import KnowledgeBase
    from bot.quiz.bank import QUIZ_FILE, QuizBankError, load_bank

    try:
        bank = load_bank(QUIZ_FILE, KnowledgeBase(KB_PATH))
    except QuizBankError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"quiz bank: {len(bank.questions)} questions, each citing a knowledge entry")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Start the action server, the Rasa server and the alert dispatcher; restart any that
    crashes (with back-off, saying so); stop them all on Ctrl-C."""
    from bot.ops.stack import (
        Supervisor,
        local_endpoints,
        start_action_server,
        start_alert_dispatcher,
        start_rasa_server,
    )

    _migrate_user_db()
    supervisor = Supervisor(say=lambda line: print(line, flush=True))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        started = time.monotonic()
        print(f"Starting the action server on 127.0.0.1:{args.action_port} …", flush=True)
        actions = supervisor.add("action server", lambda: start_action_server(args.action_port), "/health")
        print(f"Starting the Rasa server on {args.host}:{args.port} (loading the model) …", flush=True)
        endpoints = local_endpoints(args.action_port)
        rasa = supervisor.add(
            "Rasa server", lambda: start_rasa_server(args.port, endpoints=endpoints, interface=args.host), "/"
        )
        supervisor.wait_until_up()
        supervisor.add("alert dispatcher", start_alert_dispatcher)
        print(
            f"\nReady in {time.monotonic() - started:.1f} s.\n"
            f"  REST:     POST {rasa.url}/webhooks/rest/webhook "
            '{"sender": "me", "message": "How common are IARs?"}\n'
            f"  Web chat: {rasa.url}/webhooks/webchat/\n"
            f"  Alerts:   {_alerts_line()}\n"
            f"  Logs:     {actions.log.parent}\n"
            "A server that stops is restarted. Press Ctrl-C to stop.",
            flush=True,
        )
        supervisor.run()
    except KeyboardInterrupt:
        return 0
    finally:
        supervisor.stop()


def cmd_shell(args: argparse.Namespace) -> int:
    """Chat in the terminal: start the action server, then `rasa shell` on the trained model."""
    import subprocess

    from bot.core.paths import ROOT
    from bot.ops.stack import (
        MODEL_PATH,
        VENV_BIN,
        Stack,
        local_endpoints,
        server_env,
        start_action_server,
        wait_until_up,
    )

    with Stack([start_action_server(args.action_port)]) as stack:
        try:
            wait_until_up(stack.servers[0], "/health")
            return subprocess.call(
                [
                    str(VENV_BIN / "rasa"),
                    "shell",
                    "-m",
                    str(MODEL_PATH),
                    "--endpoints",
                    str(local_endpoints(args.action_port)),
                    "--quiet",
                ],
                cwd=ROOT,
                env=server_env(),
            )
        except KeyboardInterrupt:
            return 0


def _app() -> App:
    """This process's App on the settings of the environment, its schema migrated."""
    from bot.app import build_app
    from bot.core.settings import Settings

    app = build_app(Settings.from_env())
    app.create_schema()
    return app


def _user_db() -> sessionmaker[Session]:
    """Sessions on the user database of this process's settings, its tables migrated."""
    return _app().sessions


def cmd_roster(args: argparse.Namespace) -> int:
    """Print the onboarding-quiz roster (who passed, when, best score); --csv FILE exports it."""
    from bot.quiz.roster import roster_command

    return roster_command(_user_db(), args.csv)


def _alerts_line() -> str:
    from bot.patient.alerts import WEBHOOK_ENV, webhook_url

    return (
        "emergency/urgent reports are posted to the webhook in " + WEBHOOK_ENV
        if webhook_url()
        else f"{WEBHOOK_ENV} is unset: alerts wait in the outbox"
    )


def cmd_reports_list(args: argparse.Namespace) -> int:
    """List patient reports, newest first (--id N shows one in full); access is logged."""
    from bot.patient.reports.export import list_command

    return list_command(_user_db(), args.disposition, args.id, args.limit)


def cmd_reports_export(args: argparse.Namespace) -> int:
    """Export patient reports as CSV; access is logged."""
    from bot.patient.reports.export import export_command

    return export_command(_user_db(), args.csv, args.disposition)


def cmd_alerts(args: argparse.Namespace) -> int:
    """Post pending alerts to $IAR_ALERT_WEBHOOK_URL: once (deliver) or every --interval s (run);
    each pass first saves spooled reports and finishes 'forget me' requests (bot.ops.upkeep)."""
    import logging

    from bot.app import build_app
    from bot.core.settings import Settings
    from bot.ops.upkeep import upkeep
    from bot.patient.alerts import deliver_pending, run_dispatcher, webhook_url
    from bot.patient.privacy import tracker_db_url

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app, tracker_url = build_app(Settings.from_env()), tracker_db_url()
    sessions = app.sessions
    if args.alerts_command == "run":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            run_dispatcher(sessions, args.interval, upkeep=lambda: upkeep(app, tracker_url))
        except KeyboardInterrupt:
            pass
        return 0
    upkeep(app, tracker_url)
    result = deliver_pending(webhook_url(), sessions)
    print(f"delivered {result.delivered}, failed {result.failed}, still pending {result.pending}")
    return 0 if result.failed == 0 else 1


def cmd_alert_state(args: argparse.Namespace) -> int:
    """Acknowledge ("I'm on it"), close with an outcome, or show an alert's history: for alerts
    that reached a plain incoming webhook (no buttons) and for the record. --by names who did it."""
    from bot.patient.alert_buttons import status_lines
    from bot.patient.escalation import UnknownReport, acknowledge, close, history

    sessions = _app().sessions
    try:
        if args.alerts_command == "ack":
            current = acknowledge(sessions, args.report, f"cli:{args.by}", "cli")
        elif args.alerts_command == "close":
            current = close(sessions, args.report, args.outcome, f"cli:{args.by}", "cli")
        else:
            current = history(sessions, args.report)
    except UnknownReport:
        print(f"no alerted report #{args.report}", file=sys.stderr)
        return 1
    print(f"report #{args.report}")
    for line in status_lines(current) or ["open: nobody has acknowledged it yet"]:
        print(f"  {line}")
    return 0


def cmd_participants(args: argparse.Namespace) -> int:
    """Participants and their personal web chat links: enrol (prints the link to give the
    participant), revoke (by study ID or link id; stops the link at once), list."""
    from bot.patient.participants import EnrolmentError

    service = _app().participants
    if args.participants_command == "enrol":
        try:
            done = service.enrol(args.study_id, args.site, args.days)
        except EnrolmentError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(
            f"{'Enrolled' if done.new_participant else 'New link for'} {done.study_id} "
            f"(site {done.site_id}); link {done.link_id}, valid until "
            f"{done.expires_at:%Y-%m-%d %H:%M} UTC (older links revoked).\n"
            f"Personal web chat link (give it to the participant only):\n{done.url}"
        )
        return 0
    if args.participants_command == "revoke":
        count = service.revoke(args.reference)
        print(f"revoked {count} link(s) of {args.reference}")
        return 0 if count else 1
    for row in service.listing():
        live = (
            f"link {row.link_id} until {row.expires_at:%Y-%m-%d %H:%M} UTC" if row.link_id else "no live link"
        )
        print(f"{row.study_id}\tsite {row.site_id}\tenrolled {row.created_at:%Y-%m-%d}\t{live}")
    return 0


def cmd_inbox_log(args: argparse.Namespace) -> int:
    """The report inbox's access log: who (ID token subject and email or name) signed in,
    listed, viewed, exported or changed which report, and when; oldest first."""
    from bot.patient.inbox import Inbox

    for line in Inbox(_app().sessions).access_log(args.report)[-args.last :]:
        print(
            f"{line.at:%Y-%m-%d %H:%M:%S} UTC\t{line.sub} ({line.who})\t{line.action}"
            f"\t{'-' if line.report_id is None else f'#{line.report_id}'}\t{line.detail or ''}"
        )
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """The user database's schema: `upgrade` migrates it to the newest revision (a database
    made before Alembic is adopted, its rows kept); `current` prints its revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.core.migrate import current, head, upgrade
    from bot.core.settings import Settings
    from bot.core.userdb import engine_for

    engine = engine_for(Settings.from_env().user_db_url)
    try:
        if args.db_command == "upgrade":
            upgrade(engine)
        revision = current(engine)
    except SQLAlchemyError as error:
        print(f"error: user database unavailable: {str(error).splitlines()[0][:200]}", file=sys.stderr)
        return 1
    print(
        f"user database at revision {revision or 'none (made before Alembic, or empty)'} (newest: {head()})"
    )
    return 0


def _migrate_user_db() -> None:
    """`make run` migrates first and says so; a database not up yet is migrated by the servers
    when it is (bot.app.create_schema)."""
    args = argparse.Namespace(db_command="upgrade")
    if cmd_db(args):
        print("The servers will migrate it when it is reachable.", flush=True)


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check this deployment's settings (variables, databases, Redis, webhook, model, knowledge
    base, Slack/Teams credentials) and name each one that is missing or wrong."""
    import os

    from bot.ops.doctor import ROLES, check, report

    text, status = report(check(os.environ, tuple(args.role or ROLES)))
    print(text)
    return status


def main(argv: list[str] | None = None) -> int:
    from bot.core.logs import install_redaction

    os.umask(0o077)  # databases, exports and logs hold patients' words
    install_redaction()
    parser = argparse.ArgumentParser(prog="python -m bot.ops.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    kb.add_parser("build", help=cmd_kb_build.__doc__).set_defaults(func=cmd_kb_build)
    run = sub.add_parser("run", help=cmd_run.__doc__)
    run.add_argument("--port", type=int, default=5005)
    run.add_argument("--action-port", type=int, default=5055)
    run.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface for the Rasa server (0.0.0.0 to reach it from other devices)",
    )
    run.set_defaults(func=cmd_run)
    shell = sub.add_parser("shell", help=cmd_shell.__doc__)
    shell.add_argument("--action-port", type=int, default=5055)
    shell.set_defaults(func=cmd_shell)
    roster = sub.add_parser("roster", help=cmd_roster.__doc__)
    roster.add_argument("--csv", type=Path, metavar="FILE", help="also write the roster as CSV")
    roster.set_defaults(func=cmd_roster)
    reports = sub.add_parser("reports", help="patient symptom reports").add_subparsers(
        dest="reports_command", required=True
    )
    dispositions = ("emergency", "urgent", "routine")
    listing = reports.add_parser("list", help=cmd_reports_list.__doc__)
    listing.add_argument("--disposition", choices=dispositions)
    listing.add_argument("--id", type=int, help="show this report in full, with the patient's words")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=cmd_reports_list)
    export = reports.add_parser("export", help=cmd_reports_export.__doc__)
    export.add_argument("--csv", type=Path, metavar="FILE", required=True)
    export.add_argument("--disposition", choices=dispositions)
    export.set_defaults(func=cmd_reports_export)
    alerts = sub.add_parser("alerts", help="alerts to the site team").add_subparsers(
        dest="alerts_command", required=True
    )
    alerts_run = alerts.add_parser("run", help="deliver pending alerts until stopped")
    alerts_run.add_argument("--interval", type=float, default=2.0, help="seconds between passes")
    alerts_run.set_defaults(func=cmd_alerts)
    alerts.add_parser("deliver", help="deliver pending alerts once").set_defaults(func=cmd_alerts)
    from bot.patient.alert_buttons import OUTCOMES

    for name, what in (("ack", "I'm on it"), ("close", "close with an outcome"), ("show", "its history")):
        command = alerts.add_parser(name, help=f"a report's alert: {what}")
        command.add_argument("report", type=int, help="the report number of the alert")
        if name != "show":
            command.add_argument("--by", required=True, help="who (e.g. their e-mail address)")
        if name == "close":
            command.add_argument("--outcome", required=True, choices=list(OUTCOMES))
        command.set_defaults(func=cmd_alert_state)
    participants = sub.add_parser("participants", help=cmd_participants.__doc__).add_subparsers(
        dest="participants_command", required=True
    )
    enrol = participants.add_parser("enrol", help="enrol a participant; print their link")
    enrol.add_argument("study_id", help="e.g. P-0042")
    enrol.add_argument("--site", help="a site id of sites.yml (default: $IAR_SITE or the default)")
    enrol.add_argument("--days", type=int, default=30, help="days the link stays valid")
    enrol.set_defaults(func=cmd_participants)
    revoke = participants.add_parser("revoke", help="revoke by study ID or link id")
    revoke.add_argument("reference")
    revoke.set_defaults(func=cmd_participants)
    participants.add_parser("list", help="participants and their live links").set_defaults(
        func=cmd_participants
    )
    inbox = sub.add_parser("inbox", help="the site staff's report inbox").add_subparsers(
        dest="inbox_command", required=True
    )
    inbox_log = inbox.add_parser("log", help=cmd_inbox_log.__doc__)
    inbox_log.add_argument("--report", type=int, help="only this report's lines")
    inbox_log.add_argument("--last", type=int, default=200, help="the newest N lines (default 200)")
    inbox_log.set_defaults(func=cmd_inbox_log)
    db = sub.add_parser("db", help=cmd_db.__doc__).add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate to the newest revision").set_defaults(func=cmd_db)
    db.add_parser("current", help="print the revision").set_defaults(func=cmd_db)
    doctor = sub.add_parser("doctor", help=cmd_doctor.__doc__)
    doctor.add_argument(
        "--role",
        action="append",
        choices=("rasa", "actions", "dispatcher"),
        help="check only what this server needs (repeatable; default: all)",
    )
    doctor.set_defaults(func=cmd_doctor)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
