"""Database constraints back the invariants even when code bypasses the services."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import ExternalSystem, StreamService, TariffSubscription

pytestmark = pytest.mark.django_db


def violates(model_instance_factory):
    with pytest.raises(IntegrityError), transaction.atomic():
        model_instance_factory()


def test_one_open_basic_tariff_per_customer(customer, basic_tariff, client_obj):
    other_basic = factories.TariffFactory(client=client_obj, basic_tariff_priority=3)
    now = timezone.now()
    TariffSubscription.objects.create(client=client_obj, customer=customer, tariff=basic_tariff, is_basic=True,
                                      start_date=now)
    violates(lambda: TariffSubscription.objects.create(client=client_obj, customer=customer, tariff=other_basic,
                                                       is_basic=True, start_date=now))
    # closed basic subscriptions are history and do not count
    TariffSubscription.objects.create(client=client_obj, customer=customer, tariff=other_basic, is_basic=True,
                                      start_date=now, is_closed=True)


def test_one_open_subscription_per_tariff(customer, additional_tariff, client_obj):
    now = timezone.now()
    TariffSubscription.objects.create(client=client_obj, customer=customer, tariff=additional_tariff, start_date=now)
    violates(lambda: TariffSubscription.objects.create(client=client_obj, customer=customer,
                                                       tariff=additional_tariff, start_date=now))


def test_unique_abonement_and_ext_ids_per_client(client_obj, other_client):
    factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj), abonement="1")
    violates(lambda: factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj), abonement="1"))
    factories.AccountFactory(customer=factories.CustomerFactory(client=other_client), abonement="1")
    factories.CustomerFactory(client=client_obj, ext_id="E")
    violates(lambda: factories.CustomerFactory(client=client_obj, ext_id="E"))
    factories.TariffFactory(client=client_obj, ext_id="T")
    violates(lambda: factories.TariffFactory(client=client_obj, ext_id="T"))
    factories.TariffFactory(client=other_client, ext_id="T")


def test_tariff_priority_and_price_checks(client_obj):
    violates(lambda: factories.TariffFactory(client=client_obj, basic_tariff_priority=11))
    violates(lambda: factories.TariffFactory(client=client_obj, price=Decimal("-1")))


def test_one_default_billing_integration(client_obj, test_plugin):
    factories.ExternalSystemFactory(client=client_obj, is_default_for_billing=True)
    factories.ExternalSystemFactory(client=client_obj, is_default_for_billing=False)
    violates(lambda: factories.ExternalSystemFactory(client=client_obj, is_default_for_billing=True))


def test_ledger_arithmetic_check(customer):
    from billing.models import CustomerTransaction

    violates(lambda: CustomerTransaction.objects.create(
        client=customer.client, customer=customer, customer_ref=customer.pk, amount=Decimal("5"),
        source="api", balance_before=Decimal("0"), balance_after=Decimal("6")))


def test_tariff_cannot_switch_kind_while_held(customer, basic_tariff):
    services.tariff_assign(customer=customer, tariff=basic_tariff)
    basic_tariff.basic_tariff_priority = 0
    with pytest.raises(ValidationError):
        basic_tariff.full_clean()


def test_url_mask_rejects_unknown_variables(client_obj):
    service = StreamService(client=client_obj, name="S", url_mask="http://h/$prefix/$bogus.m3u8?t=$token")
    with pytest.raises(ValidationError) as info:
        service.full_clean()
    assert "$bogus" in str(info.value)
    service.url_mask = "http://h/$cid/video-$flpbt-$flpdur.m3u8?token=$token"
    service.full_clean()


def test_api_class_must_be_registered(client_obj, test_plugin):
    system = ExternalSystem(client=client_obj, name="X", api_class="nope")
    with pytest.raises(ValidationError):
        system.full_clean()
    system.api_class = "test_plugin"
    system.full_clean()
