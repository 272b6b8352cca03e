"""Which billing answers for a customer: the operator's own billing (a plugin) or the built-in ledger.

Resolution, the same everywhere (device API, services, `check_accounts`):
1. the customer's `custom_billing_api`, when it is enabled and its class is an installed billing plugin;
2. else the operator's enabled integration marked "default for billing", under the same conditions;
3. else None: the built-in ledger is the billing.
"""
from __future__ import annotations

import logging
from decimal import Decimal

from tvmiddleware.models import Client, Customer, ExternalSystem
from tvmiddleware.plugins import PluginError, registry

from ..plugins import BillingPluginBase
from . import customer_balance

logger = logging.getLogger(__name__)


def is_billing_class(api_class: str) -> bool:
    """True when `api_class` is installed and is a billing plugin."""
    return api_class in registry and issubclass(registry.get(api_class), BillingPluginBase)


def billing_plugin_of(system: ExternalSystem | None) -> BillingPluginBase | None:
    """The plugin instance of an integration, if it is enabled and a billing plugin."""
    if system is None or not system.enabled:
        return None
    if not is_billing_class(system.api_class):
        logger.warning("integration #%s (%s) is used for billing but its API class is not an installed "
                       "billing plugin; the built-in ledger is used", system.pk, system.api_class)
        return None
    return system.get_api()


def default_billing_system(*, client: Client | int) -> ExternalSystem | None:
    """The operator's enabled integration marked "default for billing" (at most one exists)."""
    return (ExternalSystem.objects.for_client(client)
            .filter(enabled=True, is_default_for_billing=True).first())


def billing_plugin_for(customer: Customer) -> BillingPluginBase | None:
    """The billing plugin that answers for this customer, or None for the built-in ledger."""
    if customer.custom_billing_api_id is not None:
        own = billing_plugin_of(customer.custom_billing_api)
        if own is not None:
            return own
    return billing_plugin_of(default_billing_system(client=customer.client_id))


def billing_system_ids(*, client: Client | int) -> tuple[set[int], int | None]:
    """For batch work (`check_accounts`): ids of the operator's enabled billing-plugin integrations,
    and the id of the default one (or None). One query."""
    ids: set[int] = set()
    default_id = None
    for pk, api_class, is_default in (ExternalSystem.objects.for_client(client).filter(enabled=True)
                                      .values_list("pk", "api_class", "is_default_for_billing")):
        if is_billing_class(api_class):
            ids.add(pk)
            if is_default:
                default_id = pk
    return ids, default_id


def customer_balance_view(customer: Customer) -> Decimal:
    """The balance to show the subscriber: the plugin's when it keeps one, else the ledger's.

    If the operator's billing cannot be reached the ledger's figure is shown (and the failure
    logged) rather than failing the subscriber's screen.
    """
    plugin = billing_plugin_for(customer)
    if plugin is not None:
        try:
            balance = plugin.get_balance(customer=customer)
        except (PluginError, OSError) as exc:
            logger.warning("customer %s: balance from integration #%s failed (%s); showing the ledger",
                           customer.pk, plugin.external_system.pk, exc)
        else:
            if balance is not None:
                return Decimal(balance)
    return customer_balance(customer=customer)


def purchases_billed_externally(customer: Customer) -> bool:
    """True when this customer's purchases are billed by the operator's billing: `billing.purchases`
    then sells in its EXTERNAL_BILLING mode (the plugin's `charge_purchase`, no local balance check)."""
    plugin = billing_plugin_for(customer)
    return plugin is not None and plugin.purchases_external
