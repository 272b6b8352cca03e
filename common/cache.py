"""Django's Redis cache backend, made to survive Redis going away.

    CACHES = {"default": {"BACKEND": "common.cache.RedisCache", "LOCATION": "redis://...",
                          "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
                          "OUTAGE_RETRY_SECONDS": 5}}

A cache is an accelerator: every device-API read it serves can also be answered from the database.
So when Redis cannot be reached (refused, reset, or not answering within the socket timeout) this
backend reports a miss instead of raising — `get` gives the default, `get_many` nothing, `set`,
`add` and `delete` do nothing — and the callers carry on from the database. Counters that must be
right (login attempts, see `tvmiddleware.counters`) are told instead: `incr`/`decr` and `count_hit`
raise `CacheUnavailable`, so they can count elsewhere.

A circuit breaker makes a dead Redis cost nothing per request: after a failure the backend does
not try Redis again for `OUTAGE_RETRY_SECONDS` (5); then one call (in one thread of the process)
probes it, and the first one that succeeds closes the circuit. Each process logs the outage once
when it starts, at most once a minute while it lasts, and once when Redis is back. Keys deleted
while Redis was unreachable (ended sessions, revoked access) are deleted again on recovery, so a
Redis that was only paused does not serve them afterwards.

Timeouts: without `socket_timeout` a paused Redis (SIGSTOP, a full network buffer, a stuck
failover) blocks each call for as long as the TCP stack lets it. Defaults here are 0.5 s for
connecting and for each reply; settings can set their own in OPTIONS.

Also: Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` object for every cache call;
with redis-py 7 that copies the table of response callbacks each time, which costs more CPU than the
round trip itself. A `redis.Redis` bound to a pool is thread-safe, so one per pool does.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis import exceptions as redis_errors

logger = logging.getLogger("common.cache")

DEFAULT_SOCKET_TIMEOUT = 0.5
DEFAULT_OUTAGE_RETRY_SECONDS = 5.0
STILL_DOWN_LOG_SECONDS = 60.0
PENDING_DELETES_MAX = 10_000

# What "Redis is unreachable" looks like (TimeoutError and BusyLoadingError are ConnectionErrors'
# siblings/children; OSError covers DNS failures and the like that slip through unwrapped).
UNREACHABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)


class CacheUnavailable(Exception):
    """The shared cache cannot be reached right now; a counter must be kept elsewhere."""


class Circuit:
    """The state of one Redis location in this process, shared by every thread's backend instance.

    Closed (normal): calls go to Redis. Open: calls are skipped until `retry_at`; then one thread's
    call probes Redis while the others keep skipping."""

    def __init__(self, location: str, retry_seconds: float) -> None:
        self.location = location
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self.down_since: float | None = None  # wall clock, for the log and the health check
        self._retry_at = 0.0  # monotonic; 0 = closed
        self._probing_until = 0.0
        self._last_log = 0.0
        self._failures = 0
        self._pending_deletes: OrderedDict[str, None] = OrderedDict()
        self._dropped_deletes = 0

    @property
    def is_open(self) -> bool:
        return self.down_since is not None

    def allow_probe(self) -> bool:
        """The circuit is open: may this call try Redis again (one at a time, once the period passed)?"""
        with self._lock:
            now = time.monotonic()
            if self.down_since is None:
                return True
            # A probe that never reported back (an unexpected error) expires after one period.
            if now < self._retry_at or now < self._probing_until:
                return False
            self._probing_until = now + self.retry_seconds
            return True

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            self._retry_at = now + self.retry_seconds
            self._probing_until = 0.0
            self._failures += 1
            if self.down_since is None:
                self.down_since = time.time()
                self._last_log = now
                logger.warning("Redis cache at %s unreachable (%s: %s); serving from the database, retrying "
                               "every %.0f s", self.location, type(exc).__name__, exc, self.retry_seconds)
            elif now - self._last_log >= STILL_DOWN_LOG_SECONDS:
                self._last_log = now
                logger.warning("Redis cache at %s still unreachable after %.0f s (%d failed calls in this "
                               "process)", self.location, time.time() - self.down_since, self._failures)

    def pending_deletes(self) -> list[str]:
        with self._lock:
            return list(self._pending_deletes)

    def succeeded(self, replayed: list[str]) -> None:
        """Close the circuit: a probe got through and the deletes in `replayed` were made again."""
        with self._lock:
            for key in replayed:
                self._pending_deletes.pop(key, None)
            if self.down_since is None:
                return
            logger.warning("Redis cache at %s is back after %.0f s", self.location, time.time() - self.down_since)
            if self._dropped_deletes:
                logger.warning("%d deletes made during the outage were not kept; those entries live until "
                               "they expire", self._dropped_deletes)
            self.down_since = None
            self._retry_at = 0.0
            self._probing_until = 0.0
            self._failures = 0
            self._dropped_deletes = 0

    def remember_deletes(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._pending_deletes[key] = None
                self._pending_deletes.move_to_end(key)
            while len(self._pending_deletes) > PENDING_DELETES_MAX:
                self._pending_deletes.popitem(last=False)
                self._dropped_deletes += 1


_circuits: dict[str, Circuit] = {}
_circuits_lock = threading.Lock()


def circuit_for(location: str, retry_seconds: float) -> Circuit:
    with _circuits_lock:
        circuit = _circuits.get(location)
        if circuit is None:
            circuit = _circuits[location] = Circuit(location, retry_seconds)
        circuit.retry_seconds = retry_seconds
        return circuit


def reset_circuits() -> None:
    """Forget every outage this process saw (tests switch Redis servers under the same name)."""
    with _circuits_lock:
        _circuits.clear()


# Counting: SET NX with the window's expiry and INCR in one MULTI, so a counter always has an expiry
# (a bare INCR on a key that just expired would create one that never does) and two callers never
# read the same number.
_GIVE_BACK = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def count_hit(self, key: str, window: int) -> int:
        pipe = self.get_client(key, write=True).pipeline(transaction=True)
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])

    def count_give_back(self, key: str) -> None:
        self.get_client(key, write=True).eval(_GIVE_BACK, 1, key)

    def count_peek(self, key: str) -> int:
        value = self.get_client(key).get(key)
        return int(value) if value is not None else 0


class RedisCache(django_redis.RedisCache):
    """Django's Redis cache that reports misses while Redis is unreachable (see the module doc)."""

    def __init__(self, server, params) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = RedisCacheClient
        location = ",".join(self._servers)
        self.circuit = circuit_for(location, float(params.get("OUTAGE_RETRY_SECONDS", DEFAULT_OUTAGE_RETRY_SECONDS)))

    # --- the guard ----------------------------------------------------------------------------------

    def _guarded(self, call: Callable[[], Any], fallback: Any) -> Any:
        if self.circuit.down_since is not None and not self._probe():
            return fallback
        try:
            return call()
        except UNREACHABLE as exc:
            self.circuit.failed(exc)
            return fallback

    def _counted(self, call: Callable[[], Any]) -> Any:
        """Like `_guarded`, but tells the caller (CacheUnavailable) instead of pretending."""
        if self.circuit.down_since is not None and not self._probe():
            raise CacheUnavailable(self.circuit.location)
        try:
            return call()
        except UNREACHABLE as exc:
            self.circuit.failed(exc)
            raise CacheUnavailable(self.circuit.location) from exc

    def _probe(self) -> bool:
        """The circuit is open: if a retry is due, see whether Redis answers — by making again the
        deletes it missed (before anything is read from it: an ended session must not be served from a
        Redis that was only paused), or by a PING. True once the circuit is closed."""
        circuit = self.circuit
        if not circuit.allow_probe():
            return False
        try:
            pending = circuit.pending_deletes()
            for start in range(0, len(pending), 500):
                self._cache.delete_many(pending[start:start + 500])
            if not pending:
                self._cache.get_client(write=True).ping()
        except UNREACHABLE as exc:
            circuit.failed(exc)
            return False
        circuit.succeeded(pending)
        return True

    @property
    def available(self) -> bool:
        """False while this process considers Redis down (the circuit is open)."""
        return not self.circuit.is_open

    def ping(self) -> bool:
        """Does Redis answer (the health check)? One PING within the socket timeout; while the circuit
        is open and no retry is due, False at once."""
        return bool(self._guarded(lambda: self._cache.get_client(write=True).ping(), False))

    # --- Django's cache API ---------------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        return self._guarded(lambda: super(RedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._guarded(lambda: super(RedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guarded(lambda: super(RedisCache, self).has_key(key, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guarded(lambda: super(RedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(lambda: super(RedisCache, self).set_many(data, timeout, version), list(data))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(lambda: super(RedisCache, self).add(key, value, timeout, version), False)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(lambda: super(RedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        done = self._guarded(lambda: super(RedisCache, self).delete(key, version), None)
        if done is None:
            self.circuit.remember_deletes([self.make_and_validate_key(key, version=version)])
            return False
        return done

    def delete_many(self, keys, version=None):
        keys = list(keys)
        if not keys:
            return
        if self._guarded(lambda: super(RedisCache, self).delete_many(keys, version) or True, None) is None:
            self.circuit.remember_deletes([self.make_and_validate_key(key, version=version) for key in keys])

    def clear(self):
        return self._guarded(lambda: super(RedisCache, self).clear(), False)

    def incr(self, key, delta=1, version=None):
        return self._counted(lambda: super(RedisCache, self).incr(key, delta, version))

    # decr is incr(-delta) in BaseCache, so it is guarded too.

    # --- counters (tvmiddleware.counters) ------------------------------------------------------------

    def count_hit(self, key: str, window: int) -> int:
        """Add one to the counter `key` (created with a `window`-second expiry); the new value."""
        full_key = self.make_and_validate_key(key)
        return self._counted(lambda: self._cache.count_hit(full_key, int(window)))

    def count_give_back(self, key: str) -> None:
        """Take one back from `key` if it still exists (never creates it)."""
        full_key = self.make_and_validate_key(key)
        self._counted(lambda: self._cache.count_give_back(full_key))

    def count_peek(self, key: str) -> int:
        full_key = self.make_and_validate_key(key)
        return self._counted(lambda: self._cache.count_peek(full_key))
