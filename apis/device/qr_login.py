"""QR login (see `tvmiddleware.services.qr_login`): noauth/qr/login/generate (the TV asks for a code,
and polls with its connection_token) and qr/login/sync (a logged-in phone confirms the code)."""
from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from common.client_address import client_ip
from common.readers import Text
from tvmiddleware.services.login import LoginReason
from tvmiddleware.services.qr_login import QrRefusal, QrRefused, qr_collect, qr_confirm, qr_generate, qr_state

from apikit.device import Auth, DeviceContext, device_method, device_type_by_name
from apikit.device_responses import error, ok
from apikit.spec import INT, STR, Obj, Param

from .errors import (
    QR_ACCOUNT_INACTIVE, QR_BASIC_LIMIT, QR_CODE_INVALID, QR_DEVICE_ELSEWHERE, QR_DEVICE_UNSUPPORTED,
    QR_GROUP_FORBIDDEN, QR_IP_FORBIDDEN, QR_LOGIN_FAILED, QR_NO_TARIFFS, QR_NOT_CREATED, QR_PARAM_MISSING,
    QR_SESSION_GONE, QR_SESSION_USED,
)

SYNC_PATH = "/tvmiddleware/api/qr/login/sync/"
LOGIN_REFUSALS = {
    LoginReason.INACTIVE: QR_ACCOUNT_INACTIVE,
    LoginReason.SESSION_LIMIT: QR_BASIC_LIMIT,
    LoginReason.DEVICE_ELSEWHERE: QR_DEVICE_ELSEWHERE,
    LoginReason.NO_TARIFFS: QR_NO_TARIFFS,
    LoginReason.SUBNET_FORBIDDEN: QR_IP_FORBIDDEN,
    LoginReason.GROUP_FORBIDDEN: QR_GROUP_FORBIDDEN,
}


def _answer(request: HttpRequest, ctx: DeviceContext, qr, token: str, **extra) -> HttpResponse:
    link = request.build_absolute_uri(SYNC_PATH) + "?" + urlencode(
        {"client_id": ctx.client.pk, "login_code": qr.login_code})
    ttl = max(int((qr.expires_at - timezone.now()).total_seconds()), 0)
    return ok(qrcode_url=link, connection_token=token, session_ttl=ttl, login_code=qr.login_code, **extra)


@device_method(auth=Auth.API_KEY, invalid_param_error=QR_PARAM_MISSING, params=(
    Param("device", Text(64), required=True, description="The TV's device type (system name)."),
    Param("device_uid", Text(128, strip=True), required=True, description="The TV's unique id."),
    Param("connection_token", Text(128, strip=True),
          description="Polling: the token a previous call answered; once a phone confirmed the code, the answer "
                      "carries the TV's `authkey` (once)."),
), errors=(QR_DEVICE_UNSUPPORTED, QR_NOT_CREATED), response=Obj(
    qrcode_url=STR, connection_token=STR, session_ttl=INT, login_code=STR, authkey=STR, optional=("authkey",)))
def qr_login_generate(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """A TV asks to be logged in by a phone: a 6-digit `login_code` valid `session_ttl` seconds, and
    `qrcode_url`, the link a phone app opens (shown as a QR code: it carries `client_id` and the
    code). The TV polls with `connection_token`: the same answer while the code waits, plus `authkey`
    once a phone confirmed it; 3 when the code expired or its session was already taken."""
    args = ctx.args
    device_type = device_type_by_name(args.device)
    if device_type is None:
        return error(QR_DEVICE_UNSUPPORTED, "Unknown device type.")
    try:
        if args.connection_token:
            qr = qr_state(client=ctx.client, connection_token=args.connection_token)
            if qr.device_uid != args.device_uid:
                raise QrRefused(QrRefusal.NOT_FOUND, "The QR session was not found or has expired.")
            if qr.account_id is None:
                return _answer(request, ctx, qr, args.connection_token)
            qr, authkey = qr_collect(client=ctx.client, connection_token=args.connection_token)
            response = _answer(request, ctx, qr, args.connection_token, authkey=authkey)
            response.set_cookie("authkey", authkey, httponly=True, samesite="Lax", max_age=365 * 86400)
            return response
        code = qr_generate(client=ctx.client, device_type=device_type, device_uid=args.device_uid,
                           ip=client_ip(request))
    except QrRefused as exc:
        return error(QR_NOT_CREATED, exc.message)
    return _answer(request, ctx, code.qr, code.connection_token)


@device_method(auth=Auth.SESSION, invalid_param_error=QR_CODE_INVALID, params=(
    Param("login_code", Text(16, strip=True), required=True, description="The code the TV shows."),
), errors=(QR_SESSION_GONE, QR_SESSION_USED, QR_ACCOUNT_INACTIVE, QR_BASIC_LIMIT, QR_DEVICE_ELSEWHERE,
           QR_NO_TARIFFS, QR_IP_FORBIDDEN, QR_GROUP_FORBIDDEN, QR_LOGIN_FAILED), response=Obj())
def qr_login_sync(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The subscriber's phone confirms the code its TV shows: the TV is logged in on the phone's account
    (with every login rule: its network, its device group, activity, tariffs, device binding and
    limits) and gets its session at its next poll. Codes not found count against the account: past 10
    in 10 minutes, 2."""
    code = ctx.args.login_code
    if not (code.isascii() and code.isdigit()):
        return error(QR_CODE_INVALID, "login_code is a number.", error_fields={"login_code": "invalid"})
    try:
        qr_confirm(client=ctx.client, account=ctx.account, login_code=code)
    except QrRefused as exc:
        if exc.reason is QrRefusal.USED:
            return error(QR_SESSION_USED, exc.message)
        if isinstance(exc.reason, LoginReason):
            return error(LOGIN_REFUSALS.get(exc.reason, QR_LOGIN_FAILED), exc.message)
        return error(QR_SESSION_GONE, exc.message)
    return ok(error_message="")
