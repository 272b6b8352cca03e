"""The Payture notification endpoint: a trigger only; forged or replayed notifications credit nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import CustomerTransaction
from payments import services
from payments.models import PaymentState
from tests.payments.conftest import NOTIFY_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(payture, payture_merchant, client_obj, customer):
    return services.payment_start(client=client_obj, customer=customer, amount=Decimal("99.90"), ip="1.2.3.4")


def notify(client, **form):
    return client.post(NOTIFY_PATH, form)


def success_form(payment, **extra):
    return {"Notification": "EngineChargeSuccess", "OrderId": payment.order_id, "Success": "True",
            "Amount": str(int(payment.amount * 100)), "ErrCode": "NONE", **extra}


def balance(customer):
    customer.refresh_from_db()
    return customer.balance


def test_forged_success_for_an_unpaid_order_credits_nothing(client, payture, started, customer):
    """PayStatus still says the order is not paid (ErrCode NONE): the forged "success" is ignored."""
    response = notify(client, **success_form(started.payment))
    assert response.status_code == 200 and response.content == b"OK"
    started.payment.refresh_from_db()
    assert started.payment.state == PaymentState.PENDING
    assert balance(customer) == 0
    assert payture.requests["/apim/PayStatus"] == 1


def test_forged_success_for_an_unknown_order_is_rejected(client, payture, started, customer):
    response = notify(client, **success_form(started.payment, OrderId="not-an-order"))
    assert response.status_code == 404 and response.content == b"UNKNOWN_ORDER"
    assert payture.requests["/apim/PayStatus"] == 0
    assert balance(customer) == 0


def test_amount_mismatch_between_paystatus_and_the_payment_credits_nothing(client, payture, started, customer):
    payture.orders[started.payment.order_id].amount = 1   # Payture charged 0.01, the payment is for 99.90
    payture.set_state(started.payment.order_id, "Charged")
    response = notify(client, **success_form(started.payment))
    assert response.status_code == 200
    started.payment.refresh_from_db()
    assert started.payment.state == PaymentState.FAILED and started.payment.error_code == "amount_mismatch"
    assert balance(customer) == 0
    assert not CustomerTransaction.objects.exists()


def test_rejected_at_paystatus_credits_nothing(client, payture, started, customer):
    payture.set_state(started.payment.order_id, "Rejected", "ISSUER_FAIL")
    assert notify(client, **success_form(started.payment)).status_code == 200
    started.payment.refresh_from_db()
    assert started.payment.state == PaymentState.FAILED and started.payment.error_code == "ISSUER_FAIL"
    assert balance(customer) == 0


def test_replays_and_a_late_fail_after_success_change_nothing(client, payture, started, customer):
    payture.set_state(started.payment.order_id, "Charged")
    for _ in range(3):
        assert notify(client, **success_form(started.payment)).status_code == 200
    assert balance(customer) == Decimal("99.90")
    assert payture.requests["/apim/PayStatus"] == 1   # a settled payment is not asked about again
    # A late "fail" notification, and even a PayStatus that now says Rejected, undo nothing.
    payture.set_state(started.payment.order_id, "Rejected", "ISSUER_FAIL")
    assert notify(client, Notification="EngineChargeFail", OrderId=started.payment.order_id, Success="False",
                  ErrCode="ISSUER_FAIL").status_code == 200
    started.payment.refresh_from_db()
    assert started.payment.state == PaymentState.SUCCEEDED
    assert balance(customer) == Decimal("99.90")
    assert CustomerTransaction.objects.count() == 1


def test_gateway_down_answers_retry_and_changes_nothing(client, payture, started, customer):
    payture.set_state(started.payment.order_id, "Charged")
    payture.down = True
    response = notify(client, **success_form(started.payment))
    assert response.status_code == 503 and response.content == b"RETRY"
    assert balance(customer) == 0
    payture.down = False
    assert notify(client, **success_form(started.payment)).status_code == 200
    assert balance(customer) == Decimal("99.90")


def test_garbage_answer_and_merchant_refusal_change_nothing(client, payture, started, customer):
    payture.set_state(started.payment.order_id, "Charged")
    payture.garbage = True
    assert notify(client, **success_form(started.payment)).status_code == 503
    payture.garbage = False
    payture.fail_next["PayStatus"] = "ACCESS_DENIED"
    assert notify(client, **success_form(started.payment)).status_code == 503
    started.payment.refresh_from_db()
    assert started.payment.state == PaymentState.PENDING and balance(customer) == 0


def test_null_gateway_orders_are_not_payture_orders(client, null_merchant, client_obj, customer):
    started = services.payment_start(client=client_obj, customer=customer, amount=Decimal("5"), merchant_type="null")
    assert notify(client, **success_form(started.payment)).status_code == 404
    assert balance(customer) == Decimal("5.00")
