"""The per-IP login failure limit is the operator's choice (`Client.login_failures_per_ip`).

Regression: subscribers behind carrier NAT share one address, so a fixed per-IP limit let one failing
device lock every subscriber of that network out of login."""
from __future__ import annotations

import pytest

from tests import factories
from tvmiddleware import services


def fail_from_one_address(api, count: int) -> list[int]:
    """`count` wrong logins to different abonements, all from the test client's address."""
    return [api.login(abonement=str(900 + n), password="0000")["error"] for n in range(count)]


def test_default_is_the_site_setting(api, settings):
    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_IP = 4
    assert fail_from_one_address(api, 4) == [1, 1, 1, 1]
    assert api.login()["error"] == 28


def test_an_operator_behind_cgnat_raises_it(api, subscriber, settings):
    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_IP = 4
    subscriber.client.login_failures_per_ip = 50
    subscriber.client.save()
    assert fail_from_one_address(api, 20) == [1] * 20
    assert api.login()["error"] == 0  # the neighbours behind the same address still get in


def test_zero_turns_the_per_ip_limit_off_but_not_the_per_abonement_one(api, subscriber, settings):
    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT = 3
    subscriber.client.login_failures_per_ip = 0
    subscriber.client.save()
    assert fail_from_one_address(api, 40) == [1] * 40
    for _ in range(3):
        assert api.login(password="0000")["error"] == 1
    assert api.login()["error"] == 28  # guessing one account's PIN is still stopped


def test_a_stricter_operator_limit_applies_only_to_that_operator(api, subscriber, settings, client):
    subscriber.client.login_failures_per_ip = 2
    subscriber.client.save()
    assert fail_from_one_address(api, 2) == [1, 1]
    assert api.login()["error"] == 28
    other = factories.ClientFactory(api_key="other-key")
    customer = services.customer_create(client=other, firstname="A", lastname="B")
    services.account_create(client=other, customer=customer, abonement="200001", password="2222")
    body = client.get("/tvmiddleware/api/login/", {"client_id": other.pk, "api_key": "other-key",
                                                   "abonement": "200001", "password": "0000"}).json()
    assert body["error"] == 1  # the other operator's subscribers on the same address are counted apart


@pytest.mark.django_db
def test_editable_on_the_admin_client_page(admin_client, subscriber):
    page = admin_client.get(f"/admin/tvmiddleware/client/{subscriber.client.pk}/change/")
    assert page.status_code == 200
    assert b'name="login_failures_per_ip"' in page.content and b"carrier NAT" in page.content
