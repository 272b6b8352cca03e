"""The registration widget: sign-up with a confirmation code, its limits, its form protection, tenancy,
what is logged, and hostile input (widgets/pages/registration.py, widgets/registration.py)."""
import random
import re
import string
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tvmiddleware.models import Account, ActionOrigin, Customer, SelfServiceSettings, SubscriberAction
from widgets.models import RegistrationCode, WidgetType
from widgets.pages import registration as page
from widgets.services import clean_settings

pytestmark = pytest.mark.django_db

HIDDEN_RE = re.compile(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)">')


def url(widget, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("widgets:show", args=[widget.public_id]) + (f"?{query}" if query else "")


def hidden_fields(html: str, step: str) -> dict:
    """The hidden fields of the page's form of `step`."""
    for form in html.split("<form")[1:]:
        fields = dict(HIDDEN_RE.findall(form))
        if fields.get("step") == step:
            return fields
    raise AssertionError(f"no form of step {step!r} in the page")


def captcha_answer(html: str) -> tuple[str, str]:
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html)[1]
    return key, CaptchaStore.objects.get(hashkey=key).response


def console_code(capsys) -> str:
    out = capsys.readouterr().out
    return re.findall(r"confirmation code for signing up with .*: (\d{6})", out)[-1]


@pytest.fixture
def widget(make_widget):
    return make_widget(type=WidgetType.REGISTRATION, name="Sign up", settings={
        "policy_url": "https://site.example/privacy", "offer_url": "https://site.example/offer",
        "account_page_url": "https://site.example/my"})


def start(client, widget, *, contact="ivan@example.com", firstname="Ivan", consent=True, captcha=None, **extra):
    html = client.get(url(widget)).content.decode()
    data = hidden_fields(html, "register")
    key, answer = captcha_answer(html)
    data.update(firstname=firstname, contact=contact, captcha_0=key, captcha_1=captcha or answer)
    if consent:
        data["consent"] = "on"
    headers = {name: value for name, value in extra.items() if name.isupper()}
    data.update({name: value for name, value in extra.items() if not name.isupper()})
    return client.post(url(widget), data, **headers)


def confirm(client, widget, response, code, password="", **headers):
    data = hidden_fields(response.content.decode(), "confirm")
    data.update(code=code, password=password)
    return client.post(url(widget), data, **headers)


# --- settings ----------------------------------------------------------------------------------------

def test_settings_defaults_and_validation():
    assert clean_settings(WidgetType.REGISTRATION, {}) == {
        "contact": "email", "policy_url": "", "offer_url": "", "account_page_url": "", "language": ""}
    for bad in ({"contact": "fax"}, {"policy_url": "javascript:alert(1)"}, {"offer_url": "ftp://x.example/"},
                {"account_page_url": "https://"}, {"policy_url": 5}, {"account_page_url": "//evil.example/x"},
                {"language": "de"}, {"contact": ["email"]}):
        with pytest.raises(ValidationError):
            clean_settings(WidgetType.REGISTRATION, bad)


# --- the happy path -----------------------------------------------------------------------------------

def test_sign_up_by_email_creates_the_customer_and_shows_the_credentials_once(client, widget, capsys,
                                                                            client_obj):
    default_tariff = factories.TariffFactory(client=client_obj, assigned_by_default=True)
    form = client.get(url(widget))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'href="https://site.example/privacy"' in html and 'href="https://site.example/offer"' in html
    assert 'type="email"' in html and "captcha_1" in html
    assert form["Cache-Control"] == "no-store"
    assert form["Content-Security-Policy"] == "frame-ancestors site.example:* localhost:*"

    sent = start(client, widget)
    assert sent.status_code == 200, sent.content.decode()
    assert "ivan@example.com" in sent.content.decode() and 'name="signup"' in sent.content.decode()
    code = console_code(capsys)
    row = RegistrationCode.objects.get()
    assert row.code_hash != code and code not in row.code_hash and row.kind == "email"

    done = confirm(client, widget, sent, code, password="Secret-123")
    body = done.content.decode()
    assert done.status_code == 200, body
    assert done["Cache-Control"] == "no-store"
    customer = Customer.objects.get(client=client_obj, email="ivan@example.com")
    assert customer.firstname == "Ivan"
    account = Account.objects.get(customer=customer)
    assert f'data-field="abonement">{account.abonement}<' in body
    assert 'data-field="password">Secret-123<' in body
    assert "Secret-123" not in account.password and check_password("Secret-123", account.password)
    assert 'href="https://site.example/my"' in body
    assert customer.subscriptions.filter(tariff=default_tariff).exists()
    # Every action carries the widget as its origin.
    actions = SubscriberAction.objects.filter(customer=customer)
    assert {a.action for a in actions} >= {"registered", "account_created"}
    assert {(a.origin, a.widget_id) for a in actions} == {(ActionOrigin.WIDGET, widget.public_id)}
    # The credentials are shown once: sending the same form again does not show them.
    again = confirm(client, widget, sent, code, password="Secret-123")
    assert again.status_code == 400 and "Secret-123" not in again.content.decode()
    assert Customer.objects.filter(client=client_obj).count() == 1


