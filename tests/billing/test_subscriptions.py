"""Tariffs taken from the app (`billing.subscriptions.tariffs_subscribe`): charged from the balance
under the periodic billing's keys, all or nothing; and dropped from the app (`tariffs_unsubscribe`)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.modes import activation_key, charge_key
from billing.services import DuplicateTransaction, transaction_create
from billing.subscriptions import (
    BasicTariffTaken, InsufficientFunds, TariffAlreadyConnected, TariffUnavailable, tariffs_subscribe,
)
from tests import factories
from tvmiddleware.models import AccountStatus, TariffSubscription
from tvmiddleware.services import account_deactivate
from tvmiddleware.services.tariffs import (
    BasicTariffKept, TariffNotConnected, TariffNotUnsubscribable, tariffs_unsubscribe,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paying(client_obj, customer, account):
    transaction_create(client=client_obj, customer=customer, amount="100.00", ext_id="top-up")
    return customer


def extra(client_obj, **fields):
    return factories.TariffFactory(client=client_obj, basic_tariff_priority=0, **fields)


def test_charges_activation_and_first_period_under_the_periodic_keys(client_obj, paying, account):
    sport = extra(client_obj, price=Decimal("30.00"), default_activation_price=Decimal("5.00"), period=30)
    now = timezone.now()
    [subscription] = tariffs_subscribe(customer=paying, tariff_ids=[sport.pk], account=account, now=now)
    assert subscription.end_date == now + timedelta(days=30)
    rows = {r.source: r for r in CustomerTransaction.objects.filter(customer=paying).exclude(ext_id="top-up")}
    assert rows[TransactionSource.ACTIVATION].ext_id == activation_key(subscription.pk)
    assert rows[TransactionSource.CHARGE].ext_id == charge_key(subscription.pk, now)
    assert rows[TransactionSource.CHARGE].meta["account_id"] == account.pk
    paying.refresh_from_db()
    assert paying.balance == Decimal("65.00")
    # The keys are the ledger's: the same period can never be charged a second time.
    with pytest.raises(DuplicateTransaction):
        transaction_create(client=client_obj, customer=paying, amount="-30.00", source=TransactionSource.CHARGE,
                           ext_id=charge_key(subscription.pk, now))


def test_all_or_nothing_when_the_balance_does_not_cover_every_tariff(client_obj, paying, account):
    account_deactivate(account=account)
    first = extra(client_obj, price=Decimal("60.00"))
    second = extra(client_obj, price=Decimal("60.00"))
    with pytest.raises(InsufficientFunds):
        tariffs_subscribe(customer=paying, tariff_ids=[first.pk, second.pk], account=account, try_activate=True)
    assert not TariffSubscription.objects.filter(tariff__in=[first, second]).exists()
    assert CustomerTransaction.objects.filter(customer=paying).count() == 1  # the top-up only
    paying.refresh_from_db()
    account.refresh_from_db()
    assert paying.balance == Decimal("100.00") and not account.active  # the activation rolled back too


def test_try_activate_opens_the_login_with_the_subscription(client_obj, paying, account):
    account_deactivate(account=account)
    account.refresh_from_db()
    tariffs_subscribe(customer=paying, tariff_ids=[extra(client_obj).pk], account=account, try_activate=True)
    account.refresh_from_db()
    assert account.active and account.status_reason == AccountStatus.ACTIVE


def test_refusals_come_before_any_write(client_obj, paying, account, other_client, basic_tariff):
    hidden = extra(client_obj, hidden=True)
    with pytest.raises(TariffUnavailable):
        tariffs_subscribe(customer=paying, tariff_ids=[hidden.pk], account=account)
    with pytest.raises(TariffUnavailable):
        tariffs_subscribe(customer=paying, tariff_ids=[factories.TariffFactory(client=other_client).pk],
                          account=account)
    other_basic = factories.TariffFactory(client=client_obj, basic_tariff_priority=2)
    with pytest.raises(BasicTariffTaken):
        tariffs_subscribe(customer=paying, tariff_ids=[basic_tariff.pk, other_basic.pk], account=account)
    tariffs_subscribe(customer=paying, tariff_ids=[basic_tariff.pk], account=account)
    with pytest.raises(TariffAlreadyConnected):
        tariffs_subscribe(customer=paying, tariff_ids=[basic_tariff.pk], account=account)
    with pytest.raises(BasicTariffTaken):
        tariffs_subscribe(customer=paying, tariff_ids=[other_basic.pk], account=account)
    assert TariffSubscription.objects.filter(customer=paying).count() == 1


def test_unsubscribe_rules(client_obj, paying, account, basic_tariff):
    sport, required = extra(client_obj), extra(client_obj, required=True)
    tariffs_subscribe(customer=paying, tariff_ids=[basic_tariff.pk, sport.pk, required.pk], account=account)
    with pytest.raises(TariffNotConnected):
        tariffs_unsubscribe(customer=paying, tariff_ids=[sport.pk, extra(client_obj).pk])
    with pytest.raises(BasicTariffKept):
        tariffs_unsubscribe(customer=paying, tariff_ids=[basic_tariff.pk])
    with pytest.raises(TariffNotUnsubscribable):
        tariffs_unsubscribe(customer=paying, tariff_ids=[sport.pk, required.pk])
    assert TariffSubscription.objects.filter(customer=paying, is_closed=False).count() == 3
    [closed] = tariffs_unsubscribe(customer=paying, tariff_ids=[sport.pk])
    assert closed.tariff == sport and closed.is_closed
