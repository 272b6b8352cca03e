"""Customer methods: info, balance, tariffs (list, subscribe, unsubscribe) and their account twins."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.subscriptions import BasicTariffTaken, InsufficientFunds, TariffUnavailable, tariffs_subscribe
from tvmiddleware.models import TariffSubscription
from tvmiddleware.selectors.self_service import PaymentSummary, payment_summary
from tvmiddleware.selectors.tariffs_seen import tariffs_seen
from tvmiddleware.services import Conflict, NotFound
from tvmiddleware.services.tariffs import BasicTariffKept, TariffNotUnsubscribable, tariffs_unsubscribe

from common.readers import DOTTED, Day, Flag, IntList
from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, flag, ok, unixtime
from apikit.spec import FLAG, INT, MONEY, NUMBER, STR, TIMESTAMP, ListOf, Obj, Param, nullable

from .errors import (
    BASIC_TARIFF_KEPT, BASIC_TARIFF_TAKEN, INSUFFICIENT_FUNDS, INVALID_PARAM, INVALID_PARAM_2, NO_TARIFF_GIVEN,
    TARIFF_ALREADY_CONNECTED, TARIFF_NOT_CONNECTED, TARIFF_NOT_UNSUBSCRIBABLE, TARIFF_UNAVAILABLE,
)

TARIFF_ROW = Obj(
    id=INT, name=STR, description=STR, period=INT, price=MONEY, price_after_activation=MONEY, activation_price=MONEY,
    basic_tariff_priority=INT, is_assigned=FLAG, subscription_end_date=STR, is_virtual=FLAG,
    available_to_unsubscribe=FLAG, channels_count=INT, videos_count=INT, is_periodical=FLAG, icon=STR, icon_tv=STR,
    archived=FLAG, meta=STR,
)
PAYMENT_ROW = Obj(comment=STR, datetime=TIMESTAMP, amount=NUMBER)
SUBSCRIPTION_ROW = Obj(tariff_id=INT, tariff_name=STR, start_date=STR, end_date=STR, is_periodical=FLAG, api_name=STR,
                       price=NUMBER)
TARIFF_IDS = (
    Param("tariff_id", IntList(), description="Tariff ids (repeated or comma separated)."),
    Param("virtual_tariff_id", IntList(), description="Virtual tariff ids: taken like tariff_id."),
)


def money(value: Decimal | None) -> str:
    return f"{(value or Decimal('0')):.2f}"


def _tariff_rows(ctx: DeviceContext, *, only_offered: bool = True) -> list[dict]:
    """Tariffs the subscriber sees: assigned ones, plus enabled, not hidden ones they could take."""
    rows = []
    for seen in tariffs_seen(client_id=ctx.client.pk, customer_id=ctx.session.customer_id, only_offered=only_offered,
                             with_counts=True):
        tariff, sub = seen.tariff, seen.subscription
        rows.append({
            "id": tariff.pk, "name": tariff.name, "description": tariff.description, "period": tariff.period,
            "price": money(seen.price),
            "price_after_activation": money(tariff.price),
            "activation_price": money(tariff.activation_price),
            "basic_tariff_priority": tariff.basic_tariff_priority, "is_assigned": flag(seen.is_assigned),
            "subscription_end_date": sub.end_date.date().isoformat() if sub and sub.end_date else "",
            "is_virtual": 0, "available_to_unsubscribe": flag(seen.may_be_dropped),
            "channels_count": tariff.channels_count, "videos_count": tariff.videos_count,
            "is_periodical": flag(seen.is_periodical),
            "icon": "", "icon_tv": "", "archived": 0, "meta": "",
        })
    return rows


_PERIOD = "A local day, dd.mm.YYYY: the payments listed are those of the period (both ends included)."


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM_2, params=(
    Param("date_from", Day(DOTTED), description=f"Start of the period. {_PERIOD}"),
    Param("date_to", Day(DOTTED), description=f"End of the period. {_PERIOD}"),
    Param("show_virtual_tariffs", Flag(), description="Accepted; there are no virtual tariffs here."),
), response=Obj(
    firstname=STR, lastname=STR, balance=MONEY, email=STR, mobile_phone_number=STR, id_for_payment=INT, abonement=STR,
    required_payment=NUMBER, payments=Obj(btv=ListOf(PAYMENT_ROW), vod=ListOf(PAYMENT_ROW), other=ListOf(PAYMENT_ROW)),
    tariffs=ListOf(TARIFF_ROW), subscriptions=ListOf(SUBSCRIPTION_ROW), monthly_payment=MONEY,
    annual_payment=MONEY, payment_sum=NUMBER, payment_sum_no_discount=NUMBER, payment_period=INT,
    current_debt_amount=MONEY, activation_days_left=INT,
))
def customer_info(request, ctx: DeviceContext):
    """The customer's card: name, contacts, balance, recent payments and open tariffs.

    `payments` are the last 50 ledger rows (of the period `date_from`..`date_to` when given; a malformed
    date answers 2) grouped into `btv` (tariff charges), `vod` (purchases)
    and `other`; `required_payment` is what the open tariffs' monthly price lacks on the balance.
    `payment_sum` (`payment_sum_no_discount` at list prices) is one round of the periodical tariffs'
    charges, `payment_period` its days, `annual_payment` their cost over 365 days,
    `current_debt_amount` what the balance lacks, `activation_days_left` the days until service
    stops unless paid (the account's deactivation date, else the earliest paid-until date)."""
    customer = ctx.customer
    account = ctx.account
    payments: dict[str, list] = {"btv": [], "vod": [], "other": []}
    ledger = CustomerTransaction.objects.filter(customer=customer)
    tz = timezone.get_current_timezone()
    if ctx.args.date_from is not None:
        ledger = ledger.filter(created_at__gte=timezone.make_aware(datetime.combine(ctx.args.date_from, time.min), tz))
    if ctx.args.date_to is not None:
        ledger = ledger.filter(created_at__lt=timezone.make_aware(
            datetime.combine(ctx.args.date_to + timedelta(days=1), time.min), tz))
    for tx in ledger.order_by("-id")[:50]:
        group = "vod" if tx.source == TransactionSource.PURCHASE else (
            "btv" if tx.source in (TransactionSource.CHARGE, TransactionSource.ACTIVATION) else "other")
        payments[group].append({"comment": tx.comment or tx.get_source_display(), "datetime": unixtime(tx.created_at),
                                "amount": float(tx.amount)})
    subscriptions = subscription_rows(customer)
    monthly = sum((Decimal(str(s["price"])) for s in subscriptions), Decimal("0"))
    summary = payment_summary(customer=customer, account=account)
    return ok(firstname=customer.firstname, lastname=customer.lastname, balance=money(customer.balance),
              email=customer.email, mobile_phone_number=customer.mobile_phone_number, id_for_payment=customer.pk,
              abonement=account.abonement, required_payment=float(max(monthly - customer.balance, Decimal("0"))),
              payments=payments, tariffs=[t for t in _tariff_rows(ctx) if t["is_assigned"]],
              subscriptions=subscriptions, monthly_payment=money(monthly), **summary_fields(summary),
              error_message="")


def subscription_rows(customer) -> list[dict]:
    """The customer's open subscriptions as customer/info and customer/tariff/subscription/list show
    them (`api_name`: the integration the subscription was made through, if any). One query."""
    return [
        {"tariff_id": s.tariff_id, "tariff_name": s.tariff.name, "start_date": s.start_date.date().isoformat(),
         "end_date": s.end_date.date().isoformat() if s.end_date else "", "is_periodical": flag(s.is_periodical),
         "api_name": s.external_system.name if s.external_system else "", "price": float(s.effective_price)}
        for s in TariffSubscription.objects.filter(customer=customer, is_closed=False)
        .select_related("tariff", "external_system").order_by("start_date", "id")
    ]


#: What customer/info and v2/customer/info tell of the charges and service dates (`payment_summary`).
SUMMARY_SHAPE = dict(annual_payment=MONEY, payment_sum=NUMBER, payment_sum_no_discount=NUMBER, payment_period=INT,
                     current_debt_amount=MONEY, activation_days_left=INT)


def summary_fields(summary: PaymentSummary) -> dict:
    return {"annual_payment": money(summary.annual_payment), "payment_sum": float(summary.payment_sum),
            "payment_sum_no_discount": float(summary.payment_sum_no_discount),
            "payment_period": summary.payment_period, "current_debt_amount": money(summary.current_debt_amount),
            "activation_days_left": summary.activation_days_left}


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(balance=MONEY))
def customer_balance(request, ctx: DeviceContext):
    """The customer's balance."""
    return ok(balance=money(ctx.customer.balance), error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(tariffs=ListOf(TARIFF_ROW)))
