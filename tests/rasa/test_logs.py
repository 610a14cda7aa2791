"""Logs: patients' words redacted from every record, server logs rotated by size."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.logs import REDACTED, install_redaction, pump_to_rotating_log, redact

WORDS = "I have crushing chest pain"
TRACKER = {
    "sender_id": "patient-1",
    "slots": {"report_turns": [{"id": "m1", "text": WORDS}], "role": "patient"},
    "latest_message": {"text": WORDS, "entities": [{"entity": "symptom", "value": "chest_pain"}]},
    "events": [{"event": "user", "text": WORDS, "parse_data": {"text": WORDS}}],
}


def rasa_failure_line() -> str:
    """What Rasa 3.6 logs when the action server answers 500: rasa_sdk's error body echoes
    the whole call, tracker included (rasa.utils.endpoints.ClientResponseError)."""
    body = json.dumps(
        {"error": "boom", "request_body": {"next_action": "action_triage", "tracker": TRACKER}}
    ).encode()
    return f"Failed to execute custom action 'action_triage': 500, Internal Server Error, body='{body!r}'"


@pytest.mark.parametrize(
    "line",
    [
        rasa_failure_line(),
        json.dumps(TRACKER),
        repr(TRACKER),  # a Python dict in a log message
        f"[debug    ] processor.message.parse        parse_data_entities=[{{'value': 'chest_pain'}}]"
        f" parse_data_intent={{'name': 'report_symptoms'}} parse_data_text={WORDS}",
        json.dumps(TRACKER)[:120],  # cut short mid-value
    ],
)
def test_redact_removes_the_patients_words(line: str) -> None:
    assert "chest" not in redact(line) and REDACTED in redact(line)


def test_redact_keeps_what_is_needed_to_debug() -> None:
    line = redact(rasa_failure_line())
    assert "Failed to execute custom action 'action_triage': 500" in line
    assert "patient-1" in redact(json.dumps(TRACKER))  # the sender id is no message text
    assert (
        redact("alert 3 (report 7) delivered after 1 attempt(s)")
        == "alert 3 (report 7) delivered after 1 attempt(s)"
    )
    assert redact('{"text": null, "slots": {}}') == '{"text": null, "slots": {}}'


def test_every_record_of_the_process_is_redacted(tmp_path: Path) -> None:
    """Any logger, any handler (as Rasa's and Sanic's), messages, arguments and tracebacks."""
    script = f"""
import logging, sys
from bot.core.logs import install_redaction
install_redaction()
logging.basicConfig(stream=sys.stdout, level=logging.INFO)
words = {WORDS!r}
logging.getLogger("rasa.core.processor").error("tracker %s", {{"slots": {{"x": words}}}})
try:
    raise ValueError('{{"text": "' + words + '"}}')
except ValueError:
    logging.getLogger("sanic.error").exception("failed")
print("done")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert "done" in out and "ValueError" in out and "chest" not in out
    assert out.count(REDACTED) == 2


def test_server_output_is_rotated_by_size_and_redacted(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "rasa.log"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import json\nfor i in range(3000):\n"
                f"    print(i, json.dumps({{'text': {WORDS!r}}}), 'x' * 40, flush=True)"
            ),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    pump_to_rotating_log(child.stdout, log, max_bytes=20_000, backups=2).join(60)
    assert child.wait(10) == 0
    files = sorted(log.parent.iterdir())
    assert [f.name for f in files] == ["rasa.log", "rasa.log.1", "rasa.log.2"]
    assert all(f.stat().st_size <= 20_000 for f in files)
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    text = log.read_text()
    assert text.rstrip().endswith("x" * 40) and text.splitlines()[-1].startswith("2999 ")
    assert "chest" not in "".join(f.read_text() for f in files)


def test_install_is_idempotent() -> None:
    before = logging.getLogRecordFactory()
    try:
        install_redaction()
        once = logging.getLogRecordFactory()
        install_redaction()
        assert logging.getLogRecordFactory() is once
        stream = io.StringIO()
        logger = logging.getLogger("test_logs.idempotent")
        logger.addHandler(logging.StreamHandler(stream))
        logger.warning("body %s", json.dumps({"text": WORDS}))
        assert "chest" not in stream.getvalue()
    finally:
        logging.setLogRecordFactory(before)


def test_structlog_keys_are_redacted_too() -> None:
    line = json.dumps(
        {
            "event": "processor.message.parse",
            "parse_data_text": WORDS,
            "parse_data_entities": [{"value": "chest_pain"}],
            "input_channel": "rest",
        }
    )
    assert "chest" not in redact(line) and '"input_channel": "rest"' in redact(line)
