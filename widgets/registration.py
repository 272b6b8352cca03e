"""Signing up through a registration widget (docs/widgets.md, "Registration"), in two steps:

1. `registration_start`: the visitor's e-mail address or mobile number gets a 6-digit code through
   the operator's delivery (`deliver`): the server's console while the operator's self-service
   settings say so (the default), else e-mail to an address and SMS to a number. The pending sign-up
   is a `RegistrationCode` row (the code only as an HMAC keyed with SECRET_KEY).
2. `registration_confirm`: the code typed back (each try counted before the check, at most
   MAX_TRIES, used once, valid the operator's code lifetime) creates the customer and their first
   account through `subscriber_register`, all or nothing; the password (chosen, or generated) is
   returned once and kept only hashed.

An e-mail address or number the operator already has is refused at either step (`AlreadyRegistered`).
Sending is limited per address or number (`CODES_PER_HOUR` through `security.limited`, and one code
a `RESEND_SECONDS`); the caller-address limits are the page's (widgets/pages/registration.py).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from common.client_address import client_ip
from common.errors import ServiceError
from tvmiddleware.models import Account, Client, Customer, NotifyChannel
from tvmiddleware.notify import DeliveryFailed, deliver
from tvmiddleware.selectors.self_service import self_service_settings
from tvmiddleware.services.accounts import generate_password, subscriber_register
from tvmiddleware.services.customers import customer_modify
from tvmiddleware.services.self_service import PHONE_DIGITS, normal_phone

from .models import RegistrationCode, Widget
from .security import limited

EMAIL = "email"
PHONE = "phone"
MAX_TRIES = 5
RESEND_SECONDS = 60
CODES_PER_HOUR = 5  # per e-mail address or mobile number, resends included
GENERATED_PASSWORD_LENGTH = 8
PASSWORD_RE = re.compile(r"^[\x21-\x7e]{6,64}$")  # printable ASCII, no spaces


class RegistrationRefused(ServiceError):
    """`reason`: already_registered, too_often, awaited, not_sent, wrong_code, expired, spent, used."""

    code = "registration_refused"

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


def contact_kind(value: str) -> str:
    return EMAIL if "@" in value else PHONE


def normal_contact(kind: str, value: str) -> str:
    """The address as kept and compared: an e-mail lower-cased, a number as customers' numbers are stored."""
    value = value.strip()
    return value.lower() if kind == EMAIL else normal_phone(value)


def phone_valid(phone: str) -> bool:
    return bool(PHONE_DIGITS.match(phone))


def _phone_variants(phone: str) -> list[str]:
    digits = phone.lstrip("+")
    return [digits, "+" + digits]


def already_registered(widget: Widget, kind: str, target: str) -> bool:
    """Whether the operator has a customer with this e-mail address or mobile number."""
    customers = Customer.objects.for_client(widget.client_id)
    if kind == EMAIL:
        return customers.filter(email__iexact=target).exists()
    return customers.filter(mobile_phone_number__in=_phone_variants(target)).exists()


