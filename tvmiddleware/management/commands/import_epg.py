"""Import an XMLTV programme guide, from cron or by hand.

    manage.py import_epg --source 3                      # fetch the source's URL
    manage.py import_epg --source 3 --file guide.xml.gz  # a local copy instead
    manage.py import_epg --url https://epg.example/tv.xml.gz --client 1 [--name "Provider"]
    manage.py import_epg --url https://epg.example/tv.xml.gz --client 1 --file tv.xml.gz

A `--url` source is registered as the operator's `EpgSource` (found again by that URL next time).
Prints one summary line; exits with an error (nothing written) when the feed cannot be read.
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tvmiddleware.models import Client, EpgSource
from tvmiddleware.services.epg import (
    EpgImportError, epg_downloaded, epg_import_xmltv, epg_source_for_url, max_bytes,
)


class Command(BaseCommand):
    help = "Import an XMLTV guide (plain or gzipped) for an EPG source, from a file or its URL."

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, help="Id of an existing EPG source.")
        parser.add_argument("--url", help="Feed URL: the operator's source with this URL (created if missing).")
        parser.add_argument("--client", type=int, help="Operator (client) id, with --url.")
        parser.add_argument("--name", default="", help="Name of the source created for --url.")
        parser.add_argument("--file", help="Read the XMLTV data from this file instead of downloading it.")

    def handle(self, *args, source: int | None, url: str | None, client: int | None, name: str, file: str | None,
               **options):
        epg_source = self._source(source, url, client, name)
        try:
            with (nullcontext(self._checked(file)) if file else self._download(epg_source)) as path:
                result = epg_import_xmltv(source=epg_source, data=path)
        except EpgImportError as exc:
            raise CommandError(f"import_epg: source={epg_source.pk}: {exc.message}") from exc
        self.stdout.write(
            f"import_epg: source={epg_source.pk} channels={result['channels']} "
            f"created={result['programmes_created']} updated={result['programmes_updated']} "
            f"removed={result['programmes_removed']} skipped={result['skipped']} "
            f"linked={result['channels_linked']}"
        )

    def _source(self, source_id: int | None, url: str | None, client_id: int | None, name: str) -> EpgSource:
        if source_id is not None:
            if url or client_id is not None:
                raise CommandError("Give either --source, or --url with --client.")
            epg_source = EpgSource.objects.filter(pk=source_id).first()
            if epg_source is None:
                raise CommandError(f"EPG source {source_id} does not exist.")
            return epg_source
        if not url or client_id is None:
            raise CommandError("Give either --source ID, or --url URL with --client ID.")
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http(s) URL.")
        operator = Client.objects.filter(pk=client_id).first()
        if operator is None:
            raise CommandError(f"Client {client_id} does not exist.")
        return epg_source_for_url(client=operator, url=url, name=name)

    @staticmethod
    def _checked(path: str) -> Path:
        """The file, read as a stream by the import (a gzipped one is unpacked on the fly)."""
        file = Path(path)
        try:
            if file.stat().st_size > max_bytes():
                raise CommandError(f"{path} is larger than {max_bytes()} bytes.")
            with file.open("rb"):
                pass
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        return file

    @staticmethod
    def _download(epg_source: EpgSource):
        if not epg_source.url:
            raise CommandError(f"EPG source {epg_source.pk} has no URL: give --file.")
        return epg_downloaded(epg_source.url)
