"""Running catalogue syncs of online-cinema integrations (the `*_sync_content` commands)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Iterable

from tvmiddleware.models import ExternalSystem

logger = logging.getLogger("svod_partners.sync")


class NoSuchSystem(Exception):
    """The requested integration does not exist, is disabled or is not of the expected API class."""


@dataclass
class SyncOutcome:
    system: ExternalSystem
    counters: dict[str, int] | None = None
    error: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        head = f"{self.system.api_class} #{self.system.pk} ({self.system.name}, client {self.system.client_id})"
        if self.error:
            return f"{head}: FAILED: {self.error}"
        counters = ", ".join(f"{k} {v}" for k, v in (self.counters or {}).items())
        return f"{head}: {counters} in {self.seconds:.1f} s"


def systems_to_sync(*, api_classes: Iterable[str], system_id: int | None = None) -> list[ExternalSystem]:
    """The enabled integrations of these API classes (of every operator), or the one asked for."""
    classes = list(api_classes)
    systems = ExternalSystem.objects.filter(api_class__in=classes).select_related("client").order_by("pk")
    if system_id is None:
        return list(systems.filter(enabled=True, client__enabled=True))
    system = systems.filter(pk=system_id).first()
    if system is None:
        raise NoSuchSystem(f"no integration #{system_id} with API class {' or '.join(classes)}")
    if not system.enabled:
        raise NoSuchSystem(f"integration #{system_id} is disabled")
    return [system]


def sync_all(systems: list[ExternalSystem]) -> list[SyncOutcome]:
    """Sync each integration's catalogue; one failing does not stop the others."""
    outcomes = []
    for system in systems:
        started = time.monotonic()
        outcome = SyncOutcome(system=system)
        try:
            outcome.counters = system.get_api().sync_catalogue()
        except Exception as exc:  # reported per integration; the command exits non-zero
            logger.exception("catalogue sync of integration #%s failed", system.pk)
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.seconds = time.monotonic() - started
        outcomes.append(outcome)
    return outcomes
