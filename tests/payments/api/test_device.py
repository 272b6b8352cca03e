"""Device API, Payment group (and customer/autopayment) against the null gateway: fields, codes,
authentication, bad input and tenant isolation."""
import logging
import re
import smtplib
from decimal import Decimal

import pytest
import segno
from django.core import mail

from billing.models import CustomerTransaction, TransactionSource
from billing.payment_gateway import provider, register_provider
from payments.models import Merchant, MerchantType, Payment, PaymentState, SavedCard
from tests import factories

pytestmark = pytest.mark.django_db

PAYMENT_METHODS = [
    "payment/create/", "payment/complete/", "payment/merchant_url/", "payment/list/", "payment/process/",
    "payment/preauth/", "payment/pares/process/", "payment/saved_card/list/", "payment/saved_card/delete/",
    "payment/saved_card/pay/", "payment/cheque/", "payment/qrcode/", "customer/autopayment/",
]
CARD = {"card_number": "4111111111111111", "card_holder": "IVAN PETROV", "card_expire": "1230", "card_cvv": "987"}
BROWSER = {"color_depth": 24, "screen_height": 1080, "screen_width": 1920, "window_height": 900,
           "window_width": 1600, "lang": "ru-RU", "timezone": -180, "java_enabled": 0}


def balance(subscriber) -> Decimal:
    subscriber.customer.refresh_from_db()
    return subscriber.customer.balance


def pay(api, amount="50.00", **params) -> dict:
    body = api.json("payment/create/", post=True, amount=amount, **params)
    assert body["error"] == 0, body
    return body


# --- authentication --------------------------------------------------------------------------------

@pytest.mark.parametrize("method", PAYMENT_METHODS)
def test_every_method_needs_a_session(api, null_merchant, method):
    for post in (False, True):
        body = api.json(method, post=post, amount="10", transaction_id=1, session_id="x", enabled=1, **CARD)
        assert body["error"] == 403, (method, body)
    api.login()
    foreign = factories.ClientFactory()
    assert api.json(method, post=True, client_id=foreign.pk)["error"] == 403  # a session of another operator


# --- payment/create, payment/complete, payment/list: the null gateway's round trip --------------------

def test_null_round_trip(logged_in, subscriber, null_merchant):
    before = balance(subscriber)
    body = pay(logged_in, "50.00")
    assert set(body) == {"payment_id", "transaction_id", "session_id", "redirect_url", "form_data", "error",
                         "error_message"}
    payment = Payment.objects.get(pk=body["transaction_id"])
    assert body["payment_id"] == payment.order_id and body["session_id"] == payment.session_id != ""
    assert body["redirect_url"] == "https://operator.example/paid" and body["form_data"] == {}
    assert payment.customer == subscriber.customer and payment.account == subscriber.account
    assert payment.state == PaymentState.SUCCEEDED and payment.source == "device_api"
    assert balance(subscriber) == before + Decimal("50.00")

    rows = logged_in.json("payment/list/")["payments"]
    assert rows[0]["transaction_id"] == payment.pk and rows[0]["amount"] == 50.0
    assert rows[0]["id"] == payment.transaction.pk and rows[0]["source"] == TransactionSource.PAYMENT
    assert isinstance(rows[0]["datetime"], int) and rows[0]["comment"]

    # already credited (by the start itself): "already processed", with the status to show
    done = logged_in.json("payment/complete/", post=True, transaction_id=payment.pk, session_id=body["session_id"])
    assert done == {"error": 3, "error_message": done["error_message"], "status": 1}
    assert balance(subscriber) == before + Decimal("50.00")


def test_complete_checks_an_open_payment_and_credits_once(logged_in, subscriber, null_merchant):
    payment = Payment.objects.create(client=subscriber.client, customer=subscriber.customer, merchant=null_merchant,
                                     merchant_type=MerchantType.NULL, amount=Decimal("20.00"),
                                     state=PaymentState.PENDING, session_id="S-1")
    before = balance(subscriber)
    body = logged_in.json("payment/complete/", post=True, transaction_id=payment.pk, session_id="S-1")
    assert body == {"error": 0, "error_message": "", "status": 1}
    assert balance(subscriber) == before + Decimal("20.00")
    again = logged_in.json("payment/complete/", post=True, transaction_id=payment.pk, session_id="S-1")
    assert again["error"] == 3 and again["status"] == 1
    assert balance(subscriber) == before + Decimal("20.00")