def test_generated_password_and_phone_sign_up(client, make_widget, capsys, client_obj):
    widget = make_widget(type=WidgetType.REGISTRATION, settings={"contact": "phone"})
    html = client.get(url(widget)).content.decode()
    assert 'type="tel"' in html
    assert "I agree that my details are used" in html  # no policy or offer configured
    sent = start(client, widget, contact="+7 (912) 000-11-22", firstname="")
    assert sent.status_code == 200, sent.content.decode()
    done = confirm(client, widget, sent, console_code(capsys))
    assert done.status_code == 200
    password = re.search(r'data-field="password">([^<]+)<', done.content.decode())[1]
    assert len(password) >= 8
    customer = Customer.objects.get(client=client_obj)
    assert customer.mobile_phone_number == "+79120001122" and customer.email == ""
    account = customer.accounts.get()
    assert account.password != password


def test_email_or_phone_takes_either(client, make_widget, capsys, client_obj):
    widget = make_widget(type=WidgetType.REGISTRATION, settings={"contact": "email_or_phone"})
    sent = start(client, widget, contact="79120000133")
    assert sent.status_code == 200
    assert RegistrationCode.objects.get().kind == "phone"
    assert start(client, widget, contact="Olga@Example.com").status_code == 200
    assert RegistrationCode.objects.filter(kind="email", target="olga@example.com").exists()
    bad = start(client, widget, contact="not a contact")
    assert bad.status_code == 400 and "e-mail address or a mobile number" in bad.content.decode()


def test_operator_channel_sends_email(client, widget, client_obj, mailoutbox):
    SelfServiceSettings.objects.create(client=client_obj, reset_password_channel="email")
    assert start(client, widget).status_code == 200
    assert mailoutbox[0].to == ["ivan@example.com"]
    assert re.search(r"\d{6}", mailoutbox[0].body)


def test_operator_channel_sends_sms_to_a_number(client, make_widget, client_obj, capsys):
    SelfServiceSettings.objects.create(client=client_obj, reset_password_channel="sms")
    widget = make_widget(type=WidgetType.REGISTRATION, settings={"contact": "phone"})
    assert start(client, widget, contact="+7 912 000 11 55").status_code == 200
    out = capsys.readouterr().out
    assert "--- sms message to +79120001155" in out and re.search(r"signing up with .*: \d{6}", out)


def test_a_code_that_cannot_be_sent_keeps_no_sign_up(client, widget, monkeypatch):
    from tvmiddleware.notify import DeliveryFailed

    def fail(*args, **kwargs):
        raise DeliveryFailed("The e-mail could not be sent.")

    monkeypatch.setattr("widgets.registration.deliver", fail)
    response = start(client, widget)
    assert response.status_code == 200 and "could not be sent" in response.content.decode()
    assert not RegistrationCode.objects.exists()


def test_neither_code_nor_password_reaches_a_log(client, widget, capsys, caplog):
    caplog.set_level("DEBUG")
    sent = start(client, widget)
    code = console_code(capsys)
    done = confirm(client, widget, sent, code, password="Hidden-pass-42")
    assert done.status_code == 200
    assert code not in caplog.text and "Hidden-pass-42" not in caplog.text
    assert "ivan@example.com" not in caplog.text  # the delivery log masks the address


# --- codes ---------------------------------------------------------------------------------------------

def test_wrong_code_counts_tries_until_spent(client, widget, capsys):
    sent = start(client, widget)
    code = console_code(capsys)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = confirm(client, widget, sent, wrong)
        assert response.status_code == 400
        assert f"Tries left: {left}." in response.content.decode()
        assert 'aria-describedby="tvmw-code-error"' in response.content.decode()
    response = confirm(client, widget, sent, wrong)
    assert "Too many wrong codes" in response.content.decode()
    # Even the right code no longer works.
    response = confirm(client, widget, sent, code)
    assert response.status_code == 400 and "Too many wrong codes" in response.content.decode()
    assert not Customer.objects.exists()
    assert RegistrationCode.objects.get().attempts == 5


