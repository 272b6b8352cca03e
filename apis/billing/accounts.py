"""Billing API, accounts group: an operator's billing creates and changes subscribers' logins, blocks
and unblocks them, binds their devices, assigns tariffs through them, writes to their screens, and
looks at and ends their device sessions.

Every method finds its rows through `for_client(ctx.client)`: an id of another operator's account,
device, tariff or session is answered exactly like an unknown id. Writes go through the services;
each view picks the documented code (`apis.billing.errors`) and renders (`apis.billing.serializers`).
"""
from __future__ import annotations

from typing import Any, NoReturn

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, QuerySet, prefetch_related_objects
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from apikit.signed import SignedContext, ok, signed_method
from apikit.spec import INT, STR, ErrorCode, ListOf, Obj, Param, nullable
from common.errors import Conflict, NotFound, ServiceError
from common.params import ParamError
from common.readers import Day, Flag, Id, Int, IntList, Text
from common.text import is_digits
from tvmiddleware import services
from tvmiddleware.models import Account, AccountDevice, AuthKey, DeviceType, Tariff, hash_authkey
from tvmiddleware.selectors import customer_get, tariff_get
from tvmiddleware.services import devices_admin
from tvmiddleware.services.sessions import active_window, session_delete_many

from .abonement_regexp import REGEXP_MAX_LENGTH, check_abonement_regexp
from .errors import (
    ABONEMENT_USED, ACCOUNT_INVALID, ACCOUNT_NOT_FOUND, ACCOUNT_TARIFF_NOT_HELD, ACCOUNT_TARIFF_REFUSED,
    CAMERA_ACCOUNT_NOT_FOUND, CAMERA_INVALID, CAMERA_NOT_FOUND, CUSTOMER_NOT_FOUND, DEVICE_INVALID,
    DEVICE_NOT_BOUND, DEVICE_NOT_FOUND, DEVICE_TYPE_AMBIGUOUS, DEVICE_TYPE_NOT_FOUND, DEVICE_TYPE_REQUIRED,
    DEVICE_UID_USED, MESSAGE_INVALID, SESSION_NOT_FOUND, SESSION_SELECTOR_MISSING, TARIFF_NOT_FOUND, UNKNOWN_ERROR,
)
from .lookups import (
    MAX_EXT_ID, PAGE_PARAMS, Refusal, account_from, account_params, page_slice, refusals, refusing, tariff_params,
)
from .serializers import ACCOUNT, MOMENT, account_details_prefetches, account_row, moment_text, with_account_details

ACCOUNT_PARAMS = account_params()  # malformed: the method's validation code


# --- finding rows -----------------------------------------------------------------------------------

DEVICE_PARAMS = (
    Param("device_id", Id(), description="the bound device's id"),
    Param("device_uid", Text(128), description="the bound device's UID"),
)


def find_bound_device(ctx: SignedContext) -> AccountDevice:
    """A device bound to one of the operator's accounts, by `device_id` or `device_uid`."""
    device_id = ctx.args.device_id
    device_uid = (ctx.args.device_uid or "").strip()
    if device_id is None and not device_uid:
        raise ParamError("device_id", "required (or device_uid)")
    devices = (AccountDevice.objects.for_client(ctx.client)
               .select_related("account", "account__customer", "account__client", "device_type"))
    devices = devices.filter(pk=device_id) if device_id is not None else devices.filter(device_uid=device_uid)
    device = devices.first()
    if device is None:
        raise Refusal(DEVICE_NOT_FOUND, "Device not found.")
    return device


TARIFF_PARAMS = tariff_params(None)  # malformed: the method's validation code


def find_tariff(ctx: SignedContext, *, not_found: ErrorCode) -> Tariff:
    """The operator's tariff by `tariff_id` or `tariff_ext_id`. Virtual tariffs (`vtariff_id`) do not
    exist in this middleware: asking for one alone is answered like an unknown tariff."""
    tariff_id = ctx.args.tariff_id
    ext_id = (ctx.args.tariff_ext_id or "").strip()
    if tariff_id is None and not ext_id:
        if ctx.args.vtariff_id is not None:
            raise Refusal(not_found, "Tariff not found: virtual tariffs are not supported.",
                          {"vtariff_id": "not supported"})
        raise Refusal(not_found, "Tariff not found: pass tariff_id or tariff_ext_id.", {"tariff_id": "required"})
    try:
        return tariff_get(client=ctx.client, tariff_id=tariff_id, ext_id=ext_id or None)
    except NotFound:
        raise Refusal(not_found, "Tariff not found.") from None


