"""Billing API, Promo group: issue promo codes and redeem them for a subscriber (see `billing.promo`)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from billing.models import PromoCode
from billing.promo import (
    MAX_CODES_PER_REQUEST, PromoAlreadyActivated, PromoExhausted, PromoNotFound, PromoNotValidNow, normalize_code,
    promo_activate as activate_promo, promo_create as create_promo, promo_get,
)
from billing.services import DuplicateTransaction
from common.params import ParamError
from tvmiddleware.models import Account, Customer, Tariff

from .customers import MAX_PRICE, Refusal, customer_from, date_param, id_param, money, money_param, refusals
from apikit.signed import SignedContext, ok, signed_method


def _tariffs(ctx: SignedContext, name: str) -> list[Tariff]:
    """Tariff ids as a comma separated list (or repeated); unknown and other operators' ones answer 2."""
    try:
        ids = sorted(set(ctx.params.int_list(name, max_items=100)))
    except ParamError as exc:
        raise Refusal(2, f"{name} must be tariff ids separated by commas.", {name: exc.problem}) from None
    tariffs = list(Tariff.objects.for_client(ctx.client).filter(pk__in=ids))
    if len(tariffs) != len(ids):
        raise Refusal(2, "Tariff not found.", {name: "not found"})
    return tariffs


def _account(ctx: SignedContext) -> Account | None:
    account_id = id_param(ctx, "account_id", code=1, what="Account")
    if account_id is None:
        return None
    account = Account.objects.for_client(ctx.client).select_related("customer").filter(pk=account_id).first()
    if account is None:
        raise Refusal(1, "Account not found.", {"account_id": "not found"})
    return account


@signed_method(validation_error=2)
@refusals
def promo_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Issue `count` codes giving a `discount` (percent, on `tariffs`, all when none), an `amount` on
    the balance and/or `free_tariffs`. `code` (an extension) chooses the text of a single code."""
    promos = create_promo(
        client=ctx.client,
        account=_account(ctx),
        count=ctx.params.int("count", 1, min_value=1, max_value=MAX_CODES_PER_REQUEST),
        length=ctx.params.int("length", min_value=1, max_value=64),
        code=ctx.params.str("code", max_length=64).strip() or None,
        amount=money_param(ctx, "amount", positive=True, maximum=MAX_PRICE),
        discount=ctx.params.int("discount", min_value=1, max_value=100),
        discount_tariffs=_tariffs(ctx, "tariffs"),
        free_tariffs=_tariffs(ctx, "free_tariffs"),
        activation_limit=ctx.params.int("activation_count", 1, min_value=1, max_value=2_147_483_647),
        valid_from=date_param(ctx, "valid_from"),
        valid_until=date_param(ctx, "valid_until"),
    )  # bad terms and a used code answer 2 with error_fields
    return ok(promo_codes=[{"id": promo.pk, "code": promo.code} for promo in promos])


def _promo(ctx: SignedContext) -> PromoCode:
    promo_id = id_param(ctx, "id", code=2, what="Promo code")
    code = normalize_code(ctx.params.str("code", max_length=200))
    if promo_id is None and not code:
        raise Refusal(2, "id or code is required.", {"code": "required"})
    try:
        return promo_get(client=ctx.client, promo_id=promo_id, code=code if promo_id is None else None)
    except PromoNotFound:
        raise Refusal(2, "Promo code not found.", {"id" if promo_id is not None else "code": "not found"}) from None


def _redeemer(ctx: SignedContext) -> tuple[Customer, Account | None]:
    """Who redeems: the login `account_id` (as the reference says), or a customer by `customer_id` /
    `customer_ext_id` (an extension for billings that know customers only)."""
    account = _account(ctx)
    if account is not None:
        return account.customer, account
    if not (ctx.params.get("customer_id") or ctx.params.get("customer_ext_id")):
        raise Refusal(1, "account_id is required.", {"account_id": "required"})
    return customer_from(ctx, code=1, ext_name="customer_ext_id"), None


@signed_method(validation_error=3)
@refusals
def promo_activate(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Redeem a code: answers what it gave — `amount` credited, `discount` percent, `free_tariffs`
    (ids, comma separated)."""
    customer, account = _redeemer(ctx)
    promo = _promo(ctx)
    try:
        activate_promo(promo=promo, customer=customer, account=account)
    except PromoNotValidNow as exc:
        raise Refusal(5, exc.message, exc.fields) from None
    except (PromoAlreadyActivated, PromoExhausted, DuplicateTransaction) as exc:
        raise Refusal(4, exc.message, exc.fields) from None
    return ok(amount=money(promo.amount), discount=promo.discount or 0,
              free_tariffs=",".join(str(pk) for pk in promo.free_tariffs.order_by("id").values_list("pk", flat=True)))
