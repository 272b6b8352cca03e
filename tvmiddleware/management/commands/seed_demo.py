"""`manage.py seed_demo`: fill the database with the demo operators (safe to repeat)."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tvmiddleware import demo


class Command(BaseCommand):
    help = (
        "Create or refresh the demo data: 'Demo Operator' (client 1) with channels, a guide around "
        "today, tariffs, subscribers, a VOD catalogue and staff, and 'Other Operator' (client 2). "
        "Running it again refreshes the same rows and the guide without duplicating anything."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = demo.seed()
        if options["verbosity"] >= 1:
            headline, *details = summary.lines()
            self.stdout.write(self.style.SUCCESS(headline))
            for line in details:
                self.stdout.write(line)