def test_complete_reports_an_unreachable_gateway(logged_in, subscriber):
    payture = Merchant.objects.create(client=subscriber.client, merchant_type=MerchantType.PAYTURE, name="Payture",
                                      is_default=True, api_host="http://127.0.0.1:9", pay_key="K", timeout=1)
    payment = Payment.objects.create(client=subscriber.client, customer=subscriber.customer, merchant=payture,
                                     merchant_type=MerchantType.PAYTURE, amount=Decimal("5.00"),
                                     state=PaymentState.PENDING, session_id="S-2")
    body = logged_in.json("payment/complete/", post=True, transaction_id=payment.pk, session_id="S-2")
    assert body["error"] == 2 and body["status"] == 0
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING


def test_complete_not_found(logged_in, subscriber, null_merchant, other_operator_payment):
    own = Payment.objects.get(pk=pay(logged_in)["transaction_id"])
    other_customer = factories.CustomerFactory(client=subscriber.client)
    neighbour = Payment.objects.create(client=subscriber.client, customer=other_customer, merchant=null_merchant,
                                       merchant_type=MerchantType.NULL, amount=Decimal("1.00"), session_id="N")
    cases = [
        {"transaction_id": own.pk, "session_id": "wrong"},
        {"transaction_id": neighbour.pk, "session_id": "N"},  # another subscriber of the operator
        {"transaction_id": other_operator_payment.pk, "session_id": other_operator_payment.session_id},
        {"transaction_id": 999999, "session_id": "x"},
        {"transaction_id": "abc", "session_id": "x"},
        {"transaction_id": own.pk},
        {"session_id": own.session_id},
    ]
    for params in cases:
        assert logged_in.json("payment/complete/", post=True, **params)["error"] == 1, params
    neighbour.refresh_from_db()
    assert neighbour.state == PaymentState.CREATED  # never checked on another's behalf


def test_create_refusals(logged_in, subscriber, null_merchant):
    for amount in ("", "0", "-5", "abc", "1.234", "NaN", "1e400", "9" * 50):
        assert logged_in.json("payment/create/", post=True, amount=amount)["error"] == 4, amount
    assert logged_in.json("payment/create/", post=True, amount="2000000")["error"] == 4  # above the services' cap
    assert logged_in.json("payment/create/", post=True, amount="5", return_url="javascript:alert(1)")["error"] == 4
    assert logged_in.json("payment/create/", post=True, amount="5", autopayment_enable=7)["error"] == 4
    for merchant_type in ("payture", "w1", "nope"):  # not configured / unknown
        body = logged_in.json("payment/create/", post=True, amount="5", merchant_type=merchant_type)
        assert body["error"] == 13 and body["error_message"], merchant_type
    null_merchant.enabled = False
    null_merchant.save()
    assert logged_in.json("payment/create/", post=True, amount="5")["error"] == 13
    assert not Payment.objects.filter(customer=subscriber.customer).exists()


def test_create_with_named_merchant_type(logged_in, subscriber, null_merchant):
    body = pay(logged_in, "7.00", merchant_type="null", return_url="https://app.example/back")
    assert body["redirect_url"] == "https://app.example/back"


def test_merchant_url(logged_in, subscriber, null_merchant):
    body = logged_in.json("payment/merchant_url/", post=True, amount="15")
    assert body["error"] == 0 and body["merchant_name"] == "Demo pay" and body["url"] == "https://operator.example/paid"
    assert Payment.objects.get(pk=body["transaction_id"]).amount == Decimal("15.00")
    assert logged_in.json("payment/merchant_url/", post=True, amount="x")["error"] == 1
    assert logged_in.json("payment/merchant_url/", post=True)["error"] == 1
    assert logged_in.json("payment/merchant_url/", post=True, amount="1", merchant_type="payture")["error"] == 2


