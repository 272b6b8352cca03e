"""Concurrent duplicate notifications credit once (PostgreSQL: real row locks, real threads)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from billing.models import CustomerTransaction, TransactionSource
from payments import services
from payments.models import Payment, PaymentState
from tests.concurrency import run_parallel
from tests.payments.conftest import NOTIFY_PATH, pay_on_page

pytestmark = pytest.mark.postgres


def test_fifty_concurrent_duplicate_notifications_credit_once(payture, payture_merchant, client_obj, customer,
                                                              middleware_server):
    url = middleware_server + NOTIFY_PATH
    started = services.payment_start(client=client_obj, customer=customer, amount=Decimal("250.00"), ip="1.2.3.4")
    payture.notify_url = ""               # pay without the fake's own notification...
    pay_on_page(payture, started.redirect_url)
    form = payture.notification_form(started.payment.order_id)

    def deliver(_):                       # ...then 50 copies of it arrive at once
        return requests.post(url, data=form, timeout=60).status_code

    results, errors = run_parallel(50, deliver)
    assert errors == []
    assert results == [200] * 50
    customer.refresh_from_db()
    assert customer.balance == Decimal("250.00")
    rows = CustomerTransaction.objects.filter(source=TransactionSource.PAYMENT, ext_id=started.payment.order_id)
    assert rows.count() == 1
    payment = Payment.objects.get(pk=started.payment.pk)
    assert payment.state == PaymentState.SUCCEEDED and payment.transaction_id == rows.get().pk


def test_concurrent_refreshes_and_reconciliation_credit_once(payture, payture_merchant, client_obj, customer):
    started = services.payment_start(client=client_obj, customer=customer, amount=Decimal("10.00"), ip="1.2.3.4")
    payture.set_state(started.payment.order_id, "Charged")

    def refresh(i):
        if i % 5 == 0:
            from datetime import timedelta
            return services.payments_reconcile(older_than=timedelta(0))["checked"]
        return services.payment_refresh(payment=started.payment).state

    results, errors = run_parallel(20, refresh)
    assert errors == []
    customer.refresh_from_db()
    assert customer.balance == Decimal("10.00")
    assert CustomerTransaction.objects.filter(source=TransactionSource.PAYMENT).count() == 1
