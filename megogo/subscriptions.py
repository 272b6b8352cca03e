"""SVOD: customers holding `tariff_id` or any of `additional_tariffs_ids` are subscribed at MEGOGO.

The tariff hooks (domain events, retried by the outbox while MEGOGO is down) do not replay the
event: they make MEGOGO match the customer's *current* tariffs. Subscribed when the customer holds
at least one SVOD tariff (the partner user is created first if needed), unsubscribed when the last
one is gone. So a delayed or repeated delivery, or deliveries arriving out of order, end in the
right state, and a repeated call is harmless (subscribe/unsubscribe are idempotent at MEGOGO).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tvmiddleware.models import Customer, TariffSubscription
from tvmiddleware.plugins import PluginError

from .client import MegogoRefused
from .models import MegogoSubscriber

if TYPE_CHECKING:
    from .plugin import MegogoAPI

logger = logging.getLogger("megogo.svod")


def partner_identifier(customer: Customer) -> str:
    """The customer's user id at MEGOGO (`identifier`, `userId`, `isdn`): stable and unique per operator."""
    return f"{customer.client_id}-{customer.pk}"


def holds_svod(api: "MegogoAPI", customer: Customer) -> bool:
    """Does the customer hold an open subscription to one of the SVOD tariffs? A granted
    (non-periodical) one whose end date has passed no longer counts, as in the core's access rules;
    `check_accounts` then closes it, which unsubscribes the customer here."""
    ids = api.config.svod_tariff_ids
    return bool(ids) and TariffSubscription.objects.for_client(customer.client_id).filter(
        customer_id=customer.pk, tariff_id__in=ids, is_closed=False).exclude(
        is_periodical=False, end_date__lte=timezone.now()).exists()


def subscriber_for(api: "MegogoAPI", customer: Customer, *, lock: bool = False) -> MegogoSubscriber:
    """The customer's partner-user row (created if missing; locked when asked)."""
    subscriber, _ = MegogoSubscriber.objects.get_or_create(
        external_system=api.external_system, customer=customer,
        defaults={"client_id": customer.client_id, "identifier": partner_identifier(customer)})
    if lock:
        subscriber = MegogoSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    return subscriber


def ensure_partner_user(api: "MegogoAPI", subscriber: MegogoSubscriber) -> None:
    """Create the partner user at MEGOGO once. A refusal (the user exists already) is fine: the
    calls that follow fail clearly if the user really is missing."""
    if subscriber.user_created:
        return
    try:
        api.megogo.user_create(subscriber.identifier)
    except MegogoRefused as exc:
        logger.info("megogo user/create %s refused (%s); assuming the user exists", subscriber.identifier, exc)
    subscriber.user_created = True
    subscriber.save(update_fields=["user_created", "updated_at"])


def sync_customer(api: "MegogoAPI", customer: Customer) -> bool | None:
    """Make MEGOGO's SVOD state of the customer match their tariffs. Returns True subscribed,
    False unsubscribed, None nothing to do (never subscribed and holds no SVOD tariff)."""
    service = api.config.svod_service_id
    if not service:
        raise PluginError("svod_service_id is not configured for this MEGOGO integration")
    # The row lock serialises concurrent deliveries for the customer, so their partner calls
    # cannot interleave (a subscribe read before an unsubscribe landing after it).
    with transaction.atomic():
        subscriber = subscriber_for(api, customer, lock=True)
        if holds_svod(api, customer):
            ensure_partner_user(api, subscriber)
            api.megogo.subscribe(subscriber.identifier, service)
            wanted = True
        elif subscriber.user_created:
            api.megogo.unsubscribe(subscriber.identifier, service)
            wanted = False
        else:
            return None
        subscriber.subscribed = wanted
        subscriber.save(update_fields=["subscribed", "updated_at"])
    logger.info("megogo svod: customer %s %s (integration #%s)", customer.pk,
                "subscribed" if wanted else "unsubscribed", api.external_system.pk)
    return wanted


def on_tariff_change(api: "MegogoAPI", *, customer_id: int, tariff_id: int) -> None:
    """Hook body of `on_tariff_assigned` / `on_tariff_removed`: only SVOD tariffs matter."""
    if tariff_id not in api.config.svod_tariff_ids:
        return
    customer = Customer.objects.for_client(api.external_system.client_id).filter(pk=customer_id).first()
    if customer is None:  # deleted since: the partner user is dropped with the customer's rows
        return
    sync_customer(api, customer)