def test_expired_code(client, widget, capsys):
    sent = start(client, widget)
    code = console_code(capsys)
    RegistrationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = confirm(client, widget, sent, code)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not Customer.objects.exists()


def test_malformed_code_is_a_field_error(client, widget, capsys):
    sent = start(client, widget)
    response = confirm(client, widget, sent, "12ab")
    assert response.status_code == 400 and "The code is 6 digits." in response.content.decode()
    assert RegistrationCode.objects.get().attempts == 0
    weak = confirm(client, widget, sent, console_code(capsys), password="a b")
    assert weak.status_code == 400 and "no spaces" in weak.content.decode()


def test_resend_replaces_the_code_and_is_limited(client, widget, capsys):
    sent = start(client, widget)
    first = console_code(capsys)
    data = hidden_fields(sent.content.decode(), "resend")
    too_soon = client.post(url(widget), data)
    assert too_soon.status_code == 429 and "less than a minute" in too_soon.content.decode()
    RegistrationCode.objects.update(sent_at=timezone.now() - timedelta(minutes=2))
    again = client.post(url(widget), data)
    assert again.status_code == 200 and "A new code was sent." in again.content.decode()
    second = console_code(capsys)
    if first != second:
        assert confirm(client, widget, again, first).status_code == 400
    assert confirm(client, widget, again, second).status_code == 200


def test_a_newer_sign_up_replaces_the_older(client, widget, capsys):
    older = start(client, widget)
    older_code = console_code(capsys)
    newer = start(client, widget)
    newer_code = console_code(capsys)
    assert "replaced" in confirm(client, widget, older, older_code).content.decode()
    assert confirm(client, widget, newer, newer_code).status_code == 200


# --- limits --------------------------------------------------------------------------------------------

