"""A subscriber who forgot the password gets a new one (`account/reset_password`), in two steps:

1. the app sends the customer's e-mail or mobile number: a verification code is sent through the
   operator's channel (`SelfServiceSettings.reset_password_channel`: e-mail to the customer's
   address, SMS to the customer's mobile number, or the server's console);
2. the app sends it again with the code: every account of the customer gets a new password, sent
   through the same channel.

Attempts are counted atomically before anything is looked up or compared (`tvmiddleware.counters`),
per client address and per e-mail/number: past the limits requests are refused without a lookup.
A code is sent at most once a minute per customer; a code dies after a few wrong guesses.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tvmiddleware import counters
from tvmiddleware.models import Account, Client, CodePurpose, Customer, NotifyChannel, VerificationCode
from tvmiddleware.notify import DeliveryFailed, deliver
from tvmiddleware.selectors.self_service import self_service_settings
from common.errors import ServiceError

from .accounts import account_modify, generate_password
from .self_service import normal_phone
from .verification import CodeRefused, code_send, code_use, code_verify

RESEND_SECONDS = 60

__all__ = ["CodeRefused", "ResetOutcome", "ResetRefused", "password_reset"]


class ResetRefused(ServiceError):
    """`reason`: not_found, ambiguous, no_accounts, already_sent, send_failed, rate_limited."""

    code = "reset_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ResetOutcome:
    """`code_sent`: step 1 done (a code went out); else the passwords were replaced and sent."""

    code_sent: bool
    accounts: int = 0


def _limits() -> tuple[int, int, int]:
    """(requests per client address, per e-mail/number, window seconds)."""
    return (getattr(settings, "TVMIDDLEWARE_RESET_PASSWORD_PER_IP", 30),
            getattr(settings, "TVMIDDLEWARE_RESET_PASSWORD_PER_TARGET", 10),
            getattr(settings, "TVMIDDLEWARE_RESET_PASSWORD_WINDOW_SECONDS", 3600))


def _count(client: Client, ip: str | None, target: str) -> None:
    per_ip, per_target, window = _limits()
    keys = [(f"tvmw:reset:target:{client.pk}:{target[:254]}", per_target)]
    if ip:
        keys.append((f"tvmw:reset:ip:{client.pk}:{ip}", per_ip))
    hits = []
    for key, limit in keys:
        hit = counters.hit(key, window=window)
        hits.append(hit)
        if hit.count > limit:
            for taken in hits:
                counters.give_back(taken)
            raise ResetRefused("rate_limited", "Too many password reset requests; try again later.")


def _customer(client: Client, *, email: str, phone: str) -> Customer:
    customers = Customer.objects.for_client(client)
    found = list(customers.filter(email__iexact=email)[:2] if email else customers.filter(mobile_phone_number=phone)[:2])
    if not found:
        raise ResetRefused("not_found", "No subscriber has this e-mail or mobile number.")
    if len(found) > 1:
        raise ResetRefused("ambiguous", "Several subscribers have this e-mail or mobile number.")
    return found[0]


def _address(customer: Customer, channel: str, typed: str) -> str:
    if channel == NotifyChannel.EMAIL:
        return customer.email
    if channel == NotifyChannel.SMS:
        return customer.mobile_phone_number
    return typed  # the console shows what was typed


def password_reset(*, client: Client, email: str = "", mobile_phone_number: str = "", code: str = "",
                   ip: str | None = None) -> ResetOutcome:
    """Step 1 without `code`, step 2 with it (see the module). Raises `ResetRefused` and, for a wrong
    or expired code, `CodeRefused`."""
    email = email.strip().lower()
    phone = normal_phone(mobile_phone_number.strip()) if not email else ""
    target = email or phone
    _count(client, ip, target)
    customer = _customer(client, email=email, phone=phone)
    accounts = list(Account.objects.for_client(client).filter(customer=customer).order_by("id"))
    if not accounts:
        raise ResetRefused("no_accounts", "The subscriber has no accounts.")
    channel = self_service_settings(client).reset_password_channel
    address = _address(customer, channel, target)
    if not code:
        return _send_code(client, customer, target=target, channel=channel, address=address)
    verified = code_verify(client_id=client.pk, customer=customer, purpose=CodePurpose.RESET_PASSWORD,
                           target=target, code=code)
    with transaction.atomic():
        code_use(verified)
        lines = []
        for account in accounts:
            password = generate_password(max(getattr(settings, "ACCOUNT_PASSWORD_LENGTH", 4), 6))
            account_modify(account=account, password=password)
            lines.append(f"{account.abonement}: {password}")
        try:
            # Inside the transaction: passwords nobody received would lock the subscriber out.
            deliver(channel, to=address, subject="New password", text="Your new password\n" + "\n".join(lines))
        except DeliveryFailed as exc:
            raise ResetRefused("send_failed", exc.message) from exc
    return ResetOutcome(code_sent=False, accounts=len(accounts))


def _send_code(client: Client, customer: Customer, *, target: str, channel: str, address: str) -> ResetOutcome:
    recent = (VerificationCode.objects.for_client(client)
              .filter(customer=customer, purpose=CodePurpose.RESET_PASSWORD,
                      created_at__gt=timezone.now() - timedelta(seconds=RESEND_SECONDS)).exists())
    if recent:
        raise ResetRefused("already_sent", "A code was sent moments ago; type it in, or ask again in a minute.")
    try:
        code_send(client_id=client.pk, customer=customer, purpose=CodePurpose.RESET_PASSWORD, target=target,
                  channel=channel, address=address, subject="Password reset",
                  text="Your password reset code: {code}")
    except DeliveryFailed as exc:
        raise ResetRefused("send_failed", exc.message) from exc
    return ResetOutcome(code_sent=True)
