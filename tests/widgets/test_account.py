"""The personal-account widget (widgets/pages/account.py) through Django's test client: logging in and
out, sessions carried in `ws` without any cookie, every page and form, tenancy, hostile input."""
import hashlib
import random
import re
import string
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from captcha.models import CaptchaStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.services import transaction_create
from payments.models import Merchant, MerchantType
from tests import factories
from tvmiddleware.models import AccountDevice, ActionOrigin, SubscriberAction, TariffSubscription
from tvmiddleware.services.tariffs import tariff_assign
from widgets.models import WidgetSession, WidgetType
from widgets.security import COOKIE_NAME, form_token
from widgets.services import clean_settings

pytestmark = pytest.mark.django_db

PASSWORD = "1234"  # the factories' password


# --- helpers ---------------------------------------------------------------------------------------

def url_of(widget):
    return reverse("widgets:show", args=[widget.public_id])


def form_fields(html: str, action: str) -> dict:
    """The hidden fields of the page's form whose `action` field is `action`."""
    for form in re.findall(r"<form\b.*?</form>", html, flags=re.S):
        fields = {name: unescape(value) for name, value in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
        if fields.get("action") == action:
            return fields
    raise AssertionError(f"no form {action!r} on the page")


def session_key_in(html: str) -> str:
    match = re.search(r'name="ws" value="([^"]+)"', html)
    assert match, "no session key in the page"
    return match.group(1)


def post(client, widget, fields, **data):
    client.cookies.clear()  # the widget never needs its cookie: the key travels in the form
    return client.post(url_of(widget), {**fields, **data})


def login(client, widget, abonement, password=PASSWORD, **extra):
    page = client.get(url_of(widget)).content.decode()
    return post(client, widget, form_fields(page, "login"), abonement=abonement, password=password, **extra)


def logged_in(client, widget, account):
    response = login(client, widget, account.abonement)
    assert response.status_code == 200, response.content[:500]
    return session_key_in(response.content.decode())


def view(client, widget, key, name="overview", **params):
    client.cookies.clear()
    return client.get(url_of(widget), {"ws": key, "view": name, **params})


def act(client, widget, key, view_name, action, data=None, **more):
    """Send the `action` form of the page `view_name` (its token and key read from that page; when the
    page shows no such form, e.g. nothing to drop, the token its form would carry)."""
    page = view(client, widget, key, view_name).content.decode()
    try:
        fields = form_fields(page, action)
    except AssertionError:
        session = WidgetSession.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest())
        fields = {"form_token": form_token(widget, session, action), "ws": key, "action": action}
    return post(client, widget, fields, **(data or {}), **more)


def fund(customer, amount):
    transaction_create(client=customer.client, customer=customer, amount=Decimal(amount),
                       source=TransactionSource.MANUAL)
    customer.refresh_from_db()


def widget_actions(widget, action):
    return SubscriberAction.objects.filter(action=action, origin=ActionOrigin.WIDGET, widget_id=widget.public_id)


@pytest.fixture
def widget(make_widget):
    return make_widget(type=WidgetType.PERSONAL_ACCOUNT, name="My account")


@pytest.fixture
def subscriber(customer, account, basic_tariff):
    tariff_assign(customer=customer, tariff=basic_tariff)
    return account


# --- settings --------------------------------------------------------------------------------------

def test_settings_defaults_and_validation():
    assert clean_settings(WidgetType.PERSONAL_ACCOUNT, {}) == {
        "account_page_url": "", "allow_new_accounts": True, "language": ""}
    assert clean_settings(WidgetType.PERSONAL_ACCOUNT, {"account_page_url": "https://shop.example/my"})[
        "account_page_url"] == "https://shop.example/my"
    from django.core.exceptions import ValidationError
    for bad in ({"account_page_url": "javascript:alert(1)"}, {"account_page_url": 5},
                {"account_page_url": "http://[x"}, {"allow_new_accounts": "yes"}, {"payment": 1}):
        with pytest.raises(ValidationError):
            clean_settings(WidgetType.PERSONAL_ACCOUNT, bad)


# --- logging in ------------------------------------------------------------------------------------

def test_login_form_first(client, widget):
    response = client.get(url_of(widget))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="abonement"' in body and 'type="password"' in body and "captcha_1" not in body
    assert response["Cache-Control"] == "no-store"
    assert "frame-ancestors" in response["Content-Security-Policy"]


