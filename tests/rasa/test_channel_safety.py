"""bot.rasa.channels.safety and the REST channel's request checks, without a server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.core.sites import get_site
from bot.patient.reports.spool import spool_path
from bot.patient.triage import Report, format_reply, triage
from bot.rasa.channels.red_flags import ParsedMessage, with_red_flag_fallback
from bot.rasa.channels.rest import request_error, valid_sender
from bot.rasa.channels.safety import (
    MAX_CHARS,
    ReplyConfigError,
    answer,
    clean_text,
    load_replies,
    no_reply,
    note_action_failure,
    rate_limited_reply,
    too_long_reply,
)
from bot.rasa.channels.webchat import MAX_CHARS as WEBCHAT_MAX_CHARS

SITE = get_site()


def run_turn(bot: Any, text: str) -> tuple[list[dict[str, Any]], list[UserMessage]]:
    """One turn through `answer` with a stand-in for Rasa; the replies and what Rasa got."""
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await bot(message)

    replies = asyncio.run(
        answer(on_new_message, CollectingOutputChannel(), SITE, text, "p-1", "rest", {"role": "patient"})
    )
    return replies, received


async def says_hello(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, "hello")


async def says_nothing(_: UserMessage) -> None:
    return None


async def fails(_: UserMessage) -> None:
    raise RuntimeError("action server down")


def test_the_bot_reply_passes_through_unchanged() -> None:
    replies, received = run_turn(says_hello, "hi")
    assert replies == [{"recipient_id": "p-1", "text": "hello"}]
    assert received[0].metadata == {"role": "patient"} and received[0].input_channel == "rest"


@pytest.mark.parametrize("bot", [says_nothing, fails], ids=["silence", "failure"])
def test_silence_or_failure_gets_the_safe_reply_with_the_site_numbers(bot: Any) -> None:
    replies, _ = run_turn(bot, "I have a rash")
    assert replies == [{"recipient_id": "p-1", "text": no_reply(SITE)}]
    text = replies[0]["text"]
    assert SITE.emergency_number in text and SITE.site_phone in text and SITE.on_call in text


def test_a_message_over_the_cap_is_not_processed() -> None:
    replies, received = run_turn(says_hello, "a" * (MAX_CHARS + 1))
    assert received == [] and replies[0]["text"] == too_long_reply(SITE)
    assert f"under {MAX_CHARS} characters" in replies[0]["text"]
    assert SITE.emergency_number in replies[0]["text"]
    assert run_turn(says_hello, "a" * MAX_CHARS)[1]  # exactly at the cap: processed


def test_web_chat_and_rest_share_one_cap() -> None:
    assert WEBCHAT_MAX_CHARS is MAX_CHARS


def test_control_characters_and_lone_surrogates_never_reach_rasa() -> None:
    _, received = run_turn(says_hello, " \x00I have\x07 a\ud800 rash\x1b\n\tnow\x7f ")
    assert received[0].text == "I have a rash\n\tnow"
    assert clean_text("😀 Привет <b>'; DROP TABLE x;--") == "😀 Привет <b>'; DROP TABLE x;--"


@pytest.mark.parametrize(
    "text, read",
    [
        ("I have chest\u200b pain", "I have chest pain"),  # zero-width space
        ("\ufeffmy li\u00adps are swel\u2060ling\u202e", "my lips are swelling"),  # BOM, soft hyphen…
        ("ｃｈｅｓｔ　ｐａｉｎ, ３８．５℃", "chest pain, 38.5°C"),  # full-width and compatibility forms
    ],
)
def test_text_is_normalised_before_nlu(text: str, read: str) -> None:
    _, received = run_turn(says_hello, text)
    assert received[0].text == read


def test_replies_file_must_name_the_emergency_number(tmp_path: Path) -> None:
    bad = tmp_path / "channel_replies.yml"
    bad.write_text("no_reply: Sorry, call {site_phone}.\ntoo_long: Too long ({max_chars}).\n")
    with pytest.raises(ReplyConfigError, match="no_reply"):
        load_replies(bad)


@pytest.mark.parametrize(
    "body, error",
    [
        ([], "JSON object"),
        ("hi", "JSON object"),
        ({"sender": 5, "message": "hi"}, "sender"),
        ({"sender": "a\x00b", "message": "hi"}, "sender"),
        ({"sender": "x" * 129, "message": "hi"}, "sender"),
        ({"sender": "s"}, "message"),
        ({"sender": "s", "message": ["hi"]}, "message"),
        ({"sender": "s", "message": "hi", "metadata": "patient"}, "metadata"),
    ],
)
def test_malformed_rest_requests_are_refused(body: Any, error: str) -> None:
    assert error in (request_error(body) or "")


def test_a_request_without_a_sender_is_refused() -> None:
    """Rasa's REST channel would put every such client in one conversation, "default"."""
    assert "sender" in (request_error({"message": "I have chest pain"}) or "")


