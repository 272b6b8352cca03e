"""`cinema_premier_api_client`: PREMIER (premier.one), an SVOD online cinema.

PREMIER publishes no partner API: the adapter is the cinema kit's assumed SVOD contract
(`cinema_kit.svod`: attributes, SVOD hooks, catalogue feed), named for PREMIER. The old API class
name `premier_api_client` stays registered for integrations saved under it.
"""
from __future__ import annotations

from cinema_kit.svod import GenericSvodPartnerAPI

API_CLASS = "cinema_premier_api_client"


class PremierAPI(GenericSvodPartnerAPI):
    """PREMIER (premier.one): SVOD partner, pending the partner's specification."""

    verbose_name = "PREMIER (cinema_premier_api_client)"
    partner_name = "premier"
