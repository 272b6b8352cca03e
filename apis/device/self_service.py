"""Account self-service: account/password/change, account/reset_password, account/parent_code/set,
account/send_parent_code_by_sms, account/profile/settings/modify, account/settings/list,
account/settings/modify, account/export."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from common.errors import Invalid, NotFound
from common.readers import Id, Text
from tvmiddleware.selectors.self_service import account_profiles
from tvmiddleware.services.account_transfer import TransferUnavailable, account_take_over
from tvmiddleware.services.password_reset import CodeRefused, ResetRefused, password_reset
from tvmiddleware.services.self_service import (
    PasswordChangeRefused, PinNotSent, ProfileTypeNotFound, TemplateNotFound, account_password_change,
    account_pin_change, account_pin_send_by_sms, account_profile_set, account_template_set,
)

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, ok
from apikit.spec import INT, STR, ListOf, Obj, Param

from .errors import (
    EXPORT_ACCOUNT_NOT_FOUND, EXPORT_FAILED, EXPORT_UNAVAILABLE, INVALID_PARAM, PASSWORD_CHANGE_FAILED, PIN_INVALID,
    PIN_SMS_DAILY_LIMIT, PIN_SMS_FAILED, PIN_SMS_NO_PHONE, PIN_SMS_NO_PIN, PIN_SMS_TOO_OFTEN, PROFILE_ID_INVALID,
    PROFILE_NAME_INVALID, RESET_AMBIGUOUS, RESET_CODE_ALREADY_SENT, RESET_CODE_INVALID, RESET_CODE_SENT,
    RESET_CUSTOMER_NOT_FOUND, RESET_NO_ACCOUNTS, RESET_SEND_FAILED, TEMPLATE_NOT_FOUND,
)

SECRET_MAX = 128  # longer than any password or PIN accepted: a longer one is simply wrong


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("old_password", Text(SECRET_MAX), required=True, description="The current password."),
    Param("new_password", Text(SECRET_MAX), required=True,
          description="The new password: 4 to 64 characters, no spaces."),
), errors=(PASSWORD_CHANGE_FAILED,), response=Obj())
def password_change(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Replace the account's password, given the current one.

    1: a parameter is missing, or the new password is not acceptable; 2: the current password is
    wrong (wrong ones are counted per account like failed logins: past the limit, 2 without a check)."""
    try:
        account_password_change(account=ctx.account, old_password=ctx.args.old_password,
                                new_password=ctx.args.new_password)
    except PasswordChangeRefused as exc:
        return error(PASSWORD_CHANGE_FAILED, exc.message)
    except Invalid as exc:
        return error(INVALID_PARAM, exc.message, error_fields={"new_password": "invalid"})
    return ok(error_message="")


_RESET_CODES = {"not_found": RESET_CUSTOMER_NOT_FOUND, "ambiguous": RESET_AMBIGUOUS, "no_accounts": RESET_NO_ACCOUNTS,
                "already_sent": RESET_CODE_ALREADY_SENT, "rate_limited": RESET_CODE_ALREADY_SENT,
                "send_failed": RESET_SEND_FAILED}


@device_method(auth=Auth.API_KEY, invalid_param_error=INVALID_PARAM, params=(
    Param("email", Text(254, strip=True), description="The subscriber's e-mail (or give mobile_phone_number)."),
    Param("mobile_phone_number", Text(32, strip=True), description="The subscriber's mobile number."),
    Param("code", Text(16, strip=True), description="The verification code sent after answer 3."),
), errors=(RESET_CUSTOMER_NOT_FOUND, RESET_CODE_SENT, RESET_AMBIGUOUS, RESET_CODE_INVALID, RESET_NO_ACCOUNTS,
           RESET_CODE_ALREADY_SENT, RESET_SEND_FAILED), response=Obj())
