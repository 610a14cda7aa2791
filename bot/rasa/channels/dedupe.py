"""A bounded, time-limited record of deliveries already handled (for retried webhooks)."""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable


class SeenCache:
    """Remembers keys for `ttl` seconds, at most `maxsize` of them (oldest dropped first).

    Process-local: with several Rasa servers behind a load balancer a retry can
    reach another server, so such a deployment needs a shared store (e.g. Redis
    `SET key 1 NX EX ttl`) instead.
    """

    def __init__(self, ttl: float = 600.0, maxsize: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.maxsize = maxsize
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, *keys: str) -> bool:
        """Record the (non-empty) keys; True unless one of them was seen within the TTL."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
        keys = tuple(k for k in keys if k)
        if any(k in self._seen for k in keys):
            return False
        for key in keys:
            self._seen[key] = now + self.ttl
        while len(self._seen) > self.maxsize:
            self._seen.popitem(last=False)
        return True
