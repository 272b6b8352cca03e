"""Values in the shared cache that a writer's change can never leave stale, whatever the timing.

Deleting a cached value when the data changes has a race: a reader that read the database just
before the change committed may store its (old) value just after the delete, and it then lives
until it expires. Here every value is stored with the *version tokens* it was read under, and a
change renews a token (once its transaction commits): a value whose tokens no longer match is not
used. The reader fetches the tokens and the value in one round trip (MGET):

    FLAGS = VersionedEntries("account-flags", seconds=3600)
    flags = FLAGS.get(key=account_id, versions=[f"account:{account_id}"], load=lambda: ...)
    FLAGS.renew_on_commit([f"account:{account_id}"])      # in the writing transaction

A version may be shared by several kinds of values (an operator's broadcast messages matter to the
values of all its accounts). `load` may return `(value, valid_until)` through `get(..., until=True)`
for values that change by themselves at a known time (an expiry). When the shared cache is down,
`get` loads from the database every time (the cache is an accelerator only).
"""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_SECONDS = 7 * 86400


def _version_key(version: str) -> str:
    return f"tvmw:version:{version}"


class VersionedEntries:
    """One kind of cached value (a name), kept `seconds` at most, checked against version tokens."""

    def __init__(self, name: str, *, seconds: int = 3600) -> None:
        self.name = name
        self.seconds = seconds

    def _value_key(self, key: object) -> str:
        return f"tvmw:versioned:{self.name}:{key}"

    def get(self, *, key: object, versions: Iterable[str], load: Callable[[], Any], until: bool = False) -> Any:
        """The value under `key` if it was stored under the current `versions`, else `load()` (stored).

        With `until`, `load` returns `(value, valid_until)` (a `time.time()` instant or None) and a value
        past its `valid_until` is loaded again."""
        version_keys = [_version_key(v) for v in versions]
        value_key = self._value_key(key)
        try:
            found = cache.get_many([*version_keys, value_key])
        except Exception:
            logger.warning("cache unavailable reading %s", value_key, exc_info=True)
            found = None
        if found is None:  # the shared cache is down: straight from the database
            loaded = load()
            return loaded[0] if until else loaded
        missing = [k for k in version_keys if k not in found]
        if missing:  # first use (or lost): start the versions, so values are never stored under "none yet"
            try:
                for k in missing:
                    cache.add(k, secrets.randbits(62), VERSION_SECONDS)
                found.update(cache.get_many(missing))
            except Exception:
                logger.warning("cache unavailable starting versions %s", missing, exc_info=True)
            if any(k not in found for k in missing):
                loaded = load()
                return loaded[0] if until else loaded
        tokens = tuple(found[k] for k in version_keys)
        entry = found.get(value_key)
        if (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == tokens
                and (entry[1] is None or entry[1] > time.time())):
            return entry[2]
        loaded = load()
        value, valid_until = loaded if until else (loaded, None)
        timeout = self.seconds if valid_until is None else max(1, min(self.seconds, int(valid_until - time.time())))
        try:
            cache.set(value_key, (tokens, valid_until, value), timeout)
        except Exception:
            logger.warning("cache unavailable writing %s", value_key, exc_info=True)
        return value

    def forget(self, keys: Iterable[object]) -> None:
        """Drop stored values (they would not be used anyway once a version moved; this frees them)."""
        try:
            cache.delete_many([self._value_key(k) for k in keys])
        except Exception:
            logger.warning("cache unavailable dropping %s values", self.name, exc_info=True)


def renew_versions(versions: Iterable[str]) -> None:
    """The data these versions cover changed (and is committed): values read before are not used."""
    keys = [_version_key(v) for v in set(versions)]
    if not keys:
        return
    try:
        cache.set_many({k: secrets.randbits(62) for k in keys}, VERSION_SECONDS)
    except Exception:
        # Redis is down: nothing is served from it meanwhile; the values stored before the outage must
        # not come back with it. Deleting the versions (the backend replays deletes once Redis is back)
        # does it: a reader that finds a version missing starts a new token.
        logger.warning("cache unavailable renewing %s", keys, exc_info=True)
        try:
            cache.delete_many(keys)
        except Exception:
            pass


def renew_versions_on_commit(versions: Iterable[str]) -> None:
    """Inside a writing transaction: renew now (readers in between reload) and again after commit."""
    versions = list(versions)
    renew_versions(versions)
    transaction.on_commit(lambda: renew_versions(versions))