def reset_password(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Forgotten password: without `code`, a verification code is sent through the operator's channel
    (answer 3); with it, every account of the subscriber gets a new password, sent the same way (0).

    Requests are counted per client address and per e-mail/number before anything is looked up;
    past the limits, 7."""
    args = ctx.args
    if not (args.email or args.mobile_phone_number):
        return error(INVALID_PARAM, "Give email or mobile_phone_number.", error_fields={"email": "required"})
    try:
        outcome = password_reset(client=ctx.client, email=args.email or "",
                                 mobile_phone_number=args.mobile_phone_number or "", code=args.code or "", ip=ctx.ip)
    except ResetRefused as exc:
        return error(_RESET_CODES[exc.reason], exc.message)
    except CodeRefused as exc:
        return error(RESET_CODE_INVALID, exc.message)
    if outcome.code_sent:
        return error(RESET_CODE_SENT, "A verification code was sent; call again with it as `code`.")
    return ok(error_message="The password was replaced and sent.")


@device_method(auth=Auth.SESSION, invalid_param_error=PIN_INVALID, params=(
    Param("old_pin", Text(SECRET_MAX), default="", description="The current PIN; empty when the account has none."),
    Param("new_pin", Text(SECRET_MAX), required=True, description="The new PIN: 1 to 16 digits."),
), response=Obj())
def parent_code_set(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Replace the account's PIN (parental control). 1 with `error_messages`: what is wrong with
    `old_pin` (missing, wrong, too many wrong ones lately) and `new_pin` (not 1 to 16 digits)."""
    try:
        account_pin_change(account=ctx.account, old_pin=ctx.args.old_pin, new_pin=ctx.args.new_pin)
    except Invalid as exc:
        return error(PIN_INVALID, exc.message, error_messages=exc.fields)
    return ok(error_messages={}, error_message="")


_PIN_SMS_CODES = {"no_phone": PIN_SMS_NO_PHONE, "no_pin": PIN_SMS_NO_PIN, "too_often": PIN_SMS_TOO_OFTEN,
                  "daily_limit": PIN_SMS_DAILY_LIMIT, "failed": PIN_SMS_FAILED}


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
               errors=(PIN_SMS_FAILED, PIN_SMS_NO_PHONE, PIN_SMS_NO_PIN, PIN_SMS_TOO_OFTEN, PIN_SMS_DAILY_LIMIT),
               response=Obj())
def send_parent_code_by_sms(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Send the account's PIN by SMS to the customer's mobile number, within the operator's limits
    (one per interval, so many a day)."""
    try:
        account_pin_send_by_sms(account=ctx.account)
    except PinNotSent as exc:
        return error(_PIN_SMS_CODES[exc.reason], exc.message)
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=PROFILE_ID_INVALID, params=(
    Param("profile_id", Id(), required=True, description="A profile type of the operator (profile/list)."),
    Param("name", Text(200), required=True, error=PROFILE_NAME_INVALID, description="The profile's name."),
), errors=(PROFILE_NAME_INVALID,), response=Obj())
def profile_settings_modify(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Name the account's profile and choose its type."""
    try:
        account_profile_set(account=ctx.account, profile_type_id=ctx.args.profile_id, name=ctx.args.name)
    except ProfileTypeNotFound as exc:
        return error(PROFILE_ID_INVALID, exc.message, error_fields={"profile_id": "not found"})
    except Invalid as exc:
        return error(PROFILE_NAME_INVALID, exc.message, error_fields={"name": "invalid"})
    return ok()


PROFILE_ROW = Obj(name=STR, profile_id=INT, profile_name=STR)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
               response=Obj(account_settings=ListOf(PROFILE_ROW)))
def settings_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The profiles of the customer's accounts, oldest account first: `name` (the abonement until the
    subscriber names it), `profile_id` and `profile_name` (the type; the operator's default type until
    one is chosen, 0 and "" without any). Three queries."""
    rows = account_profiles(client=ctx.client, customer_id=ctx.session.customer_id)
    return ok(account_settings=[{key: row[key] for key in ("name", "profile_id", "profile_name")} for row in rows])


@device_method(auth=Auth.SESSION, invalid_param_error=TEMPLATE_NOT_FOUND, params=(
    Param("template_system_name", Text(64, strip=True), description="The template's system name."),
    Param("template_id", Id(), description="The template's id (wins over template_system_name)."),
), response=Obj())
def settings_modify(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Choose the account's interface template among the operator's enabled ones; the login answer's
    `template` names it from then on."""
    try:
        account_template_set(account=ctx.account, template_id=ctx.args.template_id,
                             system_name=ctx.args.template_system_name)
    except TemplateNotFound as exc:
        return error(TEMPLATE_NOT_FOUND, exc.message)
    return ok()


@device_method(auth=Auth.SESSION, invalid_param_error=EXPORT_FAILED, params=(
    Param("service_id", Id(), required=True, description="The client_id of the operator the account is at."),
    Param("login", Text(64, strip=True), required=True, description="The account's login (abonement) there."),
    Param("password", Text(SECRET_MAX), required=True, description="The account's password there."),
), errors=(EXPORT_ACCOUNT_NOT_FOUND, EXPORT_UNAVAILABLE), response=Obj())
def account_export(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Move the subscriber's account from another operator of this installation to this one: name,
    contacts and PIN come over where missing here, and the old account is deactivated (`EXPORTED`).
    3: that operator does not allow it; 2: no such account there, a wrong password, or too many
    attempts."""
    try:
        account_take_over(account=ctx.account, source_client_id=ctx.args.service_id, login=ctx.args.login,
                          password=ctx.args.password)
    except TransferUnavailable as exc:
        return error(EXPORT_UNAVAILABLE, exc.message)
    except NotFound as exc:
        return error(EXPORT_ACCOUNT_NOT_FOUND, exc.message)
    return ok(error_message="")
