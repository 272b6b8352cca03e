"""Signing a device in: find the account, check the rules, bind the device, open a session.

Every refusal is a `LoginRefused` carrying a `LoginReason`; the device API maps reasons to the
Smarty login error codes. Failed attempts are counted per IP and per abonement in the cache and,
past the limits, further attempts are refused for the rest of the window.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tvmiddleware import counters
from tvmiddleware.models import Account, AccountDevice, AuthKey, Client, DeviceType, TariffSubscription

from .accounts import parse_subnets
from .actions import record
from .devices import device_bind
from common.errors import DeviceBoundElsewhere, Invalid, LimitReached, ServiceError
from .sessions import active_window, session_create, session_delete_many


EXTERNAL_SESSIONS_KEPT = 5  # per account, for login/ext


class LoginReason(Enum):
    NOT_FOUND = "not_found"
    INACTIVE = "inactive"
    DEVICE_ELSEWHERE = "device_bound_elsewhere"
    SESSION_LIMIT = "session_limit"
    NO_TARIFFS = "no_tariffs"
    SUBNET_FORBIDDEN = "subnet_forbidden"
    AMBIGUOUS_IP = "ambiguous_ip"
    GROUP_FORBIDDEN = "device_group_forbidden"
    RATE_LIMITED = "rate_limited"


class LoginRefused(ServiceError):
    code = "login_refused"

    def __init__(self, reason: LoginReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.credentials_failed = False  # counts against the failure limits


@dataclass
class LoginResult:
    account: Account
    session: AuthKey
    authkey: str
    device: AccountDevice | None


# --- rate limiting ------------------------------------------------------------------------------

def _limits(client: Client) -> tuple[int, int, int]:
    """(failures per IP — 0 for none, failures per abonement, window seconds); the per-IP limit may be
    set per operator (`Client.login_failures_per_ip`), e.g. higher for networks behind carrier NAT."""
    per_ip = client.login_failures_per_ip
    if per_ip is None:
        per_ip = getattr(settings, "TVMIDDLEWARE_LOGIN_FAILURES_PER_IP", 30)
    return (per_ip,
            getattr(settings, "TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT", 10),
            getattr(settings, "TVMIDDLEWARE_LOGIN_FAILURE_WINDOW_SECONDS", 600))


def _counter_keys(client: Client, ip: str | None, abonement: str | None) -> list[tuple[str, int]]:
    per_ip, per_abonement, _ = _limits(client)
    keys = []
    if ip and per_ip > 0:
        keys.append((f"tvmw:login-fail:ip:{client.pk}:{ip}", per_ip))
    if abonement:
        keys.append((f"tvmw:login-fail:ab:{client.pk}:{abonement[:32]}", per_abonement))
    return keys


def _count_attempt(client: Client, ip: str | None, abonement: str | None) -> list[counters.Hit]:
    """Count this attempt against every limit that applies *before* any password is checked, so
    concurrent attempts cannot all pass one reading of the counter: at most `limit` attempts per
    window ever reach the check. Refused (error 28) past a limit; the refused attempt is not counted."""
    window = _limits(client)[2]
    hits: list[counters.Hit] = []
    for key, limit in _counter_keys(client, ip, abonement):
        hit = counters.hit(key, window=window)
        hits.append(hit)
        if hit.count > limit:
            _give_back(hits)
            raise LoginRefused(LoginReason.RATE_LIMITED, "Too many failed logins; try again later.")
    return hits


def _give_back(hits: list[counters.Hit]) -> None:
    """The attempt did not fail on credentials: it does not count. Only this attempt's own hit is
    returned, so a success never frees the slots that other (failed or pending) attempts hold."""
    for hit in hits:
        counters.give_back(hit)


# --- finding the account --------------------------------------------------------------------------

def _in_subnets(ip: str | None, subnets: str) -> bool:
    if not subnets.strip():
        return True
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
        return any(address in network for network in parse_subnets(subnets))
    except ValueError:
        return False


def _find_account(client: Client, *, abonement: str, password: str, device_uid: str, ip: str | None) -> Account:
    accounts = Account.objects.for_client(client).select_related("customer")
    not_found = LoginRefused(LoginReason.NOT_FOUND, "Account not found.")
    if abonement:
        account = accounts.filter(abonement=abonement).first()
        if account is None:
            raise not_found
        if password:
            if not account.check_password(password):
                raise not_found
        elif not account.allow_login_by_abonement:
            raise not_found
        return account
    if device_uid:
        device = (AccountDevice.objects.for_client(client).select_related("account__customer")
                  .filter(device_uid=device_uid, account__allow_login_by_device_uid=True).first())
        if device is None:
            raise not_found
        return device.account
    if ip:
        candidates = [a for a in accounts.filter(allow_login_by_ip=True).exclude(subnets="")
                      if _in_subnets(ip, a.subnets)]
        if len(candidates) > 1:
            raise LoginRefused(LoginReason.AMBIGUOUS_IP, "Several accounts match this IP address.")
        if candidates:
            return candidates[0]
    raise not_found


# --- limits ------------------------------------------------------------------------------------------

def _limits_of(account: Account) -> tuple[int, int]:
    """(basic devices, concurrent additional sessions) the customer's open tariffs allow (the largest)."""
    limits = TariffSubscription.objects.filter(customer_id=account.customer_id, is_closed=False).aggregate(
        basic=Max("tariff__basic_sessions_count"), extra=Max("tariff__sessions_count"))
    return limits["basic"] or 0, limits["extra"] or 0


