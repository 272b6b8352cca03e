"""Account self-service: password change, reset, PIN, PIN by SMS, profiles, templates, account export."""
from __future__ import annotations

import pytest
from django.core import mail

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import (
    Account, AccountProfile, InterfaceTemplate, NotifyChannel, ProfileType, SelfServiceSettings, VerificationCode,
)

from .conftest import DeviceAPI


@pytest.fixture(autouse=True)
def _clean_counters(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def reset_code(capsys) -> str:
    """The last code the console backend printed."""
    out = capsys.readouterr().out
    return out.rsplit("code: ", 1)[1].split()[0]


# --- account/password/change -----------------------------------------------------------------------------

def test_password_change(logged_in, subscriber):
    assert logged_in.json("account/password/change/", old_password="1111", new_password="secret-42") == {
        "error": 0, "error_message": ""}
    account = Account.objects.get(pk=subscriber.account.pk)
    assert account.check_password("secret-42") and not account.check_password("1111")
    assert "secret-42" not in account.password  # hashed


def test_password_change_refusals(logged_in, subscriber, settings):
    assert logged_in.json("account/password/change/", old_password="nope", new_password="secret-42")["error"] == 2
    assert logged_in.json("account/password/change/", old_password="1111", new_password="1")["error"] == 1
    assert logged_in.json("account/password/change/", old_password="1111", new_password="has space")["error"] == 1
    assert logged_in.json("account/password/change/", old_password="1111")["error"] == 1
    settings.TVMIDDLEWARE_SECRET_GUESSES_PER_ACCOUNT = 3
    for _ in range(3):
        assert logged_in.json("account/password/change/", old_password="bad", new_password="secret-42")["error"] == 2
    # past the limit even the right password is not checked
    assert logged_in.json("account/password/change/", old_password="1111", new_password="secret-42")["error"] == 2
    assert Account.objects.get(pk=subscriber.account.pk).check_password("1111")


# --- account/parent_code/set ---------------------------------------------------------------------------

def test_parent_code_set(logged_in, subscriber):
    assert logged_in.json("account/parent_code/set/", post=True, new_pin="1234")["error"] == 0
    assert Account.objects.get(pk=subscriber.account.pk).parent_code == "1234"
    body = logged_in.json("account/parent_code/set/", post=True, new_pin="5678")
    assert body["error"] == 1 and "old_pin" in body["error_messages"]
    body = logged_in.json("account/parent_code/set/", post=True, old_pin="0000", new_pin="5678")
    assert body["error"] == 1 and set(body["error_messages"]) == {"old_pin"}
    body = logged_in.json("account/parent_code/set/", post=True, old_pin="1234", new_pin="12a")
    assert body["error"] == 1 and set(body["error_messages"]) == {"new_pin"}
    assert logged_in.json("account/parent_code/set/", post=True, old_pin="1234", new_pin="5678")["error"] == 0
    assert Account.objects.get(pk=subscriber.account.pk).parent_code == "5678"


# --- account/send_parent_code_by_sms -------------------------------------------------------------------

def test_send_parent_code_by_sms(logged_in, subscriber, capsys):
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 2  # no mobile number
    services.customer_modify(customer=subscriber.customer, mobile_phone_number="+79001234567")
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 3  # no PIN
    services.account_modify(account=subscriber.account, parent_code="4321")
    capsys.readouterr()
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 0
    assert "4321" in capsys.readouterr().out  # the console SMS backend
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 4  # within the interval
    SelfServiceSettings.objects.create(client=subscriber.client, pin_sms_interval_seconds=0, pin_sms_per_day=2)
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 0
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 5  # 2 a day


def test_send_parent_code_sms_gateway_failure(logged_in, subscriber, settings):
    settings.TVMIDDLEWARE_SMS_BACKEND = "tvmiddleware.notify.sms.HttpGatewaySMSBackend"
    settings.TVMIDDLEWARE_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # nothing listens
    services.customer_modify(customer=subscriber.customer, mobile_phone_number="+79001234567")
    services.account_modify(account=subscriber.account, parent_code="4321")
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 1
    settings.TVMIDDLEWARE_SMS_BACKEND = "tvmiddleware.notify.sms.ConsoleSMSBackend"
    assert logged_in.json("account/send_parent_code_by_sms/")["error"] == 0  # the failure did not count


# --- account/reset_password ----------------------------------------------------------------------------

def _reset(api: DeviceAPI, **params) -> dict:
    return api.json("account/reset_password/", auth=False, api_key=api.subscriber.client.api_key, **params)


def test_reset_password_by_console(api, subscriber, capsys):
    services.customer_modify(customer=subscriber.customer, email="ivan@example.com")
    capsys.readouterr()
    assert _reset(api, email="Ivan@Example.com")["error"] == 3
    code = reset_code(capsys)
    assert VerificationCode.objects.get().code_hash != code  # stored hashed
    assert _reset(api, email="ivan@example.com")["error"] == 7  # sent moments ago
    assert _reset(api, email="ivan@example.com", code="000000" if code != "000000" else "111111")["error"] == 5
    assert _reset(api, email="ivan@example.com", code=code)["error"] == 0
    out = capsys.readouterr().out
    new_password = out.split(f"{subscriber.account.abonement}: ", 1)[1].split()[0]
    assert Account.objects.get(pk=subscriber.account.pk).check_password(new_password)
    assert _reset(api, email="ivan@example.com", code=code)["error"] == 5  # used once


def test_reset_password_by_email_and_sms(api, subscriber, capsys):
    services.customer_modify(customer=subscriber.customer, email="ivan@example.com", mobile_phone_number="+79001234567")
    options = SelfServiceSettings.objects.create(client=subscriber.client, reset_password_channel=NotifyChannel.EMAIL)
    assert _reset(api, mobile_phone_number="+7 900 123-45-67")["error"] == 3
    assert mail.outbox[-1].to == ["ivan@example.com"]
    code = mail.outbox[-1].body.rsplit(" ", 1)[1].strip()
    assert _reset(api, mobile_phone_number="+79001234567", code=code)["error"] == 0
    assert subscriber.account.abonement in mail.outbox[-1].body
    VerificationCode.objects.all().delete()
    options.reset_password_channel = NotifyChannel.SMS
    options.save()
    capsys.readouterr()
    assert _reset(api, email="ivan@example.com")["error"] == 3
    assert "sms message to +79001234567" in capsys.readouterr().out


def test_reset_password_refusals(api, subscriber, settings):
    assert _reset(api)["error"] == 1
    assert _reset(api, email="nobody@example.com")["error"] == 2
    other = services.customer_create(client=subscriber.client, firstname="Twin", mobile_phone_number="+79001112233")
    services.customer_modify(customer=subscriber.customer, mobile_phone_number="+79001112233")
    assert _reset(api, mobile_phone_number="+79001112233")["error"] == 4
    services.customer_modify(customer=other, mobile_phone_number="+79004445566")
    assert _reset(api, mobile_phone_number="+79004445566")["error"] == 6  # no accounts
    assert api.json("account/reset_password/", auth=False, api_key="wrong", email="x@example.com")["error"] == 403
    # another operator's subscriber is not found
    foreign = factories.ClientFactory(api_key="other-key")
    foreign_customer = services.customer_create(client=foreign, firstname="F", email="f@example.com")
    services.account_create(client=foreign, customer=foreign_customer)
    assert _reset(api, email="f@example.com")["error"] == 2
    settings.TVMIDDLEWARE_RESET_PASSWORD_PER_TARGET = 2
    assert _reset(api, email="again@example.com")["error"] == 2
    assert _reset(api, email="again@example.com")["error"] == 2
    assert _reset(api, email="again@example.com")["error"] == 7  # counted before any lookup


def test_reset_code_dies_after_wrong_guesses(api, subscriber, capsys):
    services.customer_modify(customer=subscriber.customer, email="ivan@example.com")
    capsys.readouterr()
    assert _reset(api, email="ivan@example.com")["error"] == 3
    code = reset_code(capsys)
    wrong = "999999" if code != "999999" else "888888"
    for _ in range(5):
        assert _reset(api, email="ivan@example.com", code=wrong)["error"] == 5
    assert _reset(api, email="ivan@example.com", code=code)["error"] == 5


# --- profiles and templates ------------------------------------------------------------------------------

def test_profiles(logged_in, subscriber):
    client = subscriber.client
    adult = ProfileType.objects.create(client=client, name="Adult", is_default=True)
    child = ProfileType.objects.create(client=client, name="Child")
    foreign = ProfileType.objects.create(client=factories.ClientFactory(), name="Foreign")
    second, _ = services.account_create(client=client, customer=subscriber.customer)
    assert logged_in.json("account/settings/list/") == {"error": 0, "account_settings": [
        {"name": subscriber.account.abonement, "profile_id": adult.pk, "profile_name": "Adult"},
        {"name": second.abonement, "profile_id": adult.pk, "profile_name": "Adult"}]}
    assert logged_in.json("account/profile/settings/modify/", profile_id=child.pk, name=" Kids ")["error"] == 0
    rows = logged_in.json("account/settings/list/")["account_settings"]
    assert rows[0] == {"name": "Kids", "profile_id": child.pk, "profile_name": "Child"}
    assert logged_in.json("account/profile/settings/modify/", profile_id=foreign.pk, name="X")["error"] == 1
    assert logged_in.json("account/profile/settings/modify/", profile_id="x", name="X")["error"] == 1
    assert logged_in.json("account/profile/settings/modify/", profile_id=child.pk, name="  ")["error"] == 2
    assert logged_in.json("account/profile/settings/modify/", profile_id=child.pk)["error"] == 2
    assert AccountProfile.objects.get().name == "Kids"
    child.delete()  # a deleted type counts as the default
    assert logged_in.json("account/settings/list/")["account_settings"][0]["profile_name"] == "Adult"


def test_account_settings_list_constant_queries(logged_in, subscriber):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert logged_in.json("account/settings/list/")["error"] == 0
        return len(queries)

    services.account_create(client=subscriber.client, customer=subscriber.customer)
    count()  # the session's first use may write
    few = count()
    for _ in range(18):  # 20 accounts
        account, _ = services.account_create(client=subscriber.client, customer=subscriber.customer)
        AccountProfile.objects.create(client=subscriber.client, account=account, name="P")
    assert count() == few


def test_template(logged_in, subscriber):
    dark = InterfaceTemplate.objects.create(client=subscriber.client, name="Dark", system_name="dark")
    InterfaceTemplate.objects.create(client=subscriber.client, name="Old", system_name="old", enabled=False)
    foreign = InterfaceTemplate.objects.create(client=factories.ClientFactory(), name="F", system_name="light")
    assert logged_in.json("account/settings/modify/", template_system_name="dark") == {"error": 0}
    assert Account.objects.get(pk=subscriber.account.pk).template == "dark"
    assert logged_in.json("account/settings/modify/", template_system_name="old")["error"] == 1
    assert logged_in.json("account/settings/modify/", template_id=foreign.pk)["error"] == 1
    assert logged_in.json("account/settings/modify/", template_system_name="light")["error"] == 1
    assert logged_in.json("account/settings/modify/")["error"] == 1
    assert logged_in.json("account/settings/modify/", template_id=dark.pk, template_system_name="old")["error"] == 0
    assert logged_in.login()["template"] == "dark"


# --- account/export --------------------------------------------------------------------------------------

def test_account_export(logged_in, subscriber):
    old_operator = factories.ClientFactory(api_key="old-key")
    old_customer = services.customer_create(client=old_operator, firstname="Ivan", email="ivan@old.example",
                                            mobile_phone_number="+79005556677")
    old, _ = services.account_create(client=old_operator, customer=old_customer, abonement="555", password="9999",
                                     parent_code="2468")
    call = dict(service_id=old_operator.pk, login="555", password="9999")
    assert logged_in.json("account/export/", **call)["error"] == 3  # not allowed by the old operator
    SelfServiceSettings.objects.create(client=old_operator, export_to_client_ids=f"1000000, {subscriber.client.pk}")
    assert logged_in.json("account/export/", **{**call, "password": "0000"})["error"] == 2
    assert logged_in.json("account/export/", **{**call, "login": "556"})["error"] == 2
    assert logged_in.json("account/export/", **{**call, "service_id": 10**9})["error"] == 2
    assert logged_in.json("account/export/", **call)["error"] == 0
    old.refresh_from_db()
    assert not old.active and old.status_reason == "EXPORTED"
    customer = subscriber.customer
    customer.refresh_from_db()
    assert customer.email == "ivan@old.example" and customer.firstname == "Ivan"  # kept where set
    assert Account.objects.get(pk=subscriber.account.pk).parent_code == "2468"
    assert logged_in.json("account/export/", **call)["error"] == 2  # moved once
    assert logged_in.json("account/export/", service_id="x", login="1", password="1")["error"] == 1


def test_reset_never_logs_the_code_or_password(api, subscriber, capsys, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    services.customer_modify(customer=subscriber.customer, email="ivan@example.com")
    capsys.readouterr()
    assert _reset(api, email="ivan@example.com")["error"] == 3
    code = reset_code(capsys)
    assert _reset(api, email="ivan@example.com", code=code)["error"] == 0
    new_password = capsys.readouterr().out.split(f"{subscriber.account.abonement}: ", 1)[1].split()[0]
    assert code not in caplog.text and new_password not in caplog.text


# --- the operator panel ------------------------------------------------------------------------------------

def test_panel_shows_only_the_operators_own_settings(subscriber, client):
    from tests.admin_factories import admin_url, make_staff

    mine = SelfServiceSettings.objects.create(client=subscriber.client, export_to_client_ids="7")
    theirs = SelfServiceSettings.objects.create(client=factories.ClientFactory(), export_to_client_ids="8")
    InterfaceTemplate.objects.create(client=theirs.client, name="Theirs", system_name="theirs")
    client.force_login(make_staff(subscriber.client))
    page = client.get(admin_url(SelfServiceSettings, "changelist"))
    assert page.status_code == 200 and list(page.context["cl"].result_list) == [mine]
    assert client.get(admin_url(SelfServiceSettings, "change", theirs.pk)).status_code in (302, 404)
    assert client.get(admin_url(SelfServiceSettings, "add")).status_code == 403  # one per operator
    assert list(client.get(admin_url(InterfaceTemplate, "changelist")).context["cl"].result_list) == []
    response = client.post(admin_url(SelfServiceSettings, "change", mine.pk), {
        "reset_password_channel": "sms", "code_ttl_minutes": "10", "pin_sms_interval_seconds": "30",
        "pin_sms_per_day": "3", "export_to_client_ids": "12 ,x"})
    assert response.status_code == 200  # the bad id list is a form error
    response = client.post(admin_url(SelfServiceSettings, "change", mine.pk), {
        "reset_password_channel": "sms", "code_ttl_minutes": "10", "pin_sms_interval_seconds": "30",
        "pin_sms_per_day": "3", "export_to_client_ids": "12 , 13"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.reset_password_channel == "sms" and mine.export_targets() == {12, 13}


def test_codes_dead_for_a_day_are_purged(api, subscriber, capsys):
    from datetime import timedelta

    from django.utils import timezone

    services.customer_modify(customer=subscriber.customer, email="ivan@example.com")
    assert _reset(api, email="ivan@example.com")["error"] == 3
    foreign = VerificationCode.objects.create(client=factories.ClientFactory(), customer=services.customer_create(
        client=factories.ClientFactory(), firstname="F"), purpose="reset_password", target="f@example.com",
        code_hash="x", expires_at=timezone.now() - timedelta(days=3))
    VerificationCode.objects.filter(customer=subscriber.customer).update(
        created_at=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(days=2))
    assert _reset(api, email="ivan@example.com")["error"] == 3
    assert VerificationCode.objects.filter(customer=subscriber.customer).count() == 1  # the new one
    assert VerificationCode.objects.filter(pk=foreign.pk).exists()  # another operator's stay
