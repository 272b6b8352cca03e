"""Leases on database rows: at most one holder of a row at a time, across threads, processes and hosts.

A lease is two columns of a row: who holds it (`owner`, see `lease_owner`) and until when (the
expiry column; empty: free). The protocol works the same on PostgreSQL and SQLite and needs no
shared cache:

- `acquire`: one conditional UPDATE takes the row when it is free or its lease expired (a holder
  that died leaves a lease that simply expires); further columns can be written in the same UPDATE
  (a run counter, the time it started);
- `extend`: pushes the expiry further while the row is still held by the same owner; False once
  another owner took it over (the holder was stalled longer than its lease) or it was released;
- `release`: frees the row (expiry emptied) if still ours, writing the holder's outcome columns;
- `Heartbeat`: a thread that extends the lease every `interval` seconds while the work runs, and
  stops (setting its `lost` event) when it notices a takeover;
- `retrying_when_locked`: a write tried again shortly when the database answers "locked" (SQLite
  does so at once while another thread writes in shared-cache mode; a lease left held would
  otherwise wait for its expiry).

The scheduler's jobs (`tvmiddleware.scheduler`) and the cinemas' catalogue syncs
(`cinema_kit.lease`) hold their rows with it.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any, Callable, TypeVar

from django.db import OperationalError, close_old_connections, connection, models
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger("tvmiddleware.leases")

T = TypeVar("T")

LOCKED_ATTEMPTS = 6


def lease_owner() -> str:
    """Who holds a lease: host, process and a random tag (one per scheduler or sync run)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def retrying_when_locked(write: Callable[[], T], *, attempts: int = LOCKED_ATTEMPTS) -> T:
    """`write()`, tried again shortly (50 ms, doubling) when the database answers "locked"; the last
    attempt's error is raised."""
    for attempt in range(attempts):
        try:
            return write()
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


class LeaseColumns:
    """The lease columns of one model: `owner` and the expiry column (both names configurable)."""

    def __init__(self, model: type[models.Model], *, owner: str = "owner", expires: str = "expires_at") -> None:
        self.model = model
        self.owner = owner
        self.expires = expires

    def _rows(self, row: dict[str, Any] | models.QuerySet) -> models.QuerySet:
        return row if isinstance(row, models.QuerySet) else self.model._default_manager.filter(**row)

    def acquire(self, row: dict[str, Any] | models.QuerySet, *, owner: str, seconds: float,
                now: datetime | None = None, **columns: Any) -> bool:
        """Take the row (a filter, or a queryset of one row) if free or expired, writing `columns` too."""
        now = timezone.now() if now is None else now
        free = Q(**{f"{self.expires}__isnull": True}) | Q(**{f"{self.expires}__lt": now})
        taken = self._rows(row).filter(free).update(
            **{self.owner: owner, self.expires: now + timedelta(seconds=seconds)}, **columns)
        return taken == 1

    def extend(self, row: dict[str, Any] | models.QuerySet, *, owner: str, seconds: float) -> bool:
        """Push the lease's end `seconds` from now if `owner` still holds it; False otherwise."""
        return bool(self._rows(row).filter(**{self.owner: owner, f"{self.expires}__isnull": False}).update(
            **{self.expires: timezone.now() + timedelta(seconds=seconds)}))

    def release(self, row: dict[str, Any] | models.QuerySet, *, owner: str, **columns: Any) -> bool:
        """Free the row if `owner` holds it, writing `columns` (the outcome) in the same UPDATE."""
        return bool(self._rows(row).filter(**{self.owner: owner}).update(**{self.expires: None}, **columns))


class Heartbeat:
    """Calls `extend()` every `interval` seconds from a thread (with its own database connection)
    until the block ends; `extend()` returning False means the lease was taken over: the heartbeat
    logs it, sets `lost` and stops. A write refused as locked is tried again at the next beat.

        with Heartbeat(lambda: table.extend(row, owner=me, seconds=120), interval=30, label="megogo sync"):
            ...  # the work; check `heartbeat.lost` between steps
    """

    def __init__(self, extend: Callable[[], bool], *, interval: float, label: str,
                 lost: threading.Event | None = None, join_timeout: float | None = 10) -> None:
        self.extend = extend
        self.interval = interval
        self.label = label
        self.lost = threading.Event() if lost is None else lost
        self.join_timeout = join_timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"{label}-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.join_timeout)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.extend():
                        self.lost.set()
                        logger.error("%s: the lease was taken over by another run; stopping", self.label)
                        return
                except OperationalError as exc:  # e.g. SQLite busy: try again at the next beat
                    logger.warning("%s: could not extend the lease: %s", self.label, exc)
                    close_old_connections()
        finally:
            connection.close()