# --- payment/list ------------------------------------------------------------------------------------

def test_list_pages_the_ledger(logged_in, subscriber):
    from billing.services import transaction_create

    for n in range(5):
        transaction_create(client=subscriber.client, customer=subscriber.customer, amount=f"-{n + 1}.00",
                           ext_id=f"c{n}", comment=f"charge {n}")
    other = factories.CustomerFactory(client=subscriber.client)
    transaction_create(client=subscriber.client, customer=other, amount="9.00", ext_id="other")
    everything = logged_in.json("payment/list/")["payments"]
    assert [r["comment"] for r in everything[:5]] == [f"charge {n}" for n in (4, 3, 2, 1, 0)]
    assert len(everything) == 6 and all(r["transaction_id"] is None for r in everything)  # + the seed
    page2 = logged_in.json("payment/list/", limit=2, page=2)["payments"]
    assert [r["amount"] for r in page2] == [-3.0, -2.0]
    assert logged_in.json("payment/list/", limit=2, page=99)["payments"] == []
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"page": 0}, {"page": -1}, {"page": "1.5"}):
        assert logged_in.json("payment/list/", **bad)["error"] == 1, bad


# --- card data: never taken -----------------------------------------------------------------------------

def test_card_data_methods_refuse_and_forget(logged_in, subscriber, null_merchant, caplog):
    caplog.set_level(logging.DEBUG)
    payment = Payment.objects.get(pk=pay(logged_in)["transaction_id"])
    body = logged_in.json("payment/process/", post=True, payment_id=payment.order_id, transaction_id=payment.pk,
                          **CARD)
    assert body["error"] == 13 and "payment page" in body["error_message"]
    body = logged_in.json("payment/preauth/", post=True, transaction_id=payment.pk, **CARD, **BROWSER)
    assert body["error"] == 13 and body["success"] == 0
    body = logged_in.json("payment/pares/process/", post=True, transaction_id=payment.pk,
                          session_id=payment.session_id, pares="eJzLSM3JyVcozy/KSQEAGgQEXQ==", **CARD)
    assert body["error"] == 2 and "payment page" in body["error_message"]
    everything = caplog.text + str(list(Payment.objects.values())) + str(list(CustomerTransaction.objects.values()))
    assert CARD["card_number"] not in everything and "IVAN PETROV" not in everything


def test_card_data_methods_check_their_parameters(logged_in, subscriber, null_merchant, other_operator_payment):
    payment = Payment.objects.get(pk=pay(logged_in)["transaction_id"])
    without_cvv = {k: v for k, v in CARD.items() if k != "card_cvv"}
    body = logged_in.json("payment/process/", post=True, payment_id=payment.order_id, **without_cvv)
    assert body["error"] == 4 and body["error_fields"] == {"card_cvv": "required"}
    assert logged_in.json("payment/process/", post=True, **CARD)["error"] == 4  # no payment_id
    assert logged_in.json("payment/process/", post=True, payment_id="x", merchant_type="payture",
                          **CARD)["error"] == 13
    assert logged_in.json("payment/preauth/", post=True, transaction_id=payment.pk, **CARD)["error"] == 4
    assert logged_in.json("payment/preauth/", post=True, transaction_id=payment.pk, **CARD,
                          **{**BROWSER, "java_enabled": 2})["error"] == 4
    assert logged_in.json("payment/preauth/", post=True, transaction_id=other_operator_payment.pk, **CARD,
                          **BROWSER)["error"] == 4
    assert logged_in.json("payment/pares/process/", post=True, transaction_id=other_operator_payment.pk,
                          session_id=other_operator_payment.session_id, pares="x", **CARD)["error"] == 1
    assert logged_in.json("payment/pares/process/", post=True, transaction_id=payment.pk,
                          session_id=payment.session_id, **CARD)["error"] == 1  # no pares


# --- saved cards and autopayment ---------------------------------------------------------------------------

