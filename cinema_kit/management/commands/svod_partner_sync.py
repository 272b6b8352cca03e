"""`svod_partner_sync` — the old name of the Start and PREMIER catalogue syncs, kept working.

    manage.py svod_partner_sync --settings=settings.production            # every enabled integration
    manage.py svod_partner_sync --system 7 --settings=settings.production # one integration

Syncs every enabled integration whose API class is an adapter of the assumed SVOD partner contract
(`cinema_kit.svod.GenericSvodPartnerAPI`: Start and PREMIER, under their current and old names).
Prefer the cinemas' own commands (`cinema_start_sync_content`, `cinema_premier_sync_content`).
"""
from __future__ import annotations

from cinema_kit.svod import GenericSvodPartnerAPI
from cinema_kit.sync import CatalogueSyncCommand
from tvmiddleware.plugins import registry


class Command(CatalogueSyncCommand):
    help = "Import the Start / PREMIER catalogues from the partners' feeds (old name of their sync commands)."

    nothing_to_sync = "no enabled Start or PREMIER integration"

    @property
    def api_classes(self) -> list[str]:  # type: ignore[override]
        return [name for name in registry if issubclass(registry.get(name), GenericSvodPartnerAPI)]