def test_sign_ups_are_limited_per_caller_address(client, widget):
    for i in range(page.SIGNUPS_PER_HOUR):
        assert start(client, widget, contact=f"user{i}@example.com").status_code == 200
    refused = start(client, widget, contact="late@example.com")
    assert refused.status_code == 429 and "Too many sign-ups" in refused.content.decode()
    assert not RegistrationCode.objects.filter(target="late@example.com").exists()
    # Another address is not held back.
    assert start(client, widget, contact="other@example.com", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_codes_are_limited_per_email(client, widget):
    for i in range(5):
        assert start(client, widget, REMOTE_ADDR=f"10.0.0.{i + 1}").status_code == 200
    refused = start(client, widget, REMOTE_ADDR="10.0.0.99")
    assert refused.status_code == 429 and "Too many codes" in refused.content.decode()


def test_wrong_captcha_is_refused(client, widget):
    response = start(client, widget, captcha="wrong")
    assert response.status_code == 400
    html = response.content.decode()
    assert "do not match the picture" in html and 'aria-describedby="tvmw-captcha-error"' in html
    assert 'value="ivan@example.com"' in html  # what was typed is kept
    assert not RegistrationCode.objects.exists()


def test_consent_is_required(client, widget):
    response = start(client, widget, consent=False)
    assert response.status_code == 400 and "Agree to continue." in response.content.decode()
    assert not RegistrationCode.objects.exists()


def test_an_existing_email_or_phone_is_refused(client, widget, make_widget, client_obj, capsys):
    factories.CustomerFactory(client=client_obj, email="Ivan@Example.com", mobile_phone_number="+79120000144")
    response = start(client, widget)
    assert response.status_code == 409
    assert "already exists: log in, or reset the password" in response.content.decode()
    assert not RegistrationCode.objects.exists() and "confirmation code" not in capsys.readouterr().out
    phone_widget = make_widget(type=WidgetType.REGISTRATION, settings={"contact": "phone"})
    assert start(client, phone_widget, contact="79120000144").status_code == 409


def test_the_address_registered_meanwhile_is_refused_at_confirmation(client, widget, client_obj, capsys):
    sent = start(client, widget)
    code = console_code(capsys)
    factories.CustomerFactory(client=client_obj, email="ivan@example.com")
    response = confirm(client, widget, sent, code)
    assert response.status_code == 409 and Customer.objects.filter(client=client_obj).count() == 1


def test_another_operators_customer_does_not_count(client, widget, other_client, capsys, client_obj):
    factories.CustomerFactory(client=other_client, email="ivan@example.com")
    sent = start(client, widget)
    assert sent.status_code == 200
    assert confirm(client, widget, sent, console_code(capsys)).status_code == 200
    assert Customer.objects.get(client=client_obj, email="ivan@example.com")


# --- form protection ------------------------------------------------------------------------------------

def test_form_token_missing_forged_or_of_another_widget(client, widget, make_widget, capsys):
    other = make_widget(type=WidgetType.REGISTRATION)
    html = client.get(url(widget)).content.decode()
    data = hidden_fields(html, "register")
    key, answer = captcha_answer(html)
    base = {"contact": "ivan@example.com", "consent": "on", "captcha_0": key, "captcha_1": answer, "step": "register"}
    assert client.post(url(widget), base).status_code == 403
    assert client.post(url(widget), {**base, "form_token": data["form_token"] + "x"}).status_code == 403
    assert client.post(url(other), {**base, "form_token": data["form_token"]}).status_code == 403
    # A register token does not confirm.
    assert client.post(url(widget), {**data, "step": "confirm"}).status_code == 403
    assert not RegistrationCode.objects.exists()

    sent = start(client, widget)
    code = console_code(capsys)
    fields = hidden_fields(sent.content.decode(), "confirm")
    forged = {**fields, "code": code, "signup": fields["signup"][:-2] + "xx"}
    assert client.post(url(widget), forged).status_code == 403
    missing = {k: v for k, v in fields.items() if k != "signup"}
    assert client.post(url(widget), {**missing, "code": code}).status_code == 403
    # The pending sign-up of one widget is not confirmed through another of the operator.
    other_html = client.get(url(other)).content.decode()
    other_fields = hidden_fields(other_html, "register")
    response = client.post(url(other), {**other_fields, "step": "confirm", "signup": fields["signup"], "code": code})
    assert response.status_code == 403
    assert not Customer.objects.exists()


def test_a_post_from_another_site_is_refused(client, widget, capsys):
    response = start(client, widget, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    sent = start(client, widget)
    code = console_code(capsys)
    # Even an allowed site may not post the form: only the widget's own page (the middleware's origin).
    refused = confirm(client, widget, sent, code, HTTP_ORIGIN="https://site.example")
    assert refused.status_code == 403
    assert not Customer.objects.exists()
    assert confirm(client, widget, sent, code, HTTP_ORIGIN="http://testserver").status_code == 200


def test_unknown_step_is_a_4xx(client, widget):
    assert client.post(url(widget), {"step": "pay"}).status_code == 400


def test_russian_page(client, widget):
    html = client.get(url(widget, lang="ru")).content.decode()
    assert "Получить код подтверждения" in html and 'lang="ru"' in html


# --- hostile input --------------------------------------------------------------------------------------

def test_hostile_values_never_answer_5xx(client, widget, capsys):
    rng = random.Random(7)
    alphabet = string.printable + "йё€\u2028\x00"
    values = ["", "0", "-1", "9" * 40, "\x00", "a" * 5000, "<script>alert(1)</script>", "null", "@", "a@b",
              "+", "+" * 20, "1" * 6, "ру@пример.рф", "' OR 1=1 --", "%00", "\u2028"]
    html = client.get(url(widget)).content.decode()
    register = hidden_fields(html, "register")
    sent = start(client, widget)
    confirm_fields = hidden_fields(sent.content.decode(), "confirm")
    resend_fields = hidden_fields(sent.content.decode(), "resend")
    names = ["firstname", "contact", "consent", "captcha_0", "captcha_1", "code", "password", "signup", "step",
             "form_token", "ws"]
    for _ in range(120):
        base = dict(rng.choice([register, confirm_fields, resend_fields]))
        for name in rng.sample(names, 4):
            base[name] = rng.choice(values + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))])
        response = client.post(url(widget, lang=rng.choice(["", "ru", "xx"])), base)
        assert response.status_code < 500, base
        assert b"<script>alert(1)</script>" not in response.content
    for _ in range(30):
        params = {name: rng.choice(values) for name in rng.sample(["lang", "ws", "step", "q", "signup"], 2)}
        response = client.get(reverse("widgets:show", args=[widget.public_id]), params,
                              HTTP_REFERER=rng.choice(["", "http://[x", "https://site.example/"]))
        assert response.status_code < 500, params


def test_tenant_isolation_of_pending_sign_ups(client, widget, make_widget, other_client, capsys):
    foreign = make_widget(type=WidgetType.REGISTRATION, client=other_client)
    sent = start(client, foreign)
    code = console_code(capsys)
    fields = hidden_fields(sent.content.decode(), "confirm")
    own_html = client.get(url(widget)).content.decode()
    own = hidden_fields(own_html, "register")
    response = client.post(url(widget), {**own, "step": "confirm", "signup": fields["signup"], "code": code})
    assert response.status_code == 403
    assert not Customer.objects.exists()
    assert confirm(client, foreign, sent, code).status_code == 200
    assert Customer.objects.get().client_id == other_client.pk
