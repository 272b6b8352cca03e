"""A subscriber asks for the statement of their account (`customer/billing_details_notify`): the
ledger rows of the last days, sent by e-mail.

An address no other customer of the operator uses is recorded as the customer's when they have none
yet; an address of another customer is refused (the statement would go to someone else's mailbox).
At most `STATEMENTS_PER_HOUR` per customer: the method sends mail to an address it is given.
"""
from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from tvmiddleware import counters
from tvmiddleware.models import Customer, NotifyChannel
from tvmiddleware.notify import DeliveryFailed, deliver
from tvmiddleware.services import customer_modify
from common.errors import Conflict, Invalid, LimitReached, NotFound, ServiceError

from .models import CustomerTransaction

STATEMENTS_PER_HOUR = 5
MAX_ROWS = 1000
MAX_DAYS = 3660

__all__ = ["EmailTaken", "NothingToSend", "StatementNotSent", "statement_send"]


class EmailTaken(Conflict):
    code = "email_taken"


class NothingToSend(NotFound):
    code = "no_transactions"


class StatementNotSent(ServiceError):
    code = "statement_not_sent"


def statement_send(*, customer: Customer, email: str, days: int) -> int:
    """Mail the customer's ledger rows of the last `days` days (newest first, at most `MAX_ROWS`) to
    `email`; returns how many rows went. Raises `Invalid`, `EmailTaken`, `NothingToSend`,
    `LimitReached`, `StatementNotSent`."""
    email = email.strip()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise Invalid("email is not a valid address.", fields={"email": "invalid"}) from None
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"period must be 1 to {MAX_DAYS} days.", fields={"period": "invalid"})
    if (Customer.objects.for_client(customer.client_id).filter(email__iexact=email)
            .exclude(pk=customer.pk).exists()):
        raise EmailTaken("This e-mail address belongs to another subscriber.")
    since = timezone.now() - timedelta(days=days)
    rows = list(CustomerTransaction.objects.for_client(customer.client_id)
                .filter(customer_id=customer.pk, created_at__gte=since).order_by("-id")[:MAX_ROWS])
    if not rows:
        raise NothingToSend("No transactions in this period.")
    hit = counters.hit(f"billing:statements:{customer.pk}", window=3600)
    if hit.count > STATEMENTS_PER_HOUR:
        counters.give_back(hit)
        raise LimitReached("Too many statements requested; try again later.")
    currency = customer.client.currency
    lines = [f"{timezone.localtime(row.created_at):%d.%m.%Y %H:%M}  {row.amount:>12} {currency}  "
             f"{row.comment or row.get_source_display()}" for row in rows]
    text = (f"Statement of the last {days} days\n\n" + "\n".join(lines)
            + f"\n\nBalance: {customer.balance} {currency}\n")
    try:
        deliver(NotifyChannel.EMAIL, to=email, subject="Statement of your account", text=text)
    except DeliveryFailed as exc:
        counters.give_back(hit)
        raise StatementNotSent(exc.message) from exc
    if not customer.email:
        customer_modify(customer=customer, email=email)
    return len(rows)
