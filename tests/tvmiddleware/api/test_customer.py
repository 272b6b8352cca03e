"""customer/info, customer/balance and the tariff methods of the device API (and their account twins)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.modes import check_accounts
from tests import factories
from tvmiddleware.models import BillingMode, TariffSubscription


@pytest.fixture
def sport(subscriber):
    return factories.TariffFactory(client=subscriber.client, name="Sport", basic_tariff_priority=0,
                                   price=Decimal("30.00"), default_activation_price=Decimal("5.00"), period=30)


def test_balance_and_info(logged_in, subscriber):
    assert logged_in.json("customer/balance/") == {"balance": "100.00", "error": 0, "error_message": ""}
    info = logged_in.json("customer/info/")
    assert info["error"] == 0 and info["firstname"] == "Ivan" and info["abonement"] == "100001"
    assert [t["id"] for t in info["tariffs"]] == [subscriber.tariff.pk]
    assert info["subscriptions"][0]["tariff_name"] == "Base"
    assert info["payments"]["other"][0]["amount"] == 100.0


def test_info_lists_the_payments_of_a_period_and_refuses_a_bad_date(logged_in, subscriber):
    from django.utils import timezone

    today = timezone.localdate().strftime("%d.%m.%Y")
    assert logged_in.json("customer/info/", date_from=today, date_to=today)["payments"]["other"][0]["amount"] == 100.0
    assert logged_in.json("customer/info/", date_to="01.01.2020")["payments"]["other"] == []
    for bad in ({"date_from": "bad-date"}, {"date_to": "2026-12-07"}, {"date_from": "31.02.2026"}):
        assert logged_in.json("customer/info/", **bad)["error"] == 2, bad


def test_tariff_list_offers_visible_tariffs(logged_in, subscriber, sport):
    hidden = factories.TariffFactory(client=subscriber.client, hidden=True, basic_tariff_priority=0)
    factories.TariffFactory()  # another operator's
    for method in ("customer/tariff/list/", "account/tariff/list", "account/tariff/list/"):
        rows = {t["id"]: t for t in logged_in.json(method)["tariffs"]}
        assert set(rows) == {subscriber.tariff.pk, sport.pk} and hidden.pk not in rows
        assert rows[subscriber.tariff.pk]["is_assigned"] == 1 and rows[sport.pk]["is_assigned"] == 0
        assert rows[sport.pk]["price"] == "30.00"


def test_subscribe_charges_activation_and_first_period_once(logged_in, subscriber, sport, django_capture_on_commit_callbacks):
    body = logged_in.json("customer/tariff/subscribe/", tariff_id=sport.pk)
    assert body["error"] == 0
    subscriber.customer.refresh_from_db()
    assert subscriber.customer.balance == Decimal("65.00")  # 100 - 5 activation - 30 first period
    subscription = TariffSubscription.objects.get(customer=subscriber.customer, tariff=sport, is_closed=False)
    assert subscription.end_date > timezone.now() + timedelta(days=29)
    # periodic billing recognises the charges as its own: nothing is charged again now
    subscriber.client.billing_mode = BillingMode.PERIODIC
    subscriber.client.save()
    subscriber.tariff.price = Decimal("0.00")
    subscriber.tariff.save()
    check_accounts(client_id=subscriber.client.pk)
    subscriber.customer.refresh_from_db()
    assert subscriber.customer.balance == Decimal("65.00")
    sources = sorted(CustomerTransaction.objects.filter(customer=subscriber.customer).values_list("source", flat=True))
    assert sources == sorted([TransactionSource.API, TransactionSource.ACTIVATION, TransactionSource.CHARGE])


def test_subscribe_errors(logged_in, subscriber, sport):
    assert logged_in.json("customer/tariff/subscribe/")["error"] == 120
    assert logged_in.json("customer/tariff/subscribe/", tariff_id=subscriber.tariff.pk)["error"] == 3
    assert logged_in.json("customer/tariff/subscribe/", tariff_id=999999)["error"] == 1
    assert logged_in.json("customer/tariff/subscribe/", tariff_id=factories.TariffFactory().pk)["error"] == 1
    other_basic = factories.TariffFactory(client=subscriber.client, basic_tariff_priority=2)
    assert logged_in.json("customer/tariff/subscribe/", tariff_id=other_basic.pk)["error"] == 5
    sport.price = Decimal("500.00")
    sport.save()
    assert logged_in.json("account/tariff/subscribe", tariff_id=sport.pk)["error"] == 2
    assert not TariffSubscription.objects.filter(tariff=sport).exists()  # nothing half-done
    subscriber.customer.refresh_from_db()
    assert subscriber.customer.balance == Decimal("100.00")


def test_unsubscribe(logged_in, subscriber, sport):
    assert logged_in.json("customer/tariff/subscribe/", tariff_id=sport.pk)["error"] == 0
    assert logged_in.json("customer/tariff/unsubscribe/", tariff_id=subscriber.tariff.pk)["error"] == 2  # basic
    assert logged_in.json("customer/tariff/unsubscribe/", tariff_id=sport.pk)["error"] == 0
    assert logged_in.json("customer/tariff/unsubscribe/", tariff_id=sport.pk)["error"] == 1
    assert logged_in.json("customer/tariff/unsubscribe/")["error"] == 120
    locked = factories.TariffFactory(client=subscriber.client, basic_tariff_priority=0, price=Decimal("0"),
                                     available_to_unsubscribe=False)
    assert logged_in.json("account/tariff/subscribe", tariff_id=locked.pk)["error"] == 0
    assert logged_in.json("account/tariff/unsubscribe", tariff_id=locked.pk)["error"] == 5


def test_methods_need_a_session(api):
    for method in ("customer/info/", "customer/balance/", "customer/tariff/list/", "customer/tariff/subscribe/"):
        assert api.json(method)["error"] == 403
