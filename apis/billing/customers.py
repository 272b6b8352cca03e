"""Billing API, Customer group: subscribers (personal accounts) as the operator's billing manages them —
create, change, delete, read and list them, their tariffs and subscriptions, and their ledger (the
group's payment-gateway methods are in `apis.billing.payment_methods`).

Shared lookups (customers, tariffs, paging, `Refusal`) are in `apis.billing.lookups`; the codes in
`apis.billing.errors`.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apikit.signed import SignedContext, fail, ok, signed_method
from apikit.spec import ANY, DATE, FLAG as FLAG_SHAPE, INT, MONEY, STR, ListOf, Obj, Param, nullable
from billing.models import CustomerTransaction
from common.params import ParamError
from common.readers import Day, Flag, Id, Int, IntList, Json, Money, Text
from tvmiddleware.models import Account, Customer, ExternalSystem, Tariff, TariffSubscription
from tvmiddleware.services import (
    Conflict, NotFound, customer_create as create_customer, customer_delete as delete_customer,
    customer_modify as modify_customer, tariff_assign, tariff_remove,
)

from .errors import (
    CUSTOMER_CHANGE_INVALID, CUSTOMER_EXT_ID_USED, CUSTOMER_INVALID, CUSTOMER_NOT_FOUND, FILTER_TARIFF_INVALID,
    FILTER_TARIFF_NOT_FOUND, SUBSCRIPTION_INVALID, SUBSCRIPTION_NOT_FOUND, TARIFF_NOT_ASSIGNABLE, TARIFF_NOT_FOUND,
    TARIFF_NOT_HELD, TARIFF_REMOVE_REFUSED, UNKNOWN_ERROR,
)
from .lookups import (
    MAX_PRICE, PAGE_PARAMS, Refusal, customer_from, customer_params, page_slice, refusals, tariff_from,
    tariff_params,
)
from .serializers import (
    ACCOUNT_BRIEF, OPEN_SUBSCRIPTIONS, SUBSCRIPTION, account_brief_row, date_text, flag, moment_text, money,
    open_subscriptions_prefetch, subscription_row,
)


def end_of_day(day: date) -> datetime:
    """The last second of a day, in the operator's time zone (an end date includes that day)."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


# --- customer rows ------------------------------------------------------------------------------------

