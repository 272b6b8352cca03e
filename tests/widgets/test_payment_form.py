"""The payment form widget through Django's test client: who pays for whom (customer_id, abonement, the
logged-in visitor, order_id), amounts and their bounds, the gateway's choice, refusals, the form token,
the lookup rate limit, and hostile input anywhere."""
import random
import re
import string
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import payment_gateway
from billing.models import CustomerTransaction, TransactionSource
from payments.models import Merchant, MerchantType, Payment, PaymentState
from tests import factories
from tests.payments.conftest import payture, payture_merchant  # noqa: F401 (fixtures)
from tvmiddleware.models import ActionOrigin, Customer, SubscriberAction
from widgets.models import WidgetType
from widgets.pages import payment as payment_page
from widgets.security import session_start
from widgets.services import clean_settings

HOST = {"HTTP_REFERER": "https://site.example/pay"}


@pytest.fixture
def null_merchant(client_obj):
    return Merchant.objects.create(client=client_obj, merchant_type=MerchantType.NULL, name="Demo payments",
                                   is_default=True)


@pytest.fixture
def payer(client_obj):
    customer = factories.CustomerFactory(client=client_obj, firstname="Anna", lastname="Smirnova")
    account = factories.AccountFactory(customer=customer, abonement="700100")
    return customer, account


@pytest.fixture
def pay_widget(make_widget):
    def make(**settings):
        return make_widget(type=WidgetType.PAYMENT_FORM, name="Top up", settings=settings)
    return make


def url(widget):
    return reverse("widgets:show", args=[widget.public_id])


def get(client, widget, **params):
    return client.get(url(widget), params, **HOST)


def hidden_fields(response):
    html = response.content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def form_action(response):
    return re.search(r'<form[^>]+action="([^"]+)"', response.content.decode()).group(1).replace("&amp;", "&")


def submit(client, response, **fields):
    """Send the page's form as the visitor would (its hidden fields, and `fields`)."""
    return client.post(form_action(response), {**hidden_fields(response), **fields}, follow=True)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def paid_rows(customer):
    return CustomerTransaction.objects.filter(customer=customer, source=TransactionSource.PAYMENT)


def test_the_embed_script_hands_the_payment_parameters_on(client, pay_widget, null_merchant):
    widget = pay_widget()
    script = client.get(reverse("widgets:embed", args=[widget.public_id]),
                        {"container_id": "pay", "amount": "500", "customer_id": "12", "order_id": "ab12",
                         "payment_type": "null", "lang": "ru", "tariff_id": "3", "evil": "1"}).content.decode()
    src = re.search(r'"(http://testserver/widgets/api/show/[^"]+)"', script).group(1)
    assert src.replace("\\u0026", "&").endswith("?lang=ru&amount=500&customer_id=12&order_id=ab12&payment_type=null")


# --- customer_id and amount ------------------------------------------------------------------------

def test_amount_and_customer_id_pay_through_the_null_gateway_once(client, pay_widget, null_merchant, payer):
    customer, _account = payer
    widget = pay_widget()
    page = get(client, widget, amount="150.50", customer_id=customer.pk)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "150.50" in text(page) and "(A.)" in text(page)
    assert "Smirnova" not in text(page) and "Anna" not in text(page)  # the initial only

    sent = client.post(form_action(page), hidden_fields(page))
    assert sent.status_code == 303 and sent["Location"].startswith(url(widget) + "?order_id=")
    done = client.get(sent["Location"], **HOST)
    assert done.status_code == 200
    assert "Paid: 150.50" in text(done)
    # "Change" on the confirmation opens the form with the amount in it.
    change = re.search(r'href="([^"]+)">Change<', page.content.decode()).group(1).replace("&amp;", "&")
    form = client.get(change, **HOST)
    assert 'name="amount"' in text(form) and 'value="150.50"' in text(form)
    # Reloading the page after paying shows the payment again and pays nothing more.
    assert "Paid: 150.50" in text(client.get(sent["Location"], **HOST))
    assert "New balance" not in text(done)  # not the visitor's own account: the balance is not shown
    customer.refresh_from_db()
    assert customer.balance == Decimal("150.50")
    payment = Payment.objects.get(customer=customer)
    assert payment.state == PaymentState.SUCCEEDED and payment.source == "widget"
    row = paid_rows(customer).get()
    assert (row.ext_id, row.amount) == (payment.order_id, Decimal("150.50"))
    action = SubscriberAction.objects.get(action="payment_started")
    assert (action.origin, action.widget_id, action.customer_id) == (ActionOrigin.WIDGET, widget.public_id,
                                                                      customer.pk)
    assert action.details["amount"] == "150.50"


