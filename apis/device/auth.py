"""Authorization methods: login, login/ext, logout, account/status, account/register."""
from __future__ import annotations

import time

from django.http import HttpRequest
from django.utils import timezone

from common.client_address import client_ip
from tvmiddleware.models import TariffSubscription
from common.prepared import PreparedQuery
from tvmiddleware.selectors import account_messages
from tvmiddleware.services.accounts import subscriber_register
from common.errors import ServiceError
from tvmiddleware.services.login import LoginReason, LoginRefused, login as login_service
from tvmiddleware.services.sessions import session_delete
from tvmiddleware.streaming import access
from common.text import is_digits, without_control

from apikit.device import Auth, DeviceContext, SessionGone, device_method
from apikit.device_responses import error, flag, ok

LOGIN_ERRORS: dict[LoginReason, int] = {
    LoginReason.NOT_FOUND: 1,
    LoginReason.INACTIVE: 2,
    LoginReason.SESSION_LIMIT: 5,
    LoginReason.DEVICE_ELSEWHERE: 6,
    LoginReason.NO_TARIFFS: 8,
    LoginReason.SUBNET_FORBIDDEN: 9,
    LoginReason.AMBIGUOUS_IP: 12,
    LoginReason.GROUP_FORBIDDEN: 15,
    LoginReason.RATE_LIMITED: 28,
}


def _login(request: HttpRequest, ctx: DeviceContext, *, open_session: bool):
    p = ctx.params
    abonement = p.str("abonement", max_length=32)
    if abonement and not is_digits(abonement):
        return error(1, "Account not found.")
    try:
        result = login_service(
            client=ctx.client, abonement=abonement, password=p.str("password", max_length=128),
            device_uid=p.str("device_uid", max_length=128), device_type=ctx.device_type,
            device_serial=p.str("device_serial", max_length=128), device_model=p.str("device_model", max_length=128),
            brand_name=p.str("brand_name", max_length=128), ip=client_ip(request),
            user_agent=without_control(request.META.get("HTTP_USER_AGENT", "")), app_build_version=p.str("app_build_version", max_length=64),
            reset_block_status_reason=p.flag("reset_block_status_reason"), open_session=open_session,
        )
    except LoginRefused as exc:
        return error(LOGIN_ERRORS[exc.reason], exc.message)
    account = result.account
    customer = account.customer
    fields = dict(
        authkey=result.authkey, utc_time=int(time.time()), firstname=customer.firstname, lastname=customer.lastname,
        abonement=account.abonement, account_id=account.pk, customer_id=customer.pk, customer_ext_id=customer.ext_id,
        meta=customer.meta, currency=ctx.client.currency, ip_address=client_ip(request) or "",
        activation_days_left=_activation_days_left(account), parent_code=account.parent_code, last_channel=None,
        device_uid=result.device.device_uid if result.device else "", template=account.template,
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
    from django.utils import timezone

    return max((account.deactivation_date - timezone.localdate()).days, 0)


@device_method(auth=Auth.API_KEY, bad_key_error=4, invalid_param_error=1)
def login(request, ctx: DeviceContext):
    """Open a session: by abonement + password, by device UID, or by IP where the account allows it."""
    return _login(request, ctx, open_session=True)


@device_method(auth=Auth.API_KEY, bad_key_error=4, invalid_param_error=1)
def login_ext(request, ctx: DeviceContext):
    """Check credentials and return the account fields without opening a session."""
    return _login(request, ctx, open_session=False)


@device_method(auth=Auth.SESSION)
def logout(request, ctx: DeviceContext):
    session_delete(ctx.authkey)
    response = ok(error_message="")
    response.delete_cookie("authkey")
    return response


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def account_status(request, ctx: DeviceContext):
    """Is the session alive and the account active? Apps poll this every few minutes."""
    with_tariffs = ctx.params.flag("with_tariffs")
    account_id = ctx.session.account_id
    # Active and status from the account's access snapshot: services that block or activate an
    # account drop it on commit, so this answers what the streamers enforce (streaming/access.py).
    state = access.account_state(account_id)
    if not state.exists:
        raise SessionGone()
    rows = _first_unread(client_id=ctx.client.pk, account_id=account_id, now=timezone.now())
    first = rows[0] if rows else None
    fields = dict(status=1, status_reason=state.status_reason, utc_time=int(time.time()),
                  is_active=flag(state.active), has_new_messages=flag(first is not None),
                  channel_list_changed=0)
    if first is not None and first["urgent"]:
        fields["message"] = {"subject": first["subject"], "text": first["text"],
                             "no_confirmation": flag(first["no_confirmation"])}
    if with_tariffs:
        fields["tariff_ids"] = list(TariffSubscription.objects.filter(customer_id=ctx.session.customer_id,
                                                                      is_closed=False)
                                    .order_by("tariff_id").values_list("tariff_id", flat=True))
    return ok(**fields)


# One query: the newest unread urgent message if there is one, else any unread message.
_first_unread = PreparedQuery(lambda client_id, account_id, now: (
    account_messages(client=client_id, account_id=account_id, now=now).exclude(reads__account_id=account_id)
    .order_by("-urgent", "-created_at").values("urgent", "subject", "text", "no_confirmation")[:1]
))


@device_method(auth=Auth.API_KEY, invalid_param_error=3)
def account_register(request, ctx: DeviceContext):
    """Self-registration from an app: a new customer with one account, inactive until the operator's
    default tariffs or billing activate it (tariffs marked `assigned_by_default` are assigned)."""
    p = ctx.params
    phone = p.str("mobile_phone_number", max_length=32)
    if phone and not is_digits(phone.lstrip("+")):
        return error(3, "mobile_phone_number must be digits.")
    password = p.str("password", max_length=32)
    if password and not is_digits(password):
        return error(3, "password must be digits.")
    parent_code = p.str("parent_code", max_length=16)
    comment = p.str("comment", max_length=500) or "Registered from an app"
    auto_activation_period = p.int("auto_activation_period", 0, min_value=0, max_value=3650)
    try:
        account, plain = subscriber_register(client=ctx.client, comment=comment, mobile_phone_number=phone,
                                             password=password or None, auto_activation_period=auto_activation_period,
                                             parent_code=parent_code)
    except ServiceError as exc:
        return error(3, exc.message)
    return ok(abonement=account.abonement, password=plain, error_message="")
