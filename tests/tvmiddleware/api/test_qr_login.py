"""QR login: the TV asks for a code and polls; a logged-in phone confirms it."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from tests import factories
from tvmiddleware.models import AccountDevice, AuthKey, QrLogin

from .conftest import DeviceAPI

TV = {"device": "android_stb", "device_uid": "TV:00:00:00:00:01"}


@pytest.fixture
def tv(client, subscriber) -> DeviceAPI:
    return DeviceAPI(client, subscriber)


def generate(tv, **params) -> dict:
    return tv.json("noauth/qr/login/generate/", auth=False, **{"api_key": "device-key", **TV, **params})


def test_the_phone_confirms_and_the_tv_gets_its_session_once(tv, logged_in, subscriber):
    first = generate(tv)
    assert first["error"] == 0 and len(first["login_code"]) == 6 and first["login_code"].isdigit()
    assert 290 <= first["session_ttl"] <= 300 and len(first["connection_token"]) == 64
    link = urlparse(first["qrcode_url"])
    assert link.path == "/tvmiddleware/api/qr/login/sync/"
    assert parse_qs(link.query) == {"client_id": [str(subscriber.client.pk)], "login_code": [first["login_code"]]}
    token = first["connection_token"]
    waiting = generate(tv, connection_token=token)
    assert waiting["error"] == 0 and "authkey" not in waiting and waiting["login_code"] == first["login_code"]

    assert logged_in.json("qr/login/sync/", post=True, login_code=first["login_code"]) == {
        "error": 0, "error_message": ""}
    assert logged_in.json("qr/login/sync/", post=True, login_code=first["login_code"])["error"] == 5

    done = generate(tv, connection_token=token)
    assert done["error"] == 0 and len(done["authkey"]) == 128
    session = AuthKey.objects.get(device_uid=TV["device_uid"])
    assert session.account_id == subscriber.account.pk and session.device_type.system_name == "android_stb"
    assert AccountDevice.objects.filter(account=subscriber.account, device_uid=TV["device_uid"]).exists()
    tv.authkey = done["authkey"]
    assert tv.json("customer/balance/")["error"] == 0
    assert generate(tv, connection_token=token)["error"] == 3  # given once
    assert not QrLogin.objects.filter(token_hash=token).exists()  # the token is stored hashed


def test_codes_are_bound_to_the_operator(tv, subscriber):
    code = generate(tv)["login_code"]
    other = factories.ClientFactory(api_key="other-key")
    from tvmiddleware import services
    customer = services.customer_create(client=other, firstname="Eve")
    services.account_create(client=other, customer=customer, abonement="100001", password="1111")
    services.tariff_assign(customer=customer, tariff=factories.TariffFactory(client=other, sessions_count=2))
    body = tv.http.get("/tvmiddleware/api/login/", {"client_id": other.pk, "api_key": "other-key",
                                                     "abonement": "100001", "password": "1111"}).json()
    assert body["error"] == 0
    answer = tv.http.post("/tvmiddleware/api/qr/login/sync/", {"authkey": body["authkey"], "login_code": code}).json()
    assert answer["error"] == 2
    assert QrLogin.objects.get().account_id is None


def test_expired_and_unknown_codes(tv, logged_in):
    first = generate(tv)
    QrLogin.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert logged_in.json("qr/login/sync/", post=True, login_code=first["login_code"])["error"] == 2
    assert generate(tv, connection_token=first["connection_token"])["error"] == 3
    assert generate(tv, connection_token="f" * 64)["error"] == 3
    assert logged_in.json("qr/login/sync/", post=True, login_code="12x")["error"] == 1
    assert logged_in.json("qr/login/sync/", post=True)["error"] == 1


def test_a_poll_from_another_device_gets_nothing(tv, logged_in):
    first = generate(tv)
    logged_in.json("qr/login/sync/", post=True, login_code=first["login_code"])
    assert generate(tv, device_uid="TV:OTHER", connection_token=first["connection_token"])["error"] == 3
    assert len(generate(tv, connection_token=first["connection_token"])["authkey"]) == 128


def test_login_rules_apply_to_the_tv(tv, logged_in, subscriber):
    code = generate(tv)["login_code"]
    subscriber.account.active = False
    subscriber.account.save(update_fields=["active"])
    assert logged_in.json("qr/login/sync/", post=True, login_code=code)["error"] == 8
    assert not AuthKey.objects.filter(device_uid=TV["device_uid"]).exists()


def test_the_tv_bound_to_another_account_is_10(tv, logged_in, subscriber):
    factories.AccountDeviceFactory(account=factories.AccountFactory(customer__client=subscriber.client),
                                   device_uid=TV["device_uid"])
    code = generate(tv)["login_code"]
    assert logged_in.json("qr/login/sync/", post=True, login_code=code)["error"] == 10


def test_unknown_device_type_and_missing_parameters(tv):
    assert generate(tv, device="toaster")["error"] == 2
    assert tv.json("noauth/qr/login/generate/", auth=False, api_key="device-key", device="mag")["error"] == 1
    assert generate(tv, api_key="wrong")["error"] == 403


def test_asking_and_guessing_are_limited(tv, logged_in, monkeypatch):
    from tvmiddleware.services import qr_login
    monkeypatch.setattr(qr_login, "GENERATE_PER_DEVICE", 2)
    monkeypatch.setattr(qr_login, "CONFIRM_FAILURES_PER_ACCOUNT", 3)
    assert generate(tv)["error"] == 0
    code = generate(tv)["login_code"]
    assert generate(tv)["error"] == 3
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert logged_in.json("qr/login/sync/", post=True, login_code=wrong)["error"] == 2
    assert logged_in.json("qr/login/sync/", post=True, login_code=code)["error"] == 2  # locked out meanwhile


def test_asking_again_ends_the_previous_code(tv, logged_in):
    first = generate(tv)
    generate(tv)
    assert logged_in.json("qr/login/sync/", post=True, login_code=first["login_code"])["error"] == 2


def test_old_codes_are_purged_when_new_ones_are_drawn(tv):
    generate(tv)
    QrLogin.objects.update(expires_at=timezone.now() - timedelta(days=2))
    generate(tv, device_uid="TV:2")
    assert list(QrLogin.objects.values_list("device_uid", flat=True)) == ["TV:2"]
