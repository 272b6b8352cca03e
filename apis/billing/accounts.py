"""Billing API, accounts group: an operator's billing creates and changes subscribers' logins, blocks
and unblocks them, binds their devices, assigns tariffs through them, writes to their screens, and
looks at and ends their device sessions.

Every method finds its rows through `for_client(ctx.client)`: an id of another operator's account,
device, tariff or session is answered exactly like an unknown id. Writes go through the services;
each view only parses, picks the documented code and renders (`apis.billing.serializers`).
"""
from __future__ import annotations

import functools
import math
import re
from contextlib import contextmanager
from datetime import date
from typing import Any, Callable, Iterator, NoReturn

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, QuerySet, prefetch_related_objects
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from tvmiddleware import services
from common.params import ParamError, Params
from tvmiddleware.models import Account, AccountDevice, AuthKey, DeviceType, Tariff, hash_authkey
from tvmiddleware.selectors import account_get, customer_get, tariff_get
from tvmiddleware.services import devices_admin
from common.errors import Conflict, NotFound, ServiceError
from tvmiddleware.services.sessions import active_window, session_delete_many
from common.text import is_digits

from apikit.signed import UNKNOWN_ERROR, SignedContext, fail, ok, signed_method
from .serializers import account_details_prefetches, account_row, moment_text, with_account_details

MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


# --- refusals ---------------------------------------------------------------------------------------

