"""QR login: a TV is logged in by a phone where the subscriber already is.

1. The TV asks for a code (`qr_generate`): it gets a secret `connection_token` and a short
   `login_code`, shown as text and as a QR code of `qrcode_url`.
2. The subscriber's phone sends the code (`qr_confirm`): the TV's login is made then, on the phone's
   account, with every rule of a login (network, device group, activity, tariffs, binding, limits).
   The session's key is derived from the TV's token (HMAC with SECRET_KEY): the server stores only its
   hash, as for every session, and never the key itself.
3. The TV polls with its token (`qr_collect`): once confirmed, it gets its session key, once.

Codes are 6 random digits, unique among the operator's live codes, valid CODE_SECONDS, single use.
Asking for codes is limited per address and per TV; confirming wrong codes per account, so codes
cannot be guessed; everything is in the database (works across processes, without Redis).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.errors import ServiceError
from tvmiddleware import counters
from tvmiddleware.models import Account, Client, DeviceType, QrLogin, hash_authkey

from .login import LoginReason, LoginRefused, login_vouched

CODE_SECONDS = 300
CODE_DIGITS = 6
GENERATE_PER_IP = 30
GENERATE_PER_DEVICE = 10
CONFIRM_FAILURES_PER_ACCOUNT = 10
WINDOW_SECONDS = 600
KEPT_AFTER_EXPIRY = timedelta(days=1)


class QrRefusal(Enum):
    TOO_MANY = "too_many"
    NOT_FOUND = "not_found"  # unknown, expired, or too many wrong codes
    USED = "used"
    PENDING = "pending"


class QrRefused(ServiceError):
    code = "qr_refused"

    def __init__(self, reason: QrRefusal | LoginReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class QrCode:
    qr: QrLogin
    connection_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def session_key_for(connection_token: str) -> str:
    """The TV's session key (128 hex, like every authkey): only the holder of its token can have it."""
    return hmac.new(settings.SECRET_KEY.encode(), f"qr-login:{connection_token}".encode(), hashlib.sha512).hexdigest()


def _count(key: str, limit: int) -> counters.Hit | None:
    """Count one attempt under `key`: the hit, or None past the limit (the refused one does not count)."""
    hit = counters.hit(key, window=WINDOW_SECONDS)
    if hit.count > limit:
        counters.give_back(hit)
        return None
    return hit


def qr_generate(*, client: Client, device_type: DeviceType, device_uid: str, ip: str | None) -> QrCode:
    """A new code for the TV `device_uid`; a TV that asks again gets a new one (its older ones end)."""
    device_key = hashlib.sha256(device_uid.encode("utf-8", "surrogatepass")).hexdigest()
    if (ip and _count(f"tvmw:qr-gen:ip:{client.pk}:{ip}", GENERATE_PER_IP) is None) or \
            _count(f"tvmw:qr-gen:dev:{client.pk}:{device_key}", GENERATE_PER_DEVICE) is None:
        raise QrRefused(QrRefusal.TOO_MANY, "Too many QR codes asked for; try again later.")
    now = timezone.now()
    # Spent and expired codes are kept a day (the panel shows them), then go.
    QrLogin.objects.for_client(client).filter(expires_at__lt=now - KEPT_AFTER_EXPIRY).delete()
    for _ in range(10):
        token = secrets.token_hex(32)
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        with transaction.atomic():
            live = QrLogin.objects.for_client(client).filter(expires_at__gt=now, collected_at__isnull=True)
            if live.filter(login_code=code).exists():
                continue  # drawn again: a live code names one TV
            live.filter(device_uid=device_uid, account__isnull=True).update(expires_at=now)
            qr = QrLogin.objects.create(
                client=client, token_hash=_token_hash(token), session_key_hash=hash_authkey(session_key_for(token)),
                login_code=code, device_uid=device_uid, device_type=device_type, ip_address=ip,
                expires_at=now + timedelta(seconds=CODE_SECONDS))
        return QrCode(qr=qr, connection_token=token)
    raise QrRefused(QrRefusal.TOO_MANY, "No free code could be drawn; try again.")


def qr_confirm(*, client: Client, account: Account, login_code: str) -> QrLogin:
    """The subscriber's phone (logged in on `account`) confirms the code a TV shows: the TV's session is
    opened on the account. Raises QrRefused with a QrRefusal (NOT_FOUND, USED) or the LoginReason of
    the refused login. Codes not found count against the account's limit; past it, NOT_FOUND."""
    hit = _count(f"tvmw:qr-confirm:{client.pk}:{account.pk}", CONFIRM_FAILURES_PER_ACCOUNT)
    if hit is None:
        raise QrRefused(QrRefusal.NOT_FOUND, "Too many wrong codes; try again later.")
    now = timezone.now()
    with transaction.atomic():
        qr = (QrLogin.objects.for_client(client).select_for_update()
              .filter(login_code=login_code, expires_at__gt=now).order_by("-id").first())
        if qr is None:
            raise QrRefused(QrRefusal.NOT_FOUND, "The QR session was not found or has expired.")
        counters.give_back(hit)  # the code exists: not a guess
        if qr.account_id is not None:
            raise QrRefused(QrRefusal.USED, "The QR session has already been used.")
        try:
            login_vouched(client=client, account=account, device_uid=qr.device_uid, device_type=qr.device_type,
                          ip=qr.ip_address, key_hash=qr.session_key_hash)
        except LoginRefused as exc:
            raise QrRefused(exc.reason, exc.message) from exc
        QrLogin.objects.filter(pk=qr.pk).update(account=account, confirmed_at=now)
    qr.account, qr.confirmed_at = account, now
    return qr


def qr_state(*, client: Client, connection_token: str) -> QrLogin:
    """The TV's QR session by its token (NOT_FOUND when unknown or expired unconfirmed, USED once the
    TV has taken its session)."""
    qr = (QrLogin.objects.for_client(client).filter(token_hash=_token_hash(connection_token))
          .select_related("account").first())
    if qr is None or (qr.account_id is None and qr.expires_at <= timezone.now()):
        raise QrRefused(QrRefusal.NOT_FOUND, "The QR session was not found or has expired.")
    if qr.collected_at is not None:
        raise QrRefused(QrRefusal.USED, "The QR session has already been used.")
    return qr


def qr_collect(*, client: Client, connection_token: str) -> tuple[QrLogin, str]:
    """The TV takes its session once its code was confirmed: (the QR session, the session key).
    PENDING while unconfirmed; the key is given once (USED after)."""
    qr = qr_state(client=client, connection_token=connection_token)
    if qr.account_id is None:
        raise QrRefused(QrRefusal.PENDING, "The code has not been confirmed yet.")
    taken = (QrLogin.objects.for_client(client).filter(pk=qr.pk, collected_at__isnull=True)
             .update(collected_at=timezone.now()))
    if not taken:
        raise QrRefused(QrRefusal.USED, "The QR session has already been used.")
    return qr, session_key_for(connection_token)
