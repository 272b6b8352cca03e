"""Shared generations: "something of this kind changed", told to every process and node.

Per-process caches (the rendered line-up, the guide, the enabled channels) are dropped at once in
the process that saves a change (a signal). The other processes and nodes learn of it through a
`SharedGeneration`: a token in the shared cache that the writer renews once its transaction commits,
and that every process reads again at most every `refresh_seconds` (1 s by default). A per-process
cache keyed by `generation.current()` therefore serves a change made elsewhere at most that long
after it committed.

    GUIDE = SharedGeneration("guide")
    GUIDE.bump_on_commit()           # in the writing transaction (or .bump() outside one)
    key = (..., GUIDE.current())     # in the reader's cache key

`current()` also changes at once in the writing process (its local counter is part of the value).
When the shared cache is down, `current()` keeps the last token it read and the bound becomes the
per-process caches' own lifetime (each caller keeps its entries for a bounded time anyway).
"""
from __future__ import annotations

import logging
import secrets
import threading
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

# A token outlives any per-process entry by far; when it does expire, readers see a new value once.
TOKEN_SECONDS = 30 * 86400


class SharedGeneration:
    """A named change counter: local part (this process) and shared token (all processes)."""

    def __init__(self, name: str, *, refresh_seconds: float = 1.0) -> None:
        self.key = f"tvmw:generation:{name}"
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._local = 0
        self._token: object = None
        self._read_at = float("-inf")
        self._after_commit = self.bump  # one bound method, so a pending one can be recognised

    def current(self) -> tuple[int, object]:
        """The generation as of at most `refresh_seconds` ago (at once for this process's own bumps)."""
        now = time.monotonic()
        if now - self._read_at >= self.refresh_seconds:
            with self._lock:
                if now - self._read_at >= self.refresh_seconds:
                    self._read_at = now
                    try:
                        self._token = cache.get(self.key)
                    except Exception:  # shared cache down: keep the last token seen
                        logger.warning("cache unavailable reading %s", self.key, exc_info=True)
        return self._local, self._token

    def bump(self) -> None:
        """Something changed (and is committed): this process at once, the others within a second."""
        with self._lock:
            self._local += 1
            self._read_at = float("-inf")
        try:
            cache.set(self.key, secrets.randbits(62), TOKEN_SECONDS)
        except Exception:
            logger.warning("cache unavailable renewing %s; other processes notice within their own cache "
                           "lifetimes", self.key, exc_info=True)

    def bump_on_commit(self) -> None:
        """Inside a writing transaction: bump now for this process and again once the data is committed
        (a reader that reloaded in between must not keep what it read)."""
        with self._lock:
            self._local += 1
        connection = transaction.get_connection()
        # Many rows saved in one transaction (an import deleting stale rows) bump once at commit.
        if connection.in_atomic_block and any(entry[1] is self._after_commit for entry in connection.run_on_commit):
            return
        transaction.on_commit(self._after_commit)
