"""Authorization methods: login, login/ext, logout, account/status, account/register."""
from __future__ import annotations

import time

from django.http import HttpRequest
from django.utils import timezone

from common.client_address import client_ip
from tvmiddleware.models import TariffSubscription
from tvmiddleware.selectors import account_facts
from tvmiddleware.services.accounts import subscriber_register
from common.errors import ServiceError
from tvmiddleware.services.login import LoginReason, LoginRefused, login as login_service
from tvmiddleware.services.device_commands import command_take
from tvmiddleware.services.sessions import session_delete
from tvmiddleware.streaming import access
from common.readers import Digits, Flag, Int, Text
from common.text import without_control

from apikit.device import Auth, DeviceContext, SessionGone, device_method
from apikit.device_responses import error, flag, ok
from apikit.spec import ANY, BOOL, FLAG, INT, STR, ListOf, Obj, Param, nullable

from .errors import (
    AMBIGUOUS_IP, BAD_API_KEY, DEVICE_ELSEWHERE, GROUP_FORBIDDEN, INVALID_PARAM, LOGIN_INACTIVE, LOGIN_NOT_FOUND,
    LOGIN_RATE_LIMITED, NO_TARIFFS, REGISTRATION_REFUSED, SESSION_LIMIT, SUBNET_FORBIDDEN,
)

LOGIN_ERRORS = {
    LoginReason.NOT_FOUND: LOGIN_NOT_FOUND,
    LoginReason.INACTIVE: LOGIN_INACTIVE,
    LoginReason.SESSION_LIMIT: SESSION_LIMIT,
    LoginReason.DEVICE_ELSEWHERE: DEVICE_ELSEWHERE,
    LoginReason.NO_TARIFFS: NO_TARIFFS,
    LoginReason.SUBNET_FORBIDDEN: SUBNET_FORBIDDEN,
    LoginReason.AMBIGUOUS_IP: AMBIGUOUS_IP,
    LoginReason.GROUP_FORBIDDEN: GROUP_FORBIDDEN,
    LoginReason.RATE_LIMITED: LOGIN_RATE_LIMITED,
}

LOGIN_PARAMS = (
    # A non-numeric abonement names no account: answered like an unknown one.
    Param("abonement", Digits(32), default="", error=LOGIN_NOT_FOUND, description="The account's number."),
    Param("password", Text(128), default="", description="The account's password."),
    Param("device_uid", Text(128), default="", description="The device's unique id (login by a bound device)."),
    Param("device", Text(64), default="", description="The device type's system name, e.g. `mag`."),
    Param("device_serial", Text(128), default="", description="The device's serial number."),
    Param("device_model", Text(128), default="", description="The device's model."),
    Param("brand_name", Text(128), default="", description="The device's brand."),
    Param("app_build_version", Text(64), default="", description="The app's build."),
    Param("reset_block_status_reason", Flag(), default=False,
          description="1: clear the account's block reason left by the operator's billing."),
)
LOGIN_ANSWER = dict(
    authkey=STR, utc_time=INT, firstname=STR, lastname=STR, abonement=STR, account_id=INT, customer_id=INT,
    customer_ext_id=STR, meta=ANY, currency=STR, ip_address=STR, activation_days_left=nullable(INT),
    parent_code=STR, last_channel=nullable(INT), device_uid=STR, template=STR, use_timeshift=FLAG,
    contract_number=STR, status_reason=STR, data_center_id=nullable(INT), data_centers=ListOf(ANY),
    reset_settings=BOOL, confirmation_phone=STR,
)
DEVICE_ROW = Obj(id=INT, system_name=STR, device_uid=STR, brand_name=STR, device_model=STR, status=BOOL,
                 has_active_sessions=BOOL, created_at=STR)


