"""The personal-account widget in a real Chromium, embedded with the documented snippet on a page of
another origin: log in, connect a tariff and see the balance fall, pay through the null gateway and see
it rise, log out — with third-party cookies allowed (a plain tab) and blocked (the key travels in the
frame's links and forms, no cookie needed)."""
from decimal import Decimal

import pytest

from billing.models import TransactionSource
from billing.services import transaction_create
from payments.models import Merchant, MerchantType
from tests import factories
from tvmiddleware.models import ActionOrigin, SubscriberAction, TariffSubscription
from tvmiddleware.services.tariffs import tariff_assign
from widgets.models import WidgetSession, WidgetType

from .test_embedding import SITE, open_site

pytestmark = pytest.mark.browser


@pytest.fixture
def subscriber(client_obj):
    customer = factories.CustomerFactory(client=client_obj, firstname="Demo", lastname="Viewer")
    account = factories.AccountFactory(customer=customer, abonement="700100")
    tariff_assign(customer=customer, tariff=factories.TariffFactory(client=client_obj, name="Base",
                                                                    basic_tariff_priority=1))
    factories.TariffFactory(client=client_obj, name="Sport", basic_tariff_priority=0, price=Decimal("7.35"))
    transaction_create(client=client_obj, customer=customer, amount=Decimal("20.00"),
                       source=TransactionSource.MANUAL)
    Merchant.objects.create(client=client_obj, merchant_type=MerchantType.NULL, name="Demo payments")
    return account


def on_a_phone(tab, frame, screenshot, name):
    """The page on a 360-pixel phone: the navigation wraps and nothing is wider than the screen."""
    tab.set_viewport_size({"width": 360, "height": 740})
    tab.wait_for_function("() => document.querySelector('#widget-content iframe').getBoundingClientRect().width <= 360")
    wide = frame.locator("body").evaluate("b => b.scrollWidth > b.clientWidth")
    screenshot(name, tab)
    tab.set_viewport_size({"width": 1280, "height": 900})
    assert not wide, f"{name}: wider than the phone's screen"


def run_the_flow(tab, host_pages, live_server, widget, screenshot, prefix):
    frame = open_site(tab, host_pages, live_server, widget)
    frame.get_by_label("Account number").fill("700100")
    frame.get_by_label("Password").fill("1234")
    screenshot(f"{prefix}-login", tab)
    frame.get_by_role("button", name="Log in").click()
    balance = frame.locator(".tvmw-balance")
    balance.wait_for()
    assert balance.inner_text() == "20.00"
    screenshot(f"{prefix}-overview", tab)

    frame.get_by_role("link", name="Tariffs").click()
    frame.get_by_role("button", name="Connect Sport").click()
    frame.get_by_text("Connected: Sport.").wait_for()
    assert balance.inner_text() == "12.65"
    assert "Sport" in frame.locator(".tvmw-tariffs-held").inner_text()
    screenshot(f"{prefix}-tariff-connected", tab)
    if prefix == "account":
        on_a_phone(tab, frame, screenshot, f"{prefix}-tariffs-phone")

    frame.get_by_role("link", name="Payments").click()
    frame.get_by_label("Amount").fill("100")
    frame.get_by_role("button", name="Pay", exact=True).click()
    frame.get_by_text("Paid 100.00. Thank you!").wait_for()
    assert balance.inner_text() == "112.65"
    assert "100.00" in frame.locator(".tvmw-history").inner_text()
    screenshot(f"{prefix}-paid", tab)
    if prefix == "account":
        on_a_phone(tab, frame, screenshot, f"{prefix}-payments-phone")

    frame.get_by_role("button", name="Log out").click()
    frame.get_by_text("You have logged out.").wait_for()
    assert frame.get_by_label("Account number").is_visible()
    screenshot(f"{prefix}-logged-out", tab)


def check_the_records(widget, account):
    customer = account.customer
    customer.refresh_from_db()
    assert customer.balance == Decimal("112.65")
    assert TariffSubscription.objects.filter(customer=customer, tariff__name="Sport", is_closed=False).exists()
    done = set(SubscriberAction.objects.filter(origin=ActionOrigin.WIDGET, widget_id=widget.public_id)
               .values_list("action", flat=True))
    assert {"logged_in", "tariffs_subscribed", "payment_started", "logged_out"} <= done
    assert WidgetSession.objects.filter(widget=widget, ended_at__isnull=False).count() == 1


def test_personal_account_from_another_origin(page, host_pages, live_server, make_widget, subscriber, screenshot,
                                              browser_log):
    widget = make_widget(type=WidgetType.PERSONAL_ACCOUNT, hostnames=SITE, name="My account")
    run_the_flow(page, host_pages, live_server, widget, screenshot, "account")
    check_the_records(widget, subscriber)
    assert {f"{SITE}:{host_pages.port}", live_server.url.split("//")[1]} <= browser_log.hosts()


def test_personal_account_with_third_party_cookies_blocked(third_party_cookies_page, host_pages, live_server,
                                                           make_widget, subscriber, screenshot):
    widget = make_widget(type=WidgetType.PERSONAL_ACCOUNT, hostnames=SITE, name="My account")
    tab = third_party_cookies_page(blocked=True)
    run_the_flow(tab, host_pages, live_server, widget, screenshot, "account-cookies-blocked")
    check_the_records(widget, subscriber)
