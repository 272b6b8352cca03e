"""login/customer_list (phone confirmed by SMS), noauth/device/exists, login/ext's own session."""
from __future__ import annotations

import re

import pytest

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountDevice, AuthKey, PhoneVerification

KEY = "device-key"


@pytest.fixture
def sms(monkeypatch):
    """The texts the SMS backend was given, by number."""
    sent: list[tuple[str, str]] = []
    from tvmiddleware.services import phone_login

    monkeypatch.setattr(phone_login, "deliver", lambda channel, *, to, subject, text: sent.append((to, text)))
    return sent


def _code(sms) -> str:
    return re.search(r"\d{6}", sms[-1][1]).group(0)


def set_phone(customer, phone: str) -> None:
    customer.mobile_phone_number = phone
    customer.save(update_fields=["mobile_phone_number"])


class TestCustomerList:
    def test_sms_code_then_the_customer(self, api, subscriber, sms):
        set_phone(subscriber.customer, "+79120001122")
        body = api.json("login/customer_list/", api_key=KEY, phone_number="+7 (912) 000-11-22")
        assert body["error"] == 3 and sms[-1][0] == "+79120001122"
        assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122")["error"] == 5  # awaited
        assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122",
                        validation_code="000000" if _code(sms) != "000000" else "111111")["error"] == 4
        body = api.json("login/customer_list/", api_key=KEY, phone_number="79120001122", validation_code=_code(sms))
        assert body == {"error": 0, "error_message": "", "customers": [{"ext_id": "C-1", "abonement": "100001"}]}
        # used once
        assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122",
                        validation_code=_code(sms))["error"] == 4
        assert not PhoneVerification.objects.filter(code_hash__contains=_code(sms)).exists()  # stored hashed

    def test_several_customers_are_listed_with_2(self, api, subscriber, sms):
        set_phone(subscriber.customer, "79120001122")
        other = services.customer_create(client=subscriber.client, firstname="Anna", ext_id="C-2",
                                         mobile_phone_number="+79120001122")
        services.account_create(client=subscriber.client, customer=other, abonement="100002", password="2222")
        api.json("login/customer_list/", api_key=KEY, phone_number="79120001122")
        body = api.json("login/customer_list/", api_key=KEY, phone_number="79120001122", validation_code=_code(sms))
        assert body["error"] == 2
        assert body["customers"] == [{"ext_id": "C-1", "abonement": "100001"}, {"ext_id": "C-2", "abonement": "100002"}]

    def test_unknown_number_and_another_operators_customer(self, api, subscriber, sms):
        foreign = factories.CustomerFactory(client=factories.ClientFactory())
        set_phone(foreign, "79120001122")
        assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122")["error"] == 1
        assert sms == []

    def test_wrong_codes_are_limited(self, api, subscriber, sms):
        set_phone(subscriber.customer, "79120001122")
        api.json("login/customer_list/", api_key=KEY, phone_number="79120001122")
        right = _code(sms)
        wrong = "000000" if right != "000000" else "111111"
        for _ in range(5):
            assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122",
                            validation_code=wrong)["error"] == 4
        assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122",
                        validation_code=right)["error"] == 4  # the code is spent

    def test_sends_and_lookups_are_limited(self, api, subscriber, sms, settings):
        set_phone(subscriber.customer, "79120001122")
        PhoneVerification.objects.bulk_create([
            PhoneVerification(client=subscriber.client, phone="79120001122", code_hash="x",
                              expires_at="2999-01-01T00:00:00Z") for _ in range(5)])
        from tvmiddleware.services import phone_login
        PhoneVerification.objects.update(created_at=phone_login.timezone.now() - phone_login.timedelta(hours=2))
        assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122")["error"] == 3
        PhoneVerification.objects.update(created_at=phone_login.timezone.now() - phone_login.timedelta(minutes=5))
        assert api.json("login/customer_list/", api_key=KEY, phone_number="79120001122")["error"] == 6

    def test_lookups_per_address(self, api, subscriber, monkeypatch):
        from tvmiddleware.services import phone_login
        monkeypatch.setattr(phone_login, "LOOKUPS_PER_IP", 2)
        for _ in range(2):
            assert api.json("login/customer_list/", api_key=KEY, phone_number="70000000000")["error"] == 1
        assert api.json("login/customer_list/", api_key=KEY, phone_number="70000000000")["error"] == 6

    @pytest.mark.parametrize("phone", ["", "abc", "+7 912 x", "1" * 20])
    def test_bad_numbers_are_8(self, api, phone):
        assert api.json("login/customer_list/", api_key=KEY, phone_number=phone)["error"] == 8

    def test_api_key_is_checked(self, api):
        assert api.json("login/customer_list/", api_key="wrong", phone_number="79120001122")["error"] == 403


