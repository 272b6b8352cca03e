"""Renew tvzavr subscriptions of customers who hold the subscription tariff (DEPRECATED service).

    0 3 * * * python manage.py tvzavr_renew_subscriptions --settings=settings.production

Schedule it next to `check_accounts` (see `tvzavr.renewals`). Prints one summary line; exits with
an error status when a call to tvzavr failed (the next run tries again).
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tvzavr.renewals import renew_all


class Command(BaseCommand):
    help = "Renew tvzavr subscriptions near their end (deprecated: the service has closed)."

    def add_arguments(self, parser):
        parser.add_argument("--system", type=int, help="Only this integration (ExternalSystem id).")
        parser.add_argument("--client", type=int, help="Only this operator's integrations (client id).")
        parser.add_argument("--dry-run", action="store_true", help="Count the customers that are due; call nothing.")

    def handle(self, *args, system: int | None, client: int | None, dry_run: bool, **options):
        counts = renew_all(system_id=system, client_id=client, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"tvzavr renewals (dry run): due {counts.get('due', 0)}")
            return
        keys = ("subscribed", "renewed", "unsubscribed", "unchanged", "errors")
        self.stdout.write("tvzavr renewals: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in keys))
        if counts.get("errors"):
            raise CommandError(f"tvzavr_renew_subscriptions: {counts['errors']} error(s), see the log")
