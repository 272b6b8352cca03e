"""Ways in before a session: login/customer_list (who has this phone number, confirmed by SMS) and
noauth/device/exists (whose is this device)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from common.client_address import client_ip
from common.readers import Text
from tvmiddleware.services.device_lookup import DeviceUnknown, device_owner
from tvmiddleware.selectors.phone_lookup import customers_with_phone, first_abonements
from tvmiddleware.services.phone_login import (
    PhoneLoginRefused, PhoneRefusal, lookup_allowed, normalize_phone, phone_code_check, phone_code_send,
)

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, ok
from apikit.spec import STR, ListOf, Obj, Param

from .errors import (
    CUSTOMER_LIST_BAD_PARAM, CUSTOMER_PHONE_SEVERAL, CUSTOMER_PHONE_UNKNOWN, DEVICE_NOT_FOUND, DEVICE_PARAM_MISSING,
    PHONE_CODE_AWAITED, PHONE_CODE_NOT_SENT, PHONE_CODE_SENT, PHONE_CODE_TOO_OFTEN, PHONE_CODE_WRONG,
)

CUSTOMER_ROW = Obj(ext_id=STR, abonement=STR)
PHONE_REFUSALS = {PhoneRefusal.TOO_OFTEN: PHONE_CODE_TOO_OFTEN, PhoneRefusal.AWAITED: PHONE_CODE_AWAITED,
                  PhoneRefusal.WRONG_CODE: PHONE_CODE_WRONG, PhoneRefusal.NOT_SENT: PHONE_CODE_NOT_SENT}


@device_method(auth=Auth.API_KEY, invalid_param_error=CUSTOMER_LIST_BAD_PARAM, params=(
    Param("phone_number", Text(32, strip=True), required=True, description="The mobile number, with the country code."),
    Param("validation_code", Text(16, strip=True), description="The code the SMS brought."),
), errors=(CUSTOMER_PHONE_UNKNOWN, CUSTOMER_PHONE_SEVERAL, PHONE_CODE_SENT, PHONE_CODE_WRONG, PHONE_CODE_AWAITED,
           PHONE_CODE_TOO_OFTEN, PHONE_CODE_NOT_SENT), response=Obj(customers=ListOf(CUSTOMER_ROW)))
def login_customer_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The customers with this mobile number, to log in as one of them: `customers` with each one's
    `ext_id` and the `abonement` of its first account. Without `validation_code` a code is sent by SMS
    (3; 5 while one sent under a minute ago is awaited, 6 past 5 an hour); with it, 0 for one customer,
    2 (with the list) for several, 4 for a wrong or expired code (5 tries). 1 when nobody has the number.
    Lookups are limited per caller address (30 in 10 minutes, then 6)."""
    phone = normalize_phone(ctx.args.phone_number)
    if not phone:
        return error(CUSTOMER_LIST_BAD_PARAM, "phone_number is not a phone number.",
                     error_fields={"phone_number": "invalid"})
    if not lookup_allowed(client=ctx.client, ip=client_ip(request)):
        return error(PHONE_CODE_TOO_OFTEN, "Too many lookups; try again later.")
    customers = customers_with_phone(client=ctx.client, phone=phone)
    if not customers:
        return error(CUSTOMER_PHONE_UNKNOWN, "No customer has this phone number.")
    try:
        if ctx.args.validation_code is None:
            phone_code_send(client=ctx.client, phone=phone)
            return error(PHONE_CODE_SENT, "A confirmation code was sent by SMS.")
        phone_code_check(client=ctx.client, phone=phone, code=ctx.args.validation_code)
    except PhoneLoginRefused as exc:
        return error(PHONE_REFUSALS[exc.reason], exc.message)
    abonements = first_abonements(client=ctx.client, customer_ids=[c.pk for c in customers])
    rows = [{"ext_id": c.ext_id, "abonement": abonements.get(c.pk, "")} for c in customers]
    if len(rows) > 1:
        return error(CUSTOMER_PHONE_SEVERAL, "More than one customer has this phone number.", customers=rows)
    return ok(customers=rows, error_message="")


@device_method(auth=Auth.API_KEY, invalid_param_error=DEVICE_PARAM_MISSING, params=(
    Param("device_uid", Text(128, strip=True), required=True, description="The device's unique id."),
), errors=(DEVICE_NOT_FOUND,), response=Obj(abonement=STR, mobile_phone=STR, phone_number_1=STR, phone_number_2=STR,
                                             email=STR, ext_id=STR))
def device_exists(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Is this device bound to one of the operator's accounts? Its account's abonement and its customer's
    contacts and `ext_id`; 2 when not bound. Unknown devices are counted per caller address: past 30
    in 10 minutes every lookup answers 2."""
    try:
        device = device_owner(client=ctx.client, device_uid=ctx.args.device_uid, ip=client_ip(request))
    except DeviceUnknown as exc:
        return error(DEVICE_NOT_FOUND, exc.message)
    account = device.account
    customer = account.customer
    return ok(abonement=account.abonement, mobile_phone=customer.mobile_phone_number,
              phone_number_1=customer.phone_number_1, phone_number_2=customer.phone_number_2, email=customer.email,
              ext_id=customer.ext_id, error_message="")