def _check_session_limit(account: Account, device_uid: str, extra_limit: int) -> None:
    if account.allow_multiple_login:
        return
    since = timezone.now() - active_window()
    active = (AuthKey.objects.filter(account=account, is_basic_device=False, external=False, last_seen_at__gte=since)
              .exclude(device_uid=device_uid, device_uid__gt="").values("device_uid", "id"))
    in_use = len({row["device_uid"] or f"#{row['id']}" for row in active})
    if in_use >= extra_limit:
        raise LoginRefused(LoginReason.SESSION_LIMIT, "The account's session limit is reached.")


# --- the login ---------------------------------------------------------------------------------------

def login(*, client: Client, abonement: str = "", password: str = "", device_uid: str = "",
          device_type: DeviceType | None = None, device_serial: str = "", device_model: str = "",
          brand_name: str = "", ip: str | None = None, user_agent: str = "", app_build_version: str = "",
          reset_block_status_reason: bool = False, open_session: bool = True, external: bool = False) -> LoginResult:
    """Authenticate a device and open a session (or, with `open_session=False`, only check).

    `external` (login/ext): the session is for a system acting for the subscriber, not for the device:
    it binds no device and replaces none of its sessions, the session limit does not apply (it is not
    counted by it either) and an account without tariffs is not refused. An account keeps its newest
    EXTERNAL_SESSIONS_KEPT such sessions: older ones end.

    Order of checks: rate limit (28), account lookup (1, 12), subnet (9), device group (15),
    activity (2), tariffs (8), device binding (6) and limits (5).

    The attempt is counted before the lookup, outside the login's transaction (a refused login rolls
    that back, the count must stay); it is given back unless the lookup failed (wrong abonement,
    password or device), so only failed credentials use up the limits.
    """
    hits = _count_attempt(client, ip, abonement or None)
    try:
        result = _login(client=client, abonement=abonement, password=password, device_uid=device_uid,
                        device_type=device_type, device_serial=device_serial, device_model=device_model,
                        brand_name=brand_name, ip=ip, user_agent=user_agent, app_build_version=app_build_version,
                        reset_block_status_reason=reset_block_status_reason, open_session=open_session,
                        external=external)
    except LoginRefused as exc:
        if not exc.credentials_failed:
            _give_back(hits)
        raise
    _give_back(hits)
    if open_session:
        record("logged_in", customer=None, account=result.account,
               device_uid=device_uid[:64] if not external else "", external=external or None)
    return result


def credentials_check(*, client: Client, abonement: str, password: str, ip: str | None) -> Account:
    """The account of this abonement and password, for a surface that opens no device session (the
    personal-account widget): the device login's rate limits (counted before the check, per address
    and per abonement) and its password check; neither activity nor tariffs are required, so a
    subscriber blocked for debt can still log in to pay. Both are required (no login by abonement or
    address alone). Raises LoginRefused (NOT_FOUND, RATE_LIMITED)."""
    if not abonement or not password:
        raise LoginRefused(LoginReason.NOT_FOUND, "Account not found.")
    hits = _count_attempt(client, ip, abonement)
    account = _find_account(client, abonement=abonement, password=password, device_uid="", ip=None)
    _give_back(hits)
    record("logged_in", customer=account.customer, account=account)
    return account


