"""One-time verification codes: sent to a subscriber's address, typed back into the app.

A code is stored hashed (Django's hashers) and compared in constant time; it is used once, expires
after the operator's lifetime (`SelfServiceSettings.code_ttl_minutes`), and is spent after
`MAX_ATTEMPTS` wrong guesses. Every guess is counted on the code's row, under its row lock, before
the code is compared. Codes expired for a day are deleted when the operator sends a new one.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tvmiddleware.models import Customer, VerificationCode
from tvmiddleware.notify import deliver
from tvmiddleware.selectors.self_service import self_service_settings
from common.errors import ServiceError

CODE_DIGITS = 6
MAX_ATTEMPTS = 5
KEPT_AFTER_EXPIRY = timedelta(days=1)


class CodeRefused(ServiceError):
    """The code is wrong, expired, already used, or spent by wrong guesses."""

    code = "code_refused"


def _live(*, client_id: int, customer: Customer, purpose: str, target: str):
    return (VerificationCode.objects.for_client(client_id)
            .filter(customer=customer, purpose=purpose, target=target, used_at__isnull=True,
                    expires_at__gt=timezone.now(), attempts__lt=MAX_ATTEMPTS))


def live_code(*, client_id: int, customer: Customer, purpose: str, target: str) -> VerificationCode | None:
    """The code still waiting to be typed back for this purpose and target, if any."""
    return _live(client_id=client_id, customer=customer, purpose=purpose, target=target).order_by("-id").first()


@transaction.atomic
def code_send(*, client_id: int, customer: Customer, purpose: str, target: str, channel: str, address: str,
              subject: str, text: str) -> VerificationCode:
    """Make a new code (earlier ones for the same purpose and target stop counting) and deliver it:
    `text` has `{code}` where the code goes. A failed delivery keeps no code (`DeliveryFailed`)."""
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    now = timezone.now()
    # Codes dead for a day are no longer of use even to the support desk: the operator's go here.
    VerificationCode.objects.for_client(client_id).filter(expires_at__lt=now - KEPT_AFTER_EXPIRY).delete()
    _live(client_id=client_id, customer=customer, purpose=purpose, target=target).update(used_at=timezone.now())
    ttl = self_service_settings(client_id).code_ttl_minutes or 1
    row = VerificationCode.objects.create(client_id=client_id, customer=customer, purpose=purpose, target=target,
                                          code_hash=make_password(code),
                                          expires_at=timezone.now() + timedelta(minutes=ttl))
    deliver(channel, to=address, subject=subject, text=text.format(code=code))
    return row


def code_verify(*, client_id: int, customer: Customer, purpose: str, target: str, code: str) -> VerificationCode:
    """The live code `code` matches, or `CodeRefused`. The guess is counted on the row first, in a
    transaction of its own: call this outside the caller's transaction, so a refusal still counts."""
    with transaction.atomic():
        row = (_live(client_id=client_id, customer=customer, purpose=purpose, target=target)
               .select_for_update().order_by("-id").first())
        if row is None:
            raise CodeRefused("The code is wrong or has expired.")
        VerificationCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    code = (code or "").strip()
    if not (code and check_password(code, row.code_hash)):
        raise CodeRefused("The code is wrong or has expired.")
    return row


def code_use(row: VerificationCode) -> None:
    """Use the code up (in the caller's transaction: rolled back with it); `CodeRefused` when a
    concurrent request used it first."""
    if not VerificationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()):
        raise CodeRefused("The code is wrong or has expired.")


def code_check(*, client_id: int, customer: Customer, purpose: str, target: str, code: str) -> None:
    """`code_verify` and `code_use`."""
    code_use(code_verify(client_id=client_id, customer=customer, purpose=purpose, target=target, code=code))
