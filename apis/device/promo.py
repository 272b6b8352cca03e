"""Promo codes from a subscriber's app: promo/activate, promo/list (see `billing.promo`)."""
from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from billing.models import PromoActivation, PromoCode
from billing.promo import (
    PromoAlreadyActivated, PromoExhausted, PromoNotForAccount, PromoNotFound, PromoNotValidNow, PromoTooManyAttempts,
    promo_kind, promo_redeem,
)
from common.errors import ServiceError
from common.readers import Int, Text

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, ok
from apikit.spec import INT, NUMBER, STR, ListOf, Obj, Param, nullable

from .errors import (
    INVALID_PARAM, PROMO_ACCOUNT_INACTIVE, PROMO_ALREADY_ACTIVATED, PROMO_FAILED, PROMO_INVALID, PROMO_NOT_FOUND,
    PROMO_NOT_VALID_NOW,
)

MAX_PAGE_SIZE = 100
GIFTS = dict(type=INT, amount=NUMBER, discount=NUMBER, free_tariffs=STR)
PROMO_ROW = Obj(**GIFTS, code=STR, date=STR, valid_from=nullable(STR), valid_until=nullable(STR), status=INT)


def _gifts(promo: PromoCode, discount: int | None, free_tariff_ids: list[int]) -> dict:
    return {"type": promo_kind(promo), "amount": float(promo.amount or 0), "discount": float(discount or 0),
            "free_tariffs": ",".join(str(i) for i in sorted(free_tariff_ids))}


@device_method(auth=Auth.SESSION, invalid_param_error=PROMO_INVALID, params=(
    Param("code", Text(64, strip=True), required=True, description="The promo code (any case)."),
), errors=(PROMO_NOT_FOUND, PROMO_ALREADY_ACTIVATED, PROMO_NOT_VALID_NOW, PROMO_FAILED, PROMO_ACCOUNT_INACTIVE),
    response=Obj(**GIFTS))
def promo_activate(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Redeem a code for the subscriber: money on the balance (through the ledger), free tariffs, a
    discount on tariffs. `type`: 1 discount, 2 money, 3 free tariffs; `free_tariffs` their ids,
    comma-separated. Codes that did not work are counted per account: past 10 in an hour, 2."""
    account = ctx.account
    if not account.active:
        return error(PROMO_ACCOUNT_INACTIVE, "Promo codes cannot be activated on an inactive account.")
    try:
        activation = promo_redeem(account=account, code=ctx.args.code)
    except PromoNotFound as exc:
        return error(PROMO_NOT_FOUND, exc.message)
    except (PromoNotForAccount, PromoExhausted, PromoTooManyAttempts) as exc:
        return error(PROMO_INVALID, exc.message)
    except PromoAlreadyActivated as exc:
        return error(PROMO_ALREADY_ACTIVATED, exc.message)
    except PromoNotValidNow as exc:
        return error(PROMO_NOT_VALID_NOW, exc.message)
    except ServiceError as exc:
        return error(PROMO_FAILED, exc.message)
    promo = activation.promo
    return ok(**_gifts(promo, activation.discount, list(promo.free_tariffs.values_list("id", flat=True))),
              error_message="")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("limit", Int(1, MAX_PAGE_SIZE), default=20, description=f"Rows per page, at most {MAX_PAGE_SIZE}."),
    Param("page", Int(1, 1_000_000), default=1, description="The page, from 1."),
), response=Obj(count=INT, promos=ListOf(PROMO_ROW)))
def promo_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The codes the subscriber (the account's customer) has activated, newest first: `count` all of
    them, `promos` one page. `date` the activation day, `valid_from`/`valid_until` the code's days
    (YYYY-MM-DD, null for none); `status` 1 while the code's period lasts, 0 after. Three queries."""
    assert ctx.session is not None
    limit, page = ctx.args.limit, ctx.args.page
    activations = PromoActivation.objects.for_client(ctx.client).filter(customer_id=ctx.session.customer_id)
    count = activations.count()
    start = (page - 1) * limit
    rows = list(activations.order_by("-created_at", "-id").select_related("promo")
                .prefetch_related("promo__free_tariffs")[start:start + limit])
    today = timezone.localdate()
    promos = []
    for row in rows:
        promo = row.promo
        promos.append({
            **_gifts(promo, row.discount, [t.pk for t in promo.free_tariffs.all()]),
            "code": promo.code, "date": timezone.localtime(row.created_at).date().isoformat(),
            "valid_from": _day(promo.valid_from), "valid_until": _day(promo.valid_until),
            "status": 0 if promo.valid_until is not None and promo.valid_until < today else 1,
        })
    return ok(count=count, promos=promos, error_message="")
