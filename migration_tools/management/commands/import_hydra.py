"""Import subscribers from Hydra billing's exports (docs/migration-tools.md, "Import from Hydra billing").

    manage.py import_hydra --client 1 --customers billing_customers.csv --devices billing_devices.csv \\
        --tariff-map hydra-tariffs.toml [--device-type mag] [--encoding cp1251] [--dry-run] [--no-progress]

All three files are read and checked before anything is written; a problem with a file as a whole
stops the command (CommandError listing every problem, with line numbers), a problem with one row is
reported (`<file> line N: ...` on stderr) and that row skipped. Then everything is written in one
transaction (all or nothing; `--dry-run` rolls it back and prints the same report). A second run
creates nothing. The last line on stdout is the summary for cron logs.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, OperationalError
from tqdm import tqdm

from migration_tools import hydra


class Command(BaseCommand):
    help = "Import customers, accounts, tariffs and devices from Hydra billing's CSV exports."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="The operator (client) id to import into.")
        parser.add_argument("--customers", required=True, type=Path,
                            help="billing_customers.csv: `user id;account id;tariff id`.")
        parser.add_argument("--devices", required=True, type=Path,
                            help="billing_devices.csv: `-;account id;-;MAC;serial`.")
        parser.add_argument("--tariff-map", required=True, type=Path,
                            help="TOML: [tariffs] \"our tariff id or name\" = [Hydra tariff ids].")
        parser.add_argument("--device-type", default=None,
                            help="System name of the devices' type (default: the map's device_type, else mag).")
        parser.add_argument("--encoding", default="utf-8-sig", help="Encoding of the two CSV files (default UTF-8).")
        parser.add_argument("--dry-run", action="store_true", help="Do everything, then roll it back.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            plan = hydra.plan(client_id=options["client"], customers=options["customers"],
                              devices=options["devices"], tariff_map=options["tariff_map"],
                              device_type=options["device_type"], encoding=options["encoding"])
        except hydra.ImportRefused as exc:
            raise CommandError("nothing imported: " + "; ".join(exc.problems)) from None
        except OperationalError as exc:
            raise CommandError(f"nothing imported: the database cannot be reached ({str(exc).splitlines()[0]})") from None
        for line in plan.reported:  # the rows skipped while reading, before anything is written
            self.stderr.write(line)
        read_problems = len(plan.reported)
        show = not options["no_progress"] and sys.stderr.isatty()
        bars = []

        def progress(label: str, total: int):
            if not show or not total:
                return lambda _n: None
            bar = tqdm(total=total, desc=label, unit="row", disable=False, leave=False, file=sys.stderr)
            bars.append(bar)
            return bar.update

        try:
            hydra.run(plan, dry_run=options["dry_run"], progress=progress)
        except IntegrityError as exc:  # a row written meanwhile by someone else: the transaction is gone
            raise CommandError("nothing imported: a row conflicts with one written meanwhile "
                               f"({str(exc).splitlines()[0]}); run the import again") from None
        finally:
            for bar in bars:
                bar.close()
        for line in plan.reported[read_problems:]:  # conflicts with rows already here
            self.stderr.write(line)
        self.stdout.write(hydra.summary(plan, time.monotonic() - started, dry_run=options["dry_run"]))
