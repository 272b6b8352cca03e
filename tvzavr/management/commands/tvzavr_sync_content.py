"""Import the tvzavr catalogue (DEPRECATED: tvzavr has closed; kept working as documented).

    python manage.py tvzavr_sync_content --settings=settings.<settings filename>
    python manage.py tvzavr_sync_content --system 5

Syncs every enabled `tvzavr_api_client` integration (or the one given): all catalogue pages are
fetched first, then imported incrementally — new titles created, changed ones updated, unchanged
ones not written, titles gone from tvzavr made unavailable — with the catalogue and subscription
tariffs attached. Add it to crontab. Exits with an error status when an integration failed.
"""
from __future__ import annotations

from cinema_kit.sync import CatalogueSyncCommand
from tvzavr.plugin import API_CLASS


class Command(CatalogueSyncCommand):
    help = "Import the tvzavr catalogue (deprecated: the service has closed)."

    api_classes = [API_CLASS]
    nothing_to_sync = "no enabled tvzavr integration"