@pytest.fixture
def card(subscriber, null_merchant):
    return SavedCard.objects.create(client=subscriber.client, customer=subscriber.customer, merchant=null_merchant,
                                    card_id="card-1", masked_number="411111xxxxxx1111", expires_month=12,
                                    expires_year=2099)


def test_saved_card_list(logged_in, subscriber, null_merchant, card):
    SavedCard.objects.create(client=subscriber.client, customer=subscriber.customer, merchant=null_merchant,
                             card_id="old", masked_number="500000xxxxxx0001", expires_month=1, expires_year=2001)
    neighbour = factories.CustomerFactory(client=subscriber.client)
    SavedCard.objects.create(client=subscriber.client, customer=neighbour, merchant=null_merchant, card_id="n-1")
    body = logged_in.json("payment/saved_card/list/", post=True)
    assert body["error"] == 0
    assert body["cards"] == [
        {"id": "old", "number": "500000xxxxxx0001", "expired": 1, "use_sbp": 0, "for_autopayment": 0},
        {"id": "card-1", "number": "411111xxxxxx1111", "expired": 0, "use_sbp": 0, "for_autopayment": 0},
    ]
    assert logged_in.json("payment/saved_card/list/", post=True, merchant_type="payture")["error"] == 3


def test_saved_card_list_without_merchant(logged_in):
    assert logged_in.json("payment/saved_card/list/", post=True)["error"] == 3


def test_saved_card_delete(logged_in, subscriber, null_merchant, card):
    neighbour = factories.CustomerFactory(client=subscriber.client)
    theirs = SavedCard.objects.create(client=subscriber.client, customer=neighbour, merchant=null_merchant,
                                      card_id="n-1")
    assert logged_in.json("payment/saved_card/delete/", post=True, card_id="n-1")["error"] == 4
    assert logged_in.json("payment/saved_card/delete/", post=True, card_id="nope")["error"] == 4
    assert logged_in.json("payment/saved_card/delete/", post=True)["error"] == 1
    assert logged_in.json("payment/saved_card/delete/", post=True, card_id="card-1",
                          merchant_type="payture")["error"] == 3
    assert logged_in.json("payment/saved_card/delete/", post=True, card_id="card-1") == {"error": 0,
                                                                                          "error_message": ""}
    assert not SavedCard.objects.filter(pk=card.pk).exists() and SavedCard.objects.filter(pk=theirs.pk).exists()


def test_saved_card_pay(logged_in, subscriber, null_merchant, card):
    before = balance(subscriber)
    body = logged_in.json("payment/saved_card/pay/", post=True, card_id="card-1", amount="12.50")
    assert body["error"] == 0 and body["status"] == 1
    payment = Payment.objects.get(pk=body["transaction_id"])
    assert payment.saved_card == card and payment.order_id == body["payment_id"]
    assert balance(subscriber) == before + Decimal("12.50")
    assert logged_in.json("payment/saved_card/pay/", post=True, amount="1")["error"] == 0  # the newest card
    assert logged_in.json("payment/saved_card/pay/", post=True, card_id="nope", amount="1")["error"] == 4
    assert logged_in.json("payment/saved_card/pay/", post=True, card_id="card-1", amount="-1")["error"] == 4
    assert logged_in.json("payment/saved_card/pay/", post=True, card_id="card-1")["error"] == 4
    card.expires_year = 2001
    card.save()
    assert logged_in.json("payment/saved_card/pay/", post=True, card_id="card-1", amount="1")["error"] == 10


def test_saved_card_pay_without_merchant(logged_in):
    assert logged_in.json("payment/saved_card/pay/", post=True, amount="1")["error"] == 13


