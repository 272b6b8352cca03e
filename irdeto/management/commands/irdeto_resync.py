"""`python manage.py irdeto_resync [--customer ID] [--client ID] [--system ID] [--dry-run]`

Compares the Irdeto CAS with what each customer should have (paired devices, product entitlements
and their dates) and sends only the differences. `--dry-run` lists the differences without
changing anything. Prints one line per change and per error, then a summary; exits non-zero when
any customer could not be brought in line. Also daily by Celery beat (`irdeto-resync`).
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from irdeto.selectors import irdeto_systems
from irdeto.services import resync


class Command(BaseCommand):
    help = "Compare the Irdeto CAS with the customers' devices and tariffs, and repair the differences."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--customer", type=int, default=None, help="Only this customer (id).")
        parser.add_argument("--client", type=int, default=None, help="Only this operator (client id).")
        parser.add_argument("--system", type=int, default=None, help="Only this integration (ExternalSystem id).")
        parser.add_argument("--dry-run", action="store_true", help="Report the differences, change nothing.")

    def handle(self, *args, **options) -> None:
        if not irdeto_systems(client_id=options["client"], system_id=options["system"]).exists():
            raise CommandError("No enabled integration with API class irdeto_api_client"
                               + (f" for client {options['client']}" if options["client"] else "")
                               + (f" with id {options['system']}" if options["system"] else "") + ".")
        dry_run = options["dry_run"]
        summary = resync(client_id=options["client"], customer_id=options["customer"], system_id=options["system"],
                         dry_run=dry_run)
        for line in summary.change_lines:
            self.stdout.write(f"{'[dry run] ' if dry_run else ''}{line}")
        for line in summary.error_lines:
            self.stderr.write(f"error: {line}")
        self.stdout.write(summary.line(dry_run=dry_run))
        if summary.errors:
            raise CommandError(f"{summary.errors} customer(s) could not be brought in line with the CAS.")