class TestDeviceExists:
    def test_bound_device_names_its_owner(self, logged_in, api, subscriber):
        customer = subscriber.customer
        customer.email, customer.phone_number_1 = "ivan@example.com", "123"
        customer.save(update_fields=["email", "phone_number_1"])
        body = api.json("noauth/device/exists/", auth=False, api_key=KEY, device_uid="00:1A:79:00:00:01")
        assert body == {"error": 0, "error_message": "", "abonement": "100001", "mobile_phone": "",
                        "phone_number_1": "123", "phone_number_2": "", "email": "ivan@example.com", "ext_id": "C-1"}

    def test_unknown_and_other_operators_devices_are_2(self, api, subscriber):
        other = factories.ClientFactory()
        factories.AccountDeviceFactory(account=factories.AccountFactory(customer__client=other),
                                       device_uid="AA:AA:AA:AA:AA:AA")
        assert api.json("noauth/device/exists/", api_key=KEY, device_uid="AA:AA:AA:AA:AA:AA")["error"] == 2
        assert api.json("noauth/device/exists/", api_key=KEY)["error"] == 1
        assert api.json("noauth/device/exists/", api_key="bad", device_uid="x")["error"] == 403

    def test_unknown_devices_are_limited_per_address(self, logged_in, api, monkeypatch):
        from tvmiddleware.services import device_lookup
        monkeypatch.setattr(device_lookup, "MISSES_PER_IP", 3)
        for n in range(3):
            assert api.json("noauth/device/exists/", api_key=KEY, device_uid=f"guess-{n}")["error"] == 2
        # now even a bound device is not told
        assert api.json("noauth/device/exists/", api_key=KEY, device_uid="00:1A:79:00:00:01")["error"] == 2


class TestLoginExt:
    def test_answers_a_session_of_its_own(self, api, subscriber):
        body = api.json("login/ext/", auth=False, abonement="100001", password="1111", api_key=KEY,
                        device_uid="00:1A:79:00:00:09")
        assert body["error"] == 0 and re.fullmatch(r"[0-9a-f]{128}", body["authkey"])
        assert body["device_uid"] == "00:1A:79:00:00:09" and body["account_id"] == subscriber.account.pk
        session = AuthKey.objects.get()
        assert session.external and session.device_id is None and session.device_uid == ""
        assert not AccountDevice.objects.exists()  # binds nothing
        assert api.json("customer/balance/", authkey=body["authkey"])["error"] == 0

    def test_does_not_end_the_devices_session_nor_count_for_the_limit(self, api, subscriber):
        assert api.login(device_uid="00:1A:79:00:00:01")["error"] == 0
        device_key = api.authkey
        assert api.json("login/ext/", auth=False, abonement="100001", password="1111", api_key=KEY,
                        device_uid="00:1A:79:00:00:01")["error"] == 0
        assert api.json("customer/balance/", authkey=device_key)["error"] == 0
        assert api.login(device_uid="00:1A:79:00:00:02")["error"] == 0  # the one extra screen is still free

    def test_only_documented_codes(self, api, subscriber, settings):
        subscriber.customer.subscriptions.all().delete()
        assert api.json("login/ext/", auth=False, abonement="100001", password="1111", api_key=KEY)["error"] == 0
        settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT = 1
        assert api.json("login/ext/", auth=False, abonement="100001", password="0", api_key=KEY)["error"] == 1
        assert api.json("login/ext/", auth=False, abonement="100001", password="1111", api_key=KEY)["error"] == 1


def test_login_ext_keeps_the_newest_sessions_of_an_account(api, subscriber, monkeypatch):
    from tvmiddleware.services import login
    monkeypatch.setattr(login, "EXTERNAL_SESSIONS_KEPT", 2)
    keys = [api.json("login/ext/", auth=False, abonement="100001", password="1111", api_key=KEY)["authkey"]
            for _ in range(3)]
    assert AuthKey.objects.filter(external=True).count() == 2
    assert api.json("customer/balance/", authkey=keys[0])["error"] == 403
    assert api.json("customer/balance/", authkey=keys[2])["error"] == 0
