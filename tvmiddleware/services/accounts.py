"""Account (login) writes: create, modify, status changes, delete."""
from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F

from tvmiddleware.events import EventName, emit
from tvmiddleware.services.actions import record
from tvmiddleware.models import Account, AccountStatus, Client, Customer, DeviceGroup, Tariff
from tvmiddleware.streaming import access
from common.text import is_digits

from .customers import customer_create
from common.errors import Conflict, Invalid
from .tariffs import tariff_assign

ACCOUNT_OPTION_FIELDS = frozenset({
    "account_ext_id", "auto_activation_period", "extension_date", "activation_date", "deactivation_date",
    "allow_multiple_login", "allow_login_by_abonement", "allow_login_by_device_uid", "allow_login_by_ip",
    "subnets", "allowed_device_groups", "parent_code", "use_timeshift", "preferred_timeshift_offset",
    "data_center", "template", "option1", "option2", "option3",
})
FIRST_ABONEMENT = 100000


def hash_account_password(raw: str) -> str:
    return make_password(raw, hasher="pbkdf2_sha256_account")


def generate_password(length: int | None = None) -> str:
    length = length or getattr(settings, "ACCOUNT_PASSWORD_LENGTH", 4)
    return "".join(secrets.choice("0123456789") for _ in range(length))


def _validate_options(options: dict[str, Any]) -> None:
    unknown = set(options) - ACCOUNT_OPTION_FIELDS
    if unknown:
        raise Invalid(f"Unknown account field(s): {', '.join(sorted(unknown))}")
    groups = options.get("allowed_device_groups")
    if groups is not None:
        valid = {g.value for g in DeviceGroup}
        if not isinstance(groups, (list, tuple)) or any(g not in valid for g in groups):
            raise Invalid("allowed_device_groups must be a list of 0, 1, 2, 3.",
                          fields={"allowed_device_groups": "invalid"})
        options["allowed_device_groups"] = sorted(set(groups))
    subnets = options.get("subnets")
    if subnets:
        try:
            parse_subnets(subnets)
        except ValueError as exc:
            raise Invalid(f"Invalid subnet: {exc}", fields={"subnets": "invalid"}) from exc
    code = options.get("parent_code")
    if code not in (None, "") and (not is_digits(str(code)) or len(str(code)) > 16):
        raise Invalid("parent_code must be 1 to 16 digits.", fields={"parent_code": "invalid"})


INACTIVE_REASONS = frozenset({AccountStatus.DEBT, AccountStatus.BLOCK, AccountStatus.INACTIVE, AccountStatus.WAIT})


def _check_status(active: bool, status_reason: str) -> None:
    """The preset reasons must agree with the flag (other reasons are the operator's free text)."""
    if active and status_reason in INACTIVE_REASONS:
        raise Invalid(f"An active account cannot have status_reason {status_reason}.",
                      fields={"status_reason": "conflicts with active"})
    if not active and status_reason == AccountStatus.ACTIVE:
        raise Invalid("An inactive account cannot have status_reason ACTIVE.",
                      fields={"status_reason": "conflicts with active"})


