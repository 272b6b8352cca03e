"""Finding a subscriber by their mobile number, confirmed by a code sent by SMS (login/customer_list).

A code is 6 random digits, kept as an HMAC (keyed with SECRET_KEY, so a database dump does not give
the codes away by trying the million values), valid CODE_SECONDS, tried at most MAX_TRIES times, used
once. Sending is limited per number (one at a time while it is fresh, SENDS_PER_HOUR an hour) and the
method per caller address (LOOKUPS_PER_IP in LOOKUP_WINDOW_SECONDS), so neither SMS nor codes can be
drawn at will.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.errors import ServiceError
from tvmiddleware import counters
from tvmiddleware.models import Client, NotifyChannel, PhoneVerification
from tvmiddleware.notify import DeliveryFailed, deliver

CODE_SECONDS = 600
RESEND_SECONDS = 60
MAX_TRIES = 5
SENDS_PER_HOUR = 5
LOOKUPS_PER_IP = 30
LOOKUP_WINDOW_SECONDS = 600
MAX_PHONE_DIGITS = 15  # E.164


class PhoneRefusal(Enum):
    TOO_OFTEN = "too_often"
    AWAITED = "awaited"
    WRONG_CODE = "wrong_code"
    NOT_SENT = "not_sent"


class PhoneLoginRefused(ServiceError):
    code = "phone_login_refused"

    def __init__(self, reason: PhoneRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def normalize_phone(value: str) -> str:
    """The digits of a phone number ('+7 (912) 000-11-22' → '79120001122'); '' when it is not one."""
    digits = "".join(ch for ch in value if ch.isascii() and ch.isdigit())
    rest = "".join(ch for ch in value if not (ch.isascii() and ch.isdigit()))
    if not digits or len(digits) > MAX_PHONE_DIGITS or any(ch not in "+-() ." for ch in rest):
        return ""
    return digits


def lookup_allowed(*, client: Client, ip: str | None) -> bool:
    """Count one lookup from this address; False past the limit (the refused one does not count)."""
    if not ip:
        return True
    hit = counters.hit(f"tvmw:phone-lookup:{client.pk}:{ip}", window=LOOKUP_WINDOW_SECONDS)
    if hit.count > LOOKUPS_PER_IP:
        counters.give_back(hit)
        return False
    return True


def _digest(client: Client, phone: str, code: str) -> str:
    message = f"{client.pk}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def phone_code_send(*, client: Client, phone: str) -> None:
    """Send a fresh code to `phone` by SMS. Refused while the last one is under RESEND_SECONDS old
    (AWAITED) or past SENDS_PER_HOUR (TOO_OFTEN); NOT_SENT when the SMS backend failed."""
    now = timezone.now()
    with transaction.atomic():
        recent = list(PhoneVerification.objects.for_client(client)
                      .filter(phone=phone, created_at__gte=now - timedelta(hours=1))
                      .order_by("-created_at").values_list("created_at", flat=True)[:SENDS_PER_HOUR])
        if recent and recent[0] > now - timedelta(seconds=RESEND_SECONDS):
            raise PhoneLoginRefused(PhoneRefusal.AWAITED, "A code was sent a moment ago: enter it.")
        if len(recent) >= SENDS_PER_HOUR:
            raise PhoneLoginRefused(PhoneRefusal.TOO_OFTEN, "Too many codes were sent; try again later.")
        # Codes older than the send limit's hour serve no rule any more.
        PhoneVerification.objects.for_client(client).filter(created_at__lt=now - timedelta(days=1)).delete()
        code = f"{secrets.randbelow(10**6):06d}"
        # Older codes stop working: only the last one sent is the one the subscriber reads.
        PhoneVerification.objects.for_client(client).filter(phone=phone, used_at__isnull=True).update(used_at=now)
        PhoneVerification.objects.create(client=client, phone=phone, code_hash=_digest(client, phone, code),
                                         expires_at=now + timedelta(seconds=CODE_SECONDS))
    try:
        deliver(NotifyChannel.SMS, to=f"+{phone}", subject="Confirmation code",
                text=f"Your confirmation code: {code}")
    except DeliveryFailed as exc:
        raise PhoneLoginRefused(PhoneRefusal.NOT_SENT, "The code could not be sent.") from exc


def phone_code_check(*, client: Client, phone: str, code: str) -> None:
    """Accept the code last sent to `phone` (once), else WRONG_CODE; each wrong try uses one of MAX_TRIES
    (the row is locked, so concurrent tries are counted one by one)."""
    if not _code_accepted(client, phone, code.strip()):
        raise PhoneLoginRefused(PhoneRefusal.WRONG_CODE, "Wrong or expired confirmation code.")


@transaction.atomic
def _code_accepted(client: Client, phone: str, code: str) -> bool:
    now = timezone.now()
    pending = (PhoneVerification.objects.for_client(client).select_for_update()
               .filter(phone=phone, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first())
    if pending is None or pending.attempts >= MAX_TRIES:
        return False
    if not hmac.compare_digest(pending.code_hash, _digest(client, phone, code)):
        PhoneVerification.objects.filter(pk=pending.pk).update(attempts=F("attempts") + 1)
        return False
    PhoneVerification.objects.filter(pk=pending.pk).update(used_at=now)
    return True