def test_well_formed_rest_requests_pass() -> None:
    assert request_error({"sender": "n", "message": ""}) is None
    assert request_error({"sender": "nurse 1 😀", "message": "x", "metadata": None}) is None
    assert valid_sender("webchat-" + "a" * 64)


async def action_server_down(message: UserMessage) -> None:
    """What Rasa does when the action server is down: the failure is noted (bot.rasa.run's
    wrapper of remote actions), Rasa carries on and says something else."""
    note_action_failure("custom action action_validate_slot_mappings failed: cannot connect")
    await message.output_channel.send_text_message(message.sender_id, "Please rephrase.")


def test_a_failed_custom_action_adds_the_safe_reply_after_what_the_bot_said() -> None:
    replies, _ = run_turn(action_server_down, "I have a rash")
    assert [r["text"] for r in replies] == ["Please rephrase.", no_reply(SITE)]


def test_failures_outside_a_turn_or_in_another_turn_do_not_count() -> None:
    note_action_failure("custom action action_x failed outside any turn")
    assert run_turn(says_hello, "hi")[0] == [{"recipient_id": "p-1", "text": "hello"}]


CHEST_PAIN = [
    {
        "entity": "symptom",
        "value": "chest_pain",
        "role": "present",
        "text": "chest pain",
        "start": 7,
        "end": 17,
    }
]


def fallback_turn(
    entities: list[dict[str, Any]], metadata: dict[str, Any], text: str = "I have chest pain"
) -> list[dict[str, Any]]:
    """A turn whose custom action fails, through `answer` and the red-flag fallback; the NLU
    result is read back as the Rasa server would from the tracker."""

    async def action_fails(message: UserMessage) -> None:
        note_action_failure("custom action action_triage failed: connection refused")
        await message.output_channel.send_text_message(message.sender_id, "Sorry, rephrase?")

    async def read(message: UserMessage) -> ParsedMessage:
        return ParsedMessage("msg-1", message.text, entities)

    return asyncio.run(
        answer(
            with_red_flag_fallback(action_fails, read, SITE),
            CollectingOutputChannel(),
            SITE,
            text,
            "p-1",
            "webchat",
            metadata,
        )
    )


def test_failed_turn_with_a_red_flag_gets_its_emergency_advice_and_spools_one_report() -> None:
    spool = spool_path()
    spool.unlink(missing_ok=True)
    replies = fallback_turn(CHEST_PAIN, {"role": "patient"})
    decision = triage(Report.from_entities(CHEST_PAIN))
    assert decision.disposition == "emergency"
    assert [r.get("text") for r in replies] == [
        format_reply(decision, SITE),
        None,
        "Sorry, rephrase?",
        no_reply(SITE),
    ]
    assert replies[1]["custom"]["triage"]["disposition"] == "emergency"
    assert SITE.emergency_number in replies[0]["text"]
    [line] = spool.read_text().splitlines()
    columns = json.loads(line)
    assert (columns["dedupe_key"], columns["disposition"], columns["sender_id"]) == (
        "p-1:msg-1",
        "emergency",
        "p-1",
    )


@pytest.mark.parametrize(
    "entities, metadata",
    [
        ([{**CHEST_PAIN[0], "role": "negated"}], {"role": "patient"}),  # "no chest pain"
        ([{**CHEST_PAIN[0], "value": "rash", "text": "rash"}], {"role": "patient"}),  # not a red flag
        (CHEST_PAIN, {"role": "staff"}),  # staff get no patient advice
    ],
    ids=["negated", "routine", "staff"],
)
def test_failed_turn_without_a_patients_red_flag_gets_only_the_safe_reply(
    entities: list[dict[str, Any]], metadata: dict[str, Any]
) -> None:
    spool = spool_path()
    spool.unlink(missing_ok=True)
    assert [r["text"] for r in fallback_turn(entities, metadata)] == ["Sorry, rephrase?", no_reply(SITE)]
    assert not spool.exists() or spool.read_text() == ""


def test_rate_limited_reply_names_the_emergency_number_and_the_site() -> None:
    text = rate_limited_reply(SITE)
    assert SITE.emergency_number in text and SITE.site_phone in text