def test_login_ok_shows_the_account_and_is_logged_as_the_widget(client, widget, subscriber, customer):
    fund(customer, "12.50")
    response = login(client, widget, subscriber.abonement)
    body = response.content.decode()
    assert response.status_code == 200
    assert "12.50" in body and subscriber.abonement in body
    session = WidgetSession.objects.get()
    assert session.widget == widget and session.account == subscriber
    assert widget_actions(widget, "logged_in").filter(account=subscriber).count() == 1


def test_wrong_password_and_unknown_abonement(client, widget, subscriber):
    for abonement, password in ((subscriber.abonement, "nope"), ("999999999", PASSWORD)):
        response = login(client, widget, abonement, password)
        assert response.status_code == 401
        assert "The account number or the password is wrong." in response.content.decode()
    assert not WidgetSession.objects.exists()


def test_malformed_login_is_a_400_with_the_field_marked(client, widget):
    response = login(client, widget, "12ab", "")
    body = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_abonement-error"' in body and 'id="id_abonement-error"' in body


def test_rate_limited_login(client, widget, subscriber, settings):
    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT = 2
    assert login(client, widget, subscriber.abonement, "bad1").status_code == 401
    assert login(client, widget, subscriber.abonement, "bad2").status_code == 401
    response = login(client, widget, subscriber.abonement)  # right, but past the limit
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not WidgetSession.objects.exists()


def test_captcha_after_three_attempts(client, widget, subscriber):
    for _ in range(3):
        assert login(client, widget, subscriber.abonement, "bad").status_code == 401
    response = login(client, widget, subscriber.abonement)  # the fourth: needs the letters
    body = response.content.decode()
    assert response.status_code == 400 and "captcha" in body
    assert not WidgetSession.objects.exists()
    hashkey = re.search(r'name="captcha_0" value="([^"]+)"', body).group(1)
    wrong = post(client, widget, form_fields(body, "login"), abonement=subscriber.abonement, password=PASSWORD,
                 captcha_0=hashkey, captcha_1="zzzzz")
    assert wrong.status_code == 400 and not WidgetSession.objects.exists()
    body = wrong.content.decode()
    hashkey = re.search(r'name="captcha_0" value="([^"]+)"', body).group(1)
    answer = CaptchaStore.objects.get(hashkey=hashkey).response
    ok = post(client, widget, form_fields(body, "login"), abonement=subscriber.abonement, password=PASSWORD,
              captcha_0=hashkey, captcha_1=answer)
    assert ok.status_code == 200 and WidgetSession.objects.count() == 1


def test_successful_logins_never_bring_the_captcha(client, widget, subscriber):
    for _ in range(5):  # a household logging in again and again from one address
        response = login(client, widget, subscriber.abonement)
        assert response.status_code == 200 and "captcha_1" not in response.content.decode()
    for _ in range(3):
        assert login(client, widget, subscriber.abonement, "bad").status_code == 401
    assert login(client, widget, subscriber.abonement).status_code == 400  # three failures: the letters asked


def test_another_operators_account_cannot_log_in(client, widget, other_client):
    foreign = factories.AccountFactory(customer=factories.CustomerFactory(client=other_client))
    assert login(client, widget, foreign.abonement).status_code == 401
    assert not WidgetSession.objects.exists()


def test_inactive_login_may_still_log_in_to_pay(client, widget, subscriber):
    subscriber.active = False
    subscriber.save()
    assert login(client, widget, subscriber.abonement).status_code == 200


# --- the session -----------------------------------------------------------------------------------

def test_session_in_ws_works_without_any_cookie(client, widget, subscriber):
    response = login(client, widget, subscriber.abonement)
    key = session_key_in(response.content.decode())
    # The login set the cookie (Lax over HTTP); the next requests carry none.
    assert COOKIE_NAME in response["Set-Cookie"]
    for name in ("overview", "tariffs", "accounts", "devices", "payments", "profile"):
        page = view(client, widget, key, name)
        assert page.status_code == 200, name
        assert 'name="abonement"' not in page.content.decode(), name
        assert f"ws={key}" in page.content.decode()  # the nav keeps the key


def test_logging_in_again_with_a_live_cookie(client, widget, subscriber):
    first = logged_in(client, widget, subscriber)
    page = client.get(url_of(widget)).content.decode()  # no cookie: the login form
    client.cookies[COOKIE_NAME] = first  # another tab's session comes along with the form
    response = client.post(url_of(widget), {**form_fields(page, "login"), "abonement": subscriber.abonement,
                                            "password": PASSWORD})
    assert response.status_code == 200 and session_key_in(response.content.decode()) != first
    assert WidgetSession.objects.count() == 2


