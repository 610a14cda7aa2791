"""Logs without patients' words, in files that stay small.

* Redaction: what patients type, and the slots and events built from it, must not
  reach a log file. Rasa logs a failed action's response body (which rasa_sdk
  fills with the whole tracker), debug lines quote messages, and exceptions carry
  request bodies. `redact` replaces the value of every sensitive key ("text",
  "slots", "events", "value", …) in JSON, Python-repr or structlog key=value text
  with "[redacted]".
  `install_redaction` applies it to every log record the process creates, whatever
  logger or handler (a record factory, so Rasa's and Sanic's handlers are covered
  too).
* Rotation: bot.ops.stack reads each server's output through `pump_to_rotating_log`,
  which redacts every line again and rotates the file by size
  ($IAR_LOG_MAX_BYTES, default 10 MB; $IAR_LOG_BACKUPS older files, default 5).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO, Any

REDACTED = "[redacted]"
SENSITIVE_KEYS = (
    "text",
    "message",
    "slots",
    "events",
    "value",
    "entities",
    "metadata",
    "parse_data",
    "latest_message",
    "request_body",
    "tracker",
    "input",
)
# a sensitive key, alone or at the end of a longer one (structlog's "parse_data_text")
_KEY = re.compile(r"""(["'])(?:[\w.-]*_)?(?:%s)\1\s*:\s*""" % "|".join(SENSITIVE_KEYS))
# structlog's console form of the same keys (Rasa's debug lines in a terminal):
# parse_data_text=I have chest pain parse_data_intent={...}
_KEY_EQUALS = re.compile(r"\b((?:\w+_)?(?:%s)=)(.*?)(?=\s\w+=|$)" % "|".join(SENSITIVE_KEYS), re.DOTALL)
MAX_LINE_CHARS = 20_000
MAX_BYTES_ENV, BACKUPS_ENV = "IAR_LOG_MAX_BYTES", "IAR_LOG_BACKUPS"
_CLOSE = {"{": "}", "[": "]"}


def _end_of_value(text: str, start: int) -> int:
    """Where the JSON / Python-repr value starting at `start` ends (exclusive); the end of
    the text when it is cut short."""
    if start >= len(text):
        return start
    opening = text[start]
    if opening in "\"'":
        i = start + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == opening:
                return i + 1
            i += 1
        return len(text)
    if opening in _CLOSE:
        depth, i, quote = 0, start, None
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch in "{[":
                depth += 1
            elif ch in "}]":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return len(text)
    match = re.compile(r"[^,}\]\n]*").match(text, start)
    return match.end() if match else start


def redact(text: str) -> str:
    """The text with the value of every sensitive key replaced by "[redacted]"."""
    text = _KEY_EQUALS.sub(lambda m: m.group(1) + REDACTED, text)
    parts, position = [], 0
    for match in _KEY.finditer(text):
        if match.start() < position:  # inside a value already redacted
            continue
        end = _end_of_value(text, match.end())
        value = text[match.end() : end].strip()
        keep = value in ("", "null", "None", "[]", "{}", "true", "false", "True", "False")
        parts += [text[position : match.end()], value if keep else f'"{REDACTED}"']
        position = end
    parts.append(text[position:])
    return "".join(parts)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact the record's message and its exception text in place."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler's own error path
        return record
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    return record


def install_redaction() -> None:
    """Redact every log record this process creates from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacting", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    redacting_factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A size-rotated log file readable by its owner only."""

    def _open(self) -> IO[str]:  # type: ignore[override]  # any text stream will do
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return open(fd, "a", encoding=self.encoding, errors="replace")


def rotating_handler(
    path: Path, max_bytes: int | None = None, backups: int | None = None
) -> RotatingFileHandler:
    """The handler for a server's log file, sized from the environment unless given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    max_bytes = max_bytes or int(os.environ.get(MAX_BYTES_ENV) or 10_000_000)
    backups = backups if backups is not None else int(os.environ.get(BACKUPS_ENV) or 5)
    handler = PrivateRotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def pump_to_rotating_log(
    stream: IO[bytes], path: Path, max_bytes: int | None = None, backups: int | None = None
) -> threading.Thread:
    """Copy a child's output to `path` line by line, redacted, rotating by size; returns
    the (daemon) thread doing it, which ends when the child closes its output."""
    handler = rotating_handler(path, max_bytes, backups)

    def copy() -> None:
        try:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if len(line) > MAX_LINE_CHARS:
                    line = f"{line[:MAX_LINE_CHARS]} … [{len(line) - MAX_LINE_CHARS} chars cut]"
                handler.emit(logging.makeLogRecord({"msg": redact(line), "args": None}))
        finally:
            handler.close()
            stream.close()

    thread = threading.Thread(target=copy, name=f"log:{path.name}", daemon=True)
    thread.start()
    return thread