def tariff_list(request, ctx: DeviceContext):
    """The tariffs the subscriber sees: the assigned ones, and the enabled, not hidden ones they could take."""
    return ok(tariffs=_tariff_rows(ctx), error_message="")


def _requested_tariffs(ctx: DeviceContext) -> list[int]:
    return list(dict.fromkeys((ctx.args.tariff_id or []) + (ctx.args.virtual_tariff_id or [])))


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    *TARIFF_IDS,
    Param("try_activate", Flag(), default=False, description="1: also activate an inactive account."),
), errors=(NO_TARIFF_GIVEN, TARIFF_UNAVAILABLE, BASIC_TARIFF_TAKEN, INSUFFICIENT_FUNDS, TARIFF_ALREADY_CONNECTED),
    response=Obj(payment_info=Obj(is_awaiting_payment=FLAG, invoice_id=nullable(INT))))
def tariff_subscribe(request, ctx: DeviceContext):
    """Take tariffs: the activation price and first period are charged from the balance.

    All or nothing (`billing.subscriptions.tariffs_subscribe`). `payment_info` tells whether a
    payment of the customer is still awaiting the gateway's answer."""
    ids = _requested_tariffs(ctx)
    if not ids:
        return error(NO_TARIFF_GIVEN, "Neither tariff_id nor virtual_tariff_id was given.")
    customer = ctx.customer
    try:
        tariffs_subscribe(customer=customer, tariff_ids=ids, account=ctx.account, try_activate=ctx.args.try_activate)
    except TariffUnavailable as exc:
        return error(TARIFF_UNAVAILABLE, exc.message)
    except BasicTariffTaken as exc:
        return error(BASIC_TARIFF_TAKEN, exc.message)
    except InsufficientFunds:
        return error(INSUFFICIENT_FUNDS, "Insufficient funds.")
    except Conflict:  # TariffAlreadyConnected, or the assignment found it connected meanwhile
        return error(TARIFF_ALREADY_CONNECTED, "The tariff is already connected.")
    return ok(payment_info=_payment_info(customer), error_message="")