def parse_subnets(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Networks from the account's `subnets` text (comma, space or newline separated)."""
    parts = [p for p in value.replace(",", " ").split() if p]
    return [ipaddress.ip_network(p, strict=False) for p in parts]


def _next_abonement(client: Client) -> str:
    """Take the operator's next abonement number (a counter row, locked briefly)."""
    Client.objects.filter(pk=client.pk).update(next_abonement=F("next_abonement") + 1)
    value = Client.objects.filter(pk=client.pk).values_list("next_abonement", flat=True).get()
    return str(value - 1)


def _bump_counter_past(client: Client, abonement: str) -> None:
    if is_digits(abonement) and len(abonement) < 19:
        Client.objects.filter(pk=client.pk, next_abonement__lte=int(abonement)).update(
            next_abonement=int(abonement) + 1
        )


def abonement_counter_past(client: Client, abonement: str) -> None:
    """For writers of accounts in bulk (the migration tools): the operator's next generated abonement
    comes after `abonement`, as after an account created with an explicit number."""
    _bump_counter_past(client, abonement)


@transaction.atomic
def account_create(
    *,
    client: Client,
    customer: Customer,
    abonement: str | None = None,
    password: str | None = None,
    active: bool = True,
    status_reason: str | None = None,
    **options: Any,
) -> tuple[Account, str]:
    """Create a login for a customer. Returns the account and its plaintext password (shown once).

    Without `abonement` the operator's next free number is taken; without `password` a numeric one
    is generated.
    """
    if customer.client_id != client.pk:
        raise Invalid("The customer belongs to another operator.")
    _validate_options(options)
    if password in (None, ""):
        password = generate_password()
    password = str(password)
    if status_reason in (None, ""):
        status_reason = AccountStatus.ACTIVE if active else AccountStatus.INACTIVE
    _check_status(active, status_reason)
    explicit = abonement not in (None, "")
    if explicit:
        abonement = str(abonement)
        if not is_digits(abonement) or len(abonement) > 32:
            raise Invalid("abonement must be a number.", fields={"abonement": "invalid"})
    for _ in range(50):
        candidate = abonement if explicit else _next_abonement(client)
        account = Account(client=client, customer=customer, abonement=candidate,
                          password=hash_account_password(password), active=active,
                          status_reason=status_reason, **options)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError as exc:
            abonement_taken = Account.objects.for_client(client).filter(abonement=candidate).exists()
            if not abonement_taken:
                raise Conflict("An account with this account_ext_id already exists.",
                               fields={"account_ext_id": "duplicate"}) from exc
            if explicit:
                raise Conflict("An account with this abonement already exists.",
                               fields={"abonement": "duplicate"}) from exc
            continue  # the generated number was taken by an explicitly numbered account: take the next
        if explicit:
            _bump_counter_past(client, candidate)
        record("account_created", customer=customer, account=account)
        return account, password
    raise Conflict("Could not find a free abonement number.")


@transaction.atomic
def account_modify(*, account: Account, password: str | None = None, **options: Any) -> Account:
    """Change login options; a non-empty `password` replaces the password.

    Activity and status go through `account_set_status` so partners hear of them.
    """
    status_keys = {"active", "status_reason"} & set(options)
    status = {key: options.pop(key) for key in status_keys}
    _validate_options(options)
    for name, value in options.items():
        setattr(account, name, value)
    changed = list(options)
    if password not in (None, ""):
        account.password = hash_account_password(str(password))
        changed.append("password")
    try:
        with transaction.atomic():
            # Only the fields given: activity and status are written by account_set_status alone.
            account.save(update_fields=changed + ["updated_at"])
            if "parent_code" in changed:  # the access snapshot knows whether there is a PIN
                access.on_commit_invalidate_account(account.pk)
    except IntegrityError as exc:
        raise Conflict("An account with this account_ext_id already exists.",
                       fields={"account_ext_id": "duplicate"}) from exc
    if status:
        account_set_status(account=account, active=status.get("active", account.active),
                           status_reason=status.get("status_reason"))
    return account


@transaction.atomic
def account_set_status(*, account: Account, active: bool, status_reason: str | None = None) -> Account:
    """Activate, deactivate or block an account; emits `account.status_changed` when it changes."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if status_reason in (None, ""):
        status_reason = AccountStatus.ACTIVE if active else AccountStatus.INACTIVE
    status_reason = str(status_reason)[:32]
    _check_status(bool(active), status_reason)
    old_active, old_reason = locked.active, locked.status_reason
    if (old_active, old_reason) == (bool(active), status_reason):
        account.active, account.status_reason = old_active, old_reason
        return account
    Account.objects.filter(pk=account.pk).update(active=bool(active), status_reason=status_reason)
    account.active, account.status_reason = bool(active), status_reason
    access.on_commit_invalidate_account(account.pk)  # streamers' next token check sees the change
    emit(client=account.client, name=EventName.ACCOUNT_STATUS_CHANGED, customer_id=account.customer_id,
         payload={"account_id": account.pk, "customer_id": account.customer_id, "abonement": account.abonement,
                  "active": bool(active), "status_reason": status_reason,
                  "old_active": old_active, "old_status_reason": old_reason})
    return account


def account_activate(*, account: Account) -> Account:
    return account_set_status(account=account, active=True, status_reason=AccountStatus.ACTIVE)


def account_deactivate(*, account: Account, status_reason: str = AccountStatus.INACTIVE) -> Account:
    return account_set_status(account=account, active=False, status_reason=status_reason)


def account_block_for_debt(*, account: Account) -> Account:
    return account_set_status(account=account, active=False, status_reason=AccountStatus.DEBT)


@transaction.atomic
def account_delete(*, account: Account) -> None:
    """Delete a login, releasing its devices (partners hear `device.removed` for each)."""
    from tvmiddleware.models import AuthKey

    from .devices import device_unbind
    from .sessions import session_delete_many

    session_delete_many(AuthKey.objects.filter(account=account))
    access.on_commit_invalidate_account(account.pk)
    for device in list(account.devices.select_related("device_type")):
        device_unbind(device=device)
    account.delete()


@transaction.atomic
def subscriber_register(*, client: Client, mobile_phone_number: str = "", comment: str = "",
                        password: str | None = None, auto_activation_period: int = 0,
                        parent_code: str = "") -> tuple[Account, str]:
    """Self-registration from an app: a new customer with one login, inactive until the operator's
    default tariffs or billing activate it; the operator's enabled tariffs marked
    `assigned_by_default` are assigned. All or nothing. Returns the login and its plaintext password
    (shown once)."""
    customer = customer_create(client=client, comment=comment, mobile_phone_number=mobile_phone_number)
    account, plain = account_create(client=client, customer=customer, password=password,
                                    auto_activation_period=auto_activation_period, parent_code=parent_code)
    for tariff in Tariff.objects.for_client(client).filter(assigned_by_default=True, enabled=True):
        tariff_assign(customer=customer, tariff=tariff)
    record("registered", customer=customer, account=account)
    return account, plain