def test_cookie_alone_also_works(client, widget, subscriber):
    key = logged_in(client, widget, subscriber)
    client.cookies[COOKIE_NAME] = key
    body = client.get(url_of(widget), {"view": "tariffs"}).content.decode()
    assert "Log out" in body


@pytest.mark.parametrize("how", ["expired", "idle", "ended"])
def test_dead_session_shows_the_login_form(client, widget, subscriber, how):
    key = logged_in(client, widget, subscriber)
    now = timezone.now()
    sessions = WidgetSession.objects.all()
    if how == "expired":
        sessions.update(expires_at=now - timedelta(seconds=1))
    elif how == "idle":
        sessions.update(last_seen_at=now - timedelta(seconds=WidgetSession.IDLE_SECONDS + 5))
    else:
        sessions.update(ended_at=now)
    response = view(client, widget, key, "payments")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="abonement"' in body and "session has ended" in body
    # Carried by the cookie alone, the dead key is cleared.
    client.cookies[COOKIE_NAME] = key
    response = client.get(url_of(widget))
    assert 'name="abonement"' in response.content.decode()
    assert f"{COOKIE_NAME}=;" in response["Set-Cookie"] and "Max-Age=0" in response["Set-Cookie"]


def test_dead_session_form_post_shows_the_login_form(client, widget, subscriber, additional_tariff, customer):
    key = logged_in(client, widget, subscriber)
    fields = form_fields(view(client, widget, key, "tariffs").content.decode(), "subscribe")
    WidgetSession.objects.update(ended_at=timezone.now())
    response = post(client, widget, fields, tariff_id=additional_tariff.pk)
    assert 'name="abonement"' in response.content.decode()
    assert not TariffSubscription.objects.filter(tariff=additional_tariff).exists()


def test_other_widgets_session_is_refused(client, widget, make_widget, subscriber):
    key = logged_in(client, widget, subscriber)
    other = make_widget(type=WidgetType.PERSONAL_ACCOUNT, name="Other")
    body = view(client, other, key).content.decode()
    assert 'name="abonement"' in body and "Log out" not in body


def test_logout_ends_the_session_and_clears_the_cookie(client, widget, subscriber):
    key = logged_in(client, widget, subscriber)
    response = act(client, widget, key, "overview", "logout")
    assert response.status_code == 200
    assert "You have logged out." in response.content.decode()
    assert f"{COOKIE_NAME}=;" in response["Set-Cookie"] and "Max-Age=0" in response["Set-Cookie"]
    assert WidgetSession.objects.get().ended_at is not None
    assert 'name="abonement"' in view(client, widget, key).content.decode()


# --- form protection -------------------------------------------------------------------------------

