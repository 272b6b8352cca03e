"""The subscriber action log: who did what, from which surface (docs/security.md, "Subscriber actions").

The surface a request comes through sets its origin for the request (`acting_from`): the device API's
framework for every method, the widgets for their pages. Services that carry out a subscriber's
action call `record`; outside such a request (the panel, the Billing API, scheduled work) nothing is
recorded, since those are the operator's actions, not the subscriber's.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from common.client_address import client_ip
from tvmiddleware.models import Account, ActionOrigin, Customer, SubscriberAction


@dataclass(frozen=True)
class Origin:
    kind: ActionOrigin
    widget_id: str = ""
    request: HttpRequest | None = None  # the caller's address is read from it only when an action is recorded


_origin: ContextVar[Origin | None] = ContextVar("tvmw_action_origin", default=None)


@contextlib.contextmanager
def acting_from(kind: ActionOrigin, *, widget_id: str = "", request: HttpRequest | None = None) -> Iterator[None]:
    """Actions recorded inside carry this origin (and the address of `request`'s caller)."""
    token = _origin.set(Origin(kind=kind, widget_id=widget_id, request=request))
    try:
        yield
    finally:
        _origin.reset(token)


def current_origin() -> Origin | None:
    return _origin.get()


def record(action: str, *, customer: Customer | None, account: Account | None = None,
           **details: Any) -> SubscriberAction | None:
    """Log a subscriber's action with the current origin (nothing outside a subscriber's request).
    `details` are short facts (ids, amounts as strings); never a secret."""
    origin = _origin.get()
    if origin is None or (customer is None and account is None):
        return None
    owner = customer if customer is not None else account
    customer_id = customer.pk if customer is not None else account.customer_id  # type: ignore[union-attr]
    return SubscriberAction.objects.create(
        client_id=owner.client_id, customer_id=customer_id, account=account, action=action, origin=origin.kind, widget_id=origin.widget_id,
        ip_address=client_ip(origin.request) if origin.request is not None else None,
        details={key: value for key, value in details.items() if value not in (None, "")})


PURGE_BATCH = 5000


def purge_old(*, days: int | None = None) -> int:
    """Delete actions older than `days` (default TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS; 0 or less keeps
    everything), a batch at a time so no long transaction holds the table. Returns how many went."""
    days = settings.TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS if days is None else days
    if days <= 0:
        return 0
    old = SubscriberAction.objects.filter(created_at__lt=timezone.now() - timedelta(days=days))
    deleted = 0
    while batch := list(old.order_by().values_list("pk", flat=True)[:PURGE_BATCH]):
        deleted += SubscriberAction.objects.filter(pk__in=batch).delete()[0]
    return deleted