# login/ext documents neither 12 nor 28: its caller learns only that no account was found that way.
LOGIN_EXT_ERRORS = {**{reason: code for reason, code in LOGIN_ERRORS.items()
                       if code not in (SESSION_LIMIT, NO_TARIFFS)},
                    LoginReason.AMBIGUOUS_IP: LOGIN_NOT_FOUND, LoginReason.RATE_LIMITED: LOGIN_NOT_FOUND}


def _login(request: HttpRequest, ctx: DeviceContext, *, external: bool):
    args = ctx.args
    open_session = not external
    try:
        result = login_service(
            client=ctx.client, abonement=args.abonement, password=args.password, device_uid=args.device_uid,
            device_type=ctx.device_type, device_serial=args.device_serial, device_model=args.device_model,
            brand_name=args.brand_name, ip=client_ip(request),
            user_agent=without_control(request.META.get("HTTP_USER_AGENT", "")),
            app_build_version=args.app_build_version, reset_block_status_reason=args.reset_block_status_reason,
            external=external,
        )
    except LoginRefused as exc:
        return error((LOGIN_EXT_ERRORS if external else LOGIN_ERRORS)[exc.reason], exc.message)
    account = result.account
    customer = account.customer
    fields = dict(
        authkey=result.authkey, utc_time=int(time.time()), firstname=customer.firstname, lastname=customer.lastname,
        abonement=account.abonement, account_id=account.pk, customer_id=customer.pk, customer_ext_id=customer.ext_id,
        meta=customer.meta, currency=ctx.client.currency, ip_address=client_ip(request) or "",
        activation_days_left=_activation_days_left(account), parent_code=account.parent_code,
        last_channel=account.recent_channels.order_by("-watched_at", "-id").values_list("channel_id", flat=True).first(),
        # login/ext binds nothing: it answers the device UID it was asked about.
        device_uid=result.device.device_uid if result.device else args.device_uid, template=account.template,
        use_timeshift=flag(account.use_timeshift), contract_number=customer.contract_number,
        status_reason=account.status_reason, data_center_id=account.data_center, data_centers=[],
        reset_settings=False, confirmation_phone="",
    )
    if open_session:
        fields["devices"] = [
            {"id": d.pk, "system_name": d.device_type.system_name, "device_uid": d.device_uid,
             "brand_name": d.brand_name, "device_model": d.device_model, "status": True,
             "has_active_sessions": d.pk == (result.device.pk if result.device else None),
             "created_at": d.created_at.isoformat()}
            for d in account.devices.select_related("device_type")
        ]
    response = ok(**fields)
    if open_session:
        response.set_cookie("authkey", result.authkey, httponly=True, samesite="Lax", max_age=365 * 86400)
    return response


def _activation_days_left(account) -> int | None:
    if account.deactivation_date is None:
        return None
    return max((account.deactivation_date - timezone.localdate()).days, 0)


LOGIN_SPEC = dict(auth=Auth.API_KEY, bad_key_error=BAD_API_KEY, invalid_param_error=INVALID_PARAM, params=LOGIN_PARAMS,
                  errors=tuple(LOGIN_ERRORS.values()))


@device_method(**LOGIN_SPEC, response=Obj(**LOGIN_ANSWER, devices=ListOf(DEVICE_ROW)))
def login(request, ctx: DeviceContext):
    """Open a session: by abonement + password, by device UID, or by IP where the account allows it.

    Answers the session's `authkey` (also set as a cookie), the account's fields and its devices."""
    return _login(request, ctx, external=False)


@device_method(**{**LOGIN_SPEC, "errors": tuple(dict.fromkeys(LOGIN_EXT_ERRORS.values()))},
               response=Obj(**LOGIN_ANSWER))
def login_ext(request, ctx: DeviceContext):
    """The login of a system acting for the subscriber (the operator's portal, a partner service): the
    same credentials and account fields, and an `authkey` of its own, outside the device's sessions: it
    binds no device and replaces none of its sessions, the session limit does not apply to it nor count
    it, and an account without tariffs is not refused. `device_uid` is the one asked about. Codes 12 and
    28, not documented for login/ext, answer 1."""
    return _login(request, ctx, external=True)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj())
