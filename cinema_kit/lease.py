"""One catalogue sync of an integration at a time, across processes and hosts (the sync's lease).

The protocol is the core's (`tvmiddleware.leases`): a run takes the integration's lease row with a
conditional UPDATE (free, or its lease expired), a heartbeat thread keeps extending the lease while
the run works, and a run that crashed leaves a lease that expires after `LEASE_SECONDS`, after which
the next run takes over. A run whose lease was taken over (it was stalled longer than the lease)
notices at its next heartbeat and stops (`Lease.lost`).

The lease row lives in the cinema's own app (a model subclassing `SyncLeaseFields` or with the same
columns: `external_system` one-to-one, `owner`, `expires_at`, `started_at`, `last_run`,
`last_summary`); `LeaseStore(model, command=...)` is this kit's adapter of the core protocol to such
a row: it numbers the runs and says who runs now (`SyncAlreadyRunning`) when the lease is taken.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, models
from django.db.models import F
from django.utils import timezone

from tvmiddleware import leases
from tvmiddleware.models import ExternalSystem

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
        self.columns = leases.LeaseColumns(model, owner="owner", expires="expires_at")

    def acquire(self, system: ExternalSystem, *, seconds: int = LEASE_SECONDS) -> Lease:
        """Take the lease or raise `SyncAlreadyRunning`. Each successful take is a new run number."""
        try:
            self.model.objects.get_or_create(external_system=system)
        except IntegrityError:  # created concurrently by the other run
            pass
        owner = leases.lease_owner()
        now = timezone.now()
        taken = self.columns.acquire({"external_system": system}, owner=owner, seconds=seconds, now=now,
                                     started_at=now, last_run=F("last_run") + 1)
        row = self.model.objects.get(external_system=system)
        if not taken:
            raise SyncAlreadyRunning(system, row.owner, row.started_at, row.expires_at, command=self.command)
        return Lease(system_id=system.pk, owner=owner, run=row.last_run, lost=threading.Event())

    def extend(self, lease: Lease, *, seconds: int = LEASE_SECONDS) -> bool:
        """Push the lease's end further; False (and `lease.lost` set) when it is no longer ours."""
        kept = self.columns.extend({"external_system_id": lease.system_id}, owner=lease.owner, seconds=seconds)
        if not kept:
            lease.lost.set()
        return kept

    def release(self, lease: Lease, *, summary: str = "", **columns: Any) -> None:
        """Free the lease, keeping the run's summary (and any further columns of the cinema's row)."""
        self.columns.release({"external_system_id": lease.system_id}, owner=lease.owner, last_summary=summary,
                             **columns)

    def heartbeat(self, lease: Lease, *, interval: float = HEARTBEAT_SECONDS,
                  seconds: int = LEASE_SECONDS) -> "Heartbeat":
        return Heartbeat(self, lease, interval=interval, seconds=seconds)


class Heartbeat(leases.Heartbeat):
    """The core heartbeat on one sync's lease: extends it every `interval` seconds from a thread."""

    def __init__(self, store: LeaseStore, lease: Lease, *, interval: float = HEARTBEAT_SECONDS,
                 seconds: int = LEASE_SECONDS) -> None:
        super().__init__(lambda: store.extend(lease, seconds=seconds), interval=interval, label=store.label,
                         lost=lease.lost)
        self.store = store
        self.lease = lease
