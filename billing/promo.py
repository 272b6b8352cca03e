"""Promo codes: the operator issues codes (Billing API `promo/create`), subscribers redeem them
(`promo/activate`).

A code gives money on the balance (credited through the ledger, source PROMO, external id
`promo:<code id>:<customer id>` — so a redemption can never be credited twice), free tariff
packages (assigned at a zero price), and/or a percentage discount recorded on the activation for
the charging of tariffs. Redemption is serialised per code (row lock): the activation limit holds
under concurrent requests, and a customer redeems a code once (also a database constraint).
"""
from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal
from typing import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tvmiddleware import counters
from tvmiddleware.models import Account, Client, Customer, Tariff
from common.errors import Conflict, Invalid, NotFound, ServiceError
from tvmiddleware.services.tariffs import tariff_assign

from .models import PromoActivation, PromoCode, TransactionSource
from .services import to_amount, transaction_create

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read and typed by people
DEFAULT_CODE_LENGTH = 8
MIN_CODE_LENGTH, MAX_CODE_LENGTH = 4, 32
MAX_CODES_PER_REQUEST = 1000
MAX_AMOUNT = Decimal("1e10")
_CODE_RE = re.compile(r"[A-Z0-9_-]{1,64}")


class PromoNotFound(NotFound):
    code = "promo_not_found"


class PromoNotValidNow(ServiceError):
    """Today is outside the code's validity period."""

    code = "promo_not_valid_now"


class PromoAlreadyActivated(Conflict):
    """This customer has already redeemed the code."""

    code = "promo_already_activated"


class PromoExhausted(Conflict):
    """The code has been redeemed as many times as it may be."""

    code = "promo_exhausted"


class PromoNotForAccount(Invalid):
    """The code was issued to another login."""

    code = "promo_other_account"


def normalize_code(value: str) -> str:
    """Codes are case-insensitive: stored and looked up upper-case."""
    return (value or "").strip().upper()


def promo_get(*, client: Client, promo_id: int | None = None, code: str | None = None) -> PromoCode:
    """A code of the operator by its id or by its text."""
    queryset = PromoCode.objects.for_client(client)
    if promo_id is not None:
        found = queryset.filter(pk=promo_id).first()
    elif code:
        found = queryset.filter(code=normalize_code(code)).first()
    else:
        found = None
    if found is None:
        raise PromoNotFound("Promo code not found.")
    return found


