"""tvzavr SVOD: the subscription tariff opens and closes the subscription at tvzavr (through the
outbox, so a tvzavr outage loses nothing), and the periodic run renews it."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests import factories
from tests.cinema_kit.fake_partner import free_port
from tests.tvzavr.conftest import set_attributes
from tests.tvzavr.fakes import PACKAGE, SECRET
from tvmiddleware import events, services
from tvmiddleware.models import DeliveryStatus, DomainEvent, EventDelivery, ExternalSystem
from tvzavr.models import TvzavrSubscription
from tvzavr.renewals import renew_all


def assign(customer, tariff, capture):
    with capture(execute=True):
        services.tariff_assign(customer=customer, tariff=tariff)


def remove(customer, tariff, capture):
    with capture(execute=True):
        services.tariff_remove(customer=customer, tariff=tariff)


def make_due() -> None:
    EventDelivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=timezone.now())


def deliveries(system) -> list[EventDelivery]:
    return list(EventDelivery.objects.filter(handler=f"external_system:{system.pk}").order_by("pk"))


def test_assigning_the_subscription_tariff_subscribes_at_tvzavr(tvzavr_system, fake_tvzavr, customer, svod_tariff,
                                                                django_capture_on_commit_callbacks):
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)

    assert fake_tvzavr.active_users() == [str(customer.pk)] and fake_tvzavr.activations == 1
    assert fake_tvzavr.bad_signs == 0
    until = fake_tvzavr.subscriptions[(str(customer.pk), PACKAGE)]["until"]
    assert timedelta(days=29, hours=23) < until - timezone.now() <= timedelta(days=30)
    mirror = TvzavrSubscription.objects.get(external_system=tvzavr_system, customer=customer)
    assert mirror.active and mirror.paid_until == until and mirror.client_id == customer.client_id
    assert [d.status for d in deliveries(tvzavr_system)] == [DeliveryStatus.DELIVERED]


def test_removing_it_unsubscribes(tvzavr_system, fake_tvzavr, customer, svod_tariff,
                                  django_capture_on_commit_callbacks):
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    remove(customer, svod_tariff, django_capture_on_commit_callbacks)

    assert fake_tvzavr.active_users() == []
    assert not TvzavrSubscription.objects.get(customer=customer).active


def test_other_tariffs_are_not_told_to_tvzavr(tvzavr_system, fake_tvzavr, customer, basic_tariff, catalogue_tariff,
                                              django_capture_on_commit_callbacks):
    assign(customer, basic_tariff, django_capture_on_commit_callbacks)
    assign(customer, catalogue_tariff, django_capture_on_commit_callbacks)
    assert fake_tvzavr.requests == []
    assert all(d.status == DeliveryStatus.DELIVERED for d in deliveries(tvzavr_system))


@pytest.mark.parametrize("outage", ["503", "connection refused"])
def test_tvzavr_down_then_back_gives_exactly_one_subscription(outage, tvzavr_system, fake_tvzavr, customer,
                                                              svod_tariff, django_capture_on_commit_callbacks):
    if outage == "503":
        fake_tvzavr.down = 503
    else:
        set_attributes(tvzavr_system, api_url=f"http://127.0.0.1:{free_port()}")

    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    (delivery,) = deliveries(tvzavr_system)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert SECRET not in delivery.last_error
    assert fake_tvzavr.active_users() == []

    make_due()
    events.deliver_due()  # still down: a second failed attempt
    assert deliveries(tvzavr_system)[0].attempts == 2

    fake_tvzavr.down = None
    set_attributes(tvzavr_system, api_url=fake_tvzavr.url)
    make_due()
    assert events.deliver_due()["delivered"] == 1
    make_due()
    assert events.deliver_due() == {"delivered": 0, "failed": 0, "skipped": 0}  # a delivered row stays delivered

    assert fake_tvzavr.active_users() == [str(customer.pk)]
    assert fake_tvzavr.activations == 1
    assert deliveries(tvzavr_system)[0].status == DeliveryStatus.DELIVERED


def test_a_repeated_delivery_does_not_subscribe_twice(tvzavr_system, fake_tvzavr, customer, svod_tariff,
                                                      django_capture_on_commit_callbacks):
    """A worker dying after tvzavr acted but before "delivered" was written repeats the hook."""
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    event = DomainEvent.objects.get(name="tariff.assigned")
    subscribe_calls = fake_tvzavr.calls("/subscribe")

    tvzavr_system.get_api().on_tariff_assigned(event)

    assert fake_tvzavr.activations == 1 and fake_tvzavr.renewals == 0
    assert fake_tvzavr.calls("/subscribe") == subscribe_calls  # status said active: nothing to do


def test_deliveries_retried_out_of_order_converge(tvzavr_system, fake_tvzavr, customer, svod_tariff,
                                                  django_capture_on_commit_callbacks):
    """Assigned and removed again while tvzavr was down: nobody ends up subscribed."""
    fake_tvzavr.down = 503
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    remove(customer, svod_tariff, django_capture_on_commit_callbacks)
    fake_tvzavr.down = None
    make_due()
    assert events.deliver_due()["delivered"] == 2
    assert fake_tvzavr.activations == 0 and fake_tvzavr.active_users() == []


# --- renewals -----------------------------------------------------------------------------------

def expire_soon(fake, customer, days: float = 1) -> None:
    fake.subscriptions[(str(customer.pk), PACKAGE)]["until"] = fake.now().replace(microsecond=0) + timedelta(days=days)
    TvzavrSubscription.objects.filter(customer=customer).update(paid_until=timezone.now() + timedelta(days=days))


def test_renewal_extends_subscriptions_near_their_end_and_asks_about_nobody_else(
        tvzavr_system, fake_tvzavr, client_obj, svod_tariff, django_capture_on_commit_callbacks):
    near, far = factories.CustomerFactory(client=client_obj), factories.CustomerFactory(client=client_obj)
    assign(near, svod_tariff, django_capture_on_commit_callbacks)
    assign(far, svod_tariff, django_capture_on_commit_callbacks)
    expire_soon(fake_tvzavr, near)
    old_until = fake_tvzavr.subscriptions[(str(near.pk), PACKAGE)]["until"]
    requests_before = len(fake_tvzavr.requests)

    counts = renew_all()

    assert counts == {"renewed": 1}
    assert fake_tvzavr.subscriptions[(str(near.pk), PACKAGE)]["until"] == old_until + timedelta(days=30)
    assert fake_tvzavr.renewals == 1 and fake_tvzavr.activations == 2
    assert {path for _, path, params in fake_tvzavr.requests[requests_before:]} <= {
        "/api/3.0/partner/subscription/status", "/api/3.0/partner/user/create",
        "/api/3.0/partner/subscription/subscribe"}
    assert all(params["user"] == str(near.pk) for _, _, params in fake_tvzavr.requests[requests_before:])
    assert TvzavrSubscription.objects.get(customer=near).paid_until == old_until + timedelta(days=30)

    requests_before = len(fake_tvzavr.requests)
    assert renew_all() == {}  # nothing due: tvzavr is not called at all
    assert len(fake_tvzavr.requests) == requests_before


def test_renewal_subscribes_unconfirmed_holders_and_closes_stale_subscriptions(
        tvzavr_system, fake_tvzavr, client_obj, svod_tariff, django_capture_on_commit_callbacks):
    holder, leaver = factories.CustomerFactory(client=client_obj), factories.CustomerFactory(client=client_obj)
    fake_tvzavr.down = 503
    assign(holder, svod_tariff, django_capture_on_commit_callbacks)  # delivery pending
    fake_tvzavr.down = None
    assign(leaver, svod_tariff, django_capture_on_commit_callbacks)
    fake_tvzavr.down = 503
    remove(leaver, svod_tariff, django_capture_on_commit_callbacks)
    EventDelivery.objects.filter(status=DeliveryStatus.PENDING).update(status=DeliveryStatus.FAILED)  # gave up
    fake_tvzavr.down = None

    assert renew_all() == {"subscribed": 1, "unsubscribed": 1}
    assert fake_tvzavr.active_users() == [str(holder.pk)]


def test_renewal_command(tvzavr_system, fake_tvzavr, customer, svod_tariff, django_capture_on_commit_callbacks):
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    expire_soon(fake_tvzavr, customer)
    out = StringIO()
    call_command("tvzavr_renew_subscriptions", stdout=out)
    assert out.getvalue().strip() == "tvzavr renewals: subscribed 0, renewed 1, unsubscribed 0, unchanged 0, errors 0"

    expire_soon(fake_tvzavr, customer)
    fake_tvzavr.down = 503
    with pytest.raises(CommandError, match="1 error"):
        call_command("tvzavr_renew_subscriptions", "--system", str(tvzavr_system.pk), stdout=StringIO())


def test_process_account_renews_its_customer(tvzavr_system, fake_tvzavr, account, svod_tariff,
                                             django_capture_on_commit_callbacks):
    assign(account.customer, svod_tariff, django_capture_on_commit_callbacks)
    expire_soon(fake_tvzavr, account.customer)
    tvzavr_system.get_api().process_account(account=account)
    assert fake_tvzavr.renewals == 1


def test_other_operators_are_left_alone(tvzavr_system, fake_tvzavr, other_client, django_capture_on_commit_callbacks):
    """An operator without tvzavr gets no tvzavr deliveries; renewals look at tvzavr integrations only."""
    other_customer = factories.CustomerFactory(client=other_client)
    other_tariff = factories.TariffFactory(client=other_client, basic_tariff_priority=0)
    assign(other_customer, other_tariff, django_capture_on_commit_callbacks)
    assert not EventDelivery.objects.filter(client=other_client).exists()
    assert renew_all() == {}
    assert fake_tvzavr.requests == []
    assert ExternalSystem.objects.filter(client=other_client).count() == 0


def test_renewal_dry_run_and_scoping(tvzavr_system, fake_tvzavr, customer, other_client, svod_tariff,
                                     django_capture_on_commit_callbacks):
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    expire_soon(fake_tvzavr, customer)
    requests_before = len(fake_tvzavr.requests)
    out = StringIO()
    call_command("tvzavr_renew_subscriptions", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "tvzavr renewals (dry run): due 1"
    assert renew_all(client_id=other_client.pk) == {}
    assert len(fake_tvzavr.requests) == requests_before
    assert renew_all(client_id=customer.client_id) == {"renewed": 1}
