"""Payment reads, scoped to one customer (and so to one operator)."""
from __future__ import annotations

from django.db.models import QuerySet

from tvmiddleware.models import Customer
from common.text import has_control

from .models import Payment


def payments_of_customer(*, customer: Customer) -> QuerySet[Payment]:
    """The customer's payments, newest first."""
    return (Payment.objects.for_client(customer.client_id).filter(customer=customer)
            .select_related("merchant").order_by("-pk"))


def payment_of_customer(*, customer: Customer, transaction_id: int, session_id: str = "") -> Payment | None:
    """One payment of the customer by its transaction_id (and session id when given), or None."""
    try:
        pk = int(transaction_id)
    except (TypeError, ValueError):
        return None
    payments = payments_of_customer(customer=customer).filter(pk=pk)
    if session_id:
        payments = payments.filter(session_id=session_id)
    return payments.first()


def payment_by_order(*, order_id: str) -> Payment | None:
    """The payment a gateway names by its order id (notifications carry no operator: order ids are
    unique across operators)."""
    if not order_id or len(order_id) > 64 or has_control(order_id):
        return None
    # Only what the view needs to route it: `payment_refresh` reads the payment itself.
    return Payment.objects.only("pk", "client_id", "merchant_type", "state").filter(order_id=order_id).first()