def test_autopayment_toggle(logged_in, subscriber, null_merchant):
    assert logged_in.json("customer/autopayment/", post=True, enabled=0)["error"] == 2  # already off
    body = logged_in.json("customer/autopayment/", post=True, enabled=1)
    assert body["error"] == 3 and "saved card" in body["error_message"]
    card = SavedCard.objects.create(client=subscriber.client, customer=subscriber.customer, merchant=null_merchant,
                                    card_id="c-9", masked_number="411111xxxxxx1111")
    assert logged_in.json("customer/autopayment/", post=True, enabled=1, card_id="nope")["error"] == 3
    assert logged_in.json("customer/autopayment/", post=True, enabled=1) == {
        "error": 0, "error_message": "", "autopayment_enabled": 1}
    subscriber.customer.refresh_from_db()
    card.refresh_from_db()
    assert subscriber.customer.autopayment_enabled and card.for_autopayment
    assert logged_in.json("customer/autopayment/", post=True, enabled=0)["error"] == 0
    subscriber.customer.refresh_from_db()
    assert not subscriber.customer.autopayment_enabled
    for bad in ("", "2", "yes", "-1"):
        assert logged_in.json("customer/autopayment/", post=True, enabled=bad)["error"] == 1, bad


def test_autopayment_without_merchant(logged_in):
    assert logged_in.json("customer/autopayment/", post=True, enabled=1)["error"] == 3


# --- payment/cheque and the receipt page ------------------------------------------------------------------

def receipt_link(message) -> str:
    return re.search(r"https?://\S+/payment/receipt/\S+/", message.body).group(0)


