"""The registration widget in a real Chromium, embedded with the documented snippet on a page of another
origin: the form, the captcha, the code from the console, the credentials shown once; the same with
third-party cookies blocked (the widget needs none)."""
import re

import pytest
from captcha.models import CaptchaStore

from tvmiddleware.models import ActionOrigin, Customer, SubscriberAction
from widgets.models import WidgetType

pytestmark = pytest.mark.browser

SITE = "shop.test"


def snippet(live_server, widget):
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Operator site</title></head>
<body><h1>Join us</h1>
<div id="widget-content"></div>
<script id="widget-script" type="text/javascript"></script>
<script>document.getElementById('widget-script').src =
  '{live_server.url}/widgets/api/get/{widget.public_id}?container_id=widget-content&time=' + Math.random();</script>
</body></html>"""


@pytest.fixture
def sent_messages(monkeypatch):
    """What the console backend would print (the live server runs in this process)."""
    messages = []
    monkeypatch.setattr("tvmiddleware.notify.console_write",
                        lambda channel, to, subject, text: messages.append((to, text)))
    return messages


@pytest.fixture
def registration_widget(make_widget):
    return make_widget(type=WidgetType.REGISTRATION, hostnames=SITE, name="Join", settings={
        "policy_url": f"http://{SITE}/privacy", "offer_url": f"http://{SITE}/offer",
        "account_page_url": f"http://{SITE}/my"})


def sign_up(tab, host_pages, live_server, widget, sent_messages, screenshot, *, email, prefix):
    tab.goto(host_pages.serve("/join.html", snippet(live_server, widget), host=SITE))
    tab.wait_for_selector("#widget-content iframe.tvmw-widget-frame")
    frame = tab.frame_locator("#widget-content iframe")
    frame.get_by_label("First name").fill("Ivan")
    frame.get_by_label("E-mail").fill(email)
    frame.get_by_role("checkbox").check()
    assert frame.get_by_role("link", name="privacy policy").get_attribute("href") == f"http://{SITE}/privacy"
    key = frame.locator("input[name=captcha_0]").get_attribute("value")
    frame.get_by_label("Letters in the picture").fill(CaptchaStore.objects.get(hashkey=key).response)
    screenshot(f"{prefix}-form", tab=tab)
    frame.get_by_role("button", name="Get a confirmation code").click()

    frame.get_by_label("Confirmation code").wait_for()
    assert email in frame.locator(".tvmw-registration__sent").inner_text()
    to, text = sent_messages[-1]
    assert to == email
    code = re.search(r": (\d{6})\n", text)[1]
    frame.get_by_label("Confirmation code").fill(code)
    screenshot(f"{prefix}-code", tab=tab)
    frame.get_by_role("button", name="Sign up").click()

    frame.locator(".tvmw-registration__done").wait_for()
    abonement = frame.locator('[data-field="abonement"]').inner_text()
    password = frame.locator('[data-field="password"]').inner_text()
    assert frame.get_by_role("link", name="Go to your personal account").get_attribute("href") == f"http://{SITE}/my"
    screenshot(f"{prefix}-done", tab=tab)
    customer = Customer.objects.get(email=email)
    account = customer.accounts.get()
    assert account.abonement == abonement and len(password) >= 8 and password not in account.password
    assert set(SubscriberAction.objects.filter(customer=customer).values_list("origin", "widget_id")) == {
        (ActionOrigin.WIDGET, widget.public_id)}


def test_sign_up_from_another_origin(page, host_pages, live_server, registration_widget, sent_messages, screenshot,
                                     browser_log):
    sign_up(page, host_pages, live_server, registration_widget, sent_messages, screenshot,
            email="ivan@example.com", prefix="registration")
    assert {f"{SITE}:{host_pages.port}", live_server.url.split("//")[1]} <= browser_log.hosts()


def test_sign_up_with_third_party_cookies_blocked(third_party_cookies_page, host_pages, live_server,
                                                  registration_widget, sent_messages, screenshot):
    tab = third_party_cookies_page(blocked=True)
    sign_up(tab, host_pages, live_server, registration_widget, sent_messages, screenshot,
            email="olga@example.com", prefix="registration-cookies-blocked")
