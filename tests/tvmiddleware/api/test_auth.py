"""Device API authorization: login, login/ext, logout, sessions, account/status, register."""
import re

import pytest
from django.core.cache import cache

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountDevice, AuthKey, Message


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


class TestLogin:
    def test_login_by_abonement_and_password(self, api, subscriber):
        body = api.login()
        assert body["error"] == 0
        assert re.fullmatch(r"[0-9a-f]{128}", body["authkey"])
        assert body["abonement"] == "100001" and body["account_id"] == subscriber.account.pk
        assert body["customer_id"] == subscriber.customer.pk and body["customer_ext_id"] == "C-1"
        assert body["firstname"] == "Ivan" and body["status_reason"] == "ACTIVE"
        assert body["devices"][0]["device_uid"] == "00:1A:79:00:00:01"
        device = AccountDevice.objects.get(device_uid="00:1A:79:00:00:01")
        assert device.account == subscriber.account and device.device_type.system_name == "mag"
        # the key is stored only as a hash
        assert not AuthKey.objects.filter(key_hash=body["authkey"]).exists()

    def test_wrong_key_or_client_is_error_4(self, api, subscriber):
        assert api.login(api_key="nope")["error"] == 4
        assert api.login(client_id=999999)["error"] == 4
        assert api.login(client_id="abc")["error"] == 4

    def test_wrong_password_or_unknown_abonement_is_error_1(self, api):
        assert api.login(password="0000")["error"] == 1
        assert api.login(abonement="999")["error"] == 1
        assert api.login(abonement="1' OR '1'='1")["error"] == 1
        assert api.login(abonement="", password="", device_uid="unknown")["error"] == 1

    def test_login_by_device_uid(self, api, subscriber):
        assert api.login()["error"] == 0
        body = api.login(abonement="", password="")
        assert body["error"] == 0 and body["account_id"] == subscriber.account.pk
        services.account_modify(account=subscriber.account, allow_login_by_device_uid=False)
        assert api.login(abonement="", password="")["error"] == 1

    def test_login_by_abonement_only_when_allowed(self, api, subscriber):
        assert api.login(password="")["error"] == 1
        services.account_modify(account=subscriber.account, allow_login_by_abonement=True)
        assert api.login(password="")["error"] == 0

    def test_login_by_ip(self, api, subscriber):
        services.account_modify(account=subscriber.account, allow_login_by_ip=True, subnets="127.0.0.0/8")
        body = api.login(abonement="", password="", device_uid="")
        assert body["error"] == 0 and body["account_id"] == subscriber.account.pk
        other_customer = services.customer_create(client=subscriber.client, firstname="B")
        services.account_create(client=subscriber.client, customer=other_customer, allow_login_by_ip=True,
                                subnets="127.0.0.1/32")
        assert api.login(abonement="", password="", device_uid="")["error"] == 12

    def test_subnet_restriction(self, api, subscriber):
        services.account_modify(account=subscriber.account, subnets="10.0.0.0/8")
        assert api.login()["error"] == 9

    def test_inactive_account(self, api, subscriber):
        services.account_block_for_debt(account=subscriber.account)
        assert api.login()["error"] == 2

    def test_blocked_by_subscriber_can_reset(self, api, subscriber):
        services.account_set_status(account=subscriber.account, active=False, status_reason="BLOCK")
        assert api.login()["error"] == 2
        assert api.login(reset_block_status_reason=1)["error"] == 0

    def test_no_tariffs(self, api, subscriber):
        services.tariff_remove(customer=subscriber.customer, tariff=subscriber.tariff)
        assert api.login()["error"] == 8

    def test_device_bound_to_another_account(self, api, subscriber):
        other_customer = services.customer_create(client=subscriber.client, firstname="B")
        other, _ = services.account_create(client=subscriber.client, customer=other_customer)
        services.device_bind(account=other, device_type=factories.device_type("mag"), device_uid="TAKEN")
        assert api.login(device_uid="TAKEN")["error"] == 6

    def test_device_group_forbidden(self, api, subscriber):
        services.account_modify(account=subscriber.account, allowed_device_groups=[0])
        assert api.login(device="ios", device_uid="phone-1")["error"] == 15
        assert api.login(device="mag")["error"] == 0

    def test_session_limit(self, api, subscriber):
        # tariff: 1 basic device, 1 concurrent additional session
        assert api.login(device_uid="box")["error"] == 0           # basic
        assert api.login(device="ios", device_uid="phone-1")["error"] == 0  # additional #1
        assert api.login(device="ios", device_uid="phone-2")["error"] == 5  # over the limit
        assert api.login(device="ios", device_uid="phone-1")["error"] == 0  # same device again is fine
        services.account_modify(account=subscriber.account, allow_multiple_login=True)
        assert api.login(device="ios", device_uid="phone-2")["error"] == 0

    def test_rate_limit_per_abonement(self, api, settings):
        settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT = 3
        for _ in range(3):
            assert api.login(password="0000")["error"] == 1
        assert api.login()["error"] == 28  # even the right password waits out the window

    def test_rate_limit_per_ip(self, api, settings):
        settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_IP = 4
        for n in range(4):
            assert api.login(abonement=str(900 + n))["error"] == 1
        assert api.login()["error"] == 28

    def test_login_ext_opens_a_session_outside_the_devices(self, api, subscriber):
        body = api.json("login/ext/", auth=False, abonement="100001", password="1111", api_key="device-key")
        assert body["error"] == 0 and len(body["authkey"]) == 128 and body["account_id"] == subscriber.account.pk
        assert AuthKey.objects.get().external  # more in test_login_variants.py

    def test_login_ext_is_not_refused_by_the_session_limit_and_names_the_device(self, api, subscriber):
        # The subscriber's one basic device and one extra screen are taken by two sessions.
        assert api.login(device_uid="00:1A:79:00:00:01")["error"] == 0
        assert api.login(device_uid="00:1A:79:00:00:02")["error"] == 0
        assert api.login(device_uid="00:1A:79:00:00:03")["error"] == 5  # login opens a session: refused
        body = api.json("login/ext/", auth=False, abonement="100001", password="1111", api_key="device-key",
                        device_uid="00:1A:79:00:00:03")
        assert body["error"] == 0 and body["device_uid"] == "00:1A:79:00:00:03" and body["authkey"]
        assert AuthKey.objects.filter(external=False).count() == 2
        assert not AccountDevice.objects.filter(device_uid="00:1A:79:00:00:03")


