"""The device API against the fake Payture (a real HTTP server on loopback, tests/payments/fakes.py):
payment/create → the hosted payment page → Payture's notification to the middleware (real HTTP) →
the balance, and what payment/complete, payment/list, payment/qrcode and the saved-card methods
say along the way."""
from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import TransactionSource
from payments.models import Merchant, MerchantType, Payment, PaymentState, RememberCard, SavedCard
from tests.payments.conftest import NOTIFY_PATH, pay_on_page
from tests.payments.fakes import ADD_KEY, DECLINED_CARD, PASSWORD, PAY_KEY, SUCCESS_CARD, THREE_DS_CARD


@pytest.fixture
def payture_operator(payture, subscriber, live_server):
    """The subscriber's operator takes payments through the fake Payture, which notifies the live server."""
    payture.notify_url = live_server.url + NOTIFY_PATH
    Merchant.objects.create(
        client=subscriber.client, merchant_type=MerchantType.PAYTURE, name="Card (Payture)", is_default=True,
        api_host=payture.host, pay_key=PAY_KEY, add_key=ADD_KEY, password=PASSWORD, template_tag="tvmw",
        remember_card=RememberCard.ON_REQUEST, timeout=5)
    return payture


def balance(subscriber) -> Decimal:
    subscriber.customer.refresh_from_db()
    return subscriber.customer.balance


def complete(api, body) -> dict:
    return api.json("payment/complete/", post=True, transaction_id=body["transaction_id"],
                    session_id=body["session_id"], merchant_type="payture")


def test_payment_from_the_app_to_the_balance(logged_in, subscriber, payture_operator):
    before = balance(subscriber)
    body = logged_in.json("payment/create/", post=True, amount="150.50", merchant_type="payture",
                          return_url="https://app.example/back")
    assert body["error"] == 0
    assert body["redirect_url"] == f"{payture_operator.host}/apim/Pay?SessionId={body['session_id']}"
    order = payture_operator.orders[body["payment_id"]]
    assert order.amount == 15050 and order.url == "https://app.example/back" and order.ip == "127.0.0.1"

    # the subscriber has not paid yet: the check at Payture says pending
    assert complete(logged_in, body) == {"error": 0, "error_message": "", "status": 0}
    assert balance(subscriber) == before

    pay_on_page(payture_operator, body["redirect_url"], card=SUCCESS_CARD)
    assert payture_operator.notifications == [(body["payment_id"], 200, "OK")]
    assert balance(subscriber) == before + Decimal("150.50")  # credited by the notification

    done = complete(logged_in, body)
    assert done["error"] == 3 and done["status"] == 1  # already processed (by the notification)
    assert balance(subscriber) == before + Decimal("150.50")
    row = logged_in.json("payment/list/", limit=1)["payments"][0]
    assert row["transaction_id"] == body["transaction_id"] and row["amount"] == 150.5
    assert row["source"] == TransactionSource.PAYMENT


def test_declined_and_three_ds_payments(logged_in, subscriber, payture_operator):
    before = balance(subscriber)
    declined = logged_in.json("payment/create/", post=True, amount="10")
    pay_on_page(payture_operator, declined["redirect_url"], card=DECLINED_CARD)
    assert complete(logged_in, declined) == {"error": 0, "error_message": "", "status": 2}

    pending = logged_in.json("payment/create/", post=True, amount="20")
    pay_on_page(payture_operator, pending["redirect_url"], card=THREE_DS_CARD)
    assert complete(logged_in, pending)["status"] == 0
    # 3-D Secure completes but the notification is lost: payment/complete finds out and credits once
    payture_operator.set_state(pending["payment_id"], "Charged")
    assert complete(logged_in, pending) == {"error": 0, "error_message": "", "status": 1}
    assert complete(logged_in, pending)["error"] == 3
    assert balance(subscriber) == before + Decimal("20.00")


def test_gateway_down_answers_gateway_error(logged_in, subscriber, payture_operator):
    body = logged_in.json("payment/create/", post=True, amount="10")
    payture_operator.down = True
    answer = complete(logged_in, body)
    assert answer["error"] == 2 and answer["status"] == 0
    assert logged_in.json("payment/create/", post=True, amount="10")["error"] == 3  # external gateway error
    payture_operator.down = False
    payture_operator.fail_next["Init"] = "ACCESS_DENIED"
    refused = logged_in.json("payment/create/", post=True, amount="10")
    assert refused["error"] == 2 and refused["error_message"]  # the gateway refused the merchant's own call


def test_qrcode_leads_to_the_payment_page(logged_in, subscriber, payture_operator, client):
    body = logged_in.json("payment/qrcode/", amount="40")
    payment = Payment.objects.get(pk=body["transaction_id"])
    assert body["direct_url"] == payment.redirect_url and body["direct_url"].startswith(payture_operator.host)
    image = client.get(body["saved_qrcode_url"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    pay_on_page(payture_operator, body["direct_url"])  # the phone pays
    assert balance(subscriber) >= Decimal("40.00")


def test_saved_card_autopayment_and_one_click(logged_in, subscriber, payture_operator):
    """Paying with autopayment_enable=1 binds the card in the subscriber's Payture wallet; then the
    app lists it, pays with it without the page, and deletes it."""
    body = logged_in.json("payment/create/", post=True, amount="30", autopayment_enable=1)
    assert "/vwapi/" in body["redirect_url"]
    pay_on_page(payture_operator, body["redirect_url"])
    cards = logged_in.json("payment/saved_card/list/", post=True)["cards"]
    assert len(cards) == 1 and cards[0]["number"] == "411111xxxxxx1111" and cards[0]["for_autopayment"] == 1
    subscriber.customer.refresh_from_db()
    assert subscriber.customer.autopayment_enabled

    before = balance(subscriber)
    paid = logged_in.json("payment/saved_card/pay/", post=True, card_id=cards[0]["id"], amount="12")
    assert paid["error"] == 0 and paid["status"] == 1
    assert balance(subscriber) == before + Decimal("12.00")

    assert logged_in.json("customer/autopayment/", post=True, enabled=0)["error"] == 0
    assert logged_in.json("payment/saved_card/delete/", post=True, card_id=cards[0]["id"])["error"] == 0
    assert not SavedCard.objects.filter(customer=subscriber.customer).exists()
    wallet_cards = [c for w in payture_operator.wallets.values() for c in w.cards.values() if c.active]
    assert wallet_cards == []  # removed at Payture too
    assert logged_in.json("payment/saved_card/pay/", post=True, amount="12")["error"] == 4  # no card left
    assert Payment.objects.filter(customer=subscriber.customer, state=PaymentState.SUCCEEDED).count() == 2
