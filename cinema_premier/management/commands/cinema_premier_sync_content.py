"""Import the PREMIER catalogue, incrementally.

    manage.py cinema_premier_sync_content --settings=settings.production            # every integration
    manage.py cinema_premier_sync_content --system 7 --settings=settings.production # one integration

Add it to crontab (e.g. nightly). Prints one line per integration; exits with an error status when
one failed (details in the log). Titles that did not change are not rewritten.
"""
from __future__ import annotations

from cinema_kit.sync import CatalogueSyncCommand
from cinema_premier.plugin import API_CLASS
from cinema_premier.apps import CinemaPremierConfig


class Command(CatalogueSyncCommand):
    help = "Import the PREMIER catalogue from the partner's feed (JSON or XML)."

    api_classes = [API_CLASS, *CinemaPremierConfig.api_class_aliases]
    nothing_to_sync = "no enabled PREMIER integration"
