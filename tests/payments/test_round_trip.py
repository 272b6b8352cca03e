"""A payment from start to balance through the fake Payture and a real HTTP notification."""
from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from billing.models import CustomerTransaction, TransactionSource
from payments import services
from payments.models import Payment, PaymentState
from tests.payments.conftest import NOTIFY_PATH, pay_on_page
from tests.payments.fakes import DECLINED_CARD, THREE_DS_CARD, parse_data


@pytest.fixture
def live_payture(payture, payture_merchant, live_server):
    payture.notify_url = live_server.url + NOTIFY_PATH
    return payture


def test_payment_round_trip_through_the_fake_to_the_balance(live_payture, client_obj, customer):
    started = services.payment_start(client=client_obj, customer=customer, amount=Decimal("150.50"),
                                     merchant_type="payture", return_url="https://app.example/back?x=1;y=2",
                                     ip="10.0.0.7")
    payment = started.payment
    assert payment.state == PaymentState.PENDING
    assert started.redirect_url == f"{live_payture.host}/apim/Pay?SessionId={started.session_id}"
    order = live_payture.orders[payment.order_id]
    assert order.amount == 15050 and order.ip == "10.0.0.7" and order.template == "tvmw"
    assert order.url == "https://app.example/back?x=1;y=2"   # the ';' survived the Data encoding

    response = pay_on_page(live_payture, started.redirect_url)
    assert response.status_code == 200
    assert live_payture.notifications == [(payment.order_id, 200, "OK")]

    payment.refresh_from_db()
    customer.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED and payment.gateway_state == "Charged"
    assert customer.balance == Decimal("150.50")
    row = CustomerTransaction.objects.get(pk=payment.transaction_id)
    assert (row.source, row.ext_id, row.amount) == (TransactionSource.PAYMENT, payment.order_id, Decimal("150.50"))
    # PayStatus was asked before crediting: the notification alone is not trusted.
    assert live_payture.requests["/apim/PayStatus"] == 1

    # Payture retries the same notification: nothing more is credited, and the answer is still OK.
    assert live_payture.notify(payment.order_id) == 200
    customer.refresh_from_db()
    assert customer.balance == Decimal("150.50")
    assert CustomerTransaction.objects.filter(source=TransactionSource.PAYMENT).count() == 1


def test_declined_card_marks_the_payment_failed_and_credits_nothing(live_payture, client_obj, customer):
    started = services.payment_start(client=client_obj, customer=customer, amount=Decimal("10"), ip="1.2.3.4")
    pay_on_page(live_payture, started.redirect_url, card=DECLINED_CARD)
    payment = Payment.objects.get(pk=started.payment.pk)
    customer.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.error_code == "AMOUNT_EXCEED"
    assert customer.balance == 0
    assert live_payture.notifications[-1][1] == 200


def test_three_ds_pending_then_reconciled_after_a_lost_notification(live_payture, client_obj, customer):
    started = services.payment_start(client=client_obj, customer=customer, amount=Decimal("20"), ip="1.2.3.4")
    pay_on_page(live_payture, started.redirect_url, card=THREE_DS_CARD)
    assert live_payture.notifications == []            # undecided: Payture sends nothing yet
    payment = services.payment_refresh(payment=started.payment)
    assert payment.state == PaymentState.PENDING       # ErrCode="NONE" is pending
    live_payture.set_state(payment.order_id, "Charged")  # 3DS completed; the notification is lost
    payment = services.payment_refresh(payment=payment)
    customer.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED and customer.balance == Decimal("20.00")


def test_the_notify_endpoint_accepts_post_only_and_never_answers_500(live_payture):
    url = live_payture.notify_url
    assert requests.get(url, timeout=5).status_code == 405
    assert requests.post(url, data={}, timeout=5).status_code == 400
    assert requests.post(url, data={"OrderId": "x" * 500}, timeout=5).status_code == 404


def test_init_data_is_one_url_encoded_string(payture, payture_merchant, client_obj, customer):
    """What the fake checks is what Payture checks: Key and a whole Data string."""
    started = services.payment_start(client=client_obj, customer=customer, amount=Decimal("1.00"), ip="1.1.1.1")
    order = payture.orders[started.payment.order_id]
    assert parse_data(f"SessionType=Pay;OrderId={order.order_id};Amount=100")["Amount"] == "100"
    assert order.amount == 100 and order.key == payture.pay_key
