"""Customer self-service: customer/device/list, customer/device/delete, customer/info/set,
v2/customer/info, customer/payment/info, customer/invoice/complete, customer/billing_details_notify,
customer/tariff/subscription/list, customer/tariff/subscription/cost."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from billing.payment_gateway import GatewayRefusal, provider
from billing.statements import EmailTaken, NothingToSend, statement_send
from billing.subscriptions import subscription_cost
from common.errors import Invalid, LimitReached, NotFound, ServiceError
from common.readers import Choice, Id, Int, Text
from tvmiddleware.selectors.self_service import customer_devices, payment_summary
from tvmiddleware.services.self_service import (
    CodeRefused, PhoneConfirmation, PhoneInvalid, PhoneTaken, SmsFailed, customer_contacts_set, customer_device_delete,
)

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, flag, ok
from apikit.spec import BOOL, DATE, FLAG, INT, MONEY, NUMBER, STR, ListOf, Obj, Param, nullable

from .customer import SUBSCRIPTION_ROW, SUMMARY_SHAPE, TARIFF_IDS, money, subscription_rows, summary_fields
from .errors import (
    CUSTOMER_DATA_INVALID, CUSTOMER_DEVICE_NOT_FOUND, DETAILS_EMAIL_TAKEN, DETAILS_EMPTY, DETAILS_FAILED, INVALID_PARAM,
    INVOICE_HANDLER_ERROR, INVOICE_NOT_CONFIGURED, INVOICE_NOT_SUPPORTED, INVOICE_PENDING, NEW_PHONE_CODE_AWAITED,
    NEW_PHONE_CODE_INVALID, NEW_PHONE_CODE_SENT, NEW_PHONE_INVALID, NEW_PHONE_SMS_FAILED, NEW_PHONE_TAKEN,
    NO_INVOICE_GIVEN, TARIFF_UNAVAILABLE, V2_INVALID_PARAM,
)

DEVICE_ROW = Obj(id=INT, system_name=STR, device_uid=STR, brand_name=STR, device_model=STR, status=BOOL,
                 created_at=STR)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(devices=ListOf(DEVICE_ROW)))
def device_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The devices bound to the customer's accounts, oldest first. `status`: true while a session of
    the device was seen lately (online); `created_at`: when it was bound (ISO 8601). Two queries."""
    rows = customer_devices(client=ctx.client, customer_id=ctx.session.customer_id)
    return ok(devices=[{
        "id": row["device"].pk, "system_name": row["device"].device_type.system_name,
        "device_uid": row["device"].device_uid, "brand_name": row["device"].brand_name,
        "device_model": row["device"].device_model, "status": row["online"],
        "created_at": row["device"].created_at.replace(microsecond=0).isoformat(),
    } for row in rows], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=CUSTOMER_DEVICE_NOT_FOUND, params=(
    Param("id", Id(), required=True, description="The device's id (customer/device/list)."),
), response=Obj())
def device_delete(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Unbind one of the customer's devices; its sessions end (it must sign in again)."""
    try:
        customer_device_delete(customer=ctx.customer, device_id=ctx.args.id)
    except NotFound as exc:
        return error(CUSTOMER_DEVICE_NOT_FOUND, exc.message)
    return ok(error_message="")


INFO_FIELDS = ("firstname", "lastname", "mobile_phone_number", "email")


@device_method(auth=Auth.SESSION, invalid_param_error=CUSTOMER_DATA_INVALID, params=(
    Param("firstname", Text(200), description="Given: replaces the first name (empty clears it)."),
    Param("lastname", Text(200), description="Given: replaces the last name (empty clears it)."),
    Param("mobile_phone_number", Text(64), description="Given: replaces the mobile number (empty clears it)."),
    Param("email", Text(300), description="Given: replaces the e-mail address (empty clears it)."),
    Param("code", Text(16, strip=True), description="The confirmation code sent to a new mobile number."),
    Param("confirmation_method", Choice(("1", "2", "3", "4")), default="4",
          description="Accepted; the confirmation code of a new number always goes by SMS."),
), errors=(NEW_PHONE_TAKEN, NEW_PHONE_CODE_SENT, NEW_PHONE_CODE_AWAITED, NEW_PHONE_CODE_INVALID, NEW_PHONE_INVALID,
           NEW_PHONE_SMS_FAILED), response=Obj())
def info_set(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Correct the customer's name, mobile number and e-mail. Only the parameters given change.

    1 with `error_messages` (lists of messages per field); 2 the number is another subscriber's;
    6 not a number. Where the operator confirms new numbers, a new number is kept only with the code
    sent to it by SMS: 3 sent now, 4 still awaited, 5 wrong or expired, 7 the SMS failed; nothing
    changes until then."""
    args = ctx.args
    given = ctx.params.raw()  # an empty value given clears the field; an absent one leaves it
    changes = {name: (args.get(name) or "") for name in INFO_FIELDS if name in given}
    try:
        customer_contacts_set(customer=ctx.customer, changes=changes, code=args.code or "")
    except PhoneTaken as exc:
        return error(NEW_PHONE_TAKEN, exc.message, error_messages=exc.fields)
    except PhoneInvalid as exc:
        return error(NEW_PHONE_INVALID, exc.message, error_messages=exc.fields)
    except PhoneConfirmation as exc:
        code = NEW_PHONE_CODE_SENT if exc.sent else NEW_PHONE_CODE_AWAITED
        return error(code, exc.message, error_messages={"confirmation_phone": exc.message})
    except CodeRefused as exc:
        return error(NEW_PHONE_CODE_INVALID, exc.message)
    except SmsFailed as exc:
        return error(NEW_PHONE_SMS_FAILED, exc.message)
    except Invalid as exc:
        return error(CUSTOMER_DATA_INVALID, exc.message, error_messages=exc.fields)
    return ok(error_messages={})


@device_method(auth=Auth.SESSION, invalid_param_error=V2_INVALID_PARAM, response=Obj(
    firstname=STR, lastname=STR, abonement=INT, balance=MONEY, email=STR, mobile_phone_number=STR, id_for_payment=INT,
    **SUMMARY_SHAPE, deactivation_date=nullable(DATE), deactivation_date_to=nullable(DATE), is_trial=FLAG,
    autopayment_enabled=FLAG,
))
def info_v2(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The customer's card with what they pay and until when: the `payment_*` fields as in
    customer/info; `deactivation_date`: the day service stops unless paid (the account's
    deactivation date, else the earliest paid-until date of the periodical tariffs; null without
    either); `deactivation_date_to`: that day moved on by the whole rounds of charges the balance
    covers; `is_trial`: an auto-activation (trial) period with days left."""
    customer, account = ctx.customer, ctx.account
    summary = payment_summary(customer=customer, account=account)
    abonement = int(account.abonement) if account.abonement.isdigit() and len(account.abonement) < 19 else 0
    return ok(firstname=customer.firstname, lastname=customer.lastname, abonement=abonement,
              balance=money(customer.balance), email=customer.email, mobile_phone_number=customer.mobile_phone_number,
              id_for_payment=customer.pk, **summary_fields(summary),
              deactivation_date=summary.deactivation_date.isoformat() if summary.deactivation_date else None,
              deactivation_date_to=summary.deactivation_date_to.isoformat() if summary.deactivation_date_to else None,
              is_trial=flag(summary.is_trial), autopayment_enabled=flag(customer.autopayment_enabled),
              error_message="")


DETAIL_ROW = Obj(title=STR, sum=NUMBER, date=STR)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(
    details=ListOf(DETAIL_ROW), payment_sum=NUMBER, payment_sum_no_discount=NUMBER))
def payment_info(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """What the next round of charges is made of: one row per periodical tariff (`title` its name,
    `sum` its price for the customer, `date` its next charge, YYYY-MM-DD, "" if not set), the total
    `payment_sum` and the same at list prices `payment_sum_no_discount`."""
    summary = payment_summary(customer=ctx.customer, account=ctx.account)
    return ok(details=[{"title": line.title, "sum": float(line.price),
                        "date": line.paid_until.isoformat() if line.paid_until else ""} for line in summary.lines],
              payment_sum=float(summary.payment_sum), payment_sum_no_discount=float(summary.payment_sum_no_discount),
              error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=NO_INVOICE_GIVEN, params=(
    Param("invoice_id", Text(64, strip=True), required=True,
          description="The invoice: `payment_info.invoice_id` of customer/tariff/subscribe (a payment's id)."),
), errors=(INVOICE_NOT_CONFIGURED, INVOICE_HANDLER_ERROR, INVOICE_NOT_SUPPORTED, INVOICE_PENDING), response=Obj())
def invoice_complete(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Finish an invoice once the subscriber has paid it: its gateway is asked and the payment credited
    once. 0 paid; 160 still awaiting payment (call again later); 105 the gateway refused, failed, or
    there is no such invoice of the customer; 104 no payment app installed; 106 it finishes no invoices."""
    gateway = provider()
    if gateway is None:
        return error(INVOICE_NOT_CONFIGURED, "No payment gateway app is installed.")
    complete = getattr(gateway, "invoice_complete", None)
    if not callable(complete):
        return error(INVOICE_NOT_SUPPORTED, "The payment app does not finish invoices.")
    try:
        outcome = complete(customer=ctx.customer, invoice_id=ctx.args.invoice_id)
    except GatewayRefusal as refusal:
        return error(INVOICE_HANDLER_ERROR, refusal.message)
    if outcome == "pending":
        return error(INVOICE_PENDING, "The invoice is still awaiting payment; try again later.")
    if outcome != "paid":
        return error(INVOICE_HANDLER_ERROR, "The invoice was not paid.")
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=DETAILS_FAILED, params=(
    Param("email", Text(300, strip=True), required=True, description="Where to send the statement."),
    Param("period", Int(1, 3660), required=True, description="The statement's days, back from now."),
), errors=(DETAILS_EMAIL_TAKEN, DETAILS_EMPTY), response=Obj())
def billing_details_notify(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """E-mail the customer's financial operations of the last `period` days. The address becomes the
    customer's when they have none; 2: it is another subscriber's; 3: nothing in the period; 1: a bad
    address, a mail failure, or more than 5 statements an hour."""
    try:
        statement_send(customer=ctx.customer, email=ctx.args.email, days=ctx.args.period)
    except EmailTaken as exc:
        return error(DETAILS_EMAIL_TAKEN, exc.message)
    except NothingToSend as exc:
        return error(DETAILS_EMPTY, exc.message)
    except (Invalid, LimitReached, ServiceError) as exc:
        return error(DETAILS_FAILED, exc.message)
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
               response=Obj(subscriptions=ListOf(SUBSCRIPTION_ROW)))
def subscription_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The customer's open subscriptions, oldest first (as customer/info's `subscriptions`). One query."""
    return ok(subscriptions=subscription_rows(ctx.customer), error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=TARIFF_UNAVAILABLE, params=TARIFF_IDS,
               response=Obj(price=NUMBER, balance=NUMBER))
def subscription_cost_view(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """What customer/tariff/subscribe would charge for the tariffs now (activation prices and first
    periods), and the balance. 1: a tariff is not offered, not the operator's, already held, or a
    second basic tariff (also: none given)."""
    ids = list(dict.fromkeys((ctx.args.tariff_id or []) + (ctx.args.virtual_tariff_id or [])))
    if not ids:
        return error(TARIFF_UNAVAILABLE, "Neither tariff_id nor virtual_tariff_id was given.")
    customer = ctx.customer
    try:
        price = subscription_cost(customer=customer, tariff_ids=ids)
    except ServiceError as exc:  # TariffUnavailable, BasicTariffTaken, TariffAlreadyConnected
        return error(TARIFF_UNAVAILABLE, exc.message)
    return ok(price=float(price), balance=float(customer.balance), error_message="")