def test_forged_form_token_is_refused(client, widget, subscriber, additional_tariff, customer):
    fund(customer, "100")
    key = logged_in(client, widget, subscriber)
    fields = form_fields(view(client, widget, key, "tariffs").content.decode(), "subscribe")
    for token in ("", "forged", fields["form_token"][:-2] + "xx"):
        response = post(client, widget, {**fields, "form_token": token}, tariff_id=additional_tariff.pk)
        assert response.status_code == 403
    # A token of another purpose does not do this one's work.
    logout_fields = form_fields(view(client, widget, key, "tariffs").content.decode(), "logout")
    response = post(client, widget, {**logout_fields, "action": "subscribe"}, tariff_id=additional_tariff.pk)
    assert response.status_code == 403
    # Nor does a form posted from another site.
    response = client.post(url_of(widget), {**fields, "tariff_id": additional_tariff.pk},
                           HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not TariffSubscription.objects.filter(tariff=additional_tariff).exists()


def test_unknown_action_and_view_are_400(client, widget, subscriber):
    key = logged_in(client, widget, subscriber)
    assert view(client, widget, key, "secrets").status_code == 400
    assert client.post(url_of(widget), {"action": "drop_tables", "ws": key}).status_code == 400


# --- tariffs ---------------------------------------------------------------------------------------

def test_tariffs_page_lists_held_and_offered_with_prices(client, widget, subscriber, additional_tariff,
                                                         client_obj):
    factories.TariffFactory(client=client_obj, name="Hidden one", hidden=True)
    factories.TariffFactory(client=factories.ClientFactory(), name="Foreign one")
    key = logged_in(client, widget, subscriber)
    body = view(client, widget, key, "tariffs").content.decode()
    held, offered = body.split("Available tariffs")
    assert "Base" in held and "Sport" in offered and "10.00" in offered
    assert "Hidden one" not in body and "Foreign one" not in body


def test_subscribe_charges_the_balance_and_logs_it(client, widget, subscriber, customer, additional_tariff):
    additional_tariff.price = Decimal("7.35")
    additional_tariff.save()
    fund(customer, "20.00")
    key = logged_in(client, widget, subscriber)
    response = act(client, widget, key, "tariffs", "subscribe", tariff_id=additional_tariff.pk)
    assert response.status_code == 200, response.content[:800]
    assert "Connected: Sport." in response.content.decode()
    customer.refresh_from_db()
    assert customer.balance == Decimal("12.65")
    row = CustomerTransaction.objects.get(customer=customer, source=TransactionSource.CHARGE)
    assert row.amount == Decimal("-7.35") and row.balance_after == Decimal("12.65")
    assert TariffSubscription.objects.filter(customer=customer, tariff=additional_tariff, is_closed=False).exists()
    assert widget_actions(widget, "tariffs_subscribed").filter(customer=customer).count() == 1
    assert 'data-balance="12.65"' in response.content.decode()


def test_insufficient_funds(client, widget, subscriber, customer, additional_tariff):
    fund(customer, "3.00")
    key = logged_in(client, widget, subscriber)
    response = act(client, widget, key, "tariffs", "subscribe", tariff_id=additional_tariff.pk)
    body = response.content.decode()
    assert response.status_code == 409
    assert "does not cover" in body and "view=payments" in body  # the Pay link
    customer.refresh_from_db()
    assert customer.balance == Decimal("3.00")
    assert not TariffSubscription.objects.filter(tariff=additional_tariff).exists()


def test_subscribe_refusals(client, widget, subscriber, customer, basic_tariff, client_obj):
    fund(customer, "100")
    foreign = factories.TariffFactory(client=factories.ClientFactory(), basic_tariff_priority=0)
    key = logged_in(client, widget, subscriber)
    assert act(client, widget, key, "tariffs", "subscribe", tariff_id=foreign.pk).status_code == 404
    assert act(client, widget, key, "tariffs", "subscribe", tariff_id=basic_tariff.pk).status_code == 409
    assert act(client, widget, key, "tariffs", "subscribe", tariff_id="x").status_code == 400
    other_basic = factories.TariffFactory(client=client_obj, basic_tariff_priority=2)
    response = act(client, widget, key, "tariffs", "subscribe", tariff_id=other_basic.pk)
    assert response.status_code == 409 and "basic tariff" in response.content.decode()


def test_unsubscribe(client, widget, subscriber, customer, additional_tariff, basic_tariff):
    tariff_assign(customer=customer, tariff=additional_tariff)
    key = logged_in(client, widget, subscriber)
    body = view(client, widget, key, "tariffs").content.decode()
    assert body.count('value="unsubscribe"') == 1  # the basic tariff offers no Disconnect
    response = act(client, widget, key, "tariffs", "unsubscribe", tariff_id=additional_tariff.pk)
    assert response.status_code == 200 and "Disconnected: Sport." in response.content.decode()
    assert not TariffSubscription.objects.filter(tariff=additional_tariff, is_closed=False).exists()
    assert widget_actions(widget, "tariffs_unsubscribed").count() == 1
    # Refusals: the basic tariff, a tariff not held, one the operator keeps.
    assert act(client, widget, key, "tariffs", "unsubscribe", tariff_id=basic_tariff.pk).status_code == 409
    assert act(client, widget, key, "tariffs", "unsubscribe", tariff_id=additional_tariff.pk).status_code == 404
    kept = factories.TariffFactory(client=customer.client, basic_tariff_priority=0, required=True)
    tariff_assign(customer=customer, tariff=kept)
    assert act(client, widget, key, "tariffs", "unsubscribe", tariff_id=kept.pk).status_code == 409


# --- accounts and devices --------------------------------------------------------------------------

def test_create_account_shows_the_password_once(client, widget, subscriber, customer):
    key = logged_in(client, widget, subscriber)
    response = act(client, widget, key, "accounts", "create_account")
    body = response.content.decode()
    assert response.status_code == 200
    abonement = re.search(r'tvmw-created__abonement">(\d+)<', body).group(1)
    password = re.search(r'tvmw-created__password">([^<]+)<', body).group(1)
    created = customer.accounts.get(abonement=abonement)
    assert created.check_password(password)
    assert widget_actions(widget, "account_created").filter(account=created).count() == 1
    again = view(client, widget, key, "accounts").content.decode()
    assert abonement in again and password not in again
    # The new login opens the same personal account.
    assert login(client, widget, abonement, password).status_code == 200


def test_create_account_switched_off(client, make_widget, subscriber, customer):
    widget = make_widget(type=WidgetType.PERSONAL_ACCOUNT, settings={"allow_new_accounts": False})
    key = logged_in(client, widget, subscriber)
    body = view(client, widget, key, "accounts").content.decode()
    assert 'value="create_account"' not in body
    fields = form_fields(view(client, widget, key, "overview").content.decode(), "logout")
    session = WidgetSession.objects.get()
    fields.update(action="create_account", form_token=form_token(widget, session, "create_account"))
    assert post(client, widget, fields).status_code == 403
    assert customer.accounts.count() == 1


def test_devices_listed_and_unbound(client, widget, subscriber, customer, other_client):
    device = factories.AccountDeviceFactory(account=subscriber, device_model="MAG 250")
    foreign = factories.AccountDeviceFactory(account=factories.AccountFactory(
        customer=factories.CustomerFactory(client=other_client)))
    key = logged_in(client, widget, subscriber)
    body = view(client, widget, key, "devices").content.decode()
    assert device.device_uid in body and foreign.device_uid not in body
    assert act(client, widget, key, "devices", "unbind", device_id=foreign.pk).status_code == 404
    assert AccountDevice.objects.filter(pk=foreign.pk).exists()
    response = act(client, widget, key, "devices", "unbind", device_id=device.pk)
    assert response.status_code == 200 and "The device was removed." in response.content.decode()
    assert not AccountDevice.objects.filter(pk=device.pk).exists()
    assert widget_actions(widget, "device_unbound").count() == 1


# --- profile ---------------------------------------------------------------------------------------

def test_profile_edit_and_validation(client, widget, subscriber, customer):
    key = logged_in(client, widget, subscriber)
    response = act(client, widget, key, "profile", "profile", firstname="Анна", lastname="Smith",
                   email="anna@example.com", mobile_phone_number="+7 900 123-45-67")
    assert response.status_code == 200 and "Your profile is saved." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.firstname, customer.email, customer.mobile_phone_number) == (
        "Анна", "anna@example.com", "+7 900 123-45-67")
    assert widget_actions(widget, "profile_changed").count() == 1
    for bad in ({"email": "not-an-email"}, {"mobile_phone_number": "call me"}, {"firstname": "", "lastname": ""},
                {"firstname": "x" * 101}):
        data = {"firstname": "Анна", "lastname": "Smith", "email": "", "mobile_phone_number": "", **bad}
        response = act(client, widget, key, "profile", "profile", **data)
        assert response.status_code == 400, bad
        assert 'aria-invalid="true"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == "anna@example.com"