def _digest(row_id: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"widgets.registration:{row_id}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def _send(widget: Widget, row: RegistrationCode, code: str) -> None:
    channel = self_service_settings(widget.client_id).reset_password_channel
    if channel != NotifyChannel.CONSOLE:
        channel = NotifyChannel.EMAIL if row.kind == EMAIL else NotifyChannel.SMS
    name = widget.client.name
    try:
        deliver(channel, to=row.target, subject=f"{name}: confirmation code",
                text=f"Your confirmation code for signing up with {name}: {code}\n"
                     "If you did not sign up, ignore this message.")
    except DeliveryFailed as exc:
        raise RegistrationRefused("not_sent", "The code could not be sent.") from exc


def _code_limited(request: HttpRequest, widget: Widget, target: str) -> bool:
    return limited(request, widget, "register-code", limit=CODES_PER_HOUR, window=3600, subject=target)


def _expiry(widget: Widget):
    minutes = self_service_settings(widget.client_id).code_ttl_minutes or 1
    return timezone.now() + timedelta(minutes=minutes)


def registration_start(request: HttpRequest, *, widget: Widget, kind: str, target: str,
                       firstname: str = "") -> RegistrationCode:
    """Send a code to `target` (an e-mail address or a mobile number, as `normal_contact` gives it) and
    keep the pending sign-up. Raises RegistrationRefused: already_registered, too_often, not_sent."""
    if already_registered(widget, kind, target):
        raise RegistrationRefused("already_registered")
    if _code_limited(request, widget, target):
        raise RegistrationRefused("too_often")
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    # Pending sign-ups dead for a day serve nothing: the operator's go with each new one.
    RegistrationCode.objects.for_client(widget.client_id).filter(expires_at__lt=now - timedelta(days=1)).delete()
    row = RegistrationCode(client_id=widget.client_id, widget=widget, kind=kind, target=target,
                           firstname=firstname[:100], sent_at=now, expires_at=_expiry(widget),
                           ip_address=client_ip(request))
    row.code_hash = _digest(row.public_id, code)
    with transaction.atomic():
        # Earlier pending sign-ups of this address stop working: only the last code sent counts.
        (RegistrationCode.objects.for_client(widget.client_id)
         .filter(widget=widget, target=target, used_at__isnull=True).update(used_at=now))
        row.save()
    try:
        _send(widget, row, code)
    except RegistrationRefused:
        RegistrationCode.objects.filter(pk=row.pk).delete()
        raise
    return row


def registration_resend(request: HttpRequest, *, widget: Widget, row: RegistrationCode) -> RegistrationCode:
    """A fresh code for the same pending sign-up (the old one stops working; tries start again).
    Raises RegistrationRefused: used, awaited, too_often, not_sent."""
    now = timezone.now()
    if row.used_at is not None:
        raise RegistrationRefused("used")
    if row.sent_at > now - timedelta(seconds=RESEND_SECONDS):
        raise RegistrationRefused("awaited")
    if _code_limited(request, widget, row.target):
        raise RegistrationRefused("too_often")
    code = f"{secrets.randbelow(10**6):06d}"
    updated = (RegistrationCode.objects.filter(pk=row.pk, used_at__isnull=True)
               .update(code_hash=_digest(row.public_id, code), attempts=0, sends=F("sends") + 1, sent_at=now,
                       expires_at=_expiry(widget)))
    if not updated:
        raise RegistrationRefused("used")
    row.refresh_from_db()
    _send(widget, row, code)
    return row


def _try(row: RegistrationCode, code: str) -> None:
    """Count one try on the row (under its lock, committed whatever the answer), then check the code."""
    with transaction.atomic():
        locked = RegistrationCode.objects.select_for_update().get(pk=row.pk)
        if locked.used_at is not None:
            raise RegistrationRefused("used")
        if locked.expires_at <= timezone.now():
            raise RegistrationRefused("expired")
        if locked.attempts >= MAX_TRIES:
            raise RegistrationRefused("spent")
        RegistrationCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    code = code.strip()
    if not (code.isascii() and code.isdigit() and len(code) == 6
            and hmac.compare_digest(locked.code_hash, _digest(locked.public_id, code))):
        raise RegistrationRefused("spent" if locked.attempts + 1 >= MAX_TRIES else "wrong_code")


def registration_confirm(*, widget: Widget, row: RegistrationCode, code: str,
                         password: str = "") -> tuple[Account, str]:
    """Check the code and create the customer and their first account (all or nothing). Returns the
    account and its plaintext password, to be shown once. Raises RegistrationRefused: used, expired,
    spent, wrong_code, already_registered."""
    _try(row, code)
    plain = password or generate_password(GENERATED_PASSWORD_LENGTH)
    with transaction.atomic():
        if not RegistrationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()):
            raise RegistrationRefused("used")  # a concurrent request used it first
        # The operator's row, locked: sign-ups of one operator take turns, so two of the same address
        # cannot both pass the check below (account_create locks this row for the next abonement anyway).
        Client.objects.select_for_update().filter(pk=widget.client_id).first()
        if already_registered(widget, row.kind, row.target):
            raise RegistrationRefused("already_registered")
        account, plain = subscriber_register(
            client=widget.client, mobile_phone_number=row.target if row.kind == PHONE else "",
            comment=f"Signed up through the website widget \"{widget.name}\"", password=plain)
        contacts = {"firstname": row.firstname} if row.firstname else {}
        if row.kind == EMAIL:
            contacts["email"] = row.target
        if contacts:
            customer_modify(customer=account.customer, **contacts)
    return account, plain
