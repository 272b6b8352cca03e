"""The periodic run of the built-in billing (and of billing plugins' account checks).

    0 * * * * python manage.py check_accounts --settings=settings.production
    manage.py check_accounts --client 3 --dry-run
    manage.py check_accounts --now 2026-01-31T03:00:00+00:00     # as if run at that moment (tests)

Each operator is processed in its own billing mode (see `billing.modes`). Safe to run while another
run (cron on another machine, the Celery beat task `billing.tasks.check_accounts`) is active.
Prints one summary line; exits with an error status when something failed (details in the log).
"""
from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from billing.modes import check_accounts
from tvmiddleware.models import Client


def parse_now(value: str) -> datetime:
    parsed = parse_datetime(value.strip())
    if parsed is None:
        raise CommandError(f"--now: not an ISO 8601 date and time: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "Run the billing modes: account dates (I), periodic tariff charging (II), plugins' account checks."

    def add_arguments(self, parser):
        parser.add_argument("--client", type=int, help="Only this operator (client id).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing and "
                            "call no billing plugin.")
        parser.add_argument("--now", help="ISO 8601 moment to run as (default: now).")

    def handle(self, *args, client: int | None, dry_run: bool, now: str | None, **options):
        if client is not None and not Client.objects.filter(pk=client, enabled=True).exists():
            raise CommandError(f"check_accounts: no enabled client {client}")
        summary = check_accounts(client_id=client, now=parse_now(now) if now else None, dry_run=dry_run)
        self.stdout.write(summary.line(dry_run=dry_run))
        if summary.errors:
            raise CommandError(f"check_accounts: {summary.errors} error(s), see the log")
