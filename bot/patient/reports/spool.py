"""Reports the database could not take: kept in a local spool, saved when it is back.

The action server appends a finished report it could not save (its columns, as
one JSON line) to $IAR_REPORT_SPOOL (default build/spool/reports.jsonl); the
alert dispatcher flushes the spool on every pass, saving each report with its
alert. Saving is idempotent (the report's dedupe key), so a flush interrupted
half-way saves nothing twice. Appends and flushes lock the file. The spool is
local to a host: run a dispatcher next to each action server, with the same
$IAR_REPORT_SPOOL.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from bot.core.paths import BUILD_DIR
from bot.core.settings import LOCAL_URL
from bot.core.sites import Site, get_site
from bot.patient.reports.store import Saved, save_columns

SPOOL_ENV = "IAR_REPORT_SPOOL"
UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
log = logging.getLogger(__name__)


def spool_path() -> Path:
    """The spool file: $IAR_REPORT_SPOOL, else build/spool/reports.jsonl."""
    return Path(os.environ.get(SPOOL_ENV) or BUILD_DIR / "spool" / "reports.jsonl")


@contextmanager
def _locked(path: Path) -> Iterator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def append(columns: dict[str, Any], path: Path | None = None) -> None:
    """Add one report's columns to the spool (durably: flushed to disk)."""
    line = json.dumps({**columns, "created_at": columns["created_at"].isoformat()}, ensure_ascii=True)
    with _locked(path or spool_path()) as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def save_or_spool(
    columns: dict[str, Any],
    site: Site,
    sessions: Callable[[], sessionmaker[Session]],
    public_url: str = LOCAL_URL,
) -> Saved | None:
    """Save the report (and its alert, linking to the inbox at `public_url`); if the database
    fails, spool it and return None."""
    try:
        return save_columns(sessions(), columns, site, public_url)
    except SQLAlchemyError as error:
        log.warning(
            "report %s not saved (%s): kept in the spool", columns["dedupe_key"], type(error).__name__
        )
        append(columns)
        return None


def _columns(line: str) -> dict[str, Any]:
    columns: dict[str, Any] = json.loads(line)
    columns["created_at"] = datetime.fromisoformat(columns["created_at"])
    return columns


def flush(sessions: sessionmaker[Session], path: Path | None = None, public_url: str = LOCAL_URL) -> int:
    """Save the spooled reports, in order; returns the number saved (or found already saved).

    While the database is unreachable the pass stops and every report stays. A
    report that fails otherwise (its site gone from sites.yml, say) stays in the
    spool for the next pass without holding up the others; a line that cannot be
    read at all is moved to a `.rejected` file next to the spool. All are logged.
    """
    path = path or spool_path()
    if not path.exists() or path.stat().st_size == 0:
        return 0
    saved = 0
    with _locked(path) as handle:
        handle.seek(0)
        lines = [line for line in handle.read().splitlines() if line.strip()]
        kept: list[str] = []
        for i, line in enumerate(lines):
            try:
                columns = _columns(line)
            except (ValueError, KeyError, TypeError):
                log.exception("spool: unreadable line moved to %s", path.with_suffix(".rejected"))
                with _locked(path.with_suffix(".rejected")) as rejected:
                    rejected.write(line + "\n")
                continue
            try:
                save_columns(sessions, columns, get_site(columns["site_id"]), public_url)
                saved += 1
            except UNREACHABLE as error:
                log.warning(
                    "spool: database unreachable (%s): %d report(s) waiting",
                    type(error).__name__,
                    len(lines) - i + len(kept),
                )
                kept += lines[i:]
                break
            except Exception:  # kept, and tried again on the next pass
                log.exception("spool: report %s not saved; kept", columns.get("dedupe_key"))
                kept.append(line)
        handle.seek(0)
        handle.truncate()
        handle.writelines(line + "\n" for line in kept)
        handle.flush()
        os.fsync(handle.fileno())
    if saved:
        log.info("spool: %d report(s) saved", saved)
    return saved
