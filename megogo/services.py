"""Entry points that cron, Celery and the admin call: sync every enabled MEGOGO integration."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import IO

from tvmiddleware.models import ExternalSystem

from .api import API_CLASS
from .client import MegogoError
from .sync.lease import SyncAlreadyRunning
from .sync.runner import SyncSummary, run_sync

logger = logging.getLogger("megogo.sync")


@dataclass
class SyncOutcome:
    system: ExternalSystem
    summary: SyncSummary | None = None
    skipped: str = ""  # another run holds the lock
    error: str = ""


def megogo_systems(*, system_id: int | None = None):
    systems = ExternalSystem.objects.filter(api_class=API_CLASS, enabled=True).select_related("client", "tariff")
    if system_id is not None:
        systems = systems.filter(pk=system_id)
    return systems.order_by("client_id", "pk")


def sync_all(*, load_actor_info: bool = False, full: bool = False, system_id: int | None = None,
             progress_stream: IO[str] | None = None) -> list[SyncOutcome]:
    """Sync each enabled MEGOGO integration in turn; one failing does not stop the others."""
    outcomes = []
    for system in megogo_systems(system_id=system_id):
        outcome = SyncOutcome(system=system)
        try:
            outcome.summary = run_sync(system.get_api(), load_actor_info=load_actor_info, full=full,
                                       progress_stream=progress_stream)
        except SyncAlreadyRunning as exc:
            outcome.skipped = str(exc)
            logger.warning("%s", exc)
        except MegogoError as exc:
            outcome.error = str(exc)
        outcomes.append(outcome)
    return outcomes
