"""`GET /tvmiddleware/api/health/check/`: is this node alive and how loaded is it (no session needed).

Balancers and monitors poll this every second or so, from many places at once: each process probes
the database at most once per `PROBE_SECONDS` (1 s) and answers the last successful result in
between, so polling costs no query and a database outage shows within a second; a failed probe is
never reused. The cache is asked on every call (one PING; nothing at all while its circuit is open,
see `common.cache`), so a Redis outage shows at once.
"""
from __future__ import annotations

import os
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


PROBE_SECONDS = 1.0
_probe_lock = threading.Lock()
_last_probe: dict[str, tuple[float, list[str]]] = {}


def _probed(name: str, check) -> list[str]:
    """`check()`'s errors, reusing a successful result of the last `PROBE_SECONDS` in this process."""
    now = time.monotonic()
    last = _last_probe.get(name)
    if last is not None and now - last[0] < PROBE_SECONDS and not last[1]:
        return []
    errors = check()
    with _probe_lock:
        _last_probe[name] = (now, errors)
    return errors


def _check_databases() -> list[str]:
    errors = []
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # report, never raise: this endpoint must answer
            errors.append(f"database {alias}: {type(exc).__name__}")
    return errors


def _check_cache() -> list[str]:
    ping = getattr(cache, "ping", None)
    if ping is not None:  # common.cache.RedisCache: never raises, bounded by its timeouts
        return [] if ping() else ["cache: Redis unreachable"]
    key = f"health-check-{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        return [f"cache: {type(exc).__name__}"]
    return [] if ok else ["cache: value not read back"]


def _usage() -> float:
    """Load average per core, in percent, capped at 100 (0 where the OS does not tell)."""
    try:
        load1 = os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0
    return round(min(100.0, 100.0 * load1 / (os.cpu_count() or 1)), 1)


@require_GET
def health_check(request: HttpRequest) -> JsonResponse:
    """Checks the database and the cache. Without the database the node cannot serve: `alive` 0 and
    HTTP 503, so load balancers take it out. Without the cache (Redis) it still serves, from the
    database: `alive` 1, `degraded` 1, the cache named in `connection_errors`, HTTP 200 — taking every
    node out because the Redis they share is down would turn a slowdown into an outage."""
    database_errors = _probed("databases", _check_databases)
    cache_errors = _check_cache()
    alive = not database_errors
    return JsonResponse(
        {
            "error": 0,
            "alive": int(alive),
            "degraded": int(bool(cache_errors)),
            "usage": _usage(),
            "connection_errors": database_errors + cache_errors,
            "reserved_server_addresses": list(getattr(settings, "TVMIDDLEWARE_RESERVED_SERVER_ADDRESSES", [])),
        },
        status=200 if alive else 503,
    )
