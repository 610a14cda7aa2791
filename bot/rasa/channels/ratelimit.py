"""Limits for the public web chat: per client address and per sender, and one turn for
identical messages sent at the same time.

A flood from one address or one conversation is refused with a clear reply
(knowledge/channel_replies.yml `rate_limited`, naming the emergency number) before
it reaches the dialogue. A sender's first red-flag message is never refused: when
a message is over a limit, the channel asks `holds_red_flag` (the Rasa server's own
NLU and bot.patient.triage) and lets the first red flag of each sender through, so a
patient in trouble always gets the emergency advice and a report.

The counters live in the Rasa server's memory: several servers behind a load
balancer each count their own share (the limits then scale with the servers).
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Hashable, Iterable, TypeVar

SENDER_LIMIT_ENV = "IAR_WEBCHAT_SENDER_LIMIT"
ADDRESS_LIMIT_ENV = "IAR_WEBCHAT_ADDRESS_LIMIT"
DEFAULT_SENDER_LIMIT = "12/60"  # messages per seconds, per conversation
DEFAULT_ADDRESS_LIMIT = "60/60"  # messages per seconds, per client address
MIN_SENDER_BITS = 48.0  # the page's ids carry 128 random bits; guessable ids far fewer
T = TypeVar("T")


def parse_limit(text: str) -> tuple[int, float]:
    """'12/60' -> (12 messages, 60.0 seconds)."""
    count, _, seconds = text.partition("/")
    limit, window = int(count), float(seconds)
    if limit < 1 or window <= 0:
        raise ValueError(f"a rate limit is 'messages/seconds' with both positive, not {text!r}")
    return limit, window


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds (hits over the limit not counted)."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._hits: dict[Hashable, deque[float]] = {}

    def allow(self, key: Hashable) -> bool:
        """Count a hit for `key` and say whether it is within the limit."""
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no hit in the window, so random keys cannot grow memory for ever."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]


@dataclass
class WebChatLimits:
    """The web chat's limits: per sender and per client address."""

    sender: SlidingWindow
    address: SlidingWindow
    red_flag_let_through: set[str] = field(default_factory=set)

    @classmethod
    def from_env(cls, clock: Callable[[], float] = time.monotonic) -> WebChatLimits:
        """Limits from $IAR_WEBCHAT_SENDER_LIMIT / $IAR_WEBCHAT_ADDRESS_LIMIT ('12/60', '60/60')."""
        sender = parse_limit(os.environ.get(SENDER_LIMIT_ENV) or DEFAULT_SENDER_LIMIT)
        address = parse_limit(os.environ.get(ADDRESS_LIMIT_ENV) or DEFAULT_ADDRESS_LIMIT)
        return cls(SlidingWindow(*sender, clock=clock), SlidingWindow(*address, clock=clock))

    async def allow(self, address: str, sender: str, holds_red_flag: Callable[[], Awaitable[bool]]) -> bool:
        """Whether to handle the message: within both limits, or the sender's first red flag.

        Both counters always count, so a flood of red flags still spends the address's budget.
        """
        within = [self.address.allow(address), self.sender.allow(sender)]
        if all(within):
            return True
        if sender in self.red_flag_let_through or not await holds_red_flag():
            return False
        if len(self.red_flag_let_through) >= self.sender.max_keys:
            self.red_flag_let_through.clear()
        self.red_flag_let_through.add(sender)
        return True


class InFlight:
    """Identical requests (same key) that overlap share one run and its result.

    Five copies of a message sent at once by one sender (a double tap, a client
    retrying) make one turn, hence at most one report; all five get its replies.
    A copy sent after the first has finished is a new message.
    """

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await make()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]


def sender_bits(sender: str) -> float:
    """A rough upper bound on the randomness of an id, in bits.

    Length × the lower of two Shannon entropies: of its characters ("aaaa…",
    "patient1patient1" score low) and of the steps between neighbouring characters
    ("abcdefgh…", "12345678…" score low). A random id scores close to its real entropy.
    """
    if len(sender) < 2:
        return 0.0
    steps = [ord(b) - ord(a) for a, b in zip(sender, sender[1:])]
    per_char = min(
        _entropy(Counter(sender).values(), len(sender)), _entropy(Counter(steps).values(), len(steps))
    )
    return per_char * len(sender)


def _entropy(counts: Iterable[int], total: int) -> float:
    return -sum(c / total * math.log2(c / total) for c in counts)


def low_entropy(sender: str) -> bool:
    """Whether a web chat id is too predictable: another person could guess it and join."""
    return sender_bits(sender) < MIN_SENDER_BITS
