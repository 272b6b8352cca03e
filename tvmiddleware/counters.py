"""Attempt counters with a fixed window, counted atomically before the thing they limit.

    hit = counters.hit("login-fail:ab:3:100001", window=600)   # +1, atomically
    if hit.count > limit:
        counters.give_back(hit)                                 # refused: this one does not count
        ...refuse...
    ...check the password; on success give it back too...

A limit read first and counted after the check lets every concurrent attempt through the same
reading; counting first means at most `limit` attempts are ever past the check at once or in total.

Where: in Redis (one MULTI of SET NX EX + INCR, so the counter always expires) when the default
cache is this project's Redis backend and reachable; in the database otherwise — while Redis is down,
and with caches that are not shared between processes (the local-memory default). The database
counter is one row per key, taken under a row lock. The two stores are not added up: right after an
outage (or while processes disagree whether Redis is back) a key may get up to its limit in each.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import caches
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.cache import CacheUnavailable
from .models import AttemptCounter

REDIS = "redis"
DATABASE = "database"


@dataclass(frozen=True)
class Hit:
    key: str
    count: int
    store: str


def _redis_cache():
    """The default cache if it can count (common.cache.RedisCache), else None."""
    backend = caches["default"]
    return backend if hasattr(backend, "count_hit") else None


def hit(key: str, *, window: int) -> Hit:
    """Count one attempt under `key`; the window (seconds) starts with the first attempt."""
    redis_cache = _redis_cache()
    if redis_cache is not None:
        try:
            return Hit(key, redis_cache.count_hit(key, window), REDIS)
        except CacheUnavailable:
            pass
    return Hit(key, _database_hit(key, window), DATABASE)


def give_back(counted: Hit) -> None:
    """Undo one `hit` (an attempt that turned out not to count); never below zero, never re-creates
    a counter whose window has ended."""
    if counted.store == REDIS:
        redis_cache = _redis_cache()
        try:
            if redis_cache is not None:
                redis_cache.count_give_back(counted.key)
        except CacheUnavailable:
            pass  # the counter is out of reach; it expires with its window
        return
    AttemptCounter.objects.filter(key=counted.key, count__gt=0, expires_at__gt=timezone.now()).update(
        count=F("count") - 1)


def _database_hit(key: str, window: int) -> int:
    now = timezone.now()
    expires_at = now + timedelta(seconds=window)
    with transaction.atomic():
        # get_or_create under select_for_update: the row (or, for two first attempts, the unique key)
        # is locked until this transaction ends, so concurrent hits are counted one after the other.
        row, created = AttemptCounter.objects.select_for_update().get_or_create(
            key=key, defaults={"count": 1, "expires_at": expires_at})
        if created:
            return 1
        if row.expires_at <= now:
            row.count, row.expires_at = 1, expires_at
        else:
            row.count += 1
        row.save(update_fields=["count", "expires_at"])
        return row.count


def purge_expired() -> int:
    """Delete the database counters whose window has ended (run periodically)."""
    return AttemptCounter.objects.filter(expires_at__lte=timezone.now()).delete()[0]
