"""Import an operator's subscribers from OFT middleware's database (docs/migration-tools.md, "Import
from OFT").

    manage.py import_oft --source mysql://reader:secret@oft-db:3306/oft --map oft-map.toml \\
        [--client 1] [--dry-run] [--new-pins pins.csv] [--no-progress]

The map, the operator, OFT's tables and columns are all checked and OFT's rows read before anything
is written (CommandError, one line). Then everything is written in one transaction (`--dry-run` rolls
it back, with the same report). Problems with single rows and the unmapped device types, tariffs and
data centres go to stderr; the accounts without passwords (they log in by device UID) are counted on
stdout, or, with `--new-pins`, get new PINs written to that CSV only. The last line on stdout is the
summary for cron logs. A second run creates nothing.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from migration_tools import oft


class Command(BaseCommand):
    help = ("Import customers, contracts, bank accounts, accounts, devices, dealers and tariff subscriptions "
            "from OFT middleware's MySQL database.")

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True,
                            help="OFT's database: mysql://user:password@host:3306/database (read only).")
        parser.add_argument("--map", required=True, type=Path, dest="map_path",
                            help="The map file (TOML, or YAML when it ends in .yaml/.yml).")
        parser.add_argument("--client", default=None, help="The operator (client) id; wins over the map's operator.")
        parser.add_argument("--dry-run", action="store_true", help="Do everything, then roll it back.")
        parser.add_argument("--new-pins", type=Path, default=None,
                            help="Give each new account a PIN and write `abonement;pin` lines to this new CSV.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        started = time.monotonic()
        dry_run = options["dry_run"]
        try:
            plan = oft.prepare(source_url=options["source"], map_path=options["map_path"],
                               client_id=options["client"], pins_path=options["new_pins"])
        except oft.ImportRefused as exc:
            raise CommandError("nothing imported: " + "; ".join(exc.problems)) from None
        show = not options["no_progress"] and sys.stderr.isatty()
        bars = []

        def progress(label: str, total: int):
            if not show or not total:
                return lambda _n: None
            bar = tqdm(total=total, desc=label, unit="account", leave=False, file=sys.stderr)
            bars.append(bar)
            return bar.update

        try:
            oft.run(plan, dry_run=dry_run, progress=progress)
        except oft.ImportRefused as exc:
            raise CommandError("nothing imported: " + "; ".join(exc.problems)) from None
        except DatabaseError as exc:  # the transaction is rolled back: nothing is left behind
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(f"nothing imported: the database refused a write ({first}); run again") from None
        finally:
            for bar in bars:
                bar.close()
        for line in plan.reported:
            self.stderr.write(line)
        if plan.without_password:
            self.stdout.write(f"accounts without passwords: {len(plan.without_password)} (they log in by device "
                              "UID; run with --new-pins FILE to give new accounts PINs)")
            if options["verbosity"] > 1:
                self.stdout.write("  " + " ".join(plan.without_password))
        if plan.unreachable:
            self.stdout.write(f"accounts without a password and without a device: {len(plan.unreachable)} (they "
                              "cannot log in until a device is bound or a password is set): "
                              + " ".join(plan.unreachable))
        if plan.pins:
            where = "not written (dry run)" if dry_run else f"written to {plan.pins_path}"
            self.stdout.write(f"new PINs: {len(plan.pins)} {where}")
        self.stdout.write(oft.summary(plan, time.monotonic() - started, dry_run=dry_run))