def logout(request, ctx: DeviceContext):
    """Close the session (its authkey stops working) and drop the authkey cookie."""
    session_delete(ctx.authkey)
    response = ok(error_message="")
    response.delete_cookie("authkey")
    return response


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("with_tariffs", Flag(), default=False, description="1: also list the ids of the customer's open tariffs."),
), response=Obj(status=INT, status_reason=STR, utc_time=INT, is_active=FLAG, has_new_messages=FLAG,
                channel_list_changed=FLAG, message=Obj(subject=STR, text=STR, no_confirmation=FLAG),
                command=Obj(type=INT, user_confirmation=FLAG, deep_link=STR, accompanying_text_to_command=STR,
                            image_for_command=STR),
                tariff_ids=ListOf(INT), optional=("message", "command", "tariff_ids")))
def account_status(request, ctx: DeviceContext):
    """Is the session alive and the account active? Apps poll this every few minutes.

    `message` is the newest unread urgent operator message, when there is one; `command` the oldest
    command the operator sent this device (or any of the account's) not yet taken: each is given once."""
    with_tariffs = ctx.args.with_tariffs
    account_id = ctx.session.account_id
    # Active and status from the account's access snapshot: services that block or activate an
    # account drop it on commit, so this answers what the streamers enforce (streaming/access.py).
    state = access.account_state(account_id, for_device_api=True)
    if not state.exists:
        raise SessionGone()
    facts = account_facts.poll_facts(client_id=ctx.client.pk, account_id=account_id, now=timezone.now())
    first = facts.first_unread
    fields = dict(status=1, status_reason=state.status_reason, utc_time=int(time.time()),
                  is_active=flag(state.active), has_new_messages=flag(first is not None),
                  channel_list_changed=0)
    if first is not None and first["urgent"]:
        fields["message"] = {"subject": first["subject"], "text": first["text"],
                             "no_confirmation": flag(first["no_confirmation"])}
    command = command_take(client_id=ctx.client.pk, account_id=account_id, device_uid=ctx.session.device_uid,
                           pending=facts.pending_commands)
    if command is not None:
        fields["command"] = {"type": command.type, "user_confirmation": flag(command.user_confirmation),
                             "deep_link": command.deep_link, "accompanying_text_to_command": command.accompanying_text,
                             "image_for_command": command.image_url}
    if with_tariffs:
        fields["tariff_ids"] = list(TariffSubscription.objects.filter(customer_id=ctx.session.customer_id,
                                                                      is_closed=False)
                                    .order_by("tariff_id").values_list("tariff_id", flat=True))
    return ok(**fields)


@device_method(auth=Auth.API_KEY, invalid_param_error=REGISTRATION_REFUSED, params=(
    Param("mobile_phone_number", Digits(32, plus=True), default="", description="The subscriber's phone number."),
    Param("password", Digits(32), description="The account's password (digits); generated when not given."),
    Param("parent_code", Text(16), default="", description="The parental-control PIN."),
    Param("comment", Text(500), default="Registered from an app", description="The operator's note on the customer."),
    Param("auto_activation_period", Int(0, 3650), default=0, description="Days the account stays active after its first login."),
), errors=(REGISTRATION_REFUSED,), response=Obj(abonement=STR, password=STR))
def account_register(request, ctx: DeviceContext):
    """Self-registration from an app: a new customer with one account.

    The account is inactive until the operator's default tariffs or billing activate it (tariffs
    marked `assigned_by_default` are assigned). Answers the new account's abonement and password."""
    args = ctx.args
    try:
        account, plain = subscriber_register(client=ctx.client, comment=args.comment,
                                             mobile_phone_number=args.mobile_phone_number, password=args.password,
                                             auto_activation_period=args.auto_activation_period,
                                             parent_code=args.parent_code)
    except ServiceError as exc:
        return error(REGISTRATION_REFUSED, exc.message)
    return ok(abonement=account.abonement, password=plain, error_message="")