def login_vouched(*, client: Client, account: Account, device_uid: str, device_type: DeviceType, ip: str | None,
                  key_hash: str) -> LoginResult:
    """Open a session for a device that a logged-in device of `account` vouched for (QR login), with the
    same rules as a login (subnet, device group, activity, tariffs, binding, limits) and no credentials.
    The session's key is the one whose hash is `key_hash` (the caller derived it: `LoginResult.authkey`
    is empty)."""
    return _login(client=client, abonement="", password="", device_uid=device_uid, device_type=device_type,
                  device_serial="", device_model="", brand_name="", ip=ip, user_agent="", app_build_version="",
                  reset_block_status_reason=False, open_session=True, vouched_for=account, key_hash=key_hash)


@transaction.atomic
def _login(*, client: Client, abonement: str, password: str, device_uid: str, device_type: DeviceType | None,
           device_serial: str, device_model: str, brand_name: str, ip: str | None, user_agent: str,
           app_build_version: str, reset_block_status_reason: bool, open_session: bool,
           vouched_for: Account | None = None, key_hash: str | None = None, external: bool = False) -> LoginResult:
    if vouched_for is not None:
        account = vouched_for
    else:
        try:
            account = _find_account(client, abonement=abonement, password=password, device_uid=device_uid, ip=ip)
        except LoginRefused as exc:
            exc.credentials_failed = True
            raise
    if not _in_subnets(ip, account.subnets):
        raise LoginRefused(LoginReason.SUBNET_FORBIDDEN, "Logging in from this network is not allowed.")
    if device_type is not None and not account.allows_device_group(device_type.group):
        raise LoginRefused(LoginReason.GROUP_FORBIDDEN, "This kind of device is not allowed for the account.")
    if not account.active and reset_block_status_reason and account.status_reason == "BLOCK":
        from .accounts import account_activate

        account_activate(account=account)
    if not account.active:
        raise LoginRefused(LoginReason.INACTIVE, "The account is inactive.")
    basic_limit, extra_limit = _limits_of(account)
    if not external and not TariffSubscription.objects.filter(customer_id=account.customer_id,
                                                              is_closed=False).exists():
        raise LoginRefused(LoginReason.NO_TARIFFS, "The customer has no tariffs.")

    device = None
    is_basic = False
    if device_uid:
        device = AccountDevice.objects.for_client(client).filter(device_uid=device_uid).first()
        if device is not None and device.account_id != account.pk:
            raise LoginRefused(LoginReason.DEVICE_ELSEWHERE, "The device is bound to another account.")
        if device is not None:
            is_basic = device.is_basic
        else:
            is_basic = account.devices.filter(is_basic=True).count() < basic_limit
    if not open_session:  # a check only: no session is opened, so no session limit applies
        return LoginResult(account=account, session=None, authkey="", device=device)  # type: ignore[arg-type]
    if external:
        session, authkey = session_create(account=account, device=None, device_type=device_type, ip_address=ip,
                                          user_agent=user_agent, app_build_version=app_build_version, external=True)
        # A system that logs in again and again keeps the newest few keys, not one session per call.
        older = (AuthKey.objects.filter(account=account, external=True).order_by("-id")
                 .values_list("id", flat=True)[EXTERNAL_SESSIONS_KEPT:])
        session_delete_many(AuthKey.objects.filter(id__in=list(older)))
        Account.objects.filter(pk=account.pk).update(last_active=timezone.now())
        return LoginResult(account=account, session=session, authkey=authkey, device=device)
    if not is_basic:
        _check_session_limit(account, device_uid, extra_limit)
    if device_uid:
        try:
            device = device_bind(account=account, device_type=device_type or _default_device_type(),
                                 device_uid=device_uid, serial_number=device_serial, device_model=device_model,
                                 brand_name=brand_name, is_basic=is_basic)
        except DeviceBoundElsewhere as exc:
            raise LoginRefused(LoginReason.DEVICE_ELSEWHERE, "The device is bound to another account.") from exc
        except (LimitReached, Invalid) as exc:
            raise LoginRefused(LoginReason.SESSION_LIMIT, str(exc)) from exc
    session, authkey = session_create(
        account=account, device=device, device_type=device_type, device_uid=device_uid, is_basic_device=is_basic,
        ip_address=ip, user_agent=user_agent, app_build_version=app_build_version, key_hash=key_hash)
    Account.objects.filter(pk=account.pk).update(last_active=timezone.now())
    return LoginResult(account=account, session=session, authkey=authkey, device=device)


def _default_device_type() -> DeviceType:
    return DeviceType.objects.filter(system_name="browser").first() or DeviceType.objects.order_by("id").first()

