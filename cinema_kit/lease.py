"""One catalogue sync of an integration at a time, across processes and hosts (the sync's lease).

A run takes the integration's lease row with a conditional UPDATE (free, or its lease expired),
which works the same on PostgreSQL and SQLite and needs no shared cache (the default local-memory
cache is per process, so a cache lock would not stop a second cron run). A heartbeat thread keeps
extending the lease while the run works; a run that crashed leaves a lease that expires after
`LEASE_SECONDS`, after which the next run takes over. A run whose lease was taken over (it was
stalled longer than the lease) notices at its next heartbeat and stops.

The lease row lives in the cinema's own app (a model subclassing `SyncLeaseFields` or with the same
columns: `external_system` one-to-one, `owner`, `expires_at`, `started_at`, `last_run`,
`last_summary`); `LeaseStore(model, command=...)` runs the protocol on it.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, close_old_connections, connection, models
from django.db.models import F, Q
from django.utils import timezone

from tvmiddleware.models import ExternalSystem
from tvmiddleware.scheduler import lease_owner

logger = logging.getLogger("cinema_kit.lease")

LEASE_SECONDS = 120
HEARTBEAT_SECONDS = 30


class SyncLeaseFields(models.Model):
    """The columns of a lease row, for a cinema app's own lease model (abstract: no table here)."""

    external_system = models.OneToOneField("tvmiddleware.ExternalSystem", on_delete=models.CASCADE,
                                           related_name="+")
    owner = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_run = models.BigIntegerField(default=0)
    last_summary = models.TextField(blank=True, default="")

    class Meta:
        abstract = True


class SyncAlreadyRunning(Exception):
    """Another run holds the integration's lease."""

    def __init__(self, system: ExternalSystem, owner: str, started_at: datetime | None,
                 expires_at: datetime | None, *, command: str = "catalogue sync") -> None:
        since = f" since {started_at:%Y-%m-%d %H:%M:%S %Z}" if started_at else ""
        expiry = f"; if that run crashed, its lock expires at {expires_at:%H:%M:%S %Z}" if expires_at else ""
        super().__init__(f"Another {command} run is syncing {system.name} (#{system.pk}){since} "
                         f"[{owner}]; this run exits{expiry}.")
        self.owner = owner


@dataclass
class Lease:
    system_id: int
    owner: str
    run: int
    lost: threading.Event


class LeaseStore:
    """The lease protocol (module doc) on one cinema's lease model; `command` names the sync in messages."""

    def __init__(self, model: type[models.Model], *, command: str, label: str = "catalogue sync") -> None:
        self.model = model
        self.command = command
        self.label = label  # log prefix, e.g. "megogo sync"

    def acquire(self, system: ExternalSystem, *, seconds: int = LEASE_SECONDS) -> Lease:
        """Take the lease or raise `SyncAlreadyRunning`. Each successful take is a new run number."""
        try:
            self.model.objects.get_or_create(external_system=system)
        except IntegrityError:  # created concurrently by the other run
            pass
        owner = lease_owner()
        now = timezone.now()
        taken = self.model.objects.filter(external_system=system).filter(
            Q(expires_at__isnull=True) | Q(expires_at__lt=now)
        ).update(owner=owner, expires_at=now + timedelta(seconds=seconds), started_at=now,
                 last_run=F("last_run") + 1)
        row = self.model.objects.get(external_system=system)
        if not taken:
            raise SyncAlreadyRunning(system, row.owner, row.started_at, row.expires_at, command=self.command)
        return Lease(system_id=system.pk, owner=owner, run=row.last_run, lost=threading.Event())

    def extend(self, lease: Lease, *, seconds: int = LEASE_SECONDS) -> bool:
        """Push the lease's end further; False when it is no longer ours."""
        kept = self.model.objects.filter(external_system_id=lease.system_id, owner=lease.owner).update(
            expires_at=timezone.now() + timedelta(seconds=seconds))
        if not kept:
            lease.lost.set()
        return bool(kept)

    def release(self, lease: Lease, *, summary: str = "", **columns: Any) -> None:
        """Free the lease, keeping the run's summary (and any further columns of the cinema's row)."""
        updates: dict[str, Any] = {"expires_at": None, "last_summary": summary, **columns}
        self.model.objects.filter(external_system_id=lease.system_id, owner=lease.owner).update(**updates)

    def heartbeat(self, lease: Lease, *, interval: float = HEARTBEAT_SECONDS,
                  seconds: int = LEASE_SECONDS) -> "Heartbeat":
        return Heartbeat(self, lease, interval=interval, seconds=seconds)


class Heartbeat:
    """Extends the lease every `interval` seconds from a thread (its own DB connection)."""

    def __init__(self, store: LeaseStore, lease: Lease, *, interval: float = HEARTBEAT_SECONDS,
                 seconds: int = LEASE_SECONDS) -> None:
        self.store = store
        self.lease = lease
        self.interval = interval
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"{store.command}-heartbeat", daemon=True)

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
                    if not self.store.extend(self.lease, seconds=self.seconds):
                        logger.error("%s: the lock was taken over by another run; stopping", self.store.label)
                        return
                except OperationalError as exc:  # e.g. SQLite busy: try again at the next beat
                    logger.warning("%s: could not extend the lock: %s", self.store.label, exc)
                    close_old_connections()
        finally:
            connection.close()
