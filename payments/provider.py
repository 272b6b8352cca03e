"""The payments app as the core's `billing.payment_gateway.PaymentProvider` (registered in `ready()`)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.payment_gateway import GatewayRefusal

from . import services
from .models import PaymentState
from .selectors import payment_of_customer, payments_of_customer


class PaymentsProvider:
    """What the core's Billing API and `check_accounts` ask of the payments app."""

    def merchant_url(self, *, client, customer, amount: Decimal, merchant_type: str = "", return_url: str = "",
                     ip: str = "") -> tuple[str, str]:
        started = services.payment_start(client=client, customer=customer, amount=amount,
                                         merchant_type=merchant_type, return_url=return_url, ip=ip,
                                         source="billing_api")
        return started.redirect_url, started.payment.merchant.name

    def payment_create(self, *, client, customer, amount: Decimal, merchant_type: str = "", account=None,
                       return_url: str = "", ip: str = "", source: str = "billing_api") -> dict[str, Any]:
        started = services.payment_start(client=client, customer=customer, amount=amount,
                                         merchant_type=merchant_type, account=account, return_url=return_url,
                                         ip=ip, source=source)
        payment = started.payment
        return {"payment_id": payment.order_id, "transaction_id": payment.pk, "session_id": started.session_id,
                "redirect_url": started.redirect_url, "form_data": started.form_data, "state": payment.state}

    def saved_card_pay(self, *, client, customer, amount: Decimal, account=None, card_id: str = "",
                       source: str = "billing_api") -> dict[str, Any]:
        payment = services.saved_card_pay(client=client, customer=customer, amount=amount, account=account,
                                          card_id=card_id, source=source)
        return {"payment_id": payment.order_id, "transaction_id": payment.pk, "state": payment.state}

    def autopay(self, *, client, customer, amount: Decimal, key: str) -> bool:
        return services.autopay(client=client, customer=customer, amount=amount, key=key)

    def pending_payment(self, *, customer) -> dict[str, Any] | None:
        """The customer's newest payment still awaiting the gateway (shown as `payment_info`)."""
        payment = (payments_of_customer(customer=customer)
                   .filter(state__in=(PaymentState.CREATED, PaymentState.PENDING)).first())
        return {"transaction_id": payment.pk, "amount": payment.amount} if payment else None

    def invoice_complete(self, *, customer, invoice_id: str) -> str:
        """Finish an invoice of the customer (`invoice_id`: the payment's transaction_id): ask the
        gateway what became of it and credit it once (`payment_refresh`). Returns "paid", "pending"
        or "failed"; raises `GatewayRefusal` (4 no such invoice of the customer, 3 the gateway
        could not be asked)."""
        payment = payment_of_customer(customer=customer, transaction_id=invoice_id)
        if payment is None:
            raise GatewayRefusal(4, "No such invoice of the customer.")
        payment = services.payment_refresh(payment=payment)
        if payment.state in (PaymentState.SUCCEEDED, PaymentState.REFUNDED):
            return "paid"
        return "failed" if payment.state == PaymentState.FAILED else "pending"
