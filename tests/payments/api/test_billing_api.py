"""Billing API payment methods with the payments app answering through the core's provider seam:
customer/merchant_url, customer/payment/create, customer/payment/process, customer/saved_card/pay."""
import logging
from decimal import Decimal

import pytest

from billing.payment_gateway import provider, register_provider
from payments.models import Merchant, MerchantType, Payment, PaymentState, SavedCard
from tests import factories

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4111111111111111", "card_holder": "IVAN", "card_expire": "1230", "card_cvv": "987"}


def balance(customer) -> Decimal:
    customer.refresh_from_db()
    return customer.balance


@pytest.fixture
def no_provider():
    installed = provider()
    register_provider(None)
    yield
    register_provider(installed)


# --- no merchant configured: the documented "not configured" answers --------------------------------------

def test_not_configured_answers(billing_api, subscriber):
    customer, account = subscriber.customer, subscriber.account
    body = billing_api.json("customer/merchant_url/", customer_id=customer.pk, amount="10")
    assert body["error"] == 723 and "gateway" in body["error_message"]
    assert billing_api.json("customer/merchant_url/", customer_id=customer.pk, amount="10",
                            merchant_type="payture")["error"] == 3  # no such merchant
    assert billing_api.json("customer/payment/create/", customer_id=customer.pk, amount="10")["error"] == 723
    assert billing_api.json("customer/payment/process/", customer_id=customer.pk, payment_id="1",
                            **CARD)["error"] == 1
    assert billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount="10")["error"] == 3


def test_no_provider_installed(billing_api, subscriber, no_provider):
    customer, account = subscriber.customer, subscriber.account
    assert billing_api.json("customer/merchant_url/", customer_id=customer.pk, amount="10")["error"] == 723
    assert billing_api.json("customer/payment/create/", customer_id=customer.pk, amount="10")["error"] == 723
    body = billing_api.json("customer/payment/process/", customer_id=customer.pk, payment_id="1", **CARD)
    assert body["error"] == 1 and "configured" in body["error_message"]
    assert billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount="10")["error"] == 3


# --- a configured null merchant -----------------------------------------------------------------------------

def test_merchant_url(billing_api, subscriber, null_merchant):
    before = balance(subscriber.customer)
    body = billing_api.json("customer/merchant_url/", ext_id="C-1", amount="25.00")
    assert body == {"url": "https://operator.example/paid", "merchant_name": "Demo pay", "error": 0,
                    "error_message": ""}
    payment = Payment.objects.get(customer=subscriber.customer)
    assert payment.source == "billing_api" and payment.state == PaymentState.SUCCEEDED
    assert balance(subscriber.customer) == before + Decimal("25.00")
    assert billing_api.json("customer/merchant_url/", ext_id="C-1", amount="2000000")["error"] == 2
    assert billing_api.json("customer/merchant_url/", ext_id="nope", amount="1")["error"] == 1


def test_payment_create(billing_api, subscriber, null_merchant):
    body = billing_api.json("customer/payment/create/", customer_id=subscriber.customer.pk, amount="10.00",
                            merchant_type="null")
    assert body["error"] == 0
    payment = Payment.objects.get(customer=subscriber.customer)
    assert body["payments"] == {"payment_id": payment.order_id, "transaction_id": str(payment.pk),
                                "session_id": payment.session_id, "redirect_url": "https://operator.example/paid"}
    assert billing_api.json("customer/payment/create/", customer_id=subscriber.customer.pk, amount="10",
                            merchant_type="payture")["error"] == 723
    assert billing_api.json("customer/payment/create/", customer_id=subscriber.customer.pk,
                            amount="2000000")["error"] == 4  # refused by the payments app: bad parameters


def test_payment_create_for_another_operators_customer(billing_api, subscriber, null_merchant):
    foreign = factories.CustomerFactory(ext_id="F-1")
    assert billing_api.json("customer/payment/create/", customer_id=foreign.pk, amount="10")["error"] == 100
    assert billing_api.json("customer/payment/create/", ext_id="F-1", amount="10")["error"] == 100
    assert not Payment.objects.exists()


def test_payment_process_refuses_card_data(billing_api, subscriber, null_merchant, caplog):
    caplog.set_level(logging.DEBUG)
    body = billing_api.json("customer/payment/process/", customer_id=subscriber.customer.pk, payment_id="P",
                            **CARD)
    assert body["error"] == 1 and "payment page" in body["error_message"]
    body = billing_api.json("customer/payment/process/", customer_id=subscriber.customer.pk, payment_id="P")
    assert body["error"] == 4 and "card_number" in body["error_fields"]
    assert CARD["card_number"] not in caplog.text and CARD["card_cvv"] not in str(body)


def test_saved_card_pay(billing_api, subscriber, null_merchant):
    account = subscriber.account
    body = billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount="5")
    assert body["error"] == 2 and "card" in body["error_message"].lower()  # no saved card
    card = SavedCard.objects.create(client=subscriber.client, customer=subscriber.customer, merchant=null_merchant,
                                    card_id="c-1", masked_number="411111xxxxxx1111")
    before = balance(subscriber.customer)
    body = billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount="5.50")
    assert body["error"] == 0
    payment = Payment.objects.get(pk=int(body["transaction_id"]))
    assert payment.saved_card == card and payment.account == account and payment.source == "billing_api"
    assert balance(subscriber.customer) == before + Decimal("5.50")
    card.expires_month, card.expires_year = 1, 2001
    card.save()
    assert billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount="5")["error"] == 3
    foreign = factories.AccountFactory()
    assert billing_api.json("customer/saved_card/pay/", abonement=foreign.abonement, amount="5")["error"] == 1


def test_payment_gateway_refusal_codes(billing_api, subscriber):
    """An unreachable Payture host: the external-gateway error reaches each method as documented."""
    Merchant.objects.create(client=subscriber.client, merchant_type=MerchantType.PAYTURE, name="Payture",
                            is_default=True, api_host="http://127.0.0.1:9", pay_key="K", timeout=1)
    assert billing_api.json("customer/payment/create/", customer_id=subscriber.customer.pk,
                            amount="10")["error"] == 3
    assert billing_api.json("customer/merchant_url/", customer_id=subscriber.customer.pk, amount="10")["error"] == 4