def _payment_info(customer) -> dict:
    """`payment_info`: a payment of the customer still awaiting the gateway's answer (the installed
    payments app tells, through the optional `pending_payment` of `billing.payment_gateway`)."""
    from billing.payment_gateway import provider

    pending = getattr(provider(), "pending_payment", None)
    found = pending(customer=customer) if callable(pending) else None
    return {"is_awaiting_payment": flag(found), "invoice_id": found["transaction_id"] if found else None}


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=TARIFF_IDS,
               errors=(NO_TARIFF_GIVEN, TARIFF_NOT_CONNECTED, BASIC_TARIFF_KEPT, TARIFF_NOT_UNSUBSCRIBABLE),
               response=Obj())
def tariff_unsubscribe(request, ctx: DeviceContext):
    """Drop additional tariffs: all of them or none; basic and required tariffs stay."""
    ids = _requested_tariffs(ctx)
    if not ids:
        return error(NO_TARIFF_GIVEN, "Neither tariff_id nor virtual_tariff_id was given.")
    try:
        tariffs_unsubscribe(customer=ctx.customer, tariff_ids=ids)
    except NotFound:  # TariffNotConnected, or removed meanwhile
        return error(TARIFF_NOT_CONNECTED, "One or more tariffs are not connected.")
    except BasicTariffKept as exc:
        return error(BASIC_TARIFF_KEPT, exc.message)
    except TariffNotUnsubscribable as exc:
        return error(TARIFF_NOT_UNSUBSCRIBABLE, exc.message)
    return ok(error_message="")