"""Reads of the core domain. Every tenant query starts from `<Model>.objects.for_client(client)`."""
from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ..models import (
    Account, AccountDevice, Channel, Client, Customer, Message, MessageRead, StreamService, Tariff, TariffSubscription,
)
from common.errors import NotFound


def client_get(*, client_id: int | str) -> Client:
    try:
        return Client.objects.get(pk=int(client_id), enabled=True)
    except (Client.DoesNotExist, TypeError, ValueError):
        raise NotFound("Client not found.") from None


def customer_get(*, client: Client, customer_id: int | str | None = None, ext_id: str | None = None) -> Customer:
    """A customer by our id or by the operator billing's `ext_id` (ext_id wins when both are given)."""
    queryset = Customer.objects.for_client(client)
    try:
        if ext_id:
            return queryset.get(ext_id=ext_id)
        if customer_id not in (None, ""):
            return queryset.get(pk=int(customer_id))
    except (Customer.DoesNotExist, TypeError, ValueError):
        pass
    raise NotFound("Customer not found.")


def account_get(*, client: Client, account_id: int | str | None = None, abonement: str | None = None) -> Account:
    queryset = Account.objects.for_client(client).select_related("customer")
    try:
        if account_id not in (None, ""):
            return queryset.get(pk=int(account_id))
        if abonement not in (None, ""):
            return queryset.get(abonement=str(abonement))
    except (Account.DoesNotExist, TypeError, ValueError):
        pass
    raise NotFound("Account not found.")


def account_by_device_uid(*, client: Client, device_uid: str) -> Account | None:
    device = (AccountDevice.objects.for_client(client).select_related("account", "account__customer")
              .filter(device_uid=device_uid).first())
    return device.account if device else None


def tariff_get(*, client: Client, tariff_id: int | str | None = None, ext_id: str | None = None) -> Tariff:
    queryset = Tariff.objects.for_client(client)
    try:
        if tariff_id not in (None, ""):
            return queryset.get(pk=int(tariff_id))
        if ext_id:
            return queryset.get(ext_id=ext_id)
    except (Tariff.DoesNotExist, TypeError, ValueError):
        pass
    raise NotFound("Tariff not found.")


def customer_open_subscriptions(*, customer: Customer) -> QuerySet[TariffSubscription]:
    return (TariffSubscription.objects.for_client(customer.client_id)
            .filter(customer=customer, is_closed=False).select_related("tariff").order_by("id"))


def customer_tariffs(*, customer: Customer) -> QuerySet[Tariff]:
    """Tariffs the customer holds now."""
    return Tariff.objects.for_client(customer.client_id).filter(
        subscriptions__customer=customer, subscriptions__is_closed=False
    ).distinct()


def customer_channels(*, customer: Customer) -> QuerySet[Channel]:
    """Enabled channels the customer's tariffs open."""
    return Channel.objects.for_client(customer.client_id).filter(
        enabled=True, tariffs__subscriptions__customer=customer, tariffs__subscriptions__is_closed=False,
        tariffs__enabled=True,
    ).distinct()


def stream_services_for(*, client: Client, type: str, exclude_ids: list[int] | None = None) -> QuerySet[StreamService]:
    """Enabled services of a type, in failover order."""
    queryset = StreamService.objects.for_client(client).filter(enabled=True, type=type)
    if exclude_ids:
        queryset = queryset.exclude(pk__in=exclude_ids)
    return queryset.order_by("priority", "id")


def account_messages(*, client: Client | int, account_id: int, now: datetime | None = None) -> QuerySet[Message]:
    """Messages an account may read now (or at `now`): its own and the operator's broadcasts, not
    expired, and not deleted by the subscriber (`message/delete`)."""
    deleted = MessageRead.objects.filter(message=OuterRef("pk"), account_id=account_id, deleted_at__isnull=False)
    return (Message.objects.for_client(client)
            .filter(Q(account_id=account_id) | Q(account__isnull=True))
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))
            .exclude(Exists(deleted)))
