"""The payments app as the core's `billing.payment_gateway.PaymentProvider` (registered in `ready()`)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.payment_gateway import GatewayRefusal
from common.text import has_control
from tvmiddleware.services.actions import record

from . import services
from .gateways.base import gateway_class
from .models import Merchant, Payment, PaymentState
from .selectors import payment_of_customer, payments_of_customer

_ORDER_STATES = {PaymentState.CREATED: "pending", PaymentState.PENDING: "pending", PaymentState.SUCCEEDED: "paid",
                 PaymentState.FAILED: "failed", PaymentState.REFUNDED: "refunded"}


def _initial(customer) -> str:
    """What a payer may see of whom they pay for: the first name's initial ("A."), else nothing."""
    name = (customer.firstname or "").strip()
    return f"{name[0].upper()}." if name else ""


def _order_payment(client, order_id: str) -> Payment | None:
    """The operator's payment with this order id whose customer still exists (else None)."""
    if not isinstance(order_id, str) or not 0 < len(order_id) <= 64 or has_control(order_id):
        return None
    return (Payment.objects.for_client(client).select_related("customer", "merchant", "account")
            .filter(order_id=order_id, customer__isnull=False).first())


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

    def payment_methods(self, *, client) -> list[dict[str, Any]]:
        """The operator's enabled merchants whose gateway is installed, the default one first."""
        merchants = [m for m in Merchant.objects.for_client(client).filter(enabled=True).order_by("-is_default", "pk")
                     if gateway_class(m.merchant_type) is not None]
        try:
            default = services.merchant_for(client=client).pk
        except GatewayRefusal:
            default = None
        return [{"merchant_type": m.merchant_type, "name": m.name, "default": m.pk == default} for m in merchants]

    def payment_for_order(self, *, client, order_id: str) -> dict[str, Any] | None:
        payment = _order_payment(client, order_id)
        if payment is None:
            return None
        return {"order_id": payment.order_id, "transaction_id": payment.pk, "amount": payment.amount,
                "state": _ORDER_STATES[payment.state], "customer_id": payment.customer_id,
                "customer_initial": _initial(payment.customer), "merchant_type": payment.merchant_type}

    def payment_resume(self, *, client, order_id: str, return_url: str = "", ip: str = "",
                       source: str = "widget") -> dict[str, Any]:
        payment = _order_payment(client, order_id)
        if payment is None:
            raise GatewayRefusal(4, "No such payment.")
        if payment.state in (PaymentState.CREATED, PaymentState.PENDING):
            payment = services.payment_refresh(payment=payment)  # settled meanwhile: credited once here
            if payment.state == PaymentState.PENDING and payment.redirect_url:
                record("payment_resumed", customer=payment.customer, account=payment.account,
                       payment_id=payment.pk, amount=str(payment.amount), merchant=payment.merchant_type)
                return {"payment_id": payment.order_id, "transaction_id": payment.pk,
                        "session_id": payment.session_id, "redirect_url": payment.redirect_url, "form_data": {},
                        "state": payment.state}
        if payment.state in (PaymentState.SUCCEEDED, PaymentState.REFUNDED):
            return {"payment_id": payment.order_id, "transaction_id": payment.pk, "session_id": payment.session_id,
                    "redirect_url": "", "form_data": {}, "state": payment.state}
        # Failed (or never reached its gateway's page): the same payment again, as a new one.
        return self.payment_create(client=client, customer=payment.customer, amount=payment.amount,
                                   merchant_type=payment.merchant_type, account=payment.account,
                                   return_url=return_url, ip=ip, source=source)