DEVICE_TYPE_PARAMS = (
    Param("system_name", Text(64), description="the device type's system name (mag, ios...)"),
    Param("client_play_device_id", Id(), description="the device type's id"),
)


def find_device_type(ctx: SignedContext) -> DeviceType:
    """The device type by `system_name` or by its id (`client_play_device_id`); codes 6 and 2."""
    system_name = (ctx.args.system_name or "").strip()
    type_id = ctx.args.client_play_device_id
    if not system_name and type_id is None:
        raise Refusal(DEVICE_TYPE_REQUIRED, "Pass system_name or client_play_device_id.", {"system_name": "required"})
    types = DeviceType.objects.all()  # shared by every operator
    device_type = types.filter(system_name=system_name).first() if system_name else types.filter(pk=type_id).first()
    if device_type is None:
        raise Refusal(DEVICE_TYPE_NOT_FOUND, "Device type not found.")
    return device_type


# --- account options --------------------------------------------------------------------------------

FLAG_OPTIONS = ("allow_multiple_login", "allow_login_by_abonement", "allow_login_by_device_uid", "allow_login_by_ip",
                "use_timeshift")
TEXT_OPTIONS = {"account_ext_id": MAX_EXT_ID, "template": 64, "option1": 255, "option2": 255, "option3": 255,
                "subnets": 4000}
DATE_OPTIONS = ("extension_date", "activation_date", "deactivation_date")
INT_OPTIONS = {"auto_activation_period": (0, 36_500), "preferred_timeshift_offset": (-24, 24)}
OPTION_PARAMS = (
    *(Param(name, Flag()) for name in FLAG_OPTIONS),
    *(Param(name, Int(min_value=low, max_value=high)) for name, (low, high) in INT_OPTIONS.items()),
    Param("data_center", Int(min_value=0, max_value=2**31 - 1), description="0 or empty: none"),
    *(Param(name, Text(limit)) for name, limit in TEXT_OPTIONS.items()),
    *(Param(name, Day()) for name in DATE_OPTIONS),
    Param("parent_code", Text(16), description="digits"),
    Param("allowed_device_groups", IntList(max_items=10), description="device groups the login may use"),
)


def account_options(ctx: SignedContext, *, clear_empty: bool) -> dict[str, Any]:
    """Login options given in the request (only those: the rest stays as it is, or at its default).

    With `clear_empty` (modify) an empty value clears a text, a date, the parental code, the data
    centre or the device groups; on create an empty value means "the default".
    """
    args, given = ctx.args, ctx.params.raw()

    def wanted(name: str) -> bool:
        return name in args or (clear_empty and name in given)

    options: dict[str, Any] = {}
    for name in (*FLAG_OPTIONS, *INT_OPTIONS):
        if args[name] is not None:
            options[name] = args[name]
    if wanted("data_center"):
        options["data_center"] = args.data_center or None
    for name in TEXT_OPTIONS:
        if wanted(name):
            options[name] = (args[name] or "").strip()
    for name in DATE_OPTIONS:
        if wanted(name):
            options[name] = args[name]
    if wanted("parent_code"):
        code = (args.parent_code or "").strip()
        if code and not is_digits(code):
            raise ParamError("parent_code", "not a number")
        options["parent_code"] = code
    if "allowed_device_groups" in given:
        options["allowed_device_groups"] = args.allowed_device_groups
    return options


# --- accounts ---------------------------------------------------------------------------------------