def test_cheque_mails_a_signed_receipt_link(logged_in, subscriber, null_merchant, client):
    payment = Payment.objects.get(pk=pay(logged_in, "42.00")["transaction_id"])
    body = logged_in.json("payment/cheque/", post=True, transaction_id=payment.pk, email="ivan@example.com")
    assert body == {"error": 0, "error_message": ""}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ivan@example.com"]
    link = receipt_link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    for shown in (subscriber.client.name, "42.00", payment.order_id, str(payment.pk), "Succeeded", "Demo pay"):
        assert shown in html, shown
    # the link cannot be bent to another payment, nor forged
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert client.get(link.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code == 404
    assert client.get("/tvmiddleware/api/payment/receipt/1/").status_code == 404


def test_receipt_link_expires(logged_in, subscriber, null_merchant, client, monkeypatch):
    import time

    from payments.api import receipts

    payment = Payment.objects.get(pk=pay(logged_in)["transaction_id"])
    logged_in.json("payment/cheque/", post=True, transaction_id=payment.pk, email="ivan@example.com")
    link = receipt_link(mail.outbox[0])
    later = time.time() + receipts.RECEIPT_TTL + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert client.get(link).status_code == 404


def test_cheque_refusals(logged_in, subscriber, null_merchant, other_operator_payment, settings):
    payment = Payment.objects.get(pk=pay(logged_in)["transaction_id"])
    assert logged_in.json("payment/cheque/", post=True, transaction_id=other_operator_payment.pk,
                          email="a@example.com")["error"] == 1
    assert logged_in.json("payment/cheque/", post=True, transaction_id=999999, email="a@example.com")["error"] == 1
    assert logged_in.json("payment/cheque/", post=True, email="a@example.com")["error"] == 1
    assert logged_in.json("payment/cheque/", post=True, transaction_id=payment.pk)["error"] == 1  # no email
    for email in ("not-an-address", "a@b@c", "x" * 300 + "@example.com", "a@example.com\nBcc: b@example.com"):
        body = logged_in.json("payment/cheque/", post=True, transaction_id=payment.pk, email=email)
        assert body["error"] == 2, email
    assert mail.outbox == []
    settings.EMAIL_BACKEND = "tests.payments.api.test_device.FailingBackend"
    body = logged_in.json("payment/cheque/", post=True, transaction_id=payment.pk, email="a@example.com")
    assert body["error"] == 2


class FailingBackend:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no")})


def test_cheque_is_rate_limited(logged_in, subscriber, null_merchant):
    from django.core.cache import cache

    from payments.api.device import RECEIPTS_PER_HOUR

    cache.clear()
    payment = Payment.objects.get(pk=pay(logged_in)["transaction_id"])
    answers = [logged_in.json("payment/cheque/", post=True, transaction_id=payment.pk, email="a@example.com")["error"]
               for _ in range(RECEIPTS_PER_HOUR + 2)]
    assert answers == [0] * RECEIPTS_PER_HOUR + [2, 2]
    assert len(mail.outbox) == RECEIPTS_PER_HOUR
    cache.clear()


# --- payment/qrcode ---------------------------------------------------------------------------------------

def test_qrcode(logged_in, subscriber, null_merchant, client):
    before = balance(subscriber)
    body = logged_in.json("payment/qrcode/", amount="30")
    assert body["error"] == 0 and set(body) == {"saved_qrcode_url", "direct_url", "transaction_id", "error",
                                                "error_message"}
    assert body["direct_url"] == "https://operator.example/paid"
    assert Payment.objects.get(pk=body["transaction_id"]).amount == Decimal("30.00")
    assert balance(subscriber) == before + Decimal("30.00")  # the null gateway settles at once
    image = client.get(body["saved_qrcode_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    import io

    expected = io.BytesIO()
    segno.make(body["direct_url"], error="m").save(expected, kind="png", scale=8, border=2)
    assert image.content == expected.getvalue()  # the QR code encodes exactly the page URL
    assert client.get("/tvmiddleware/api/payment/qrcode/image/forged/").status_code == 404


def test_qrcode_without_page_leads_to_the_receipt(logged_in, subscriber, null_merchant, client):
    null_merchant.default_return_url = ""
    null_merchant.save()
    body = logged_in.json("payment/qrcode/", amount="30")
    assert "/payment/receipt/" in body["direct_url"]
    assert client.get(body["direct_url"]).status_code == 200


def test_qrcode_refusals(logged_in, null_merchant):
    assert logged_in.json("payment/qrcode/", amount="30", use_sbp=1)["error"] == 13
    assert logged_in.json("payment/qrcode/", amount="zero")["error"] == 4
    assert logged_in.json("payment/qrcode/", amount="30", merchant_type="payture")["error"] == 13


# --- customer/tariff/subscribe: payment_info -------------------------------------------------------------

def test_tariff_subscribe_reports_a_pending_payment(logged_in, subscriber):
    sport = factories.TariffFactory(client=subscriber.client, basic_tariff_priority=0, price=Decimal("0"))
    installed = provider()

    class Pending:
        def pending_payment(self, *, customer):
            assert customer == subscriber.customer
            return {"transaction_id": 77, "amount": Decimal("5.00")}

    register_provider(Pending())
    try:
        body = logged_in.json("customer/tariff/subscribe/", tariff_id=sport.pk)
    finally:
        register_provider(installed)
    assert body["payment_info"] == {"is_awaiting_payment": 1, "invoice_id": 77}
    other = factories.TariffFactory(client=subscriber.client, basic_tariff_priority=0, price=Decimal("0"))
    register_provider(object())  # a provider without the optional method
    try:
        body = logged_in.json("customer/tariff/subscribe/", tariff_id=other.pk)
    finally:
        register_provider(installed)
    assert body["payment_info"] == {"is_awaiting_payment": 0, "invoice_id": None}


def test_tariff_subscribe_reports_the_installed_providers_pending_payment(logged_in, subscriber, null_merchant):
    """The payments app's own provider answers `pending_payment` from the customer's open payments."""
    merchant = null_merchant
    open_payment = Payment.objects.create(client=subscriber.client, customer=subscriber.customer, merchant=merchant,
                                          merchant_type=merchant.merchant_type, amount=Decimal("12.00"),
                                          state=PaymentState.PENDING)
    sport = factories.TariffFactory(client=subscriber.client, basic_tariff_priority=0, price=Decimal("0"))
    body = logged_in.json("customer/tariff/subscribe/", tariff_id=sport.pk)
    assert body["payment_info"] == {"is_awaiting_payment": 1, "invoice_id": open_payment.pk}

    Payment.objects.filter(pk=open_payment.pk).update(state=PaymentState.FAILED)
    other = factories.TariffFactory(client=subscriber.client, basic_tariff_priority=0, price=Decimal("0"))
    body = logged_in.json("customer/tariff/subscribe/", tariff_id=other.pk)
    assert body["payment_info"] == {"is_awaiting_payment": 0, "invoice_id": None}