def _generate(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _check_gifts(amount: Decimal | None, discount: int | None, discount_tariffs: list[Tariff],
                 free_tariffs: list[Tariff]) -> None:
    if amount is None and discount is None and not free_tariffs:
        raise Invalid("A promo code needs a discount, an amount or free tariffs.",
                      fields={"discount": "required", "amount": "required", "free_tariffs": "required"})
    if amount is not None and not (Decimal("0") < amount < MAX_AMOUNT):
        raise Invalid("amount must be positive.", fields={"amount": "invalid"})
    if discount is not None and not 1 <= discount <= 100:
        raise Invalid("discount is a percentage from 1 to 100.", fields={"discount": "out of range"})
    if discount_tariffs and discount is None:
        raise Invalid("tariffs are the tariffs a discount applies to: give the discount.",
                      fields={"tariffs": "needs discount"})


def _check_terms(client: Client, *, count: int, length: int, code: str | None, activation_limit: int,
                 valid_from: date | None, valid_until: date | None, account: Account | None,
                 tariffs: Iterable[Tariff]) -> None:
    if not 1 <= count <= MAX_CODES_PER_REQUEST:
        raise Invalid(f"count must be 1 to {MAX_CODES_PER_REQUEST}.", fields={"count": "out of range"})
    if not MIN_CODE_LENGTH <= length <= MAX_CODE_LENGTH:
        raise Invalid(f"length must be {MIN_CODE_LENGTH} to {MAX_CODE_LENGTH}.", fields={"length": "out of range"})
    if code is not None:
        if not _CODE_RE.fullmatch(code):
            raise Invalid("code may hold letters A-Z, digits, '-' and '_' (at most 64).", fields={"code": "invalid"})
        if count != 1:
            raise Invalid("A given code makes one promo code: count must be 1.", fields={"count": "invalid"})
    if activation_limit < 1:
        raise Invalid("activation_count must be at least 1.", fields={"activation_count": "out of range"})
    if valid_from and valid_until and valid_until < valid_from:
        raise Invalid("valid_until is before valid_from.", fields={"valid_until": "before valid_from"})
    if account is not None and account.client_id != client.pk:
        raise NotFound("Account not found.", fields={"account_id": "not found"})
    if any(tariff.client_id != client.pk for tariff in tariffs):
        raise NotFound("Tariff not found.", fields={"tariffs": "not found"})


@transaction.atomic
def promo_create(
    *,
    client: Client,
    count: int = 1,
    length: int | None = None,
    code: str | None = None,
    amount: Decimal | str | None = None,
    discount: int | None = None,
    discount_tariffs: Iterable[Tariff] = (),
    free_tariffs: Iterable[Tariff] = (),
    activation_limit: int = 1,
    valid_from: date | None = None,
    valid_until: date | None = None,
    account: Account | None = None,
) -> list[PromoCode]:
    """Issue `count` codes with the same gifts and terms: random ones of `length` characters, or the
    one `code` the operator chose. `account` ties the codes to one login."""
    amount = to_amount(amount) if amount not in (None, "") else None
    discount_tariffs, free_tariffs = list(discount_tariffs), list(free_tariffs)
    code = normalize_code(code) if code else None
    length = length or DEFAULT_CODE_LENGTH
    _check_gifts(amount, discount, discount_tariffs, free_tariffs)
    _check_terms(client, count=count, length=length, code=code, activation_limit=activation_limit,
                 valid_from=valid_from, valid_until=valid_until, account=account,
                 tariffs=discount_tariffs + free_tariffs)
    terms = {"amount": amount, "discount": discount, "activation_limit": activation_limit,
             "valid_from": valid_from, "valid_until": valid_until, "account": account}
    for _ in range(5):
        codes = [code] if code else _fresh_codes(client, count, length)
        try:
            with transaction.atomic():
                created = PromoCode.objects.bulk_create([PromoCode(client=client, code=c, **terms) for c in codes])
        except IntegrityError:
            if code:
                raise Conflict("A promo code with this code already exists.", fields={"code": "duplicate"}) from None
            continue  # a concurrent request took one of the random codes: draw again
        created = list(PromoCode.objects.for_client(client).filter(code__in=codes).order_by("id"))
        _link_tariffs(created, discount_tariffs, free_tariffs)
        return created
    raise Conflict("Could not draw unused codes: use a greater length.", fields={"length": "too short"})


def _fresh_codes(client: Client, count: int, length: int) -> list[str]:
    codes: set[str] = set()
    for _ in range(10):
        while len(codes) < count:
            codes.add(_generate(length))
        taken = set(PromoCode.objects.for_client(client).filter(code__in=codes).values_list("code", flat=True))
        if not taken:
            return sorted(codes)
        codes -= taken
    raise Conflict("Could not draw unused codes: use a greater length.", fields={"length": "too short"})


def _link_tariffs(promos: list[PromoCode], discount_tariffs: list[Tariff], free_tariffs: list[Tariff]) -> None:
    for field, tariffs in (("discount_tariffs", discount_tariffs), ("free_tariffs", free_tariffs)):
        through = getattr(PromoCode, field).through
        through.objects.bulk_create([through(promocode_id=promo.pk, tariff_id=tariff.pk)
                                     for promo in promos for tariff in {t.pk: t for t in tariffs}.values()])


def _may_use_bound_code(promo: PromoCode, customer: Customer, account: Account | None) -> bool:
    """A code issued to a login is redeemed through that login, or by its customer without naming one."""
    if account is not None:
        return account.pk == promo.account_id
    return Account.objects.filter(pk=promo.account_id, customer_id=customer.pk).exists()


@transaction.atomic
def promo_activate(*, promo: PromoCode, customer: Customer, account: Account | None = None,
                   today: date | None = None) -> PromoActivation:
    """Redeem a code for a customer (through one of their logins, `account`): credit its amount,
    assign its free tariffs at a zero price (tariffs the customer already holds stay as they are),
    and record its discount. Raises PromoNotValidNow, PromoNotForAccount, PromoAlreadyActivated,
    PromoExhausted; on any error nothing is written."""
    if promo.client_id != customer.client_id:
        raise PromoNotFound("Promo code not found.")
    if account is not None and account.customer_id != customer.pk:
        raise Invalid("The account belongs to another customer.", fields={"account_id": "invalid"})
    promo = PromoCode.objects.select_for_update().get(pk=promo.pk)  # serialises redemptions of this code
    today = today or timezone.localdate()
    if (promo.valid_from and today < promo.valid_from) or (promo.valid_until and today > promo.valid_until):
        raise PromoNotValidNow("The promo code is not valid today.", fields={"code": "not valid now"})
    if promo.account_id and not _may_use_bound_code(promo, customer, account):
        raise PromoNotForAccount("The promo code was issued to another account.", fields={"account_id": "invalid"})
    if PromoActivation.objects.filter(promo=promo, customer=customer).exists():
        raise PromoAlreadyActivated("The customer has already activated this promo code.",
                                    fields={"code": "already activated"})
    if promo.activations_count >= promo.activation_limit:
        raise PromoExhausted("The promo code has been used up.", fields={"code": "used up"})

    row = None
    if promo.amount:
        row = transaction_create(
            client=customer.client, customer=customer, amount=promo.amount, source=TransactionSource.PROMO,
            ext_id=f"promo:{promo.pk}:{customer.pk}", comment=f"Promo code {promo.code}",
            meta={"promo_id": promo.pk, "account_id": account.pk if account else None},
        )
    held = set(customer.subscriptions.filter(is_closed=False).values_list("tariff_id", flat=True))
    for tariff in promo.free_tariffs.order_by("-basic_tariff_priority", "id"):
        if tariff.pk not in held:
            tariff_assign(customer=customer, tariff=tariff, price=Decimal("0.00"))
    activation = PromoActivation.objects.create(client_id=customer.client_id, promo=promo, customer=customer,
                                                account=account, transaction=row, discount=promo.discount)
    PromoCode.objects.filter(pk=promo.pk).update(activations_count=F("activations_count") + 1)
    return activation


# --- redemption from a subscriber's app (device API promo/activate) ---------------------------------------------

class PromoTooManyAttempts(ServiceError):
    """Too many codes that did not work were tried from this account lately: codes are not guessed."""

    code = "promo_too_many_attempts"


PROMO_FAILURES_PER_ACCOUNT = 10
PROMO_FAILURE_WINDOW_SECONDS = 3600


def promo_redeem(*, account: Account, code: str) -> PromoActivation:
    """A subscriber types a code in an app: find it among the operator's and activate it for the account's
    customer (`promo_activate`). Every attempt counts against the account's limit before the lookup
    (PROMO_FAILURES_PER_ACCOUNT in PROMO_FAILURE_WINDOW_SECONDS) and is given back when it worked, so
    only failures use it up; past the limit, PromoTooManyAttempts."""
    hit = counters.hit(f"tvmw:promo-fail:{account.client_id}:{account.pk}", window=PROMO_FAILURE_WINDOW_SECONDS)
    if hit.count > PROMO_FAILURES_PER_ACCOUNT:
        counters.give_back(hit)
        raise PromoTooManyAttempts("Too many promo codes tried; try again later.")
    promo = promo_get(client=account.client, code=code)  # PromoNotFound counts
    activation = promo_activate(promo=promo, customer=account.customer, account=account)
    counters.give_back(hit)
    return activation


def promo_kind(promo: PromoCode) -> int:
    """The promo `type` of the device API: 1 a discount, 2 money on the balance, 3 free tariffs (a code
    giving several is of the first kind of these it gives)."""
    if promo.discount:
        return 1
    if promo.amount:
        return 2
    return 3
