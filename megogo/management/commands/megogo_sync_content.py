"""`python manage.py megogo_sync_content [--load_actor_info] --settings=settings.<name>`

Imports MEGOGO's catalogue into the video library of every enabled MEGOGO integration (see
`megogo.sync.runner`). Safe from cron: while a run is going, another exits with a message. A
progress bar is drawn on a terminal; the summary line goes to stdout and the logs.
"""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from megogo.services import megogo_systems, sync_all


class Command(BaseCommand):
    help = "Sync films and series of MEGOGO into the video library (incremental)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--load_actor_info", action="store_true",
                            help="Also load actors and directors (takes longer).")
        parser.add_argument("--full", action="store_true",
                            help="Fetch every title again, changed or not (covers still only when changed).")
        parser.add_argument("--system", type=int, default=None, help="Only this integration (ExternalSystem id).")

    def handle(self, *args, **options) -> None:
        if not megogo_systems(system_id=options["system"]).exists():
            raise CommandError("No enabled integration with API class megogo_api_client"
                               + (f" and id {options['system']}" if options["system"] else "") + ".")
        outcomes = sync_all(load_actor_info=options["load_actor_info"], full=options["full"],
                            system_id=options["system"], progress_stream=sys.stderr)
        failed = []
        for outcome in outcomes:
            if outcome.summary is not None:
                self.stdout.write(outcome.summary.line())
                for warning in outcome.summary.warnings:
                    self.stderr.write(f"warning: {warning}")
            elif outcome.skipped:
                self.stderr.write(outcome.skipped)
            else:
                failed.append(f"{outcome.system.name} (#{outcome.system.pk}): {outcome.error}")
        if failed:
            raise CommandError("MEGOGO sync failed for " + "; ".join(failed))
