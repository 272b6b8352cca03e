"""`manage.py seed_demo`: create the demo operators where they are missing (safe to repeat)."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import builder


class Command(BaseCommand):
    help = (
        "Create the demo data where it is missing: 'Demo Operator' (client 1) with channels, a guide "
        "around today, tariffs, subscribers, a VOD catalogue and staff, and 'Other Operator' (client 2). "
        "Running it again creates only what is missing and tops the guide up to today; it never "
        "overwrites what exists, so the operator's edits survive. Refused under production settings "
        "(it creates the admin/admin superuser) unless --allow-production is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Seed even though the settings are production's (creates admin/admin: change it at once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "SEED_DEMO_ALLOWED", True) and not options["allow_production"]:
            raise CommandError(
                "seed_demo refused: these are production settings and the demo creates the superuser "
                "admin/admin. Run it with --allow-production if you really want demo data here."
            )
        summary = builder.seed()
        if options["verbosity"] >= 1:
            headline, *details = summary.lines()
            self.stdout.write(self.style.SUCCESS(headline))
            for line in details:
                self.stdout.write(line)
