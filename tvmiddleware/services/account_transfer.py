"""A subscriber moves their account from another operator of this installation to the one they are
signed in with (`account/export`), proving it with that account's login and password.

The other operator must allow it (`SelfServiceSettings.export_to_client_ids` names the operators that
may take its accounts over). What moves: the subscriber's name, e-mail and mobile number (where the
new customer card has none) and the PIN (where the new account has none). The old account is then
deactivated with the reason `EXPORTED`, so it is not used or taken over twice; its operator hears it
(`account.status_changed`).

Attempts are counted per old login and per new account before the password is checked, like logins.
"""
from __future__ import annotations

from django.conf import settings
from django.db import transaction

from tvmiddleware import counters
from tvmiddleware.models import Account, Client
from tvmiddleware.selectors.self_service import self_service_settings
from common.errors import NotFound, ServiceError
from common.text import is_digits

from .accounts import account_modify, account_set_status
from .customers import customer_modify

EXPORTED = "EXPORTED"
TAKEN_FIELDS = ("firstname", "lastname", "email", "mobile_phone_number")

__all__ = ["EXPORTED", "TransferUnavailable", "account_take_over"]


class TransferUnavailable(ServiceError):
    """The other operator does not let this operator take its accounts over."""

    code = "transfer_unavailable"


def _count(keys: list[str]) -> list[counters.Hit]:
    limit = getattr(settings, "TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT", 10)
    window = getattr(settings, "TVMIDDLEWARE_LOGIN_FAILURE_WINDOW_SECONDS", 600)
    hits = []
    for key in keys:
        hit = counters.hit(key, window=window)
        hits.append(hit)
        if hit.count > limit:
            for taken in hits:
                counters.give_back(taken)
            raise NotFound("Too many attempts; try again later.")
    return hits


def account_take_over(*, account: Account, source_client_id: int, login: str, password: str) -> Account:
    """Move the subscriber's data from their account `login` at operator `source_client_id` to
    `account` (see the module); returns the old account, now deactivated. Raises `NotFound` (no
    such operator, login or password, or too many attempts) and `TransferUnavailable`."""
    source = Client.objects.filter(pk=source_client_id, enabled=True).first()
    if source is None or source.pk == account.client_id:
        raise NotFound("Account not found.")
    if account.client_id not in self_service_settings(source).export_targets():
        raise TransferUnavailable("This operator does not hand its accounts over to yours.")
    login = login.strip()
    if not (is_digits(login) and len(login) <= 32 and password):
        raise NotFound("Account not found.")
    hits = _count([f"tvmw:export:login:{source.pk}:{login}", f"tvmw:export:account:{account.pk}"])
    old = Account.objects.for_client(source).select_related("customer").filter(abonement=login).first()
    if old is None or not old.check_password(password) or old.status_reason == EXPORTED:
        raise NotFound("Account not found.")
    for hit in hits:
        counters.give_back(hit)
    with transaction.atomic():
        old = Account.objects.select_for_update().select_related("customer").get(pk=old.pk)
        if old.status_reason == EXPORTED:  # a concurrent request moved it first
            raise NotFound("Account not found.")
        customer = account.customer
        taken = {name: getattr(old.customer, name) for name in TAKEN_FIELDS
                 if getattr(old.customer, name) and not getattr(customer, name)}
        if taken:
            customer_modify(customer=customer, **taken)
        if old.parent_code and not account.parent_code:
            account_modify(account=account, parent_code=old.parent_code)
        account_set_status(account=old, active=False, status_reason=EXPORTED)
    return old
