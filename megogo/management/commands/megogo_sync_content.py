"""`python manage.py megogo_sync_content [--load_actor_info] --settings=settings.<name>`

Imports MEGOGO's catalogue into the video library of every enabled MEGOGO integration (see
`megogo.sync.runner`). Safe from cron: while a run is going, another exits with a message (the
cinema kit's lease). A progress bar is drawn on a terminal; the summary line goes to stdout and
the logs. The command is the cinema kit's `CatalogueSyncCommand` with MEGOGO's runner.
"""
from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError

from cinema_kit.sync import CatalogueSyncCommand, SyncOutcome
from megogo.plugin import API_CLASS
from megogo.client import MegogoError
from megogo.services import megogo_systems, sync_one
from tvmiddleware.models import ExternalSystem


class Command(CatalogueSyncCommand):
    help = "Sync films and series of MEGOGO into the video library (incremental)."

    api_classes = [API_CLASS]
    errors = (MegogoError,)
    log_failures = False  # run_sync logs its own failures

    def add_sync_arguments(self, parser) -> None:
        parser.add_argument("--load_actor_info", action="store_true",
                            help="Also load actors and directors (takes longer).")
        parser.add_argument("--full", action="store_true",
                            help="Fetch every title again, changed or not (covers still only when changed).")

    def select_systems(self, system_id: int | None) -> list[ExternalSystem]:
        systems = list(megogo_systems(system_id=system_id))
        if not systems:
            raise CommandError("No enabled integration with API class megogo_api_client"
                               + (f" and id {system_id}" if system_id else "") + ".")
        return systems

    def sync_system(self, system: ExternalSystem, **options: Any):
        return sync_one(system, load_actor_info=options["load_actor_info"], full=options["full"],
                        progress_stream=sys.stderr)

    def describe_error(self, exc: BaseException) -> str:
        return str(exc)

    def write_outcome(self, outcome: SyncOutcome) -> None:
        if outcome.summary is not None:
            self.stdout.write(outcome.summary.line())
            for warning in outcome.summary.warnings:
                self.stderr.write(f"warning: {warning}")
        elif outcome.skipped:
            self.stderr.write(outcome.skipped)

    def fail(self, failed: list[SyncOutcome]) -> None:
        raise CommandError("MEGOGO sync failed for " + "; ".join(
            f"{o.system.name} (#{o.system.pk}): {o.error}" for o in failed))