def with_customer_details(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customers ready for `customer_row`: logins, open subscriptions and the count of ledger rows
    come with the page in a fixed number of queries."""
    payments = (CustomerTransaction.objects.filter(customer=OuterRef("pk")).order_by()
                .values("customer").annotate(count=Count("pk")).values("count"))
    return queryset.annotate(
        payments_count=Coalesce(Subquery(payments, output_field=IntegerField()), Value(0)),
    ).prefetch_related(Prefetch("accounts", queryset=Account.objects.order_by("id")),
                       open_subscriptions_prefetch())


def customer_row(customer: Customer) -> dict[str, Any]:
    """A customer as CustomerInfo and CustomerList show it. `payments_count` counts ledger rows;
    `tariffs`/`tariffs_info` are the tariffs held now; there are no virtual tariffs (`vtariffs_info`
    is empty)."""
    subscriptions = getattr(customer, OPEN_SUBSCRIPTIONS)
    return {
        "id": customer.pk,
        "ext_id": customer.ext_id,
        "accounts": [account_brief_row(account) for account in customer.accounts.all()],
        "subscriptions": [subscription_row(subscription) for subscription in subscriptions],
        "balance": money(customer.balance),
        "mobile_phone_number": customer.mobile_phone_number,
        "payments_count": customer.payments_count,
        "tariffs_info": [{"id": s.tariff_id, "ext_id": s.tariff.ext_id} for s in subscriptions],
        "vtariffs_info": [],
        "meta": customer.meta if isinstance(customer.meta, dict) else {},
        "birthdate": date_text(customer.birthdate),
        "autopayment_enabled": flag(customer.autopayment_enabled),
        "tariffs": sorted({s.tariff_id for s in subscriptions}),
    }


CUSTOMER = Obj(
    id=INT, ext_id=STR, accounts=ListOf(ACCOUNT_BRIEF), subscriptions=ListOf(SUBSCRIPTION), balance=MONEY,
    mobile_phone_number=STR, payments_count=INT, tariffs_info=ListOf(Obj(id=INT, ext_id=STR)),
    vtariffs_info=ListOf(ANY), meta={"type": "object"}, birthdate=nullable(DATE), autopayment_enabled=FLAG_SHAPE,
    tariffs=ListOf(INT),
)


# --- customer fields (create / modify) ----------------------------------------------------------------

TEXT_FIELDS = (
    "firstname", "middlename", "lastname", "passport_number", "passport_series", "passport_issued_by",
    "postal_address_street", "postal_address_bld", "postal_address_apt", "postal_address_zip",
    "postal_address_city", "postal_address_country", "billing_address_street", "billing_address_bld",
    "billing_address_apt", "billing_address_zip", "mobile_phone_number", "phone_number_1", "phone_number_2",
    "fax_phone_number", "email", "company_name", "comment", "bank_account_blz", "bank_account_bic",
    "bank_account_number", "bank_account_iban", "bank_account_bank_name", "bank_account_owner_name",
    "contract_number", "dealer_id",
)
DATE_FIELDS = ("birthdate", "passport_issue_date")
FLAG_FIELDS = ("send_sms", "send_sms_messages", "send_email_messages")
MAX_META = 20_000


def _max_length(name: str) -> int:
    return Customer._meta.get_field(name).max_length or 4000


CUSTOMER_FIELD_PARAMS = (
    *(Param(name, Text(_max_length(name))) for name in TEXT_FIELDS),
    *(Param(name, Day()) for name in DATE_FIELDS),
    *(Param(name, Flag()) for name in FLAG_FIELDS),
    Param("meta", Json(MAX_META), description="a JSON object the billing keeps with the customer"),
    Param("custom_billing_api", Id(), description="id of the operator's external system billing the customer"),
)


def _billing_api(ctx: SignedContext) -> ExternalSystem | None:
    external_id = ctx.args.custom_billing_api
    if external_id is None:
        return None
    found = ExternalSystem.objects.for_client(ctx.client).filter(pk=external_id).first()
    if found is None:
        raise ParamError("custom_billing_api", "not found")
    return found


def customer_fields(ctx: SignedContext, *, partial: bool) -> dict[str, Any]:
    """Customer fields present in the request. On create empty values are skipped; on modify an
    empty value clears the field."""
    present = ctx.params.raw()
    fields: dict[str, Any] = {}
    for param in CUSTOMER_FIELD_PARAMS:
        name = param.name
        if name not in present or (not partial and str(present.get(name)).strip() == ""):
            continue
        value = ctx.args[name]
        if name in TEXT_FIELDS:
            fields[name] = (value or "").strip()
            if name == "email" and fields[name]:
                try:
                    validate_email(fields[name])
                except ValidationError:
                    raise ParamError("email", "not an email address") from None
        elif name in FLAG_FIELDS:
            if str(present.get(name)).strip():
                fields[name] = value
        elif name == "meta":
            if value is not None and not isinstance(value, dict):
                raise ParamError("meta", "not a JSON object")
            fields[name] = value or {}
        elif name == "custom_billing_api":
            fields[name] = _billing_api(ctx)
        else:
            fields[name] = value
    return fields


# --- views: customers ---------------------------------------------------------------------------------

@signed_method(validation_error=CUSTOMER_INVALID, params=(
    *CUSTOMER_FIELD_PARAMS,
    Param("ext_id", Text(_max_length("ext_id")), description="the billing's id of the customer (unique)"),
), errors=(CUSTOMER_EXT_ID_USED,), response=Obj(id=INT))
@refusals
def customer_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Register a subscriber.

    A used ext_id answers 1; bad fields 3 (error_fields names them). A name or a comment is required."""
    fields = customer_fields(ctx, partial=False)
    fields["ext_id"] = (ctx.args.ext_id or "").strip()
    try:
        customer = create_customer(client=ctx.client, **fields)
    except Conflict as exc:
        return fail(CUSTOMER_EXT_ID_USED, "A customer with this ext_id already exists.",
                    fields=exc.fields or {"ext_id": "duplicate"})
    return ok(id=customer.pk)


@signed_method(validation_error=CUSTOMER_CHANGE_INVALID, params=(
    Param("customer_id", Id(), error=CUSTOMER_NOT_FOUND, description="the customer's id"),
    Param("ext_id", Text(_max_length("ext_id")),
          description="names the customer without customer_id; with it, the customer's new ext_id"),
    *CUSTOMER_FIELD_PARAMS,
), errors=(CUSTOMER_NOT_FOUND,), response=Obj())
@refusals
def customer_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change the given fields of a subscriber.

    With both `customer_id` and `ext_id` the customer is found by id and its ext_id changes; with
    `ext_id` alone it names the customer. An empty value clears a field."""
    by_id = ctx.args.customer_id is not None
    customer = customer_from(ctx, code=CUSTOMER_NOT_FOUND, ext_name=None if by_id else "ext_id")
    fields = customer_fields(ctx, partial=True)
    if by_id and "ext_id" in ctx.params.raw():
        fields["ext_id"] = (ctx.args.ext_id or "").strip()
    modify_customer(customer=customer, **fields)  # Invalid / Conflict (used ext_id) answer 2
    return ok()


@signed_method(validation_error=CUSTOMER_NOT_FOUND, params=customer_params(CUSTOMER_NOT_FOUND), response=Obj())
@refusals
def customer_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Remove a subscriber with their logins; their tariffs end first, ledger rows stay."""
    delete_customer(customer=customer_from(ctx, code=CUSTOMER_NOT_FOUND))
    return ok()


@signed_method(validation_error=CUSTOMER_NOT_FOUND, params=customer_params(CUSTOMER_NOT_FOUND), response=CUSTOMER)
@refusals
def customer_info(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """A subscriber: logins, open subscriptions and tariffs, balance, ledger size, details.

    `payments_count` counts ledger rows; there are no virtual tariffs (`vtariffs_info` is empty)."""
    customer = customer_from(ctx, code=CUSTOMER_NOT_FOUND, queryset=with_customer_details(Customer.objects.all()))
    return ok(**customer_row(customer))


MAX_REGEXP = 100


def _abonement_regexp(ctx: SignedContext) -> str:
    value = ctx.args.abonement_regexp or ""
    if value:
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError):
            raise ParamError("abonement_regexp", "not a regular expression") from None
    return value


@signed_method(validation_error=UNKNOWN_ERROR, params=(
    Param("tariff_id", IntList(max_items=50), error=FILTER_TARIFF_INVALID,
          description="only customers holding all of these tariffs (repeated or comma separated)"),
    Param("abonement_regexp", Text(MAX_REGEXP), description="only customers with a login matching this pattern"),
    Param("mobile_phone_number", Text(_max_length("mobile_phone_number")),
          description="only customers with this mobile phone number"),
    *PAGE_PARAMS,
), errors=(FILTER_TARIFF_NOT_FOUND,), response=Obj(customers=ListOf(CUSTOMER)))
@refusals
def customer_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The operator's customers page by page (by id), optionally filtered.

    Only those holding all of `tariff_id`, with a login matching `abonement_regexp`, or with this
    `mobile_phone_number`."""
    tariff_ids = sorted(set(ctx.args.tariff_id or ()))
    if tariff_ids and Tariff.objects.for_client(ctx.client).filter(pk__in=tariff_ids).count() != len(tariff_ids):
        raise Refusal(FILTER_TARIFF_NOT_FOUND, "Tariff not found.", {"tariff_id": "not found"})
    regexp = _abonement_regexp(ctx)
    phone = (ctx.args.mobile_phone_number or "").strip()
    window = page_slice(ctx.args)

    queryset = Customer.objects.for_client(ctx.client)
    for tariff_id in tariff_ids:
        holders = TariffSubscription.objects.filter(tariff_id=tariff_id, is_closed=False).values("customer_id")
        queryset = queryset.filter(pk__in=holders)
    if regexp:
        logins = Account.objects.for_client(ctx.client).filter(abonement__regex=regexp).values("customer_id")
        queryset = queryset.filter(pk__in=logins)
    if phone:
        queryset = queryset.filter(mobile_phone_number=phone)
    try:
        with transaction.atomic():  # PostgreSQL may still refuse a pattern Python accepted
            customers = list(with_customer_details(queryset.order_by("id"))[window])
    except DataError:
        raise Refusal(UNKNOWN_ERROR, "abonement_regexp is not a valid regular expression.",
                      {"abonement_regexp": "invalid"}) from None
    return ok(customers=[customer_row(customer) for customer in customers])


PAYMENT_ROW = Obj(id=INT, transaction_id=STR, amount=MONEY, source=STR, datetime=STR, comment=STR,
                  processed=FLAG_SHAPE)


@signed_method(validation_error=UNKNOWN_ERROR, params=(*customer_params(CUSTOMER_NOT_FOUND), *PAGE_PARAMS),
               errors=(CUSTOMER_NOT_FOUND,), response=Obj(payments=ListOf(PAYMENT_ROW)))
@refusals
def customer_transaction_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The customer's ledger, newest first.

    `transaction_id` is the billing's ext_id, else our id."""
    customer = customer_from(ctx, code=CUSTOMER_NOT_FOUND)
    rows = CustomerTransaction.objects.for_client(ctx.client).filter(customer=customer).order_by("-id")
    return ok(payments=[{
        "id": row.pk,
        "transaction_id": row.ext_id or str(row.pk),
        "amount": money(row.amount),
        "source": row.source,
        "datetime": moment_text(row.created_at),
        "comment": row.comment,
        "processed": flag(row.processed),
    } for row in rows[page_slice(ctx.args)]])


# --- views: tariffs and subscriptions -----------------------------------------------------------------

@signed_method(validation_error=TARIFF_NOT_ASSIGNABLE, params=(
    *customer_params(CUSTOMER_NOT_FOUND), *tariff_params(TARIFF_NOT_FOUND),
    Param("subscribe_svod", Flag(), description="deprecated: partners hear `tariff.assigned` anyway"),
), errors=(CUSTOMER_NOT_FOUND, TARIFF_NOT_FOUND), response=Obj())
@refusals
def customer_tariff_assign(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Subscribe the customer to a tariff (a new basic tariff replaces the current one).

    Partners with a hook hear `tariff.assigned`, so `subscribe_svod` (deprecated) needs nothing
    more. Already held or disabled: 4."""
    customer = customer_from(ctx, code=CUSTOMER_NOT_FOUND)
    tariff = tariff_from(ctx, code=TARIFF_NOT_FOUND)
    tariff_assign(customer=customer, tariff=tariff)  # already held / disabled answer 4
    return ok()


@signed_method(validation_error=TARIFF_REMOVE_REFUSED,
               params=(*customer_params(CUSTOMER_NOT_FOUND), *tariff_params(TARIFF_NOT_HELD)),
               errors=(CUSTOMER_NOT_FOUND, TARIFF_NOT_HELD), response=Obj())
@refusals
def customer_tariff_remove(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """End the customer's subscription to a tariff."""
    customer = customer_from(ctx, code=CUSTOMER_NOT_FOUND)
    tariff = tariff_from(ctx, code=TARIFF_NOT_HELD)
    try:
        tariff_remove(customer=customer, tariff=tariff)
    except NotFound:
        raise Refusal(TARIFF_NOT_HELD, "The customer does not have this tariff.",
                      {"tariff_id": "not assigned"}) from None
    return ok()


MAX_DURATION_DAYS = 36_500


@signed_method(validation_error=SUBSCRIPTION_INVALID, params=(
    *customer_params(CUSTOMER_NOT_FOUND), *tariff_params(TARIFF_NOT_FOUND, names=("tariff_id",)),
    Param("price", Money(maximum=MAX_PRICE), description="the customer's price per period (overrides the tariff's)"),
    Param("price_expiration", Day(), description="the last day of the overriding price (with price only)"),
    Param("duration", Int(min_value=1, max_value=MAX_DURATION_DAYS), description="days until the subscription ends"),
    Param("end_date", Day(), description="the subscription's last day (wins over duration)"),
), errors=(CUSTOMER_NOT_FOUND, TARIFF_NOT_FOUND), response=Obj(tariffsubscription_id=INT))
@refusals
def customer_tariff_subscription_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Subscribe the customer to a tariff on the billing's terms.

    `price` overrides the tariff price (until `price_expiration`), `end_date` (or else `duration`
    days) ends the subscription and makes it non-periodical."""
    customer = customer_from(ctx, code=CUSTOMER_NOT_FOUND)
    tariff = tariff_from(ctx, code=TARIFF_NOT_FOUND, names=("tariff_id",))
    args = ctx.args
    if args.price_expiration is not None and args.price is None:
        raise ParamError("price_expiration", "given without price")
    now = timezone.now()
    if args.end_date:
        end_date = end_of_day(args.end_date)
    else:
        end_date = now + timezone.timedelta(days=args.duration) if args.duration else None
    if end_date is not None and end_date <= now:
        raise ParamError("end_date", "not in the future")
    subscription = tariff_assign(customer=customer, tariff=tariff, price=args.price, end_date=end_date,
                                 price_expiration=args.price_expiration, is_periodical=end_date is None)
    return ok(tariffsubscription_id=subscription.pk)


@signed_method(validation_error=SUBSCRIPTION_NOT_FOUND, params=(
    Param("id", Id(), error=SUBSCRIPTION_NOT_FOUND, description="the subscription's id"),
), response=Obj())
@refusals
def customer_tariff_subscription_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Close an open subscription (the customer no longer holds that tariff)."""
    if ctx.args.id is None:
        raise Refusal(SUBSCRIPTION_NOT_FOUND, "id is required.", {"id": "required"})
    subscription = (TariffSubscription.objects.for_client(ctx.client).select_related("customer", "tariff")
                    .filter(pk=ctx.args.id).first())
    if subscription is None or subscription.is_closed:
        raise Refusal(SUBSCRIPTION_NOT_FOUND, "Subscription not found (or already closed).", {"id": "not found"})
    try:
        tariff_remove(customer=subscription.customer, tariff=subscription.tariff)
    except NotFound:  # closed by a concurrent request
        raise Refusal(SUBSCRIPTION_NOT_FOUND, "Subscription not found (or already closed).",
                      {"id": "not found"}) from None
    return ok()
