"""`manage.py operator_import FILE [--dry-run]`: read an operator's archive (docs/migration-tools.md)."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from migration_tools.operator_transfer import import_operator, progress_bar


class Command(BaseCommand):
    help = ("Import an operator archive written by operator_export: one transaction, ids remapped where this "
            "database already uses them, a second import of the same operator updates it. Ends with a "
            "verification report (rows and decimal sums per model, source vs target) that must match.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive written by operator_export.")
        parser.add_argument("--dry-run", action="store_true", help="Do everything, report, and roll back.")
        parser.add_argument("--database", default="default", help="The database alias to write (default: default).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (they show on a terminal only).")

    def handle(self, *args, archive: str, dry_run: bool, database: str, no_progress: bool, **options):
        if database not in connections.databases:
            raise CommandError(f"no database alias '{database}' in settings.DATABASES")
        started = time.monotonic()
        result = import_operator(archive, using=database, dry_run=dry_run, progress=progress_bar(no_progress))
        seconds = time.monotonic() - started
        out = self.stdout
        operator = result.header["operator"]
        out.write(f"Operator {operator['id']} ({operator['name']}) of installation {result.header['installation']} "
                  f"→ operator {result.target_client_id} here{' (dry run: nothing kept)' if dry_run else ''}")
        out.write(f"  {'model':45} {'source':>9} {'target':>9} {'created':>8} {'updated':>8} {'deleted':>8}  check")
        created = updated = unchanged = deleted = 0
        for row in result.verification:
            outcome = result.outcomes.get(row["model"])
            c, u, d = (outcome.created, outcome.updated, outcome.deleted) if outcome else (0, 0, 0)
            created += c
            updated += u
            deleted += d
            unchanged += outcome.unchanged if outcome else 0
            if not (row["source"] or row["target"] or d):
                continue
            out.write(f"  {row['model']:45} {row['source']:>9} {row['target']:>9} {c:>8} {u:>8} {d:>8}  "
                      f"{'ok' if row['match'] else 'MISMATCH'}")
            for name, source, target in row["sums"]:
                out.write(f"      sum {name}: source {source} target {target}")
        for note in result.notes:
            out.write(f"  note: {note}")
        summary = (f"operator_import: operator={operator['id']} target={result.target_client_id} created={created} "
                   f"updated={updated} unchanged={unchanged} deleted={deleted} verified={'yes' if result.matches else 'no'} "
                   f"dry_run={'yes' if dry_run else 'no'} seconds={seconds:.1f}")
        if not result.matches:
            raise CommandError("the verification does not match (nothing was kept): " + ", ".join(
                row["model"] for row in result.verification if not row["match"]) + "\n" + summary)
        out.write(summary)
