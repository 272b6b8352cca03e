"""Running catalogue syncs of online-cinema integrations (the `*_sync_content` commands)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Iterable

from django.core.management.base import BaseCommand, CommandError

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


class CatalogueSyncCommand(BaseCommand):
    """A `*_sync_content` command: sync every enabled integration of `api_classes` (or `--system`),
    print one line per integration, exit with an error status when one failed."""

    api_classes: Iterable[str] = ()
    #: Said when no enabled integration of those classes exists, e.g. "no enabled tvzavr integration".
    nothing_to_sync: str = "no enabled integration"

    def add_arguments(self, parser):
        parser.add_argument("--system", type=int, help="Only this integration (ExternalSystem id).")

    def handle(self, *args, system: int | None, **options):
        name = self.__module__.rsplit(".", 1)[-1]
        try:
            systems = systems_to_sync(api_classes=self.api_classes, system_id=system)
        except NoSuchSystem as exc:
            raise CommandError(f"{name}: {exc}") from exc
        if not systems:
            self.stdout.write(f"{name}: {self.nothing_to_sync}")
            return
        outcomes = sync_all(systems)
        for outcome in outcomes:
            self.stdout.write(outcome.line())
        failed = sum(1 for o in outcomes if o.error)
        if failed:
            raise CommandError(f"{name}: {failed} integration(s) failed, see the log")