def test_customer_id_is_the_customers_id_of_this_operator_only(client, pay_widget, null_merchant, payer,
                                                                other_client):
    stranger = factories.CustomerFactory(client=other_client)
    widget = pay_widget()
    response = get(client, widget, amount="10", customer_id=stranger.pk)
    assert response.status_code == 404 and "no such customer" in text(response)
    assert get(client, widget, amount="10", customer_id="99999999").status_code == 404
    assert get(client, widget, amount="10", customer_id="12a").status_code == 400


def test_customer_id_without_amount_asks_for_the_amount(client, pay_widget, null_merchant, payer):
    customer, _ = payer
    widget = pay_widget(preset_amounts=["300", "500"])
    page = get(client, widget, customer_id=customer.pk)
    assert page.status_code == 200
    assert 'name="abonement"' not in text(page)  # the customer is known
    assert 'data-amount="300.00"' in text(page) and 'data-amount="500.00"' in text(page)
    confirm = submit(client, page, amount="500")
    assert confirm.status_code == 200 and "Pay 500.00" in text(confirm)
    done = submit(client, confirm)
    assert "Paid: 500.00" in text(done)
    customer.refresh_from_db()
    assert customer.balance == Decimal("500.00")


# --- the account number ----------------------------------------------------------------------------

def test_abonement_identifies_the_customer_and_shows_only_an_initial(client, pay_widget, null_merchant, payer):
    customer, account = payer
    widget = pay_widget()
    page = get(client, widget)
    assert page.status_code == 200
    body = text(page)
    assert 'for="tvmw-amount"' in body and 'for="tvmw-abonement"' in body
    confirm = submit(client, page, amount="99,90", abonement=account.abonement)
    assert confirm.status_code == 200
    assert "For account 700100 (A.)" in text(confirm) and "Smirnova" not in text(confirm)
    done = submit(client, confirm)
    assert "Paid: 99.90" in text(done)
    customer.refresh_from_db()
    assert customer.balance == Decimal("99.90")
    assert Payment.objects.get().account_id == account.pk
    assert SubscriberAction.objects.get(action="payment_started").account_id == account.pk


def test_unknown_or_another_operators_abonement_is_not_found(client, pay_widget, null_merchant, payer, other_client):
    stranger = factories.AccountFactory(customer=factories.CustomerFactory(client=other_client), abonement="900900")
    widget = pay_widget()
    page = get(client, widget)
    for abonement in ("123", stranger.abonement):
        response = submit(client, page, amount="10", abonement=abonement)
        assert response.status_code == 400
        assert "no account with this number" in text(response)
        assert 'aria-describedby="tvmw-abonement-help tvmw-abonement-error" aria-invalid="true"' in text(response)
    for bad, why in (("", "Enter the account number"), ("12ab", "digits only")):
        response = submit(client, page, amount="10", abonement=bad)
        assert response.status_code == 400 and why in text(response)
    assert not Payment.objects.exists()


def test_the_final_step_checks_everything_again(client, pay_widget, null_merchant, payer):
    """The confirmation's hidden fields are the visitor's to change: they are read again, not trusted."""
    widget = pay_widget(max_amount="1000")
    page = get(client, widget)
    confirm = submit(client, page, amount="10", abonement="700100")
    assert submit(client, confirm, amount="5000").status_code == 400
    assert submit(client, confirm, abonement="1").status_code == 400
    assert not Payment.objects.exists()


def test_the_visitor_logged_in_on_the_widget_pays_for_themselves_and_sees_the_balance(
        client, pay_widget, null_merchant, payer):
    from django.test import RequestFactory

    customer, account = payer
    widget = pay_widget()
    _session, key = session_start(RequestFactory().get("/"), widget, account)
    page = get(client, widget, amount="25", ws=key)
    assert page.status_code == 200 and "For account 700100" in text(page)
    done = submit(client, page)
    assert "Paid: 25.00" in text(done) and "New balance" in text(done) and "25.00" in text(done)
    customer.refresh_from_db()
    assert customer.balance == Decimal("25.00")


# --- order_id ----------------------------------------------------------------------------------------

def open_payment(client_obj, customer, merchant, amount="70.00", state=PaymentState.CREATED):
    return Payment.objects.create(client=client_obj, customer=customer, merchant=merchant,
                                  merchant_type=merchant.merchant_type, amount=Decimal(amount), state=state,
                                  source="device_api")