class TestSessions:
    def test_authkey_as_parameter_or_cookie(self, logged_in, client):
        assert logged_in.json("customer/balance/")["error"] == 0
        response = client.get("/tvmiddleware/api/customer/balance/")  # the login set the cookie
        assert response.json()["error"] == 0

    def test_missing_or_bad_authkey_is_403(self, api, client):
        assert api.json("customer/balance/")["error"] == 403
        assert api.json("customer/balance/", authkey="f" * 128)["error"] == 403
        assert api.json("customer/balance/", authkey="x" * 5000)["error"] == 403

    def test_authkey_of_another_client_id_is_403(self, logged_in):
        assert logged_in.json("customer/balance/", client_id=987654)["error"] == 403

    def test_logout_ends_the_session(self, logged_in, client):
        key = logged_in.authkey
        assert logged_in.json("logout/")["error"] == 0
        client.cookies.clear()
        assert logged_in.json("customer/balance/", authkey=key)["error"] == 403

    def test_relogin_of_a_device_replaces_its_session(self, api):
        first = api.login()["authkey"]
        second = api.login()["authkey"]
        assert first != second
        assert AuthKey.objects.count() == 1
        api.http.cookies.clear()
        assert api.json("customer/balance/", authkey=first)["error"] == 403

    def test_account_removal_ends_sessions(self, logged_in, subscriber, client):
        assert logged_in.json("customer/balance/")["error"] == 0  # the session is now cached
        services.account_delete(account=subscriber.account)
        client.cookies.clear()
        assert logged_in.json("customer/balance/")["error"] == 403


class TestAccountStatus:
    def test_status_fields(self, logged_in, subscriber):
        body = logged_in.json("account/status/", with_tariffs=1)
        assert body["error"] == 0 and body["status"] == 1 and body["is_active"] == 1
        assert body["status_reason"] == "ACTIVE" and body["tariff_ids"] == [subscriber.tariff.pk]
        assert body["has_new_messages"] == 0

    def test_blocked_account_is_reported(self, logged_in, subscriber):
        services.account_block_for_debt(account=subscriber.account)
        body = logged_in.json("account/status/")
        assert body["is_active"] == 0 and body["status_reason"] == "DEBT"

    def test_urgent_message_is_shown(self, logged_in, subscriber):
        Message.objects.create(client=subscriber.client, account=subscriber.account, subject="Pay", urgent=True,
                               text="Your balance is low")
        body = logged_in.json("account/status/")
        assert body["has_new_messages"] == 1 and body["message"]["subject"] == "Pay"

    def test_bad_flag_is_error_1(self, logged_in):
        assert logged_in.json("account/status/", with_tariffs="yes")["error"] == 1


class TestRegister:
    def test_register_creates_customer_and_account(self, api, subscriber):
        default = factories.TariffFactory(client=subscriber.client, basic_tariff_priority=0, assigned_by_default=True)
        body = api.json("account/register/", auth=False, api_key="device-key", mobile_phone_number="+79990001122")
        assert body["error"] == 0 and body["abonement"].isdigit() and body["password"].isdigit()
        login = api.login(abonement=body["abonement"], password=body["password"], device_uid="new-box")
        assert login["error"] == 0
        assert default.pk in {t for t in
                              api.json("account/status/", with_tariffs=1)["tariff_ids"]}

    def test_register_needs_api_key_and_valid_input(self, api):
        assert api.json("account/register/", auth=False, api_key="bad")["error"] == 403
        assert api.json("account/register/", auth=False, api_key="device-key", password="abc")["error"] == 3
        assert api.json("account/register/", auth=False, api_key="device-key",
                        mobile_phone_number="<script>")["error"] == 3
