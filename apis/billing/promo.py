"""Billing API, Promo group: issue promo codes and redeem them for a subscriber (see `billing.promo`)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apikit.signed import SignedContext, ok, signed_method
from apikit.spec import INT, MONEY, STR, ListOf, Obj, Param
from billing.models import PromoCode
from billing.promo import (
    MAX_CODES_PER_REQUEST, PromoAlreadyActivated, PromoExhausted, PromoNotFound, PromoNotValidNow, normalize_code,
    promo_activate as activate_promo, promo_create as create_promo, promo_get,
)
from billing.services import DuplicateTransaction
from common.readers import Day, Id, Int, IntList, Money, Text
from tvmiddleware.models import Account, Customer, Tariff

from .errors import (
    PROMO_ACCOUNT_NOT_FOUND, PROMO_INVALID, PROMO_NOT_FOUND, PROMO_NOT_VALID_NOW, PROMO_TERMS_INVALID, PROMO_USED_UP,
)
from .lookups import MAX_EXT_ID, MAX_PRICE, Refusal, customer_from, refusals
from .serializers import money

ACCOUNT_ID = Param("account_id", Id(), error=PROMO_ACCOUNT_NOT_FOUND, description="the login the code is for / redeemed by")


def _tariffs(ctx: SignedContext, name: str) -> list[Tariff]:
    """The declared tariff ids; unknown and other operators' ones answer 2."""
    ids = sorted(set(ctx.args[name] or ()))
    tariffs = list(Tariff.objects.for_client(ctx.client).filter(pk__in=ids))
    if len(tariffs) != len(ids):
        raise Refusal(PROMO_TERMS_INVALID, "Tariff not found.", {name: "not found"})
    return tariffs


def _account(ctx: SignedContext) -> Account | None:
    account_id = ctx.args.account_id
    if account_id is None:
        return None
    account = Account.objects.for_client(ctx.client).select_related("customer").filter(pk=account_id).first()
    if account is None:
        raise Refusal(PROMO_ACCOUNT_NOT_FOUND, "Account not found.", {"account_id": "not found"})
    return account


@signed_method(validation_error=PROMO_TERMS_INVALID, params=(
    ACCOUNT_ID,
    Param("count", Int(min_value=1, max_value=MAX_CODES_PER_REQUEST), default=1, description="how many codes"),
    Param("length", Int(min_value=1, max_value=64), description="the length of generated codes"),
    Param("code", Text(64), description="the text of a single code (an extension)"),
    Param("amount", Money(positive=True, maximum=MAX_PRICE), description="credited to the balance on redemption"),
    Param("discount", Int(min_value=1, max_value=100), description="percent off `tariffs`"),
    Param("tariffs", IntList(max_items=100), error=PROMO_TERMS_INVALID,
          description="tariff ids the discount applies to (all when none)"),
    Param("free_tariffs", IntList(max_items=100), error=PROMO_TERMS_INVALID,
          description="tariff ids given for free on redemption"),
    Param("activation_count", Int(min_value=1, max_value=2_147_483_647), default=1,
          description="how many times a code may be redeemed"),
    Param("valid_from", Day()),
    Param("valid_until", Day()),
), errors=(PROMO_ACCOUNT_NOT_FOUND,), response=Obj(promo_codes=ListOf(Obj(id=INT, code=STR))))
@refusals
def promo_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Issue promo codes.

    `count` codes giving a `discount` (percent, on `tariffs`, all when none), an `amount` on the
    balance and/or `free_tariffs`. `code` (an extension) chooses the text of a single code."""
    args = ctx.args
    promos = create_promo(
        client=ctx.client,
        account=_account(ctx),
        count=args.count,
        length=args.length,
        code=(args.code or "").strip() or None,
        amount=args.amount,
        discount=args.discount,
        discount_tariffs=_tariffs(ctx, "tariffs"),
        free_tariffs=_tariffs(ctx, "free_tariffs"),
        activation_limit=args.activation_count,
        valid_from=args.valid_from,
        valid_until=args.valid_until,
    )  # bad terms and a used code answer 2 with error_fields
    return ok(promo_codes=[{"id": promo.pk, "code": promo.code} for promo in promos])


def _promo(ctx: SignedContext) -> PromoCode:
    promo_id = ctx.args.id
    code = normalize_code(ctx.args.code or "")
    if promo_id is None and not code:
        raise Refusal(PROMO_NOT_FOUND, "id or code is required.", {"code": "required"})
    try:
        return promo_get(client=ctx.client, promo_id=promo_id, code=code if promo_id is None else None)
    except PromoNotFound:
        raise Refusal(PROMO_NOT_FOUND, "Promo code not found.",
                      {"id" if promo_id is not None else "code": "not found"}) from None


def _redeemer(ctx: SignedContext) -> tuple[Customer, Account | None]:
    """Who redeems: the login `account_id` (as the reference says), or a customer by `customer_id` /
    `customer_ext_id` (an extension for billings that know customers only)."""
    account = _account(ctx)
    if account is not None:
        return account.customer, account
    if ctx.args.customer_id is None and not (ctx.args.customer_ext_id or "").strip():
        raise Refusal(PROMO_ACCOUNT_NOT_FOUND, "account_id is required.", {"account_id": "required"})
    return customer_from(ctx, code=PROMO_ACCOUNT_NOT_FOUND, ext_name="customer_ext_id"), None


@signed_method(validation_error=PROMO_INVALID, params=(
    ACCOUNT_ID,
    Param("customer_id", Id(), error=PROMO_ACCOUNT_NOT_FOUND, description="the customer redeeming (an extension)"),
    Param("customer_ext_id", Text(MAX_EXT_ID), error=PROMO_ACCOUNT_NOT_FOUND,
          description="the billing's id of the customer redeeming (an extension)"),
    Param("id", Id(), error=PROMO_NOT_FOUND, description="the code's id"),
    Param("code", Text(200), description="the code's text (case-insensitive)"),
), errors=(PROMO_ACCOUNT_NOT_FOUND, PROMO_NOT_FOUND, PROMO_USED_UP, PROMO_NOT_VALID_NOW),
    response=Obj(amount=MONEY, discount=INT, free_tariffs=STR))
@refusals
def promo_activate(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Redeem a promo code for a login (or a customer).

    Answers what it gave: `amount` credited, `discount` percent, `free_tariffs` (ids, comma
    separated)."""
    customer, account = _redeemer(ctx)
    promo = _promo(ctx)
    try:
        activate_promo(promo=promo, customer=customer, account=account)
    except PromoNotValidNow as exc:
        raise Refusal(PROMO_NOT_VALID_NOW, exc.message, exc.fields) from None
    except (PromoAlreadyActivated, PromoExhausted, DuplicateTransaction) as exc:
        raise Refusal(PROMO_USED_UP, exc.message, exc.fields) from None
    return ok(amount=money(promo.amount), discount=promo.discount or 0,
              free_tariffs=",".join(str(pk) for pk in promo.free_tariffs.order_by("id").values_list("pk", flat=True)))
