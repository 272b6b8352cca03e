"""Who is behind a phone number, for login/customer_list (after its SMS confirmation)."""
from __future__ import annotations

from django.db.models import Q

from ..models import Account, Client, Customer


def customers_with_phone(*, client: Client, phone: str) -> list[Customer]:
    """The operator's customers whose mobile number is `phone` (digits), however it was written with a
    leading '+'. One query."""
    return list(Customer.objects.for_client(client)
                .filter(Q(mobile_phone_number=phone) | Q(mobile_phone_number=f"+{phone}"))
                .order_by("id"))


def first_abonements(*, client: Client, customer_ids: list[int]) -> dict[int, str]:
    """customer id → the abonement of its first account (one query)."""
    found: dict[int, str] = {}
    for customer_id, abonement in (Account.objects.for_client(client).filter(customer_id__in=customer_ids)
                                   .order_by("customer_id", "id").values_list("customer_id", "abonement")):
        found.setdefault(customer_id, abonement)
    return found
