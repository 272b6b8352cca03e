"""What the middleware wants a partner to know about a customer's SVOD subscription.

The SVOD hooks of the partner adapters do not replay the event they were handed ("subscribe",
"unsubscribe"): they look at what the customer holds *now* and make the partner agree. That makes a
repeated delivery harmless (nothing left to do) and lets deliveries retried out of order converge:
a `tariff.assigned` delivered after the tariff was removed again does not subscribe anyone.
"""
from __future__ import annotations

from typing import Iterable

from tvmiddleware.models import TariffSubscription


def parse_tariff_ids(*values: str) -> list[int]:
    """Tariff ids from attributes typed by operators ("12", "3, 4"); junk is ignored."""
    ids: list[int] = []
    for value in values:
        for part in (value or "").replace(";", ",").split(","):
            part = part.strip()
            if part.isascii() and part.isdigit() and int(part) > 0 and int(part) not in ids:
                ids.append(int(part))
    return ids


def tariff_ids_problem(value: str, *, required: bool, many: bool = False) -> str | None:
    """The admin message for a tariff id attribute, or None when it is fine."""
    value = (value or "").strip()
    if not value:
        return "Required: the id of the SVOD tariff." if required else None
    parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    if not many and len(parts) != 1:
        return "One tariff id (a number)."
    if not all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts):
        return "Tariff ids are positive numbers" + (", separated by commas." if many else ".")
    return None


def holds_any(*, client_id: int, customer_id: int, tariff_ids: Iterable[int]) -> bool:
    """Does the customer hold (an open subscription to) one of these tariffs right now?"""
    ids = list(tariff_ids)
    return bool(ids) and TariffSubscription.objects.for_client(client_id).filter(
        customer_id=customer_id, tariff_id__in=ids, is_closed=False).exists()


def holders(*, client_id: int, tariff_ids: Iterable[int]) -> set[int]:
    """Ids of the operator's customers holding one of these tariffs (one query)."""
    ids = list(tariff_ids)
    if not ids:
        return set()
    return set(TariffSubscription.objects.for_client(client_id).filter(tariff_id__in=ids, is_closed=False)
               .values_list("customer_id", flat=True))
