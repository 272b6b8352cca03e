"""One catalogue sync of an integration at a time, across processes and hosts.

A run takes the integration's `SyncLease` with a conditional UPDATE (free, or its lease expired),
which works the same on PostgreSQL and SQLite and needs no shared cache (the default local-memory
cache is per process, so a cache lock would not stop a second cron run). A heartbeat thread keeps
extending the lease while the run works; a run that crashed leaves a lease that expires after
`LEASE_SECONDS`, after which the next run takes over. A run whose lease was taken over (it was
stalled longer than the lease) notices at its next heartbeat and stops.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, close_old_connections, connection
from django.db.models import F, Q
from django.utils import timezone

from tvmiddleware.models import ExternalSystem

from ..models import SyncLease

logger = logging.getLogger("megogo.sync")

LEASE_SECONDS = 120
HEARTBEAT_SECONDS = 30


class SyncAlreadyRunning(Exception):
    """Another run holds the integration's lease."""

    def __init__(self, system: ExternalSystem, owner: str, started_at: datetime | None,
                 expires_at: datetime | None) -> None:
        since = f" since {started_at:%Y-%m-%d %H:%M:%S %Z}" if started_at else ""
        expiry = f"; if that run crashed, its lock expires at {expires_at:%H:%M:%S %Z}" if expires_at else ""
        super().__init__(f"Another megogo_sync_content run is syncing {system.name} (#{system.pk}){since} "
                         f"[{owner}]; this run exits{expiry}.")
        self.owner = owner


@dataclass
class Lease:
    system_id: int
    owner: str
    run: int
    lost: threading.Event


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(system: ExternalSystem, *, seconds: int = LEASE_SECONDS) -> Lease:
    """Take the lease or raise `SyncAlreadyRunning`. Each successful take is a new run number."""
    try:
        SyncLease.objects.get_or_create(external_system=system)
    except IntegrityError:  # created concurrently by the other run
        pass
    owner = _owner()
    now = timezone.now()
    taken = SyncLease.objects.filter(external_system=system).filter(
        Q(expires_at__isnull=True) | Q(expires_at__lt=now)
    ).update(owner=owner, expires_at=now + timedelta(seconds=seconds), started_at=now, last_run=F("last_run") + 1)
    row = SyncLease.objects.get(external_system=system)
    if not taken:
        raise SyncAlreadyRunning(system, row.owner, row.started_at, row.expires_at)
    return Lease(system_id=system.pk, owner=owner, run=row.last_run, lost=threading.Event())


def extend(lease: Lease, *, seconds: int = LEASE_SECONDS) -> bool:
    """Push the lease's end further; False when it is no longer ours."""
    kept = SyncLease.objects.filter(external_system_id=lease.system_id, owner=lease.owner).update(
        expires_at=timezone.now() + timedelta(seconds=seconds))
    if not kept:
        lease.lost.set()
    return bool(kept)


def release(lease: Lease, *, summary: str = "", managed_tariff_ids: list[int] | None = None) -> None:
    updates: dict = {"expires_at": None, "last_summary": summary}
    if managed_tariff_ids is not None:
        updates["managed_tariff_ids"] = managed_tariff_ids
    SyncLease.objects.filter(external_system_id=lease.system_id, owner=lease.owner).update(**updates)


class Heartbeat:
    """Extends the lease every `interval` seconds from a thread (its own DB connection)."""

    def __init__(self, lease: Lease, *, interval: float = HEARTBEAT_SECONDS, seconds: int = LEASE_SECONDS) -> None:
        self.lease = lease
        self.interval = interval
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="megogo-sync-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not extend(self.lease, seconds=self.seconds):
                        logger.error("megogo sync: the lock was taken over by another run; stopping")
                        return
                except OperationalError as exc:  # e.g. SQLite busy: try again at the next beat
                    logger.warning("megogo sync: could not extend the lock: %s", exc)
                    close_old_connections()
        finally:
            connection.close()
