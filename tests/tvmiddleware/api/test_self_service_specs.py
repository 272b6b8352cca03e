"""The self-service methods answer what their specs declare: success answers match the declared
response shapes, error answers carry declared codes (as test_method_specs checks for the guide and VOD)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from billing import payment_gateway
from tests import factories
from tests.tvmiddleware.api.test_method_specs import BAD_VALUES, check_answer, spec_of
from tvmiddleware import services
from tvmiddleware.models import InterfaceTemplate, ProfileType, SelfServiceSettings

METHODS = ["account/password/change/", "account/reset_password/", "account/parent_code/set/",
           "account/send_parent_code_by_sms/", "account/profile/settings/modify/", "account/settings/list/",
           "account/settings/modify/", "account/export/", "customer/device/list/", "customer/device/delete/",
           "customer/info/set/", "v2/customer/info/", "customer/payment/info/", "customer/invoice/complete/",
           "customer/billing_details_notify/", "customer/tariff/subscription/list/",
           "customer/tariff/subscription/cost/", "customer/info/"]


class PaidInvoices:
    def invoice_complete(self, *, customer, invoice_id):
        return "paid"


@pytest.fixture
def world(subscriber, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client, customer = subscriber.client, subscriber.customer
    services.customer_modify(customer=customer, email="ivan@example.com", mobile_phone_number="+79001234567")
    services.account_modify(account=subscriber.account, parent_code="1234",
                            deactivation_date=timezone.localdate() + timedelta(days=5))
    kind = ProfileType.objects.create(client=client, name="Kids")
    InterfaceTemplate.objects.create(client=client, name="Dark", system_name="dark")
    device = factories.AccountDeviceFactory(account=subscriber.account, device_uid="AA:BB:CC:00:00:99")
    extra = factories.TariffFactory(client=client, basic_tariff_priority=0)
    old_operator = factories.ClientFactory()
    SelfServiceSettings.objects.create(client=old_operator, export_to_client_ids=str(client.pk))
    old_customer = services.customer_create(client=old_operator, firstname="Old")
    services.account_create(client=old_operator, customer=old_customer, abonement="777", password="7777")
    before = payment_gateway.provider()
    payment_gateway.register_provider(PaidInvoices())
    yield {
        "account/password/change/": [{"old_password": "1111", "new_password": "abcd1234"}],
        "account/reset_password/": [],  # answers 3 before 0: checked in test_self_service
        "account/parent_code/set/": [{"old_pin": "1234", "new_pin": "4321"}],
        "account/send_parent_code_by_sms/": [{}],
        "account/profile/settings/modify/": [{"profile_id": kind.pk, "name": "Mine"}],
        "account/settings/list/": [{}],
        "account/settings/modify/": [{"template_system_name": "dark"}],
        "account/export/": [{"service_id": old_operator.pk, "login": "777", "password": "7777"}],
        "customer/device/list/": [{}],
        "customer/device/delete/": [{"id": device.pk}],
        "customer/info/set/": [{"firstname": "Pyotr", "email": "p@example.com"}],
        "v2/customer/info/": [{}],
        "customer/payment/info/": [{}],
        "customer/invoice/complete/": [{"invoice_id": "5"}],
        "customer/billing_details_notify/": [{"email": "p@example.com", "period": 30}],
        "customer/tariff/subscription/list/": [{}],
        "customer/tariff/subscription/cost/": [{"tariff_id": extra.pk}],
        "customer/info/": [{}],
    }
    payment_gateway.register_provider(before)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_declares_its_spec(method):
    spec = spec_of(method)
    assert spec.summary and spec.response is not None and spec.invalid_param is not None
    assert all(param.description for param in spec.params), [p.name for p in spec.params if not p.description]


def test_success_answers_match_the_declared_shapes(logged_in, world):
    for method in METHODS:
        for params in world[method]:
            body = logged_in.json(method, **params)
            assert body["error"] == 0, (method, params, body)
            check_answer(method, body)


def test_error_answers_carry_declared_codes(logged_in, world):
    for method in METHODS:
        names = [param.name for param in spec_of(method).params]
        base = (world[method] or [{}])[0]
        for value in BAD_VALUES:
            for name in names:
                params = {**base, name: value}
                if method == "account/reset_password/":
                    params["api_key"] = logged_in.subscriber.client.api_key
                response = logged_in.call(method, **params)
                check_answer(method, json.loads(response.content))
