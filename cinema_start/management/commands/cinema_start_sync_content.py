"""Import the Start catalogue, incrementally (Smarty's `cinema_start_sync_content`).

    manage.py cinema_start_sync_content --settings=settings.production            # every integration
    manage.py cinema_start_sync_content --system 7 --settings=settings.production # one integration

Add it to crontab (e.g. nightly). Prints one line per integration; exits with an error status when
one failed (details in the log). Titles that did not change are not rewritten; Start genres bound in
the genre map (`StartGenreMap`) are applied.
"""
from __future__ import annotations

from cinema_kit.sync import CatalogueSyncCommand
from cinema_start.plugin import API_CLASS
from cinema_start.apps import CinemaStartConfig


class Command(CatalogueSyncCommand):
    help = "Import the Start catalogue from the partner's feed (JSON or XML)."

    api_classes = [API_CLASS, *CinemaStartConfig.api_class_aliases]
    nothing_to_sync = "no enabled Start integration"
