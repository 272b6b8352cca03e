"""Import the catalogue of the generic SVOD partners (Start, PREMIER), incrementally.

    manage.py svod_partner_sync --settings=settings.production            # every enabled integration
    manage.py svod_partner_sync --system 7 --settings=settings.production # one integration

Add it to crontab (e.g. nightly). Prints one line per integration; exits with an error status when
one failed (details in the log). Titles that did not change are not rewritten.
"""
from __future__ import annotations

from svod_partners.plugins import API_CLASSES
from svod_partners.sync import CatalogueSyncCommand


class Command(CatalogueSyncCommand):
    help = "Import the Start / PREMIER catalogues from the partners' feeds (JSON or XML)."

    api_classes = API_CLASSES
    nothing_to_sync = "no enabled Start or PREMIER integration"
