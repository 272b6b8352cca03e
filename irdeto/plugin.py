"""`irdeto_api_client`: the Irdeto CAS integration as the middleware sees it (see `tvmiddleware.plugins`).

Every domain event that can change what a customer's devices may decrypt (a tariff assigned or
removed, an account blocked or unblocked, a device bound or released) makes the CAS match the
customer's current state (`services.sync_customer`). A CAS that is down or refuses raises
`PluginError`, so the outbox retries the delivery with backoff: an outage delays a change, never
loses it, and deliveries that arrive late or out of order still end in the current state.
"""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tvmiddleware.plugins import ExternalSystemAPI, PluginError

from . import config as irdeto_config
from .client import IrdetoClient
from .selectors import API_CLASS

if TYPE_CHECKING:
    from tvmiddleware.models import DomainEvent

    from .services import SyncResult

__all__ = ["API_CLASS", "IrdetoAPI"]


class IrdetoAPI(ExternalSystemAPI):
    """Irdeto CAS: subscribers, paired devices and product entitlements kept in step over SOAP."""

    verbose_name = "Irdeto CAS (irdeto_api_client)"
    # Every hook re-derives the customer's whole CAS state (see `_sync_for`).
    hooks_converge_in_any_order = True

    @classmethod
    def validate_attributes(cls, attributes: dict[str, str]) -> dict[str, str]:
        return irdeto_config.validate(attributes)

    @cached_property
    def config(self) -> irdeto_config.IrdetoSettings:
        return irdeto_config.parse(self.attributes)

    @cached_property
    def cas(self) -> IrdetoClient:
        return IrdetoClient(self.config)

    def close(self) -> None:
        if "cas" in self.__dict__:
            self.cas.close()

    def sync_customer(self, customer_id: int, *, dry_run: bool = False, force: bool = False) -> "SyncResult":
        from .services import sync_customer

        return sync_customer(api=self, customer_id=customer_id, dry_run=dry_run, force=force)

    def _sync_for(self, event: "DomainEvent") -> None:
        customer_id = event.customer_id or (event.payload or {}).get("customer_id")
        if not customer_id:
            return
        try:
            result = self.sync_customer(int(customer_id))
        finally:
            self.close()
        if result.errors:
            raise PluginError(f"Irdeto CAS of customer {result.cas_customer_id}: " + "; ".join(result.errors))

    # Each hook re-derives the customer's whole CAS state: idempotent and order-independent.
    def on_tariff_assigned(self, event: "DomainEvent") -> None:
        self._sync_for(event)

    def on_tariff_removed(self, event: "DomainEvent") -> None:
        self._sync_for(event)

    def on_account_status_changed(self, event: "DomainEvent") -> None:
        self._sync_for(event)

    def on_device_added(self, event: "DomainEvent") -> None:
        self._sync_for(event)

    def on_device_removed(self, event: "DomainEvent") -> None:
        self._sync_for(event)