@signed_method(validation_error=ACCOUNT_INVALID, params=(
    Param("customer_id", Id(), description="the customer the login is for"),
    Param("ext_id", Text(MAX_EXT_ID), description="the billing's id of the customer (instead of customer_id)"),
    Param("abonement", Text(32), description="the login (digits); generated when not given"),
    Param("password", Text(32), description="the password (digits); generated when not given"),
    Param("active", Flag(), default=True),
    Param("status_reason", Text(32)),
    *OPTION_PARAMS,
), errors=(CUSTOMER_NOT_FOUND, ABONEMENT_USED), response=Obj(account_id=INT, abonement=STR, password=STR))
@refusals
def account_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Create a login for a customer (by `customer_id` or `ext_id`).

    The plaintext password (given, or generated) is in the answer once; only its hash is kept."""
    args = ctx.args
    ext_id = (args.ext_id or "").strip()
    if args.customer_id is None and not ext_id:
        raise ParamError("customer_id", "required (or ext_id)")
    abonement = (args.abonement or "").strip()
    if abonement and not is_digits(abonement):
        raise ParamError("abonement", "not a number")
    password = (args.password or "").strip()
    if password and not is_digits(password):
        raise ParamError("password", "not a number")
    status_reason = (args.status_reason or "").strip() or None
    options = account_options(ctx, clear_empty=False)
    try:
        customer = customer_get(client=ctx.client, customer_id=args.customer_id, ext_id=ext_id or None)
    except NotFound:
        raise Refusal(CUSTOMER_NOT_FOUND, "Customer not found.") from None
    with refusing((Conflict, ABONEMENT_USED)):
        account, plain = services.account_create(
            client=ctx.client, customer=customer, abonement=abonement or None, password=password or None,
            active=args.active, status_reason=status_reason, **options)
    return ok(account_id=account.pk, abonement=account.abonement, password=plain)


@signed_method(validation_error=ACCOUNT_INVALID, params=(
    *ACCOUNT_PARAMS,
    Param("password", Text(128), description="a new password (empty: unchanged)"),
    Param("active", Flag()),
    Param("status_reason", Text(32)),
    Param("reset_device_settings", Flag(), default=False,
          description="forget what the subscriber set up in the apps and log the devices out"),
    *OPTION_PARAMS,
), errors=(ACCOUNT_NOT_FOUND,), response=Obj())
@refusals
def account_modify(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Change the given options of a login only.

    A non-empty `password` replaces the password; `active` and `status_reason` go through the
    status service (blocking for debt is `active=0, status_reason=DEBT`, unblocking `active=1,
    status_reason=ACTIVE`) so partners hear of it; `reset_device_settings=1` forgets what the
    subscriber set up in the apps and logs devices out."""
    args = ctx.args
    account = account_from(ctx, not_found=ACCOUNT_NOT_FOUND)
    options = account_options(ctx, clear_empty=True)
    if args.active is not None:
        options["active"] = args.active
    if "status_reason" in args:
        options["status_reason"] = args.status_reason.strip()
    devices_admin.account_update(account=account, password=args.password or None,
                                 reset_device_settings=args.reset_device_settings, **options)
    return ok()


NOTIFY = Param("notify_external_api", Flag(), description="accepted; partners always hear of the change")