def test_order_id_pays_that_payment_once(client, client_obj, pay_widget, null_merchant, payer):
    customer, _ = payer
    payment = open_payment(client_obj, customer, null_merchant)
    widget = pay_widget()
    page = get(client, widget, order_id=payment.order_id, amount="1", customer_id="5")  # the others are ignored
    assert page.status_code == 200
    assert "70.00" in text(page) and "For customer A." in text(page) and "Anna" not in text(page)
    done = submit(client, page)
    assert done.status_code == 200 and "Paid: 70.00" in text(done)
    payment.refresh_from_db()
    customer.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED and customer.balance == Decimal("70.00")
    assert paid_rows(customer).get().ext_id == payment.order_id
    assert Payment.objects.count() == 1

    again = get(client, widget, order_id=payment.order_id)
    assert again.status_code == 200 and "already been made" in text(again)
    # The old page's form sent once more: paid already, nothing more is credited.
    assert "already been made" in text(submit(client, page))
    customer.refresh_from_db()
    assert customer.balance == Decimal("70.00") and paid_rows(customer).count() == 1


def test_order_id_of_a_failed_payment_pays_it_anew(client, client_obj, pay_widget, null_merchant, payer):
    customer, _ = payer
    failed = open_payment(client_obj, customer, null_merchant, amount="12.00", state=PaymentState.FAILED)
    widget = pay_widget()
    page = get(client, widget, order_id=failed.order_id)
    assert "did not go through" in text(page)
    done = submit(client, page)
    assert "Paid: 12.00" in text(done)
    new = Payment.objects.exclude(pk=failed.pk).get()
    assert new.state == PaymentState.SUCCEEDED and new.source == "widget" and new.amount == Decimal("12.00")
    assert SubscriberAction.objects.get(action="payment_started").origin == ActionOrigin.WIDGET


def test_unknown_and_other_operators_orders_are_not_found(client, client_obj, pay_widget, null_merchant, payer,
                                                         other_client):
    other_merchant = Merchant.objects.create(client=other_client, merchant_type=MerchantType.NULL, name="Other")
    theirs = open_payment(other_client, factories.CustomerFactory(client=other_client), other_merchant)
    widget = pay_widget()
    for order_id in (theirs.order_id, "f" * 32):
        response = get(client, widget, order_id=order_id)
        assert response.status_code == 404 and "no such payment" in text(response)
    assert get(client, widget, order_id="a b").status_code == 400
    assert get(client, widget, order_id="x" * 65).status_code == 400
    theirs.refresh_from_db()
    assert theirs.state == PaymentState.CREATED


def test_order_on_a_hosted_page_is_opened_in_the_top_window(client, client_obj, pay_widget, payture_merchant,  # noqa: F811
                                                            payer):
    customer, _ = payer
    widget = pay_widget()
    page = get(client, widget, amount="150", customer_id=customer.pk)
    done = submit(client, page)
    assert done.status_code == 200
    payment = Payment.objects.get()
    assert payment.state == PaymentState.PENDING and payment.redirect_url
    body = done.content.decode()
    assert f'href="{payment.redirect_url}" target="_top"' in body
    assert 'target="_blank" rel="noopener noreferrer"' in body
    customer.refresh_from_db()
    assert customer.balance == 0
    # The same order from the widget again: still open on the gateway's page, the same page is given.
    resumed = submit(client, get(client, widget, order_id=payment.order_id))
    assert f'href="{payment.redirect_url}" target="_top"' in resumed.content.decode()
    assert Payment.objects.count() == 1
    logged = {a.action: (a.origin, a.widget_id) for a in SubscriberAction.objects.filter(customer=customer)}
    assert logged == {"payment_started": (ActionOrigin.WIDGET, widget.public_id),
                      "payment_resumed": (ActionOrigin.WIDGET, widget.public_id)}


# --- amounts, gateways, refusals ---------------------------------------------------------------------

@pytest.mark.parametrize("amount, why", [
    ("5", "at least 10.00"), ("5000", "at most 1000.00"), ("abc", "as a number"), ("1.234", "as a number"),
    ("-5", "as a number"), ("1e3", "as a number"), ("NaN", "as a number"), ("9" * 40, "as a number"),
])
def test_amounts_out_of_bounds_or_malformed_are_refused_with_a_message(client, pay_widget, null_merchant, payer,
                                                                      amount, why):
    customer, _ = payer
    widget = pay_widget(min_amount="10", max_amount="1000")
    response = get(client, widget, amount=amount, customer_id=customer.pk)
    assert response.status_code == 400 and why in text(response)
    assert 'aria-invalid="true"' in text(response)
    page = get(client, widget, customer_id=customer.pk)
    posted = submit(client, page, amount=amount)
    assert posted.status_code == 400 and why in text(posted)
    assert not Payment.objects.exists()


