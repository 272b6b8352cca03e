"""The login-variant, command, promo, profile and country methods answer what their specs declare
(the checks of test_method_specs.py, on this group's methods)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.cache import cache

from billing.promo import promo_create
from tests import factories
from tests.tvmiddleware.api.test_method_specs import BAD_VALUES, check_answer, spec_of
from tvmiddleware.models import CountryNetwork, DeviceCommandType, OperatorCountry, ProfileType
from tvmiddleware.services.device_commands import command_send

KEYED = {"api_key": "device-key"}
METHODS = ["login/customer_list/", "noauth/device/exists/", "noauth/qr/login/generate/", "qr/login/sync/",
           "promo/activate/", "promo/list/", "profile/list/", "country/list/", "country/info/", "login/ext/",
           "account/status/"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.parametrize("method", METHODS)
def test_every_method_declares_its_spec(method):
    spec = spec_of(method)
    assert spec.summary and spec.response is not None and spec.invalid_param is not None
    assert all(param.description for param in spec.params), [p.name for p in spec.params if not p.description]


@pytest.fixture
def world(logged_in, subscriber, monkeypatch):
    from tvmiddleware.services import phone_login
    monkeypatch.setattr(phone_login, "deliver", lambda *args, **kwargs: None)
    client = subscriber.client
    promo_create(client=client, code="GIFT", amount=Decimal("5.00"), free_tariffs=[factories.TariffFactory(client=client)])
    ProfileType.objects.create(client=client, name="Kids")
    CountryNetwork.objects.create(client=client, country=OperatorCountry.objects.create(client=client, code="RU"),
                                  network="127.0.0.0/8", city_name="Moscow")
    command_send(account=subscriber.account, type=DeviceCommandType.MESSAGE, accompanying_text="Hello")
    code = logged_in.json("noauth/qr/login/generate/", auth=False, device="mag", device_uid="TV-1", **KEYED)
    return {
        "noauth/device/exists/": {"device_uid": "00:1A:79:00:00:01", **KEYED},
        "noauth/qr/login/generate/": {"device": "mag", "device_uid": "TV-2", "authkey": None, **KEYED},
        "qr/login/sync/": {"login_code": code["login_code"]},
        "promo/activate/": {"code": "GIFT"},
        "promo/list/": {},
        "profile/list/": {},
        "country/list/": {"lang": "de", **KEYED},
        "country/info/": KEYED,
        "login/ext/": {"abonement": "100001", "password": "1111", "authkey": None, **KEYED},
        "account/status/": {"with_tariffs": 1},
    }


def test_success_answers_match_the_declared_shapes(logged_in, world):
    for method, params in world.items():
        body = logged_in.json(method, **params)
        assert body["error"] == 0, (method, params, body)
        check_answer(method, body)


def test_error_answers_carry_declared_codes(logged_in, world):
    world["login/customer_list/"] = {"phone_number": "79120001122", **KEYED}
    for method in METHODS:
        names = [param.name for param in spec_of(method).params]
        for value in BAD_VALUES:
            for name in names:
                response = logged_in.call(method, **{**world.get(method, {}), name: value})
                check_answer(method, json.loads(response.content))
