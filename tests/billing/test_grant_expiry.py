"""`check_accounts` closes granted (non-periodical) subscriptions whose end date has passed, through
`tariff_remove` (so `tariff.removed` reaches the plugins); periodical ones are left to mode II."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest

from billing import modes
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import BillingMode, DomainEvent, EventDelivery, ExternalSystem, TariffSubscription
from tvmiddleware.plugins import ExternalSystemAPI, registry

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=dt_timezone.utc)


def grant(customer, tariff, *, ends: datetime, periodical: bool = False) -> TariffSubscription:
    return services.tariff_assign(customer=customer, tariff=tariff, start_date=NOW - timedelta(days=10),
                                  end_date=ends, is_periodical=periodical)


@pytest.fixture
def operator(db):
    return factories.ClientFactory(billing_mode=BillingMode.OFF)


@pytest.fixture
def listener(operator):
    """A plugin that hears tariff removals (as an online cinema or the operator's billing does)."""
    class Listener(ExternalSystemAPI):
        removed: list = []

        def on_tariff_removed(self, event):
            Listener.removed.append((event.payload["customer_id"], event.payload["tariff_id"]))

    Listener.removed = []
    registry.register("test_listener", Listener)
    ExternalSystem.objects.create(client=operator, name="Listener", api_class="test_listener")
    yield Listener
    registry.unregister("test_listener")


def test_an_expired_grant_is_closed_and_plugins_hear_it(operator, listener, django_capture_on_commit_callbacks):
    customer = factories.CustomerFactory(client=operator)
    tariff = factories.TariffFactory(client=operator, basic_tariff_priority=0, price=Decimal("0.00"))
    sub = grant(customer, tariff, ends=NOW - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        summary = modes.check_accounts(now=NOW)
    sub.refresh_from_db()
    assert sub.is_closed and sub.closed_at == NOW and sub.end_date == NOW - timedelta(hours=1)
    assert summary.expired == 1 and summary.errors == 0
    assert "subscriptions expired 1" in summary.line() and summary.as_dict()["expired"] == 1
    assert DomainEvent.objects.filter(name="tariff.removed", customer_id=customer.pk).count() == 1
    assert listener.removed == [(customer.pk, tariff.pk)]
    assert EventDelivery.objects.get().status == "delivered"
    # a second run finds nothing
    assert modes.check_accounts(now=NOW + timedelta(hours=1)).expired == 0


def test_running_grants_and_periodical_subscriptions_are_left_open(operator):
    customer = factories.CustomerFactory(client=operator)
    running = grant(customer, factories.TariffFactory(client=operator, basic_tariff_priority=0),
                    ends=NOW + timedelta(minutes=1))
    unpaid = grant(customer, factories.TariffFactory(client=operator, basic_tariff_priority=0),
                   ends=NOW - timedelta(days=2), periodical=True)  # "paid until": mode II's business
    unlimited = services.tariff_assign(customer=customer, tariff=factories.TariffFactory(
        client=operator, basic_tariff_priority=0), is_periodical=False)
    assert modes.check_accounts(now=NOW).expired == 0
    assert not TariffSubscription.objects.filter(pk__in=[running.pk, unpaid.pk, unlimited.pk],
                                                 is_closed=True).exists()


def test_dry_run_counts_and_closes_nothing(operator):
    customer = factories.CustomerFactory(client=operator)
    sub = grant(customer, factories.TariffFactory(client=operator, basic_tariff_priority=0),
                ends=NOW - timedelta(hours=1))
    assert modes.check_accounts(now=NOW, dry_run=True).expired == 1
    sub.refresh_from_db()
    assert not sub.is_closed and not DomainEvent.objects.filter(name="tariff.removed").exists()


def test_a_grant_extended_meanwhile_is_not_closed(operator, monkeypatch):
    customer = factories.CustomerFactory(client=operator)
    sub = grant(customer, factories.TariffFactory(client=operator, basic_tariff_priority=0),
                ends=NOW - timedelta(hours=1))
    scan = modes._batches

    def scan_then_extend(queryset, size=modes.BATCH_SIZE):
        """The operator extends the grant right after the scan found it."""
        for batch in scan(queryset, size):
            TariffSubscription.objects.filter(pk=sub.pk).update(end_date=NOW + timedelta(days=30))
            yield batch

    monkeypatch.setattr(modes, "_batches", scan_then_extend)
    summary = modes.check_accounts(now=NOW)
    assert summary.expired == 0 and summary.errors == 0
    sub.refresh_from_db()
    assert not sub.is_closed and not DomainEvent.objects.filter(name="tariff.removed").exists()


def test_only_operators_with_expired_grants_are_scanned(operator, django_assert_max_num_queries):
    """Nothing expired: the operators' query itself tells (no query per operator is added)."""
    customer = factories.CustomerFactory(client=operator)
    grant(customer, factories.TariffFactory(client=operator, basic_tariff_priority=0), ends=NOW + timedelta(days=1))
    factories.ClientFactory(billing_mode=BillingMode.OFF)
    with django_assert_max_num_queries(3):  # the operators, and each one's integrations
        assert modes.check_accounts(now=NOW).expired == 0


def test_access_and_the_closing_agree(operator):
    """Expired grants stop counting for access at their end date, before check_accounts closes them."""
    from tvmiddleware.streaming import access

    customer = factories.CustomerFactory(client=operator)
    account = factories.AccountFactory(customer=customer)
    tariff = factories.TariffFactory(client=operator, basic_tariff_priority=0)
    channel = factories.ChannelFactory(client=operator)
    tariff.channels.add(channel)
    grant(customer, tariff, ends=datetime.now(dt_timezone.utc) - timedelta(seconds=1))
    access.invalidate_customer(customer.pk)
    access.clear_local_cache()
    assert not access.can_watch(account.pk, "live", channel.pk)