# --- payments --------------------------------------------------------------------------------------

def test_pay_with_the_null_gateway_credits_at_once(client, widget, subscriber, customer, client_obj):
    Merchant.objects.create(client=client_obj, merchant_type=MerchantType.NULL, name="Demo payments")
    fund(customer, "5.00")
    key = logged_in(client, widget, subscriber)
    response = act(client, widget, key, "payments", "pay", amount="150,50")
    # Settled at once: on to the payments page by GET (reloading it pays nothing again), the key kept.
    assert response.status_code == 303, response.content[:800]
    assert f"ws={key}" in response["Location"] and "view=payments" in response["Location"]
    client.cookies.clear()
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "Paid 150.50" in body and 'data-balance="155.50"' in body
    customer.refresh_from_db()
    assert customer.balance == Decimal("155.50")
    assert CustomerTransaction.objects.filter(customer=customer, source=TransactionSource.PAYMENT,
                                              amount=Decimal("150.50")).exists()
    assert widget_actions(widget, "payment_started").filter(customer=customer).count() == 1
    from payments.models import Payment
    assert Payment.objects.get().source == "widget"


def test_pay_refusals(client, widget, subscriber, customer):
    key = logged_in(client, widget, subscriber)
    for amount in ("", "abc", "0", "-5", "1e5", "0.001", "999999999", "NaN"):
        assert act(client, widget, key, "payments", "pay", amount=amount).status_code == 400, amount
    # No merchant configured: a clear message, nothing credited.
    response = act(client, widget, key, "payments", "pay", amount="10")
    assert response.status_code == 503 and "Payments are not available now" in response.content.decode()
    customer.refresh_from_db()
    assert customer.balance == Decimal("0.00")


