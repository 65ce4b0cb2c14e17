"""A Redis cache that keeps answering when Redis goes away.

Everything the portal keeps in the default cache must survive a lost Redis: the pledge
version read on every signed-in page, allauth's sign-in rate limits and the API's throttles.
On a connection error (or a timeout) this backend answers from a second cache, Django's
`DatabaseCache` named by `FALLBACK` (table `portal_cache`, created by a migration), and stays
there for `RETRY_AFTER` seconds before trying Redis again, so that an outage costs one failed
connection per process and window, not one per cache call.

The database counters start empty when Redis goes away, so rate limits count again from
zero: refusing the 6th wrong password within the window still holds, since every attempt
of the outage is counted in the database. While Redis is up the fallback is never read:
no query is added to a request.
"""

import logging
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Errors that mean "Redis is not there"; any other error is a bug and is raised.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# The fallback's table, created by migration portal 0008 (named in CACHES["fallback"]).
FALLBACK_TABLE = "portal_cache"


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one `redis.Redis` per connection pool.

    Django's makes a new `redis.Redis` for every cache call. Its constructor copies the
    command callbacks and options each time: about 520 Python calls, most of a cache read
    (about 720), paid on every signed-in page (the pledge version) and three times per API
    request (the pledge version, the throttle's read and write). A `redis.Redis` over a pool
    is safe to share between threads (redis-py's documentation), and the pool already lived
    as long as the process; django-redis keeps its clients the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients.setdefault(
                index, self._client(connection_pool=self._pools[index])
            )
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._fallback_alias = params.get("FALLBACK", "fallback")
        self._retry_after = float(params.get("RETRY_AFTER", 10))
        self._unreachable_until = 0.0

    @property
    def fallback(self) -> BaseCache:
        return caches[self._fallback_alias]

    def _either(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run `method` on Redis, or on the fallback when Redis is (or was just) unreachable."""
        if time.monotonic() >= self._unreachable_until:
            try:
                return getattr(super(), method)(*args, **kwargs)
            except UNREACHABLE as error:
                # The class name only: the message could hold the address of the server.
                logger.warning(
                    "Redis cache unreachable (%s); using the database cache for %.0f s",
                    type(error).__name__,
                    self._retry_after,
                )
                self._unreachable_until = time.monotonic() + self._retry_after
        return getattr(self.fallback, method)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._either("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._either("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list[str]:
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return self._either("delete_many", *args, **kwargs)

    def clear(self) -> bool:
        return self._either("clear")
