"""A time-limited record of deliveries already handled (for retried webhooks).

Slack and Teams retry a delivery they think failed, and with several Rasa servers
behind a load balancer the retry can reach another server. `seen_cache()` gives a
record shared through Redis when Redis is configured (REDIS_HOST, as for the lock
store of endpoints.prod.yml), and a process-local one otherwise.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from typing import Callable, Protocol

import redis

log = logging.getLogger(__name__)
# Redis database for the caches: the lock store of endpoints.prod.yml uses db 1.
REDIS_DB = 2
# First time for every key, atomically: no other server can slip in between the
# check and the record (a MULTI of SET NX calls could record some keys and not others).
FIRST_TIME_SCRIPT = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then return 0 end
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, '1', 'PX', ARGV[1])
end
return 1
"""


class Seen(Protocol):
    """What a channel needs: record keys, and tell whether any was already recorded."""

    def first_time(self, *keys: str) -> bool: ...


class SeenCache:
    """Remembers keys for `ttl` seconds, at most `maxsize` of them (oldest dropped first).

    Process-local: right for one server; several servers need `RedisSeenCache`.
    """

    def __init__(
        self, ttl: float = 600.0, maxsize: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
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


class RedisSeenCache:
    """The same record kept in Redis, shared by every server that uses the same Redis.

    When Redis cannot be reached the delivery counts as new: a retry answered twice
    is better than a message never answered.
    """

    def __init__(self, client: redis.Redis, ttl: float = 600.0, prefix: str = "iar:seen:") -> None:
        self.ttl = ttl
        self.prefix = prefix
        self._client = client
        self._first_time = client.register_script(FIRST_TIME_SCRIPT)

    def first_time(self, *keys: str) -> bool:
        """Record the (non-empty) keys; True unless one of them was seen within the TTL."""
        names = [self.prefix + k for k in keys if k]
        if not names:
            return True
        try:
            return bool(self._first_time(keys=names, args=[int(self.ttl * 1000)]))
        except redis.RedisError as error:
            log.warning("dedupe: Redis unavailable (%s); treating the delivery as new", error)
            return True


def seen_cache(ttl: float, env: dict[str, str] | None = None) -> Seen:
    """Redis-backed when REDIS_HOST is set (several servers), process-local otherwise."""
    env = dict(os.environ) if env is None else env
    host = env.get("REDIS_HOST")
    if not host:
        return SeenCache(ttl=ttl)
    client = redis.Redis(
        host=host,
        port=int(env.get("REDIS_PORT") or 6379),
        db=REDIS_DB,
        password=env.get("REDIS_PASSWORD") or None,
        socket_timeout=2,
        socket_connect_timeout=2,
    )
    return RedisSeenCache(client, ttl=ttl)
