"""Billing API, Customer group: subscribers (personal accounts) as the operator's billing manages them —
create, change, delete, read and list them, their tariffs and subscriptions, their ledger, and the
payment-gateway methods (through the installed payments app, "not configured" without one).

The first part holds small helpers the Customer, Tariff, Transaction and Promo views share: how a
customer, a tariff, a date, an amount and a page are read from a request, and `Refusal`, an answer
with a documented error code raised from inside a helper.
"""
from __future__ import annotations

import functools
import json
import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from billing.models import CustomerTransaction
from billing.payment_gateway import GatewayNotConfigured, GatewayRefusal, PaymentProvider
from billing.payment_gateway import provider as payment_provider
from common.params import ParamError
from tvmiddleware.models import Account, Customer, ExternalSystem, Tariff, TariffSubscription
from tvmiddleware.services import (
    Conflict, NotFound, customer_create as create_customer, customer_delete as delete_customer,
    customer_modify as modify_customer, tariff_assign, tariff_remove,
)
from common.money import CENT, LEDGER_MAX, PRICE_MAX, MoneyError, read_money
from common.text import is_digits, json_has_nul

from apikit.signed import SignedContext, fail, ok, signed_method
from .serializers import (
    OPEN_SUBSCRIPTIONS, account_brief_row, date_text, flag, moment_text, open_subscriptions_prefetch,
    subscription_row,
)

UNKNOWN_ERROR = -1  # global code: the answer for malformed parameters a method documents no code for
MAX_LIMIT = 100
MAX_PAGE = 1_000_000
MAX_PRICE = PRICE_MAX + CENT  # prices are DecimalField(12, 2): an amount must stay below this
MAX_MONEY_TEXT = 40
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- shared helpers ----------------------------------------------------------------------------------

