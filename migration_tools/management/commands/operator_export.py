"""`manage.py operator_export --client ID --out FILE`: one operator's archive (docs/migration-tools.md)."""
from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from migration_tools.operator_transfer import export_operator, progress_bar


class Command(BaseCommand):
    help = ("Write everything one operator owns to a compressed, versioned archive (gzip'd JSON lines) that "
            "operator_import reads into another database of this middleware. Secrets are carried, never printed.")

    def add_arguments(self, parser):
        parser.add_argument("--client", type=int, required=True, help="The operator's id.")
        parser.add_argument("--out", required=True, help="The archive to write (e.g. operator-7.tvmw.gz).")
        parser.add_argument("--database", default="default", help="The database alias to read (default: default).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (they show on a terminal only).")

    def handle(self, *args, client: int, out: str, database: str, no_progress: bool, **options):
        if database not in connections.databases:
            raise CommandError(f"no database alias '{database}' in settings.DATABASES")
        directory = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(directory):
            raise CommandError(f"{out}: the folder {directory} does not exist")
        try:
            connections[database].ensure_connection()
        except Exception as exc:
            raise CommandError(f"database '{database}' is unreachable: {exc.__class__.__name__}") from None
        started = time.monotonic()
        partial = f"{out}.partial"
        try:
            result = export_operator(client, partial, using=database, progress=progress_bar(no_progress))
            os.replace(partial, out)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        seconds = time.monotonic() - started
        counts = {m["model"]: m for m in result.header["models"]}
        for label, entry in counts.items():
            if entry["count"]:
                sums = " ".join(f"{k}={v}" for k, v in entry["sums"].items())
                self.stdout.write(f"  {label:45} {entry['count']:>9}  {sums}".rstrip())
        self.stdout.write(
            f"operator_export: operator={client} models={len(counts)} rows={result.rows} "
            f"bytes={os.path.getsize(out)} seconds={seconds:.1f} file={out}")
