"""Running catalogue syncs of online-cinema integrations: the `*_sync_content` command base.

Every cinema's sync command is a `CatalogueSyncCommand`: it picks the enabled integrations of the
cinema's API classes (of every operator, or the one given with `--system`), syncs each in turn (one
failing does not stop the others), prints one line per integration and exits with an error status
when one failed. By default an integration is synced with its API class's `sync_catalogue()`; a
cinema with its own runner (MEGOGO: chunked, threaded, with covers) overrides `sync_system`.

One sync per integration at a time: the plain import (`cinema_kit.catalogue`) serialises runs on
the integration's row; a long-running sync takes the integration's lease (`cinema_kit.lease`) and
raises `SyncAlreadyRunning`, which the command reports as skipped, not failed.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from django.core.management.base import BaseCommand, CommandError

from tvmiddleware.models import ExternalSystem

from .lease import SyncAlreadyRunning

logger = logging.getLogger("cinema_kit.sync")


class NoSuchSystem(Exception):
    """The requested integration does not exist, is disabled or is not of the expected API class."""


@dataclass
class SyncOutcome:
    """What syncing one integration gave: counters (or the cinema's own summary), skipped or an error."""

    system: ExternalSystem
    counters: dict[str, int] | None = None
    summary: Any = None   # a cinema runner's own summary object (MEGOGO's SyncSummary)
    skipped: str = ""     # another run holds the integration's lease
    error: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        head = f"{self.system.api_class} #{self.system.pk} ({self.system.name}, client {self.system.client_id})"
        if self.error:
            return f"{head}: FAILED: {self.error}"
        if self.skipped:
            return f"{head}: skipped: {self.skipped}"
        if self.summary is not None and hasattr(self.summary, "line"):
            return self.summary.line()
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


def catalogue_sync(system: ExternalSystem) -> dict[str, int]:
    """The default way to sync one integration: its API class's `sync_catalogue()`."""
    return system.get_api().sync_catalogue()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def sync_all(systems: Iterable[ExternalSystem], *, sync_one: Callable[[ExternalSystem], Any] = catalogue_sync,
             errors: tuple[type[BaseException], ...] = (Exception,),
             describe: Callable[[BaseException], str] = _describe, log_failures: bool = True) -> list[SyncOutcome]:
    """Sync each integration with `sync_one`; one failing does not stop the others.

    `sync_one` returns counters (a dict) or the cinema's own summary object. A `SyncAlreadyRunning`
    is recorded as skipped; an exception of `errors` as that integration's error; anything else
    propagates (a cinema that knows its failures narrows `errors`). `describe` words an error for
    the outcome; `log_failures=False` for a runner that logs its own failures.
    """
    outcomes = []
    for system in systems:
        started = time.monotonic()
        outcome = SyncOutcome(system=system)
        try:
            result = sync_one(system)
        except SyncAlreadyRunning as exc:
            outcome.skipped = str(exc)
            logger.warning("%s", exc)
        except errors as exc:  # reported per integration; the command exits non-zero
            if log_failures:
                logger.exception("catalogue sync of integration #%s failed", system.pk)
            outcome.error = describe(exc)
        else:
            if isinstance(result, dict):
                outcome.counters = result
            else:
                outcome.summary = result
        outcome.seconds = time.monotonic() - started
        outcomes.append(outcome)
    return outcomes


class CatalogueSyncCommand(BaseCommand):
    """A `*_sync_content` command: sync every enabled integration of `api_classes` (or `--system`),
    print one line per integration, exit with an error status when one failed.

    Hooks for a cinema with its own runner: `add_sync_arguments` (extra options), `select_systems`,
    `sync_system` (one integration, returns counters or a summary), `errors` (the exceptions that
    count as an integration's failure), `write_outcome` and `fail`.
    """

    api_classes: Iterable[str] = ()
    #: Said when no enabled integration of those classes exists, e.g. "no enabled tvzavr integration".
    nothing_to_sync: str = "no enabled integration"
    errors: tuple[type[BaseException], ...] = (Exception,)
    #: False for a runner that logs its own failures.
    log_failures: bool = True

    @property
    def command_name(self) -> str:
        return type(self).__module__.rsplit(".", 1)[-1]

    def add_arguments(self, parser):
        parser.add_argument("--system", type=int, help="Only this integration (ExternalSystem id).")
        self.add_sync_arguments(parser)

    def add_sync_arguments(self, parser) -> None:
        """Options of the cinema's own runner."""

    def select_systems(self, system_id: int | None) -> list[ExternalSystem]:
        try:
            return systems_to_sync(api_classes=self.api_classes, system_id=system_id)
        except NoSuchSystem as exc:
            raise CommandError(f"{self.command_name}: {exc}") from exc

    def no_systems(self, system_id: int | None) -> None:
        self.stdout.write(f"{self.command_name}: {self.nothing_to_sync}")

    def sync_system(self, system: ExternalSystem, **options: Any) -> Any:
        return catalogue_sync(system)

    def describe_error(self, exc: BaseException) -> str:
        return _describe(exc)

    def write_outcome(self, outcome: SyncOutcome) -> None:
        self.stdout.write(outcome.line())

    def fail(self, failed: list[SyncOutcome]) -> None:
        raise CommandError(f"{self.command_name}: {len(failed)} integration(s) failed, see the log")

    def handle(self, *args, system: int | None = None, **options):
        systems = self.select_systems(system)
        if not systems:
            self.no_systems(system)
            return
        outcomes = sync_all(systems, sync_one=lambda s: self.sync_system(s, **options), errors=self.errors,
                            describe=self.describe_error, log_failures=self.log_failures)
        for outcome in outcomes:
            self.write_outcome(outcome)
        failed = [o for o in outcomes if o.error]
        if failed:
            self.fail(failed)
