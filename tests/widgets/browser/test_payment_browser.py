"""The payment form widget in a real Chromium, embedded with the documented snippet on a page of another
origin with `amount` and `customer_id` in the script's URL: confirm, pay through the null gateway, see
the confirmation; then by account number with third-party cookies blocked (the form needs none)."""
from decimal import Decimal

import pytest

from billing.models import CustomerTransaction, TransactionSource
from payments.models import Merchant, MerchantType, Payment
from tests import factories
from tvmiddleware.models import ActionOrigin, SubscriberAction
from widgets.models import WidgetType

pytestmark = pytest.mark.browser

SITE = "shop.test"


@pytest.fixture
def setup(client_obj, make_widget):
    Merchant.objects.create(client=client_obj, merchant_type=MerchantType.NULL, name="Demo payments",
                            is_default=True)
    customer = factories.CustomerFactory(client=client_obj, firstname="Boris", lastname="Petrov")
    account = factories.AccountFactory(customer=customer, abonement="800200")
    widget = make_widget(type=WidgetType.PAYMENT_FORM, hostnames=SITE, name="Top up your TV",
                         settings={"preset_amounts": ["300", "500"]})
    return widget, customer, account


def host_page(live_server, widget, extra=""):
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Operator site</title></head>
<body><h1>Pay for TV</h1>
<div id="widget-content"></div>
<script id="widget-script" type="text/javascript"></script>
<script>document.getElementById('widget-script').src =
  '{live_server.url}/widgets/api/get/{widget.public_id}?container_id=widget-content{extra}&time=' + Math.random();</script>
</body></html>"""


def open_site(tab, host_pages, live_server, widget, extra=""):
    tab.goto(host_pages.serve("/pay.html", host_page(live_server, widget, extra), host=SITE))
    tab.wait_for_selector("#widget-content iframe.tvmw-widget-frame")
    return tab.frame_locator("#widget-content iframe")


def test_pay_an_amount_for_a_customer_from_another_origin(page, host_pages, live_server, setup, screenshot,
                                                         browser_log):
    widget, customer, _account = setup
    frame = open_site(page, host_pages, live_server, widget, extra=f"&amount=250&customer_id={customer.pk}")
    pay = frame.get_by_role("button", name="Pay 250.00")
    pay.wait_for()
    assert "(B.)" in frame.locator(".tvmw-payment__summary").inner_text()
    assert "Petrov" not in frame.locator("body").inner_text()
    screenshot("payment-confirm")
    pay.click()
    frame.locator(".tvmw-payment__done").wait_for()
    assert "Paid: 250.00" in frame.locator(".tvmw-payment__done").inner_text()
    screenshot("payment-paid")

    customer.refresh_from_db()
    assert customer.balance == Decimal("250.00")
    payment = Payment.objects.get(customer=customer)
    assert CustomerTransaction.objects.get(customer=customer, source=TransactionSource.PAYMENT).ext_id == \
        payment.order_id
    action = SubscriberAction.objects.get(action="payment_started")
    assert (action.origin, action.widget_id) == (ActionOrigin.WIDGET, widget.public_id)
    assert {f"{SITE}:{host_pages.port}", live_server.url.split("//")[1]} <= browser_log.hosts()


def test_pay_by_account_number_with_third_party_cookies_blocked(third_party_cookies_page, host_pages, live_server,
                                                               setup, screenshot, browser_log):
    widget, customer, account = setup
    tab = third_party_cookies_page(blocked=True)
    browser_log.allow_console_error(r"status of 400 \(Bad Request\)")  # the form's errors answer 400
    frame = open_site(tab, host_pages, live_server, widget)
    frame.get_by_role("button", name="500.00").click()  # a preset fills the amount
    assert frame.get_by_label("Amount", exact=True).input_value() == "500.00"
    frame.get_by_label("Account number").fill("123")
    frame.get_by_role("button", name="Continue").click()
    error = frame.locator("#tvmw-abonement-error")
    error.wait_for()
    assert "no account with this number" in error.inner_text()
    assert frame.get_by_label("Account number").get_attribute("aria-invalid") == "true"
    screenshot("payment-unknown-account", tab=tab)

    frame.get_by_label("Account number").fill(account.abonement)
    frame.get_by_label("Amount", exact=True).fill("120,50")
    frame.get_by_label("Amount", exact=True).press("Enter")
    pay = frame.get_by_role("button", name="Pay 120.50")
    pay.wait_for()
    assert f"For account {account.abonement} (B.)" in frame.locator(".tvmw-payment__summary").inner_text()
    screenshot("payment-by-account-confirm", tab=tab)
    pay.click()
    frame.locator(".tvmw-payment__done").wait_for()
    assert "Paid: 120.50" in frame.locator(".tvmw-payment__done").inner_text()
    screenshot("payment-by-account-paid", tab=tab)
    customer.refresh_from_db()
    assert customer.balance == Decimal("120.50")
    assert tab.context.cookies() == []  # paid without a cookie anywhere