def test_payment_type_chooses_the_gateway(client, client_obj, pay_widget, null_merchant, payer):
    customer, _ = payer
    widget = pay_widget()
    unknown = get(client, widget, amount="10", customer_id=customer.pk, payment_type="payture")
    assert unknown.status_code == 400 and "payment method is not available" in text(unknown)
    assert get(client, widget, amount="10", customer_id=customer.pk, payment_type="Bad-Type").status_code == 400
    page = get(client, widget, amount="10", customer_id=customer.pk, payment_type="null")
    assert page.status_code == 200 and "Demo payments" in text(page)
    assert "Paid: 10.00" in text(submit(client, page))
    # The widget's own setting, when the link names none.
    assert get(client, pay_widget(merchant_type="payture"), amount="10",
               customer_id=customer.pk).status_code == 400


def test_without_a_gateway_the_form_says_payments_are_not_set_up(client, client_obj, pay_widget, payer):
    customer, _ = payer
    widget = pay_widget()
    response = get(client, widget, amount="10", customer_id=customer.pk)
    assert response.status_code == 503 and "not set up online payments" in text(response)
    Merchant.objects.create(client=client_obj, merchant_type=MerchantType.NULL, name="Off", enabled=False)
    assert get(client, widget, amount="10", customer_id=customer.pk).status_code == 503

    saved = payment_gateway.provider()
    payment_gateway.register_provider(None)
    try:
        assert get(client, widget, amount="10", customer_id=customer.pk).status_code == 503
    finally:
        payment_gateway.register_provider(saved)


def test_a_gateway_switched_off_between_the_pages_is_a_clear_message(client, pay_widget, null_merchant, payer):
    customer, _ = payer
    widget = pay_widget()
    page = get(client, widget, amount="10", customer_id=customer.pk)
    Merchant.objects.filter(pk=null_merchant.pk).update(enabled=False)
    response = submit(client, page)
    assert response.status_code == 503 and "not set up online payments" in text(response)
    customer.refresh_from_db()
    assert customer.balance == 0


def test_gateway_refusals_are_messages(client, pay_widget, null_merchant, payer, monkeypatch):
    customer, _ = payer
    widget = pay_widget()
    page = get(client, widget, amount="10", customer_id=customer.pk)
    real = payment_gateway.provider()
    for error, status, words in ((payment_gateway.GatewayNotConfigured(), 503, "not set up by the operator"),
                                 (payment_gateway.GatewayRefusal(3, "timeout"), 502, "did not answer"),
                                 (payment_gateway.GatewayRefusal(4, "bad"), 400, "refused these details"),
                                 (payment_gateway.GatewayRefusal(7, "declined"), 402, "code 7")):
        def refuse(**kwargs):
            raise error
        monkeypatch.setattr(real, "payment_create", refuse, raising=False)
        response = submit(client, page)
        assert response.status_code == status and words in text(response), words


# --- the form's protection -----------------------------------------------------------------------------

def test_forged_or_foreign_forms_are_refused(client, pay_widget, null_merchant, payer, make_widget):
    customer, _ = payer
    widget = pay_widget()
    page = get(client, widget, amount="10", customer_id=customer.pk)
    fields = hidden_fields(page)
    action = form_action(page)
    assert client.post(action, {**fields, "form_token": "forged"}).status_code == 403
    assert client.post(action, {**fields, "form_token": ""}).status_code == 403
    assert client.post(action, {**fields, "step": "details"}).status_code == 403  # a token of another purpose
    assert client.post(action, {**fields, "step": "nothing"}).status_code == 403
    assert client.post(action, fields, HTTP_ORIGIN="https://evil.example").status_code == 403
    other = pay_widget()  # another widget's token
    other_fields = hidden_fields(get(client, other, amount="10", customer_id=customer.pk))
    assert client.post(action, {**fields, "form_token": other_fields["form_token"]}).status_code == 403
    assert not Payment.objects.exists()
    customer.refresh_from_db()
    assert customer.balance == 0