def test_payment_history_is_paginated_with_constant_queries(client, widget, subscriber, customer):
    key = logged_in(client, widget, subscriber)

    def queries():
        view(client, widget, key, "payments")  # warm: the session's once-a-minute touch is done
        with CaptureQueriesContext(connection) as captured:
            response = view(client, widget, key, "payments")
        assert response.status_code == 200
        return len(captured)

    fund(customer, "1")
    few = queries()
    for _ in range(45):
        fund(customer, "1")
    assert queries() == few
    first = view(client, widget, key, "payments").content.decode()
    assert first.count("tvmw-history__row") == 20 and "page=2" in first
    last = view(client, widget, key, "payments", page=3).content.decode()
    assert last.count("tvmw-history__row") == 6 and "page=4" not in last
    assert view(client, widget, key, "payments", page="0").status_code == 400
    assert view(client, widget, key, "payments", page="x").status_code == 400


def test_other_customers_ledger_is_not_shown(client, widget, subscriber, customer, client_obj):
    stranger = factories.CustomerFactory(client=client_obj)
    transaction_create(client=client_obj, customer=stranger, amount=Decimal("777.77"),
                       source=TransactionSource.MANUAL)
    key = logged_in(client, widget, subscriber)
    assert "777.77" not in view(client, widget, key, "payments").content.decode()


# --- languages and hostile input -------------------------------------------------------------------

def test_russian(client, make_widget, subscriber):
    widget = make_widget(type=WidgetType.PERSONAL_ACCOUNT, settings={"language": "ru"})
    body = client.get(url_of(widget)).content.decode()
    assert "Пароль" in body and "Войти" in body
    body = login(client, widget, subscriber.abonement).content.decode()
    assert "Баланс" in body and "Тарифы" in body and "Выйти" in body


def test_language_of_the_embed_url_kept_in_links_and_forms(client, widget, subscriber):
    page = client.get(url_of(widget), {"lang": "ru"}).content.decode()
    response = client.post(url_of(widget) + "?lang=ru", {**form_fields(page, "login"), "abonement": subscriber.abonement,
                                                         "password": PASSWORD})
    body = response.content.decode()
    assert "Обзор" in body and "lang=ru" in re.search(r'href="([^"]*view=tariffs[^"]*)"', body).group(1)


def test_hostile_values_never_answer_5xx(client, widget, subscriber, customer, additional_tariff):
    rng = random.Random(7)
    key = logged_in(client, widget, subscriber)
    alphabet = string.printable + "йё€\u2028\x00"
    values = ["", "0", "-1", "9" * 40, "1e999", "NaN", "%00", "\x00", "a" * 5000, "<script>", "null", key]
    actions = {"devices": ["unbind"], "tariffs": ["subscribe", "unsubscribe"], "accounts": ["create_account"],
               "payments": ["pay"], "profile": ["profile"]}
    names = ["tariff_id", "device_id", "amount", "firstname", "lastname", "email", "mobile_phone_number",
             "abonement", "password", "captcha_0", "captcha_1"]
    for _ in range(60):
        page_name = rng.choice(list(actions))
        action = rng.choice(actions[page_name])
        data = {name: rng.choice(values + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))])
                for name in rng.sample(names, 4)}
        if rng.random() < 0.3:
            data[rng.choice(["form_token", "ws", "action"])] = rng.choice(values)
        response = act(client, widget, key, page_name, action, data)
        assert response.status_code < 500, (action, data)
    for params in ({"view": "\x00"}, {"page": "9" * 40, "view": "payments"}, {"ws": "a" * 5000}, {"ws": "é" * 30},
                   {"lang": "<x>"}, {"view": "payments", "paid": "1e999"}, {"view": "payments", "paid": "-5"}):
        assert client.get(url_of(widget), {"ws": key, **params}).status_code < 500
    login_page = client.get(url_of(widget)).content.decode()
    for abonement in values:
        response = post(client, widget, form_fields(login_page, "login"), abonement=abonement, password=abonement)
        assert response.status_code < 500
