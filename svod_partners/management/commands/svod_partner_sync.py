"""Import the catalogue of the generic SVOD partners (Start, PREMIER), incrementally.

    manage.py svod_partner_sync --settings=settings.production            # every enabled integration
    manage.py svod_partner_sync --system 7 --settings=settings.production # one integration

Add it to crontab (e.g. nightly). Prints one line per integration; exits with an error status when
one failed (details in the log). Titles that did not change are not rewritten.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from svod_partners.plugins import API_CLASSES
from svod_partners.sync import NoSuchSystem, sync_all, systems_to_sync


class Command(BaseCommand):
    help = "Import the Start / PREMIER catalogues from the partners' feeds (JSON or XML)."

    def add_arguments(self, parser):
        parser.add_argument("--system", type=int, help="Only this integration (ExternalSystem id).")

    def handle(self, *args, system: int | None, **options):
        try:
            systems = systems_to_sync(api_classes=API_CLASSES, system_id=system)
        except NoSuchSystem as exc:
            raise CommandError(f"svod_partner_sync: {exc}") from exc
        if not systems:
            self.stdout.write("svod_partner_sync: no enabled Start or PREMIER integration")
            return
        outcomes = sync_all(systems)
        for outcome in outcomes:
            self.stdout.write(outcome.line())
        failed = sum(1 for o in outcomes if o.error)
        if failed:
            raise CommandError(f"svod_partner_sync: {failed} integration(s) failed, see the log")