def test_lookups_are_rate_limited_per_address(client, pay_widget, null_merchant, payer):
    widget = pay_widget()
    page = get(client, widget)
    statuses = [submit(client, page, amount="10", abonement=str(100000 + n)).status_code
                for n in range(payment_page.LOOKUP_LIMIT + 2)]
    assert statuses[:payment_page.LOOKUP_LIMIT] == [400] * payment_page.LOOKUP_LIMIT
    assert statuses[-1] == 429
    # Even the right number now waits; another address is not held up.
    assert submit(client, page, amount="10", abonement="700100").status_code == 429
    response = client.post(form_action(page), {**hidden_fields(page), "amount": "10", "abonement": "700100"},
                           REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 200


def test_russian(client, pay_widget, null_merchant, payer):
    customer, _ = payer
    page = get(client, pay_widget(), amount="1500.5", customer_id=customer.pk, lang="ru")
    assert "Сумма" in text(page) and "Оплатить" in text(page)
    done = submit(client, page)  # the amount as the Russian page writes it goes back and is read the same
    assert "Оплачено" in text(done)
    customer.refresh_from_db()
    assert customer.balance == Decimal("1500.50")
    assert "Введите сумму числом" in text(get(client, pay_widget(), amount="x", customer_id=customer.pk, lang="ru"))


# --- settings --------------------------------------------------------------------------------------------

def test_payment_form_settings_defaults_and_validation():
    cleaned = clean_settings(WidgetType.PAYMENT_FORM, {"min_amount": 10, "preset_amounts": ["100", "250.5"]})
    assert cleaned == {"merchant_type": "", "min_amount": "10.00", "max_amount": "100000.00",
                       "preset_amounts": ["100.00", "250.50"], "return_url": "", "language": ""}
    for bad in ({"min_amount": "abc"}, {"min_amount": "0"}, {"max_amount": True}, {"min_amount": "500", "max_amount": "10"},
                {"preset_amounts": "100"}, {"preset_amounts": ["5"], "min_amount": "10"},
                {"preset_amounts": ["1"] * 7}, {"return_url": "javascript:alert(1)"}, {"return_url": 5}, {"return_url": "http://[x"},
                {"return_url": "https://a.example/\x00"},
                {"merchant_type": "Pay ture"}, {"merchant_type": 1}, {"max_amount": "2000000"}):
        with pytest.raises(ValidationError):
            clean_settings(WidgetType.PAYMENT_FORM, bad)


# --- hostile input ------------------------------------------------------------------------------------------

HOSTILE = ["", "0", "-1", "1,", ",", ".", "9" * 40, "1e9", "NaN", "Infinity", "%00", "\x00", "a" * 5000, "null",
           "<script>alert(1)</script>", "' OR 1=1 --", "../../etc", "１２３", "12\u2028", "\ud7ff", "10.005", " 10 "]


def test_hostile_values_anywhere_never_answer_5xx(client, client_obj, pay_widget, null_merchant, payer):
    customer, account = payer
    payment = open_payment(client_obj, customer, null_merchant)
    widget = pay_widget(preset_amounts=["100"])
    rng = random.Random(7)
    alphabet = string.printable + "йё€\u2028\x00"

    def value():
        return rng.choice(HOSTILE + [str(customer.pk), payment.order_id, account.abonement, "null", "10"]
                          + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))])

    names = ["amount", "customer_id", "order_id", "payment_type", "lang", "ws"]
    for _ in range(120):
        params = {name: value() for name in rng.sample(names, rng.randint(1, 4))}
        response = client.get(url(widget), params, **HOST)
        assert response.status_code < 500, params
        if response.status_code == 200 and "<form" in response.content.decode():
            fields = {**hidden_fields(response),
                      **{name: value() for name in rng.sample(["amount", "abonement", "step", "ws",
                                                                "form_token"], rng.randint(1, 3))}}
            posted = client.post(form_action(response), fields)
            assert posted.status_code < 500, (params, fields)
    assert Customer.objects.get(pk=customer.pk).balance >= 0


# --- the demo ------------------------------------------------------------------------------------------------

def test_the_demo_operator_pays_through_its_payment_form(client, db):
    from demo.builder import seed
    from tvmiddleware.models import Account, Client
    from widgets.models import Widget

    seed()
    operator = Client.objects.get(name="Demo Operator")
    widget = Widget.objects.get(client=operator, type=WidgetType.PAYMENT_FORM)
    assert widget.hostnames == ["localhost", "127.0.0.1"] and widget.settings["preset_amounts"]
    account = Account.objects.filter(client=operator).select_related("customer").order_by("pk").first()
    before = account.customer.balance
    page = client.get(url(widget), HTTP_REFERER="http://127.0.0.1:8000/widgets/demo/")
    confirm = submit(client, page, amount="100", abonement=account.abonement)
    assert confirm.status_code == 200
    assert "Paid: 100.00" in text(submit(client, confirm))
    account.customer.refresh_from_db()
    assert account.customer.balance == before + Decimal("100.00")
