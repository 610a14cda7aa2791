"""A Redis lock store whose ticket changes are atomic, for several Rasa servers.

Rasa 3.6's RedisLockStore reads a conversation's lock, changes it in Python and
writes it back. Two servers that get messages of one conversation at the same
moment can both read the same lock and both take ticket 0; both then handle a
turn at once, and one turn's events are lost (RasaHQ/rasa#9213; the fix was
reverted from open source). Here every read-change-write of a lock is one Redis
transaction (WATCH/MULTI/EXEC, retried when another server changed the lock in
between), and releasing the last ticket deletes the lock in the same transaction,
so no ticket can be issued to a lock that is being deleted.

endpoints.prod.yml:  lock_store: {type: bot.rasa.lock_store.AtomicRedisLockStore, url: …, port: …}
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, TypeVar

import redis
from rasa.core.constants import DEFAULT_LOCK_LIFETIME
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
KWARGS = (
    "db",
    "username",
    "password",
    "use_ssl",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_ca_certs",
    "key_prefix",
    "socket_timeout",
)


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore with atomic ticket issue, expiry and release."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """From endpoints.yml (Rasa passes `endpoint_config`) or from keyword arguments."""
        if endpoint_config is not None:
            kwargs = {
                "host": endpoint_config.url or "localhost",
                "port": endpoint_config.kwargs.get("port", 6379),
                **{k: v for k, v in endpoint_config.kwargs.items() if k in KWARGS},
            }
        super().__init__(**kwargs)

    def _change(
        self,
        conversation_id: Text,
        change: Callable[[TicketLock], T],
        create: bool = False,
        drop_when_free: bool = False,
    ) -> T | None:
        """Apply `change` to the stored lock in one transaction; None when there is no lock
        (and `create` is off). With `drop_when_free` a lock nobody holds is deleted."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None and not create:
                        pipe.unwatch()
                        return None
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else self.create_lock(conversation_id)
                    result = change(lock)
                    pipe.multi()
                    if drop_when_free and not lock.tickets:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = DEFAULT_LOCK_LIFETIME) -> int:
        """A new ticket for the conversation, never the same as another server's."""
        try:
            ticket = self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        assert ticket is not None  # create=True always gives a lock
        return ticket

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets, atomically."""
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Release a ticket, atomically."""
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Release a ticket and delete the lock if nobody holds one, in one transaction."""
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), drop_when_free=True)
