"""bot.rasa.channels.ratelimit without a server: sliding windows, the red-flag exemption,
coalescing of identical messages, and guessable web chat ids."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from bot.rasa.channels.ratelimit import (
    DEFAULT_ADDRESS_LIMIT,
    DEFAULT_SENDER_LIMIT,
    InFlight,
    SlidingWindow,
    WebChatLimits,
    low_entropy,
    parse_limit,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_allows_the_limit_then_refuses_until_the_window_moves() -> None:
    clock = Clock()
    window = SlidingWindow(3, 60, clock)
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    assert window.allow("b")  # keys are separate
    clock.now += 59.9
    assert not window.allow("a")
    clock.now += 0.2  # the first hits are older than the window
    assert window.allow("a")


def test_random_keys_cannot_grow_memory_for_ever() -> None:
    clock = Clock()
    window = SlidingWindow(1, 10, clock, max_keys=100)
    for i in range(100):
        window.allow(i)
    clock.now += 11
    window.allow("new")
    assert len(window._hits) == 1


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_limit(DEFAULT_SENDER_LIMIT) == (12, 60.0)
    assert parse_limit(DEFAULT_ADDRESS_LIMIT) == (60, 60.0)
    monkeypatch.setenv("IAR_WEBCHAT_SENDER_LIMIT", "2/5")
    limits = WebChatLimits.from_env()
    assert (limits.sender.limit, limits.sender.window) == (2, 5.0)
    with pytest.raises(ValueError):
        parse_limit("0/60")


def allow(limits: WebChatLimits, address: str, sender: str, red_flag: bool = False) -> bool:
    async def holds() -> bool:
        return red_flag

    return asyncio.run(limits.allow(address, sender, holds))


def test_over_a_limit_only_a_senders_first_red_flag_passes() -> None:
    limits = WebChatLimits(SlidingWindow(2, 60, Clock()), SlidingWindow(100, 60, Clock()))
    assert [allow(limits, "1.2.3.4", "s1") for _ in range(3)] == [True, True, False]
    assert allow(limits, "1.2.3.4", "s1", red_flag=True)  # the first red flag: through
    assert not allow(limits, "1.2.3.4", "s1", red_flag=True)  # a flood of them: not
    assert allow(limits, "1.2.3.4", "s2")  # another sender from the same address


def test_the_address_limit_covers_new_sender_ids() -> None:
    limits = WebChatLimits(SlidingWindow(100, 60, Clock()), SlidingWindow(3, 60, Clock()))
    assert [allow(limits, "1.2.3.4", f"s{i}") for i in range(4)] == [True, True, True, False]
    assert allow(limits, "5.6.7.8", "s9")
    assert allow(limits, "1.2.3.4", "s10", red_flag=True)  # a first red flag still passes


def test_identical_messages_sent_at_once_make_one_run() -> None:
    runs = []

    async def turn() -> list[str]:
        runs.append(1)
        await asyncio.sleep(0.05)
        return ["reply"]

    async def five_at_once() -> list[list[str]]:
        in_flight = InFlight()
        return await asyncio.gather(*(in_flight.run(("s", "I have chest pain"), turn) for _ in range(5)))

    assert asyncio.run(five_at_once()) == [["reply"]] * 5 and len(runs) == 1


def test_a_repeat_after_the_first_finished_is_a_new_message_and_errors_reach_all() -> None:
    in_flight, runs = InFlight(), []

    async def turn() -> int:
        runs.append(1)
        return len(runs)

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("down")

    async def scenario() -> list[object]:
        first, second = await in_flight.run("k", turn), await in_flight.run("k", turn)
        failed = await asyncio.gather(
            *(in_flight.run("f", failing) for _ in range(2)), return_exceptions=True
        )
        return [first, second, *failed]

    first, second, *failed = asyncio.run(scenario())
    assert (first, second) == (1, 2)
    assert all(isinstance(e, RuntimeError) for e in failed)


@pytest.mark.parametrize(
    "sender",
    [
        "aaaaaaaaaaaaaaaa",
        "abcdefghijklmnop",
        "1234567890123456",
        "patient1patient1",
        "0000000000000000000000000000000000000001",
        "abababababababababab",
        "patient-aaaaaaaaaaaa1",
    ],
)
def test_guessable_web_chat_ids_are_low_entropy(sender: str) -> None:
    assert low_entropy(sender)


def test_the_pages_random_ids_are_never_low_entropy() -> None:
    # webchat.js: 16 random bytes as 32 hex digits
    assert not any(low_entropy(secrets.token_hex(16)) for _ in range(20_000))
