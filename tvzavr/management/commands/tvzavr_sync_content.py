"""Import the tvzavr catalogue (DEPRECATED: tvzavr has closed; kept working as documented).

    python manage.py tvzavr_sync_content --settings=settings.<settings filename>
    python manage.py tvzavr_sync_content --system 5

Syncs every enabled `tvzavr_api_client` integration (or the one given): all catalogue pages are
fetched first, then imported incrementally — new titles created, changed ones updated, unchanged
ones not written, titles gone from tvzavr made unavailable — with the catalogue and subscription
tariffs attached. Add it to crontab. Exits with an error status when an integration failed.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from svod_partners.sync import NoSuchSystem, sync_all, systems_to_sync
from tvzavr.api import API_CLASS


class Command(BaseCommand):
    help = "Import the tvzavr catalogue (deprecated: the service has closed)."

    def add_arguments(self, parser):
        parser.add_argument("--system", type=int, help="Only this integration (ExternalSystem id).")

    def handle(self, *args, system: int | None, **options):
        try:
            systems = systems_to_sync(api_classes=[API_CLASS], system_id=system)
        except NoSuchSystem as exc:
            raise CommandError(f"tvzavr_sync_content: {exc}") from exc
        if not systems:
            self.stdout.write("tvzavr_sync_content: no enabled tvzavr integration")
            return
        outcomes = sync_all(systems)
        for outcome in outcomes:
            self.stdout.write(outcome.line())
        failed = sum(1 for o in outcomes if o.error)
        if failed:
            raise CommandError(f"tvzavr_sync_content: {failed} integration(s) failed, see the log")