class Refusal(Exception):
    """A documented error answer, raised from the helpers below and rendered by `answers`."""

    def __init__(self, code: int, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


def answers(view: Callable[[HttpRequest, SignedContext], JsonResponse]) -> Callable:
    """Render a `Refusal` raised anywhere in the view as `{"error": code, ...}` (under `signed_method`)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
        try:
            return view(request, ctx)
        except Refusal as refusal:
            return fail(refusal.code, refusal.message, fields=refusal.fields)

    return wrapper


@contextmanager
def refusing(*codes: tuple[type[ServiceError], int]) -> Iterator[None]:
    """Turn a service's refusal into the method's code: the first matching class wins."""
    try:
        yield
    except ServiceError as exc:
        for kind, code in codes:
            if isinstance(exc, kind):
                raise Refusal(code, exc.message, exc.fields or None) from exc
        raise


# --- finding rows -----------------------------------------------------------------------------------

def find_account(ctx: SignedContext, *, not_found: int = 1) -> Account:
    """The account named by `account_id` or `abonement` (one of them is required)."""
    params = ctx.params
    account_id = params.int("account_id", min_value=1)
    abonement = params.str("abonement", max_length=64).strip()
    if account_id is None and not abonement:
        raise ParamError("account_id", "required (or abonement)")
    try:
        return account_get(client=ctx.client, account_id=account_id, abonement=abonement or None)
    except NotFound:
        raise Refusal(not_found, "Account not found.") from None


def find_bound_device(ctx: SignedContext) -> AccountDevice:
    """A device bound to one of the operator's accounts, by `device_id` or `device_uid`."""
    params = ctx.params
    device_id = params.int("device_id", min_value=1)
    device_uid = params.str("device_uid", max_length=128).strip()
    if device_id is None and not device_uid:
        raise ParamError("device_id", "required (or device_uid)")
    devices = (AccountDevice.objects.for_client(ctx.client)
               .select_related("account", "account__customer", "account__client", "device_type"))
    devices = devices.filter(pk=device_id) if device_id is not None else devices.filter(device_uid=device_uid)
    device = devices.first()
    if device is None:
        raise Refusal(1, "Device not found.")
    return device


def find_tariff(ctx: SignedContext) -> Tariff:
    """The operator's tariff by `tariff_id` or `tariff_ext_id`. Virtual tariffs (`vtariff_id`) do not
    exist in this middleware: asking for one alone is answered like an unknown tariff."""
    params = ctx.params
    tariff_id = params.int("tariff_id", min_value=1)
    ext_id = params.str("tariff_ext_id", max_length=128).strip()
    vtariff_id = params.int("vtariff_id", min_value=1)
    if tariff_id is None and not ext_id:
        if vtariff_id is not None:
            raise Refusal(2, "Tariff not found: virtual tariffs are not supported.",
                          {"vtariff_id": "not supported"})
        raise Refusal(2, "Tariff not found: pass tariff_id or tariff_ext_id.", {"tariff_id": "required"})
    try:
        return tariff_get(client=ctx.client, tariff_id=tariff_id, ext_id=ext_id or None)
    except NotFound:
        raise Refusal(2, "Tariff not found.") from None


def find_device_type(ctx: SignedContext) -> DeviceType:
    """The device type by `system_name` or by its id (`client_play_device_id`); codes 6 and 2."""
    params = ctx.params
    system_name = params.str("system_name", max_length=64).strip()
    type_id = params.int("client_play_device_id", min_value=1)
    if not system_name and type_id is None:
        raise Refusal(6, "Pass system_name or client_play_device_id.", {"system_name": "required"})
    types = DeviceType.objects.all()  # shared by every operator
    device_type = types.filter(system_name=system_name).first() if system_name else types.filter(pk=type_id).first()
    if device_type is None:
        raise Refusal(2, "Device type not found.")
    return device_type


def page_window(params: Params) -> slice:
    """`limit` (1–100, larger values are capped at 100) and `page` (from 1) as a slice."""
    limit = min(params.int("limit", MAX_PAGE_SIZE, min_value=1), MAX_PAGE_SIZE)
    page = params.int("page", 1, min_value=1, max_value=MAX_PAGE)
    start = (page - 1) * limit
    return slice(start, start + limit)


# --- account options --------------------------------------------------------------------------------

FLAG_OPTIONS = ("allow_multiple_login", "allow_login_by_abonement", "allow_login_by_device_uid", "allow_login_by_ip",
                "use_timeshift")
TEXT_OPTIONS = {"account_ext_id": 128, "template": 64, "option1": 255, "option2": 255, "option3": 255,
                "subnets": 4000}
DATE_OPTIONS = ("extension_date", "activation_date", "deactivation_date")
INT_OPTIONS = {"auto_activation_period": (0, 36_500), "preferred_timeshift_offset": (-24, 24)}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(params: Params, name: str) -> date | None:
    value = params.str(name, max_length=10).strip()
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ParamError(name, "not a date (yyyy-mm-dd)") from None


def account_options(params: Params, *, clear_empty: bool) -> dict[str, Any]:
    """Login options given in the request (only those: the rest stays as it is, or at its default).

    With `clear_empty` (modify) an empty value clears a text, a date, the parental code, the data
    centre or the device groups; on create an empty value means "the default".
    """
    given = params.raw()

    def wanted(name: str) -> bool:
        return name in params or (clear_empty and name in given)

    options: dict[str, Any] = {}
    for name in FLAG_OPTIONS:
        if name in params:
            options[name] = params.flag(name)
    for name, (low, high) in INT_OPTIONS.items():
        if name in params:
            options[name] = params.int(name, min_value=low, max_value=high)
    if wanted("data_center"):
        options["data_center"] = params.int("data_center", min_value=0, max_value=2**31 - 1) or None
    for name, limit in TEXT_OPTIONS.items():
        if wanted(name):
            options[name] = params.str(name, max_length=limit).strip()
    for name in DATE_OPTIONS:
        if wanted(name):
            options[name] = parse_date(params, name)
    if wanted("parent_code"):
        code = params.str("parent_code", max_length=16).strip()
        if code and not is_digits(code):
            raise ParamError("parent_code", "not a number")
        options["parent_code"] = code
    if "allowed_device_groups" in given:
        options["allowed_device_groups"] = params.int_list("allowed_device_groups", max_items=10)
    return options


# --- abonement_regexp -------------------------------------------------------------------------------

REGEXP_MAX_LENGTH = 100
ABONEMENT_MAX_LENGTH = 32  # Account.abonement
REGEXP_COST_LIMIT = 100_000
_REGEXP_TOKEN = re.compile(
    r"\\[dD]|\\[.^$*+?()\[\]{}|\\/-]"         # \d, \D and escaped punctuation
    r"|\[\^?(?:[0-9.^-]|\\d|\\[\]\\-])+\]"    # a bracket class of digits, ranges and \d
    r"|\{\d{1,2}(?:,\d{0,2})?\}"              # {n}, {n,}, {n,m}
    r"|\(\?:|[0-9^$.()|?*+]"
)


def check_abonement_regexp(pattern: str) -> None:
    """Refuse a pattern that could be slow or that the databases read differently.

    Abonements are digits, so patterns are built from digits, `.`, classes, groups, alternation,
    anchors and quantifiers only: no backreferences, lookarounds or flags (PostgreSQL and Python,
    which SQLite uses, disagree on those). Python's engine backtracks, so a quantified group that
    itself holds a quantifier or an alternation (`(\\d+)+`) is refused, and so is a pattern whose
    worst-case backtracking over a 32-digit abonement exceeds a fixed budget.
    """
    if len(pattern) > REGEXP_MAX_LENGTH:
        raise ParamError("abonement_regexp", f"longer than {REGEXP_MAX_LENGTH} characters")
    groups: list[bool] = []  # per open group: does it hold a quantifier or an alternation?
    closed_complex = False  # the atom just before is a group holding one
    quantifiers = alternations = 0
    position = 0
    while position < len(pattern):
        match = _REGEXP_TOKEN.match(pattern, position)
        if match is None:
            raise ParamError("abonement_regexp", f"refused (unsupported syntax at position {position})")
        token, position = match.group(), match.end()
        if token in ("(", "(?:"):
            groups.append(False)
        elif token == ")":
            if not groups:
                raise ParamError("abonement_regexp", "refused (unbalanced parenthesis)")
            inner = groups.pop()
            if groups and inner:
                groups[-1] = True
            closed_complex = inner
            continue
        elif token in ("*", "+", "?") or token.startswith("{"):
            counts = [int(n) for n in re.findall(r"\d+", token)]
            if any(n > ABONEMENT_MAX_LENGTH for n in counts):
                raise ParamError("abonement_regexp", f"refused (repetition above {ABONEMENT_MAX_LENGTH})")
            if closed_complex and token != "?":
                raise ParamError("abonement_regexp", "refused (nested quantifiers)")
            if not (token.startswith("{") and "," not in token):
                quantifiers += 1
            if groups:
                groups[-1] = True
        elif token == "|":
            alternations += 1
            if groups:
                groups[-1] = True
        closed_complex = False
    if math.comb(ABONEMENT_MAX_LENGTH + quantifiers, quantifiers) * 2 ** alternations > REGEXP_COST_LIMIT:
        raise ParamError("abonement_regexp", "too complex")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ParamError("abonement_regexp", f"not a regular expression ({exc.msg})") from None


# --- accounts ---------------------------------------------------------------------------------------

@signed_method(validation_error=2)
@answers
def account_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountCreate: a new login for a customer (by `customer_id` or `ext_id`). The plaintext password
    (given, or generated) is in the answer once; only its hash is kept."""
    params = ctx.params
    customer_id = params.int("customer_id", min_value=1)
    ext_id = params.str("ext_id", max_length=128).strip()
    if customer_id is None and not ext_id:
        raise ParamError("customer_id", "required (or ext_id)")
    abonement = params.str("abonement", max_length=32).strip()
    if abonement and not is_digits(abonement):
        raise ParamError("abonement", "not a number")
    password = params.str("password", max_length=32).strip()
    if password and not is_digits(password):
        raise ParamError("password", "not a number")
    active = params.flag("active", True)
    status_reason = params.str("status_reason", max_length=32).strip() or None
    options = account_options(params, clear_empty=False)
    try:
        customer = customer_get(client=ctx.client, customer_id=customer_id, ext_id=ext_id or None)
    except NotFound:
        raise Refusal(1, "Customer not found.") from None
    with refusing((Conflict, 3)):
        account, plain = services.account_create(
            client=ctx.client, customer=customer, abonement=abonement or None, password=password or None,
            active=active, status_reason=status_reason, **options)
    return ok(account_id=account.pk, abonement=account.abonement, password=plain)


@signed_method(validation_error=2)
@answers
def account_modify(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountModify: change the given login options only. A non-empty `password` replaces the
    password; `active` and `status_reason` go through the status service (blocking for debt is
    `active=0, status_reason=DEBT`, unblocking `active=1, status_reason=ACTIVE`) so partners hear of
    it; `reset_device_settings=1` forgets what the subscriber set up in the apps and logs devices out."""
    params = ctx.params
    account = find_account(ctx)
    password = params.str("password", max_length=128)
    options = account_options(params, clear_empty=True)
    if "active" in params:
        options["active"] = params.flag("active")
    if "status_reason" in params:
        options["status_reason"] = params.str("status_reason", max_length=32).strip()
    reset = params.flag("reset_device_settings")
    devices_admin.account_update(account=account, password=password or None, reset_device_settings=reset, **options)
    return ok()


@signed_method(validation_error=1)
@answers
def account_activate(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountActivate: `active=1, status_reason=ACTIVE`. Partners (CAS, SVOD) always hear of the
    change through the event outbox, after commit and with retries, so `notify_external_api` is
    accepted but changes nothing and code 2 (partner error) is never answered synchronously."""
    ctx.params.flag("notify_external_api")
    services.account_activate(account=find_account(ctx))
    return ok()


@signed_method(validation_error=1)
@answers
def account_deactivate(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountDeactivate: `active=0, status_reason=INACTIVE` (see AccountActivate on partners)."""
    ctx.params.flag("notify_external_api")
    services.account_deactivate(account=find_account(ctx))
    return ok()


@signed_method(validation_error=1)
@answers
def account_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountDelete: remove a login with its sessions and bound devices (the customer stays)."""
    services.account_delete(account=find_account(ctx))
    return ok()


@signed_method(validation_error=1)
@answers
def account_info(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountInfo: the login, its bound devices, and the tariffs and subscriptions of its customer."""
    account = find_account(ctx)
    prefetch_related_objects([account], *account_details_prefetches())
    return ok(**account_row(account))


def account_list_queryset(ctx: SignedContext) -> QuerySet[Account]:
    params = ctx.params
    accounts = Account.objects.for_client(ctx.client)
    if "status" in params:
        accounts = accounts.filter(active=params.flag("status"))
    status_reason = params.str("status_reason", max_length=32).strip()
    if status_reason:
        accounts = accounts.filter(status_reason=status_reason)
    device = params.str("device", max_length=64).strip()
    if device:
        accounts = accounts.filter(Exists(AccountDevice.objects.filter(
            account=OuterRef("pk"), device_type__system_name=device)))
    pattern = params.str("abonement_regexp", max_length=REGEXP_MAX_LENGTH + 1)
    if pattern:
        check_abonement_regexp(pattern)
        accounts = accounts.filter(abonement__regex=pattern)
    return accounts.order_by("id")


@signed_method(validation_error=UNKNOWN_ERROR)
@answers
def account_list(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountList: the operator's accounts, oldest first, filtered by activity (`status`),
    `status_reason`, bound device type (`device`) and `abonement_regexp`; `limit` ≤ 100 per `page`.

    The reference documents no error besides 0: a bad filter gets the global -1 with `error_fields`
    (as every method that documents no validation code).
    """
    window = page_window(ctx.params)
    queryset = with_account_details(account_list_queryset(ctx))[window]
    try:
        with transaction.atomic():  # a savepoint: the database may still refuse a pattern
            accounts = list(queryset)
    except DatabaseError:
        if not ctx.params.str("abonement_regexp", max_length=REGEXP_MAX_LENGTH):
            raise
        raise ParamError("abonement_regexp", "refused by the database") from None
    return ok(accounts=[account_row(account) for account in accounts])


# --- devices ----------------------------------------------------------------------------------------

DEVICE_TEXTS = {"serial_number": 128, "device_model": 128, "brand_name": 128, "diagonal": 32}


def device_texts(params: Params) -> dict[str, str]:
    """Serial number, model and brand given in the request. `diagonal` is checked but not kept:
    bound devices have no such field."""
    texts = {name: params.str(name, max_length=limit).strip()
             for name, limit in DEVICE_TEXTS.items() if name in params.raw()}
    texts.pop("diagonal", None)
    return texts


@signed_method(validation_error=3)
@answers
def account_device_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountDeviceCreate: bind a device to an account — one of its own (basic) devices while the
    customer's tariffs allow more, an additional one otherwise. A UID already bound to any of the
    operator's accounts is code 4. Device types are unique by system name, so code 5 (several
    matching types) never occurs; `filter_by_uid` and `sort_by` are accepted for compatibility.
    `reset_settings=1` logs the device out so it reloads the account's settings."""
    params = ctx.params
    account = find_account(ctx)
    device_uid = params.str("device_uid", required=True, max_length=128).strip()
    if not device_uid:
        raise ParamError("device_uid", "required")
    params.flag("filter_by_uid")
    params.str("sort_by", max_length=64)
    device_type = find_device_type(ctx)
    texts = device_texts(params)
    reset = params.flag("reset_settings")
    with refusing((Conflict, 4), (ServiceError, 3)):
        device = devices_admin.device_attach(account=account, device_type=device_type, device_uid=device_uid,
                                             end_sessions=reset, **texts)
    return ok(device_id=device.pk)


@signed_method(validation_error=1)
@answers
def account_device_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountDeviceDelete: unbind a device (by `device_id` or `device_uid`) and end its sessions."""
    devices_admin.device_release(device=find_bound_device(ctx))
    return ok()


@signed_method(validation_error=2)
@answers
def account_device_modify(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountDeviceModify: correct a bound device's serial number, model or brand; `reset_settings=1`
    logs it out so it reloads the account's settings."""
    params = ctx.params
    device = find_bound_device(ctx)
    texts = device_texts(params)
    reset = params.flag("reset_settings")
    devices_admin.device_modify(device=device, end_sessions=reset, **texts)
    return ok()


# --- cameras (not part of this middleware) ------------------------------------------------------------

def refuse_cameras(ctx: SignedContext) -> NoReturn:
    """Surveillance cameras are not supported: after the parameter and account checks every camera
    id is answered as unknown (code 3)."""
    if not ctx.params.int_list("camera_id", max_items=100):
        raise ParamError("camera_id", "required")
    find_account(ctx, not_found=2)
    raise Refusal(3, "Camera not found: cameras are not supported by this middleware.",
                  {"camera_id": "not supported"})


@signed_method(validation_error=1)
@answers
def account_camera_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountCameraCreate: not supported (see `refuse_cameras`)."""
    return refuse_cameras(ctx)


@signed_method(validation_error=1)
@answers
def account_camera_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountCameraDelete: not supported (see `refuse_cameras`)."""
    return refuse_cameras(ctx)


# --- tariffs ----------------------------------------------------------------------------------------

@signed_method(validation_error=3)
@answers
def account_tariff_assign(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountTariffAssign: tariffs belong to customers here, so the tariff is assigned to the
    account's customer and opens for every account of that customer (as CustomerTariffAssign would).
    A new basic tariff replaces the customer's current one. Already held, disabled: code 3."""
    account = find_account(ctx)
    tariff = find_tariff(ctx)
    with refusing((NotFound, 2), (ServiceError, 3)):
        services.tariff_assign(customer=account.customer, tariff=tariff)
    return ok()


@signed_method(validation_error=2)
@answers
def account_tariff_remove(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountTariffRemove: end the account's customer's subscription to the tariff (tariffs belong
    to customers, see AccountTariffAssign). A tariff the customer does not hold is code 2."""
    account = find_account(ctx)
    tariff = find_tariff(ctx)
    with refusing((ServiceError, 2)):
        services.tariff_remove(customer=account.customer, tariff=tariff)
    return ok()


# --- messages ---------------------------------------------------------------------------------------

UNSUPPORTED_CHANNELS = ("send_message_by_sms", "send_message_by_email", "send_message_by_cas")


@signed_method(validation_error=2)
@answers
def account_message_create(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """AccountMessageCreate: a message on the account's screens (`subject` or `text` required;
    `urgent` pops it up at the apps' next status check). SMS, e-mail and CAS delivery are not
    available: asking for them is refused rather than silently dropped. `delete_after_reading` is
    accepted; read messages stay listed as read (messages have no such setting here)."""
    params = ctx.params
    account = find_account(ctx)
    subject = params.str("subject", max_length=255)
    text = params.str("text", max_length=10_000)
    urgent = params.flag("urgent", True)
    params.flag("delete_after_reading", True)
    for name in UNSUPPORTED_CHANNELS:
        if params.flag(name):
            raise Refusal(2, f"{name}: this delivery channel is not available.", {name: "not supported"})
    if not params.flag("send_message_to_tv_screen", True):
        raise Refusal(2, "Nothing to deliver: the TV screen is the only channel available.",
                      {"send_message_to_tv_screen": "required"})
    message = devices_admin.message_create(account=account, subject=subject, text=text, urgent=urgent)
    return ok(message_id=message.pk)


# --- sessions ---------------------------------------------------------------------------------------

@signed_method(validation_error=UNKNOWN_ERROR)
@answers
def session_list(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """SessionList: the operator's device sessions, most recently used first, optionally of one
    account (`account_id` / `abonement`) or customer (`customer_id`); `limit` ≤ 100 per `page`.
    `online` is 1 for a session used within the window that counts against session limits.
    An unknown (or another operator's) account or customer gives an empty list; a malformed
    parameter gets the global -1 (no validation code is documented)."""
    params = ctx.params
    window = page_window(params)
    sessions = AuthKey.objects.for_client(ctx.client).select_related("account", "device_type")
    account_id = params.int("account_id", min_value=1)
    abonement = params.str("abonement", max_length=64).strip()
    customer_id = params.int("customer_id", min_value=1)
    if account_id is not None:
        sessions = sessions.filter(account_id=account_id)
    if abonement:
        sessions = sessions.filter(account__abonement=abonement)
    if customer_id is not None:
        sessions = sessions.filter(account__customer_id=customer_id)
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
    } for session in sessions.order_by("-last_seen_at", "-id")[window]]
    return ok(sessions=rows)


@signed_method(validation_error=1)
@answers
def authkey_delete(request: HttpRequest, ctx: SignedContext) -> JsonResponse:
    """`authkey/delete/`: end device sessions — one by `authkey_id` (SessionList's `id`) or by the
    authkey itself (`authkey_key`), or every session of an account (`account_id` / `abonement`).
    Code 1: nothing to select by; code 2: no such session (or account) of this operator."""
    params = ctx.params
    authkey_id = params.int("authkey_id", min_value=1)
    authkey = params.str("authkey_key", max_length=256).strip()
    by_account = "account_id" in params or "abonement" in params
    if authkey_id is None and not authkey and not by_account:
        raise ParamError("authkey_id", "required (or authkey_key)")
    sessions = AuthKey.objects.for_client(ctx.client)
    if authkey_id is not None:
        sessions = sessions.filter(pk=authkey_id)
    if authkey:
        sessions = sessions.filter(key_hash=hash_authkey(authkey))
    if by_account:
        sessions = sessions.filter(account=find_account(ctx, not_found=2))
    deleted = session_delete_many(sessions)
    if not deleted:
        raise Refusal(2, "Session not found.")
    return ok(deleted=deleted)
