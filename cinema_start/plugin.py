"""`cinema_start_api_client`: Start (start.ru), an SVOD online cinema.

Named as Smarty names it (module `cinema_start`, API class `cinema_start_api_client`, command
`cinema_start_sync_content`, the genre map `StartGenreMap`); the old API class name
`start_api_client` stays registered for integrations saved under it. The adapter is the cinema kit's
assumed SVOD contract (`cinema_kit.svod`: attributes, SVOD hooks, catalogue feed) with Start's
extras: the operator's genre map applied by the catalogue import, and viewing statistics sent to
Start from the device types the operator switched on (`cinema_start.statistics`).
"""
from __future__ import annotations


from cinema_kit.http import parse_timeout
from cinema_kit.records import TitleRecord
from cinema_kit.svod import GenericSvodPartnerAPI

from .client import StartClient
from .models import StartGenreMap

API_CLASS = "cinema_start_api_client"
OLD_API_CLASS = "start_api_client"


class StartAPI(GenericSvodPartnerAPI):
    """Start (start.ru): SVOD partner, pending the partner's specification."""

    verbose_name = "Start (cinema_start_api_client)"
    partner_name = "start"

    @property
    def partner(self) -> StartClient:
        if self._partner is None:
            self._partner = StartClient(
                partner=self.partner_name, system_id=self.external_system.pk,
                api_url=self.attribute("api_url").strip(),
                token=(self.attribute("api_token") or self.attribute("api_key")).strip(),
                service_id=self.attribute("service_id").strip(), timeout=parse_timeout(self.attribute("timeout")))
        return self._partner

    def genre_map(self, titles: list[TitleRecord]) -> dict[str, int]:
        """List the feed's Start genres in the operator's `StartGenreMap` (new ones unbound, names
        refreshed), and return the bound ones: {Start genre id: operator genre id}."""
        seen: dict[str, str] = {}
        for title in titles:
            for genre in title.genres:
                if genre.ext_id:
                    seen.setdefault(genre.ext_id, genre.name)
        return StartGenreMap.sync_partner_genres(self.external_system, seen)
