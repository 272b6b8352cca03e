"""profile/list, country/list, country/info: the operator's data, scoped to it."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tvmiddleware.models import CountryNetwork, OperatorCountry, ProfileType


def test_profile_list_is_the_operators_in_its_order(logged_in, subscriber):
    client = subscriber.client
    ProfileType.objects.create(client=client, name="Kids", sort=2, description="Cartoons only")
    ProfileType.objects.create(client=client, name="Adult", sort=1, is_default=True, show_adult_content=True)
    ProfileType.objects.create(client=factories.ClientFactory(), name="Elsewhere")
    body = logged_in.json("profile/list/")
    assert body["error"] == 0
    assert body["profiles"] == [
        {"id": body["profiles"][0]["id"], "name": "Adult", "default": 1, "show_adult_content": 1, "description": ""},
        {"id": body["profiles"][1]["id"], "name": "Kids", "default": 0, "show_adult_content": 0,
         "description": "Cartoons only"},
    ]


def test_profile_list_needs_a_session(api):
    assert api.json("profile/list/")["error"] == 403


def test_profile_list_queries_stay_constant(logged_in, subscriber):
    logged_in.json("profile/list/")  # the session is resolved and cached

    def queries(n):
        ProfileType.objects.filter(client=subscriber.client).delete()
        ProfileType.objects.bulk_create([ProfileType(client=subscriber.client, name=f"P{i}") for i in range(n)])
        with CaptureQueriesContext(connection) as captured:
            assert len(logged_in.json("profile/list/")["profiles"]) == n
        return len(captured)
    assert queries(2) == queries(20)


def test_country_list_every_country_or_the_operators_choice(api, subscriber):
    key = subscriber.client.api_key
    everything = api.json("country/list/", api_key=key)
    assert everything["error"] == 0 and len(everything["countries"]) > 240
    assert {"id": 276, "code": "DE", "alpha3": "DEU", "name": "Germany"} in everything["countries"]
    OperatorCountry.objects.create(client=subscriber.client, code="RU", sort=2)
    OperatorCountry.objects.create(client=subscriber.client, code="KZ", sort=1)
    OperatorCountry.objects.create(client=factories.ClientFactory(), code="FR")
    chosen = api.json("country/list/", api_key=key, lang="ru")["countries"]
    assert [(c["code"], c["name"]) for c in chosen] == [("KZ", "Казахстан"), ("RU", "Российская Федерация")]


def test_country_list_needs_the_api_key(api):
    assert api.json("country/list/", api_key="wrong")["error"] == 403
    assert api.json("country/info/")["error"] == 403


def test_country_list_queries_stay_constant(api, subscriber):
    codes = ["RU", "KZ", "DE", "FR", "IT", "ES", "PL", "CZ", "SK", "HU", "AT", "CH", "NL", "BE", "LU", "DK", "SE",
             "NO", "FI", "EE"]
    api.json("country/list/", api_key=subscriber.client.api_key)  # the operator is looked up and kept

    def queries(n):
        OperatorCountry.objects.filter(client=subscriber.client).delete()
        OperatorCountry.objects.bulk_create([OperatorCountry(client=subscriber.client, code=c) for c in codes[:n]])
        with CaptureQueriesContext(connection) as captured:
            assert len(api.json("country/list/", api_key=subscriber.client.api_key)["countries"]) == n
        return len(captured)
    assert queries(2) == queries(20)


@pytest.mark.parametrize("ip, expected", [
    ("10.1.2.3", {"country_code": "RU", "country_name": "Russian Federation", "city_name": "Kazan"}),
    ("10.9.9.9", {"country_code": "KZ", "country_name": "Kazakhstan", "city_name": ""}),
    ("192.0.2.1", {"country_code": "", "country_name": "", "city_name": ""}),
])
def test_country_info_by_the_most_specific_network(client, subscriber, ip, expected):
    russia = OperatorCountry.objects.create(client=subscriber.client, code="RU")
    kazakhstan = OperatorCountry.objects.create(client=subscriber.client, code="KZ")
    CountryNetwork.objects.create(client=subscriber.client, country=kazakhstan, network="10.0.0.0/8")
    CountryNetwork.objects.create(client=subscriber.client, country=russia, network="10.1.0.0/16", city_name="Kazan")
    other = factories.ClientFactory()
    CountryNetwork.objects.create(client=other, country=OperatorCountry.objects.create(client=other, code="FR"),
                                  network="192.0.2.0/24", city_name="Paris")  # another operator's: not used
    body = client.get("/tvmiddleware/api/country/info/", {"client_id": subscriber.client.pk, "api_key": "device-key"},
                      REMOTE_ADDR=ip).json()
    assert body == {"error": 0, "error_message": "", **expected}