class Refusal(Exception):
    """Answer the request with a documented error `code` (raised from helpers, turned into the
    response by `@refusals`)."""

    def __init__(self, code: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


def refusals(view: Callable[[HttpRequest, SignedContext], HttpResponse]) -> Callable:
    """Put under `@signed_method`: a `Refusal` becomes `{"error": code, "error_message", "error_fields"}`."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, ctx: SignedContext, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, ctx, *args, **kwargs)
        except Refusal as refusal:
            return fail(refusal.code, refusal.message, fields=refusal.fields)

    return wrapper


def id_param(ctx: SignedContext, name: str, *, code: int, what: str) -> int | None:
    """An id parameter; a malformed one answers `code` (the method's "<what> not found")."""
    value = str(ctx.params.get(name) or "").strip()
    if not value:
        return None
    if not is_digits(value) or len(value) > 18:
        raise Refusal(code, f"{what} not found.", {name: "invalid"})
    return int(value)


def text_id_param(ctx: SignedContext, name: str, *, code: int, what: str, max_length: int = 128) -> str:
    value = str(ctx.params.get(name) or "").strip()
    if len(value) > max_length or "\x00" in value:
        raise Refusal(code, f"{what} not found.", {name: "invalid"})
    return value


def customer_from(ctx: SignedContext, *, code: int, id_name: str = "customer_id", ext_name: str | None = "ext_id",
                  queryset: QuerySet[Customer] | None = None) -> Customer:
    """The operator's customer named by our id or by the billing's ext_id (ext_id wins when both are
    given; `ext_name=None`: by id only). Missing, malformed, unknown and other operators' customers
    all answer `code`."""
    customer_id = id_param(ctx, id_name, code=code, what="Customer")
    ext_id = text_id_param(ctx, ext_name, code=code, what="Customer") if ext_name else ""
    if customer_id is None and not ext_id:
        names = f"{id_name} or {ext_name}" if ext_name else id_name
        raise Refusal(code, f"{names} is required.", {id_name: "required"})
    queryset = (queryset if queryset is not None else Customer.objects.all()).for_client(ctx.client)
    found = queryset.filter(ext_id=ext_id).first() if ext_id else queryset.filter(pk=customer_id).first()
    if found is None:
        raise Refusal(code, "Customer not found.", {ext_name if ext_id else id_name: "not found"})
    return found


def tariff_from(ctx: SignedContext, *, code: int, names: tuple[str, ...] = ("tariff_id", "vtariff_id"),
                ext_name: str | None = "tariff_ext_id") -> Tariff:
    """The operator's tariff by id (`vtariff_id` is taken as a tariff id: there are no virtual
    tariffs) or by its ext_id. Missing, malformed, unknown and other operators' tariffs answer `code`."""
    queryset = Tariff.objects.for_client(ctx.client)
    for name in names:
        tariff_id = id_param(ctx, name, code=code, what="Tariff")
        if tariff_id is not None:
            found = queryset.filter(pk=tariff_id).first()
            if found is None:
                raise Refusal(code, "Tariff not found.", {name: "not found"})
            return found
    ext_id = text_id_param(ctx, ext_name, code=code, what="Tariff") if ext_name else ""
    if ext_id:
        found = queryset.filter(ext_id=ext_id).first()
        if found is None:
            raise Refusal(code, "Tariff not found.", {ext_name: "not found"})
        return found
    raise Refusal(code, f"{' or '.join((*names, *([ext_name] if ext_name else [])))} is required.",
                  {names[0]: "required"})


def date_param(ctx: SignedContext, name: str) -> date | None:
    """A `yyyy-mm-dd` date, or None when absent."""
    value = str(ctx.params.get(name) or "").strip()
    if not value:
        return None
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ParamError(name, "not a yyyy-mm-dd date") from None


def money_param(ctx: SignedContext, name: str, *, required: bool = False, positive: bool = False,
                not_negative: bool = False, maximum: Decimal | None = None) -> Decimal | None:
    """An amount: a plain ASCII decimal with a dot and at most two decimals (`common.money`);
    negative unless `positive` or `not_negative`; its magnitude below `maximum`."""
    value = ctx.params.str(name, max_length=MAX_MONEY_TEXT)
    if not value:
        if required:
            raise ParamError(name, "required")
        return None
    limit = LEDGER_MAX if maximum is None else min(LEDGER_MAX, maximum - CENT)
    try:
        return read_money(value, negative=not (positive or not_negative), positive=positive, maximum=limit)
    except MoneyError as exc:
        raise ParamError(name, exc.problem) from None


def page_slice(ctx: SignedContext) -> slice:
    """`limit` (1–100, default 100; larger values are cut to 100) and `page` (from 1)."""
    limit = ctx.params.int("limit", MAX_LIMIT, min_value=1)
    page = ctx.params.int("page", 1, min_value=1, max_value=MAX_PAGE)
    limit = min(limit, MAX_LIMIT)
    return slice((page - 1) * limit, page * limit)


def money(value: Decimal | None) -> str:
    return f"{(value or Decimal('0')):.2f}"


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


def _meta(ctx: SignedContext) -> dict:
    text = ctx.params.str("meta", max_length=MAX_META)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise ParamError("meta", "not valid JSON") from None
    if not isinstance(value, dict):
        raise ParamError("meta", "not a JSON object")
    if json_has_nul(value):  # "\u0000" is JSON, but PostgreSQL's jsonb cannot store it
        raise ParamError("meta", "contains a NUL character")
    return value


def _billing_api(ctx: SignedContext) -> ExternalSystem | None:
    external_id = ctx.params.int("custom_billing_api", min_value=1)
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
    for name in (*TEXT_FIELDS, *DATE_FIELDS, *FLAG_FIELDS, "meta", "custom_billing_api"):
        if name not in present or (not partial and str(present.get(name)).strip() == ""):
            continue
        if name in TEXT_FIELDS:
            fields[name] = ctx.params.str(name, max_length=_max_length(name)).strip()
            if name == "email" and fields[name]:
                try:
                    validate_email(fields[name])
                except ValidationError:
                    raise ParamError("email", "not an email address") from None
        elif name in DATE_FIELDS:
            fields[name] = date_param(ctx, name)
        elif name in FLAG_FIELDS:
            if str(present.get(name)).strip():
                fields[name] = ctx.params.flag(name)
        elif name == "meta":
            fields[name] = _meta(ctx)
        else:
            fields[name] = _billing_api(ctx)
    return fields


# --- views: customers ---------------------------------------------------------------------------------

@signed_method(validation_error=3)
@refusals
def customer_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Register a subscriber. A used ext_id answers 1; bad fields 3 (error_fields names them)."""
    fields = customer_fields(ctx, partial=False)
    fields["ext_id"] = ctx.params.str("ext_id", max_length=_max_length("ext_id")).strip()
    try:
        customer = create_customer(client=ctx.client, **fields)
    except Conflict as exc:
        return fail(1, "A customer with this ext_id already exists.", fields=exc.fields or {"ext_id": "duplicate"})
    return ok(id=customer.pk)


@signed_method(validation_error=2)
@refusals
def customer_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change the given fields. With both `customer_id` and `ext_id` the customer is found by id and
    its ext_id changes; with `ext_id` alone it names the customer."""
    by_id = id_param(ctx, "customer_id", code=1, what="Customer") is not None
    customer = customer_from(ctx, code=1, ext_name=None if by_id else "ext_id")
    fields = customer_fields(ctx, partial=True)
    if by_id and "ext_id" in ctx.params.raw():
        fields["ext_id"] = ctx.params.str("ext_id", max_length=_max_length("ext_id")).strip()
    modify_customer(customer=customer, **fields)  # Invalid / Conflict (used ext_id) answer 2
    return ok()


@signed_method(validation_error=1)
@refusals
def customer_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Remove a subscriber with their logins; their tariffs end first, ledger rows stay."""
    delete_customer(customer=customer_from(ctx, code=1))
    return ok()


@signed_method(validation_error=1)
@refusals
def customer_info(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    customer = customer_from(ctx, code=1, queryset=with_customer_details(Customer.objects.all()))
    return ok(**customer_row(customer))


MAX_REGEXP = 100


def _abonement_regexp(ctx: SignedContext) -> str:
    value = str(ctx.params.get("abonement_regexp") or "")
    if not value:
        return ""
    if len(value) > MAX_REGEXP or "\x00" in value:
        raise ParamError("abonement_regexp", f"longer than {MAX_REGEXP} characters")
    try:
        re.compile(value)
    except (re.error, RecursionError, OverflowError):
        raise ParamError("abonement_regexp", "not a regular expression") from None
    return value


@signed_method(validation_error=UNKNOWN_ERROR)
@refusals
def customer_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Customers page by page (by id), optionally only those holding all of `tariff_id`, with a login
    matching `abonement_regexp`, or with this `mobile_phone_number`."""
    try:
        tariff_ids = sorted(set(ctx.params.int_list("tariff_id", max_items=50)))
    except ParamError as exc:
        raise Refusal(2, "tariff_id is invalid.", {"tariff_id": exc.problem}) from None
    if tariff_ids and Tariff.objects.for_client(ctx.client).filter(pk__in=tariff_ids).count() != len(tariff_ids):
        raise Refusal(1, "Tariff not found.", {"tariff_id": "not found"})
    regexp = _abonement_regexp(ctx)
    phone = ctx.params.str("mobile_phone_number", max_length=_max_length("mobile_phone_number")).strip()
    window = page_slice(ctx)

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


@signed_method(validation_error=UNKNOWN_ERROR)
@refusals
def customer_transaction_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The customer's ledger, newest first. `transaction_id` is the billing's ext_id, else our id."""
    customer = customer_from(ctx, code=1)
    rows = CustomerTransaction.objects.for_client(ctx.client).filter(customer=customer).order_by("-id")
    return ok(payments=[{
        "id": row.pk,
        "transaction_id": row.ext_id or str(row.pk),
        "amount": money(row.amount),
        "source": row.source,
        "datetime": moment_text(row.created_at),
        "comment": row.comment,
        "processed": flag(row.processed),
    } for row in rows[page_slice(ctx)]])


# --- views: tariffs and subscriptions -----------------------------------------------------------------

@signed_method(validation_error=4)
@refusals
def customer_tariff_assign(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Subscribe the customer to a tariff (a new basic tariff replaces the current one). Partners
    with a hook hear `tariff.assigned`, so `subscribe_svod` (deprecated) needs nothing more."""
    customer = customer_from(ctx, code=1)
    tariff = tariff_from(ctx, code=2)
    ctx.params.flag("subscribe_svod")
    tariff_assign(customer=customer, tariff=tariff)  # already held / disabled answer 4
    return ok()


@signed_method(validation_error=3)
@refusals
def customer_tariff_remove(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    customer = customer_from(ctx, code=1)
    tariff = tariff_from(ctx, code=2)
    try:
        tariff_remove(customer=customer, tariff=tariff)
    except NotFound:
        raise Refusal(2, "The customer does not have this tariff.", {"tariff_id": "not assigned"}) from None
    return ok()


MAX_DURATION_DAYS = 36_500


@signed_method(validation_error=3)
@refusals
def customer_tariff_subscription_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Subscribe with the billing's terms: `price` overrides the tariff price (until
    `price_expiration`), `end_date` (or else `duration` days) ends the subscription and makes it
    non-periodical."""
    customer = customer_from(ctx, code=1)
    tariff = tariff_from(ctx, code=2, names=("tariff_id",))
    price = money_param(ctx, "price", not_negative=True, maximum=MAX_PRICE)
    duration = ctx.params.int("duration", min_value=1, max_value=MAX_DURATION_DAYS)
    price_expiration = date_param(ctx, "price_expiration")
    end_day = date_param(ctx, "end_date")
    if price_expiration is not None and price is None:
        raise ParamError("price_expiration", "given without price")
    now = timezone.now()
    end_date = end_of_day(end_day) if end_day else (now + timezone.timedelta(days=duration) if duration else None)
    if end_date is not None and end_date <= now:
        raise ParamError("end_date", "not in the future")
    subscription = tariff_assign(customer=customer, tariff=tariff, price=price, end_date=end_date,
                                 price_expiration=price_expiration, is_periodical=end_date is None)
    return ok(tariffsubscription_id=subscription.pk)


@signed_method(validation_error=1)
@refusals
def customer_tariff_subscription_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Close an open subscription (the customer no longer holds that tariff)."""
    subscription_id = id_param(ctx, "id", code=1, what="Subscription")
    if subscription_id is None:
        raise Refusal(1, "id is required.", {"id": "required"})
    subscription = (TariffSubscription.objects.for_client(ctx.client).select_related("customer", "tariff")
                    .filter(pk=subscription_id).first())
    if subscription is None or subscription.is_closed:
        raise Refusal(1, "Subscription not found (or already closed).", {"id": "not found"})
    try:
        tariff_remove(customer=subscription.customer, tariff=subscription.tariff)
    except NotFound:  # closed by a concurrent request
        raise Refusal(1, "Subscription not found (or already closed).", {"id": "not found"}) from None
    return ok()


# --- views: payment gateway ----------------------------------------------------------------------------
# The installed payments app answers through `billing.payment_gateway.provider()` (the core never imports
# it). No provider, or no enabled merchant of the asked type (`GatewayNotConfigured`), keeps each method's
# documented "not configured" answer: 723 / 723 / 1 / 3. No subscriber's address is passed to the gateway:
# the caller is the operator's billing server, not the subscriber.

GATEWAY_MISSING = "No payment gateway is configured for this operator."
CARD_DATA_REFUSED = ("Card data is not accepted: the operator's payment gateway takes the card on its own payment "
                     "page (customer/payment/create, customer/merchant_url).")
CARD_FIELDS = ("card_number", "card_holder", "card_expire", "card_cvv")


def _gateway(missing_code: int) -> PaymentProvider:
    gateway = payment_provider()
    if gateway is None:
        raise Refusal(missing_code, GATEWAY_MISSING)
    return gateway


@signed_method(validation_error=2)
@refusals
def customer_merchant_url(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Start a payment for the customer and answer the gateway's payment page (`url`) and the
    merchant's name. Codes: 1 customer not found, 2 bad amount, 3 no merchant of the asked
    `merchant_type`, 4 the gateway could not create the page, 723 no gateway configured."""
    customer = customer_from(ctx, code=1)
    amount = money_param(ctx, "amount", required=True, positive=True, maximum=MAX_PRICE)
    merchant_type = ctx.params.str("merchant_type", max_length=64).strip()
    gateway = _gateway(723)
    try:
        url, merchant_name = gateway.merchant_url(client=ctx.client, customer=customer, amount=amount,
                                                  merchant_type=merchant_type)
    except GatewayNotConfigured as refusal:
        return fail(3 if merchant_type else 723, refusal.message)
    except GatewayRefusal as refusal:
        return fail(2 if refusal.code == 4 else 4, refusal.message)
    return ok(url=url, merchant_name=merchant_name)


@signed_method(validation_error=4)
@refusals
def customer_payment_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Start a payment for the customer: `payments` = {payment_id (the gateway's order id),
    transaction_id (ours), session_id, and the extension redirect_url (the payment page)}.
    Codes: 1–14 the gateway's refusals (PaymentCreate's table), 100 customer not found, 723 no
    gateway configured."""
    customer = customer_from(ctx, code=100)
    amount = money_param(ctx, "amount", required=True, positive=True, maximum=MAX_PRICE)
    merchant_type = ctx.params.str("merchant_type", max_length=64).strip()
    gateway = _gateway(723)
    try:
        started = gateway.payment_create(client=ctx.client, customer=customer, amount=amount,
                                         merchant_type=merchant_type, source="billing_api")
    except GatewayNotConfigured as refusal:
        return fail(723, refusal.message)
    except GatewayRefusal as refusal:
        return fail(refusal.code if 1 <= refusal.code <= 14 else 1, refusal.message)
    return ok(payments={"payment_id": str(started["payment_id"]), "transaction_id": str(started["transaction_id"]),
                        "session_id": started.get("session_id", ""), "redirect_url": started.get("redirect_url", "")})


@signed_method(validation_error=4)
@refusals
@sensitive_post_parameters(*CARD_FIELDS)
def customer_payment_process(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Card data for a started payment (host-to-host gateways). The gateways this middleware offers
    take the card on their own payment page, so the card never passes through it: the request is
    checked, the card data dropped (never stored, never logged) and the answer is 1 with the reason."""
    customer_from(ctx, code=100)
    ctx.params.str("payment_id", required=True, max_length=128)
    ctx.params.str("transaction_id", max_length=128)
    ctx.params.str("merchant_type", max_length=64)
    for name in CARD_FIELDS:
        ctx.params.str(name, required=True, max_length=128)
    _gateway(1)
    return fail(1, CARD_DATA_REFUSED)


@signed_method(validation_error=2)
@refusals
def customer_saved_card_pay(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Charge the account's customer's saved card (the autopayment card, else the newest) and credit
    the balance. Codes: 1 account not found, 2 bad parameters (also: no saved card), 3 the gateway
    refused or is not configured. Extensions: `transaction_id`, `payment_id`."""
    abonement = text_id_param(ctx, "abonement", code=1, what="Account", max_length=32)
    if not abonement:
        raise Refusal(1, "abonement is required.", {"abonement": "required"})
    account = Account.objects.for_client(ctx.client).select_related("customer").filter(abonement=abonement).first()
    if account is None:
        raise Refusal(1, "Account not found.", {"abonement": "not found"})
    amount = money_param(ctx, "amount", required=True, positive=True, maximum=MAX_PRICE)
    gateway = _gateway(3)
    try:
        paid = gateway.saved_card_pay(client=ctx.client, customer=account.customer, amount=amount, account=account,
                                      source="billing_api")
    except GatewayNotConfigured as refusal:
        return fail(3, refusal.message)
    except GatewayRefusal as refusal:
        return fail(2 if refusal.code == 4 else 3, refusal.message)
    return ok(transaction_id=str(paid["transaction_id"]), payment_id=str(paid["payment_id"]))