@signed_method(validation_error=ACCOUNT_NOT_FOUND, params=(*ACCOUNT_PARAMS, NOTIFY), response=Obj())
@refusals
def account_activate(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Unblock a login: `active=1, status_reason=ACTIVE`.

    Partners (CAS, SVOD) always hear of the change through the event outbox, after commit and with
    retries, so `notify_external_api` is accepted but changes nothing and code 2 (partner error) is
    never answered synchronously."""
    services.account_activate(account=account_from(ctx, not_found=ACCOUNT_NOT_FOUND))
    return ok()


@signed_method(validation_error=ACCOUNT_NOT_FOUND, params=(*ACCOUNT_PARAMS, NOTIFY), response=Obj())
@refusals
def account_deactivate(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Block a login: `active=0, status_reason=INACTIVE` (see AccountActivate on partners)."""
    services.account_deactivate(account=account_from(ctx, not_found=ACCOUNT_NOT_FOUND))
    return ok()


@signed_method(validation_error=ACCOUNT_NOT_FOUND, params=ACCOUNT_PARAMS, response=Obj())
@refusals
def account_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Remove a login with its sessions and bound devices (the customer stays)."""
    services.account_delete(account=account_from(ctx, not_found=ACCOUNT_NOT_FOUND))
    return ok()


@signed_method(validation_error=ACCOUNT_NOT_FOUND, params=ACCOUNT_PARAMS, response=ACCOUNT)
@refusals
def account_info(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """A login: its options, its bound devices, and the tariffs and subscriptions of its customer."""
    account = account_from(ctx, not_found=ACCOUNT_NOT_FOUND)
    prefetch_related_objects([account], *account_details_prefetches())
    return ok(**account_row(account))


def account_list_queryset(ctx: SignedContext) -> QuerySet[Account]:
    args = ctx.args
    accounts = Account.objects.for_client(ctx.client)
    if args.status is not None:
        accounts = accounts.filter(active=args.status)
    status_reason = (args.status_reason or "").strip()
    if status_reason:
        accounts = accounts.filter(status_reason=status_reason)
    device = (args.device or "").strip()
    if device:
        accounts = accounts.filter(Exists(AccountDevice.objects.filter(
            account=OuterRef("pk"), device_type__system_name=device)))
    pattern = args.abonement_regexp
    if pattern:
        check_abonement_regexp(pattern)
        accounts = accounts.filter(abonement__regex=pattern)
    return accounts.order_by("id")


@signed_method(validation_error=UNKNOWN_ERROR, params=(
    *PAGE_PARAMS,
    Param("status", Flag(), description="1 active logins only, 0 blocked ones only"),
    Param("status_reason", Text(32)),
    Param("device", Text(64), description="only logins with a bound device of this type (system name)"),
    Param("abonement_regexp", Text(REGEXP_MAX_LENGTH + 1),
          description=f"only logins matching this pattern (digits, classes, groups; at most {REGEXP_MAX_LENGTH})"),
), response=Obj(accounts=ListOf(ACCOUNT)))
@refusals
def account_list(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """The operator's logins, oldest first, optionally filtered; `limit` ≤ 100 per `page`.

    Filters: activity (`status`), `status_reason`, bound device type (`device`) and
    `abonement_regexp`. The reference documents no error besides 0: a bad filter gets the global -1
    with `error_fields` (as every method that documents no validation code).
    """
    queryset = with_account_details(account_list_queryset(ctx))[page_slice(ctx.args)]
    try:
        with transaction.atomic():  # a savepoint: the database may still refuse a pattern
            accounts = list(queryset)
    except DatabaseError:
        if not ctx.args.abonement_regexp:
            raise
        raise ParamError("abonement_regexp", "refused by the database") from None
    return ok(accounts=[account_row(account) for account in accounts])


# --- devices ----------------------------------------------------------------------------------------

DEVICE_TEXTS = {"serial_number": 128, "device_model": 128, "brand_name": 128, "diagonal": 32}
DEVICE_TEXT_PARAMS = tuple(Param(name, Text(limit)) for name, limit in DEVICE_TEXTS.items())
RESET_SETTINGS = Param("reset_settings", Flag(), default=False,
                       description="log the device out so it reloads the account's settings")


def device_texts(ctx: SignedContext) -> dict[str, str]:
    """Serial number, model and brand given in the request. `diagonal` is checked but not kept:
    bound devices have no such field."""
    given = ctx.params.raw()
    return {name: (ctx.args[name] or "").strip() for name in DEVICE_TEXTS if name in given and name != "diagonal"}


@signed_method(validation_error=DEVICE_NOT_BOUND, params=(
    *ACCOUNT_PARAMS,
    Param("device_uid", Text(128), required=True, description="the device's UID"),
    *DEVICE_TYPE_PARAMS, *DEVICE_TEXT_PARAMS, RESET_SETTINGS,
    Param("filter_by_uid", Flag(), description="accepted for compatibility"),
    Param("sort_by", Text(64), description="accepted for compatibility"),
), errors=(ACCOUNT_NOT_FOUND, DEVICE_TYPE_NOT_FOUND, DEVICE_UID_USED, DEVICE_TYPE_AMBIGUOUS, DEVICE_TYPE_REQUIRED),
    response=Obj(device_id=INT))
@refusals
def account_device_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Bind a device to a login.

    One of its own (basic) devices while the customer's tariffs allow more, an additional one
    otherwise. A UID already bound to any of the operator's accounts is code 4. Device types are
    unique by system name, so code 5 (several matching types) never occurs; `filter_by_uid` and
    `sort_by` are accepted for compatibility. `reset_settings=1` logs the device out so it reloads
    the account's settings."""
    account = account_from(ctx, not_found=ACCOUNT_NOT_FOUND)
    device_uid = ctx.args.device_uid.strip()
    if not device_uid:
        raise ParamError("device_uid", "required")
    device_type = find_device_type(ctx)
    with refusing((Conflict, DEVICE_UID_USED), (ServiceError, DEVICE_NOT_BOUND)):
        device = devices_admin.device_attach(account=account, device_type=device_type, device_uid=device_uid,
                                             end_sessions=ctx.args.reset_settings, **device_texts(ctx))
    return ok(device_id=device.pk)


@signed_method(validation_error=DEVICE_NOT_FOUND, params=DEVICE_PARAMS, response=Obj())
@refusals
def account_device_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Unbind a device (by `device_id` or `device_uid`) and end its sessions."""
    devices_admin.device_release(device=find_bound_device(ctx))
    return ok()


@signed_method(validation_error=DEVICE_INVALID, params=(*DEVICE_PARAMS, *DEVICE_TEXT_PARAMS, RESET_SETTINGS),
               errors=(DEVICE_NOT_FOUND,), response=Obj())
@refusals
def account_device_modify(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Correct a bound device's serial number, model or brand.

    `reset_settings=1` logs it out so it reloads the account's settings."""
    device = find_bound_device(ctx)
    devices_admin.device_modify(device=device, end_sessions=ctx.args.reset_settings, **device_texts(ctx))
    return ok()


# --- cameras (not part of this middleware) ------------------------------------------------------------

CAMERA_PARAMS = (*ACCOUNT_PARAMS, Param("camera_id", IntList(max_items=100), description="camera ids"))


def refuse_cameras(ctx: SignedContext) -> NoReturn:
    """Surveillance cameras are not supported: after the parameter and account checks every camera
    id is answered as unknown (code 3)."""
    if not ctx.args.camera_id:
        raise ParamError("camera_id", "required")
    account_from(ctx, not_found=CAMERA_ACCOUNT_NOT_FOUND)
    raise Refusal(CAMERA_NOT_FOUND, "Camera not found: cameras are not supported by this middleware.",
                  {"camera_id": "not supported"})


@signed_method(validation_error=CAMERA_INVALID, params=CAMERA_PARAMS,
               errors=(CAMERA_ACCOUNT_NOT_FOUND, CAMERA_NOT_FOUND), response=Obj())
@refusals
def account_camera_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Add cameras to a login: not supported (every camera is unknown, code 3)."""
    return refuse_cameras(ctx)


@signed_method(validation_error=CAMERA_INVALID, params=CAMERA_PARAMS,
               errors=(CAMERA_ACCOUNT_NOT_FOUND, CAMERA_NOT_FOUND), response=Obj())
@refusals
def account_camera_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Remove cameras from a login: not supported (every camera is unknown, code 3)."""
    return refuse_cameras(ctx)


# --- tariffs ----------------------------------------------------------------------------------------

@signed_method(validation_error=ACCOUNT_TARIFF_REFUSED, params=(*ACCOUNT_PARAMS, *TARIFF_PARAMS),
               errors=(ACCOUNT_NOT_FOUND, TARIFF_NOT_FOUND), response=Obj())
@refusals
def account_tariff_assign(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Assign a tariff to the login's customer.

    Tariffs belong to customers here, so the tariff opens for every account of that customer (as
    CustomerTariffAssign would). A new basic tariff replaces the customer's current one. Already
    held, disabled: code 3."""
    account = account_from(ctx, not_found=ACCOUNT_NOT_FOUND)
    tariff = find_tariff(ctx, not_found=TARIFF_NOT_FOUND)
    with refusing((NotFound, TARIFF_NOT_FOUND), (ServiceError, ACCOUNT_TARIFF_REFUSED)):
        services.tariff_assign(customer=account.customer, tariff=tariff)
    return ok()


@signed_method(validation_error=ACCOUNT_TARIFF_NOT_HELD, params=(*ACCOUNT_PARAMS, *TARIFF_PARAMS),
               errors=(ACCOUNT_NOT_FOUND,), response=Obj())
@refusals
def account_tariff_remove(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """End the login's customer's subscription to a tariff.

    Tariffs belong to customers (see AccountTariffAssign). A tariff the customer does not hold is
    code 2."""
    account = account_from(ctx, not_found=ACCOUNT_NOT_FOUND)
    tariff = find_tariff(ctx, not_found=ACCOUNT_TARIFF_NOT_HELD)
    with refusing((ServiceError, ACCOUNT_TARIFF_NOT_HELD)):
        services.tariff_remove(customer=account.customer, tariff=tariff)
    return ok()


# --- messages ---------------------------------------------------------------------------------------

UNSUPPORTED_CHANNELS = ("send_message_by_sms", "send_message_by_email", "send_message_by_cas")


@signed_method(validation_error=MESSAGE_INVALID, params=(
    *ACCOUNT_PARAMS,
    Param("subject", Text(255)),
    Param("text", Text(10_000)),
    Param("urgent", Flag(), default=True, description="pop up at the apps' next status check"),
    Param("delete_after_reading", Flag(), default=True, description="accepted; read messages stay listed as read"),
    *(Param(name, Flag(), default=False, description="not available: 1 is refused") for name in UNSUPPORTED_CHANNELS),
    Param("send_message_to_tv_screen", Flag(), default=True, description="the only channel available"),
), errors=(ACCOUNT_NOT_FOUND,), response=Obj(message_id=INT))
@refusals
def account_message_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """Put a message on the login's screens (`subject` or `text` required).

    `urgent` pops it up at the apps' next status check. SMS, e-mail and CAS delivery are not
    available: asking for them is refused rather than silently dropped. `delete_after_reading` is
    accepted; read messages stay listed as read (messages have no such setting here)."""
    args = ctx.args
    account = account_from(ctx, not_found=ACCOUNT_NOT_FOUND)
    for name in UNSUPPORTED_CHANNELS:
        if args[name]:
            raise Refusal(MESSAGE_INVALID, f"{name}: this delivery channel is not available.", {name: "not supported"})
    if not args.send_message_to_tv_screen:
        raise Refusal(MESSAGE_INVALID, "Nothing to deliver: the TV screen is the only channel available.",
                      {"send_message_to_tv_screen": "required"})
    message = devices_admin.message_create(account=account, subject=args.subject or "", text=args.text or "",
                                           urgent=args.urgent)
    return ok(message_id=message.pk)


# --- sessions ---------------------------------------------------------------------------------------

SESSION = Obj(id=INT, account=INT, abonement=STR, customer_id=INT, ip=STR, uid=STR, device=STR,
              online={"type": "integer", "enum": [0, 1]}, created_at=nullable(MOMENT), last_active=nullable(MOMENT))


@signed_method(validation_error=UNKNOWN_ERROR, params=(
    *PAGE_PARAMS, *ACCOUNT_PARAMS, Param("customer_id", Id(), description="only sessions of this customer's logins"),
), response=Obj(sessions=ListOf(SESSION)))
@refusals
def session_list(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """The operator's device sessions, most recently used first; `limit` ≤ 100 per `page`.

    Optionally of one account (`account_id` / `abonement`) or customer (`customer_id`). `online` is
    1 for a session used within the window that counts against session limits. An unknown (or
    another operator's) account or customer gives an empty list; a malformed parameter gets the
    global -1 (no validation code is documented)."""
    args = ctx.args
    sessions = AuthKey.objects.for_client(ctx.client).select_related("account", "device_type")
    abonement = (args.abonement or "").strip()
    if args.account_id is not None:
        sessions = sessions.filter(account_id=args.account_id)
    if abonement:
        sessions = sessions.filter(account__abonement=abonement)
    if args.customer_id is not None:
        sessions = sessions.filter(account__customer_id=args.customer_id)
    since = timezone.now() - active_window()
    rows = [{
        "id": session.pk,
        "account": session.account_id,
        "abonement": session.account.abonement,
        "customer_id": session.account.customer_id,
        "ip": session.ip_address or "",
        "uid": session.device_uid,
        "device": session.device_type.system_name if session.device_type else "",
        "online": 1 if session.last_seen_at >= since else 0,
        "created_at": moment_text(session.created_at),
        "last_active": moment_text(session.last_seen_at),
    } for session in sessions.order_by("-last_seen_at", "-id")[page_slice(args)]]
    return ok(sessions=rows)


@signed_method(validation_error=SESSION_SELECTOR_MISSING, params=(
    Param("authkey_id", Id(), description="the session (SessionList's id)"),
    Param("authkey_key", Text(256), description="the session's authkey"),
    *ACCOUNT_PARAMS,
), errors=(SESSION_NOT_FOUND,), response=Obj(deleted=INT))
@refusals
def authkey_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """End device sessions: one by `authkey_id` or by the authkey, or every session of a login.

    One by `authkey_id` (SessionList's `id`) or by the authkey itself (`authkey_key`), or every
    session of an account (`account_id` / `abonement`). Code 1: nothing to select by; code 2: no
    such session (or account) of this operator."""
    args = ctx.args
    authkey = (args.authkey_key or "").strip()
    by_account = "account_id" in args or "abonement" in args
    if args.authkey_id is None and not authkey and not by_account:
        raise ParamError("authkey_id", "required (or authkey_key)")
    sessions = AuthKey.objects.for_client(ctx.client)
    if args.authkey_id is not None:
        sessions = sessions.filter(pk=args.authkey_id)
    if authkey:
        sessions = sessions.filter(key_hash=hash_authkey(authkey))
    if by_account:
        sessions = sessions.filter(account=account_from(ctx, not_found=SESSION_NOT_FOUND))
    deleted = session_delete_many(sessions)
    if not deleted:
        raise Refusal(SESSION_NOT_FOUND, "Session not found.")
    return ok(deleted=deleted)
