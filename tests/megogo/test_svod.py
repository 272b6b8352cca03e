"""SVOD: tariff_id / additional_tariffs_ids subscribe the customer at MEGOGO through domain events;
removing the last of them unsubscribes; a MEGOGO outage delays, never loses, a change."""
from datetime import timedelta

import pytest
from django.utils import timezone

from megogo.models import MegogoSubscriber
from tests import factories
from tvmiddleware import events, services
from tvmiddleware.models import DeliveryStatus, EventDelivery


@pytest.fixture
def customer(megogo):
    return services.customer_create(client=megogo.client, firstname="Ivan")


def identifier(customer) -> str:
    return f"{customer.client_id}-{customer.pk}"


def subscribed(fake, customer) -> bool:
    return fake.svod_service_id in fake.subscriptions.get(identifier(customer), set())


def make_due() -> None:
    EventDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def billing_calls(fake, method: str) -> int:
    return fake.requests[f"/partners/{fake.partner_id}/{method}"]


def test_assigning_the_svod_tariff_creates_the_user_and_subscribes(megogo, customer,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod)
    assert identifier(customer) in megogo.fake.users and subscribed(megogo.fake, customer)
    row = MegogoSubscriber.objects.get(customer=customer)
    assert row.user_created and row.subscribed and row.identifier == identifier(customer)
    assert EventDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_removing_the_last_svod_tariff_unsubscribes(megogo, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod)
        services.tariff_assign(customer=customer, tariff=megogo.mixed)
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_remove(customer=customer, tariff=megogo.svod)
    assert subscribed(megogo.fake, customer)  # the mixed tariff still includes MEGOGO
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_remove(customer=customer, tariff=megogo.mixed)
    assert not subscribed(megogo.fake, customer)
    assert not MegogoSubscriber.objects.get(customer=customer).subscribed
    assert billing_calls(megogo.fake, "user/create") == 1


def test_other_tariffs_do_not_reach_megogo(megogo, customer, django_capture_on_commit_callbacks):
    other = factories.TariffFactory(client=megogo.client, name="TV only")
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=other)
        services.tariff_remove(customer=customer, tariff=other)
    assert not any(path.startswith("/partners/") for path in megogo.fake.requests)
    assert set(EventDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_partner_down_delays_and_never_loses_a_change(megogo, customer, django_capture_on_commit_callbacks):
    megogo.fake.billing_down = True
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod)
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "503" in delivery.last_error
    assert not subscribed(megogo.fake, customer)

    make_due()
    assert events.deliver_due()["failed"] == 1  # still down: retried later

    megogo.fake.billing_down = False
    make_due()
    assert events.deliver_due()["delivered"] == 1
    assert subscribed(megogo.fake, customer)

    megogo.fake.billing_down = True
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_remove(customer=customer, tariff=megogo.svod)
    assert subscribed(megogo.fake, customer)
    megogo.fake.billing_down = False
    make_due()
    assert events.deliver_due()["delivered"] == 1
    assert not subscribed(megogo.fake, customer)


def test_deliveries_out_of_order_end_in_the_current_state(megogo, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod)
    megogo.fake.billing_down = True
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_remove(customer=customer, tariff=megogo.svod)
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod)
    megogo.fake.billing_down = False
    _, removed, assigned_again = EventDelivery.objects.order_by("pk")
    assert removed.status == assigned_again.status == DeliveryStatus.PENDING
    make_due()
    assert events.attempt(assigned_again.pk) and events.attempt(removed.pk)  # the older one arrives last
    assert subscribed(megogo.fake, customer)  # the customer holds the tariff now


def test_a_repeated_delivery_is_harmless(megogo, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod)
    event = EventDelivery.objects.get().event
    megogo.api().on_tariff_assigned(event)  # as after a crash between MEGOGO's answer and "delivered"
    assert subscribed(megogo.fake, customer)
    assert billing_calls(megogo.fake, "user/create") == 1


def test_an_existing_partner_user_is_reused(megogo, customer, django_capture_on_commit_callbacks):
    megogo.fake.users.add(identifier(customer))  # created by an earlier installation
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod)
    assert subscribed(megogo.fake, customer)


def test_a_granted_period_ending_unsubscribes_through_check_accounts(megogo, customer,
                                                                     django_capture_on_commit_callbacks):
    """A MEGOGO tariff granted until a date (non-periodical) stops opening MEGOGO at that date, and
    `check_accounts` closes it through tariff_remove, so MEGOGO hears the unsubscription."""
    from billing.modes import check_accounts
    from megogo.subscriptions import holds_svod

    ends = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=megogo.svod, end_date=ends, is_periodical=False)
    assert subscribed(megogo.fake, customer) and holds_svod(megogo.api(), customer)
    with django_capture_on_commit_callbacks(execute=True):
        assert check_accounts(now=timezone.now()).expired == 0  # still running
    assert subscribed(megogo.fake, customer)
    later = ends + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert check_accounts(now=later).expired == 1
    assert not subscribed(megogo.fake, customer)
    assert not MegogoSubscriber.objects.get(customer=customer).subscribed
