"""The built-in billing modes (billing.modes): dates (I), periodic charging (II), off (III)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest

from billing.models import CustomerTransaction, PromoActivation, PromoCode, TransactionSource
from billing.modes import (
    LAPSE_GRACE, Discount, activation_key, charge_key, check_accounts, discounted, period_price, plan_customer,
)
from billing.services import transaction_create
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountStatus, BillingMode, DomainEvent, TariffSubscription

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=dt_timezone.utc)
TODAY = date(2026, 3, 1)


def pay(customer, amount: str, ext_id: str) -> None:
    transaction_create(client=customer.client, customer=customer, amount=amount, ext_id=ext_id)


def charges(customer):
    return list(CustomerTransaction.objects.filter(customer=customer)
                .exclude(source=TransactionSource.API).order_by("id"))


def balance(customer) -> Decimal:
    customer.refresh_from_db()
    return customer.balance


def status(account) -> tuple[bool, str]:
    account.refresh_from_db()
    return account.active, account.status_reason


@pytest.fixture
def operator(db):
    return factories.ClientFactory(billing_mode=BillingMode.PERIODIC)


@pytest.fixture
def tariff(operator):
    return factories.TariffFactory(client=operator, name="Base", price=Decimal("10.00"), period=30,
                                   default_activation_price=Decimal("5.00"))


@pytest.fixture
def sport(operator):
    return factories.TariffFactory(client=operator, name="Sport", price=Decimal("5.00"), period=30,
                                   basic_tariff_priority=0)


@pytest.fixture
def subscriber(operator):
    """A customer with two logins and 100.00 on the balance."""
    customer = factories.CustomerFactory(client=operator)
    first = factories.AccountFactory(customer=customer)
    second = factories.AccountFactory(customer=customer)
    pay(customer, "100.00", "seed")
    return customer, first, second


def subscribe(customer, tariff, **terms) -> TariffSubscription:
    terms.setdefault("start_date", NOW - timedelta(hours=1))
    return services.tariff_assign(customer=customer, tariff=tariff, **terms)


# --- mode II -----------------------------------------------------------------------------------------

class TestPeriodicCharging:
    def test_first_run_charges_activation_and_first_period_and_extends_paid_until(self, subscriber, tariff):
        customer, _, _ = subscriber
        sub = subscribe(customer, tariff)
        summary = check_accounts(now=NOW)
        activation, period = charges(customer)
        assert (activation.source, activation.amount, activation.ext_id) == (
            TransactionSource.ACTIVATION, Decimal("-5.00"), activation_key(sub.pk))
        assert (period.source, period.amount, period.ext_id) == (
            TransactionSource.CHARGE, Decimal("-10.00"), f"charge:{sub.pk}:20260301")
        assert period.meta["subscription_id"] == sub.pk and period.meta["tariff_id"] == tariff.pk
        sub.refresh_from_db()
        assert sub.end_date == sub.start_date + timedelta(days=30)
        assert balance(customer) == Decimal("85.00")
        assert (summary.charged, summary.amount) == (2, Decimal("15.00"))

    def test_running_twice_charges_once(self, subscriber, tariff):
        customer, _, _ = subscriber
        subscribe(customer, tariff)
        check_accounts(now=NOW)
        again = check_accounts(now=NOW + timedelta(minutes=5))
        assert len(charges(customer)) == 2 and balance(customer) == Decimal("85.00")
        assert again.charged == 0

    def test_next_period_follows_the_last_one_without_a_gap(self, subscriber, tariff):
        customer, _, _ = subscriber
        sub = subscribe(customer, tariff)
        check_accounts(now=NOW)
        sub.refresh_from_db()
        paid_until = sub.end_date
        check_accounts(now=paid_until - timedelta(seconds=1))  # not due yet
        assert len(charges(customer)) == 2
        check_accounts(now=paid_until + timedelta(hours=2))    # due: a late run still continues the period
        sub.refresh_from_db()
        last = charges(customer)[-1]
        assert last.ext_id == charge_key(sub.pk, paid_until) and last.amount == Decimal("-10.00")
        assert sub.end_date == paid_until + timedelta(days=30)
        assert not any(c.source == TransactionSource.ACTIVATION for c in charges(customer)[2:])

    def test_insufficient_funds_blocks_active_accounts_for_debt_and_charges_nothing(self, operator, tariff):
        customer = factories.CustomerFactory(client=operator)
        active = factories.AccountFactory(customer=customer)
        blocked = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.BLOCK)
        pay(customer, "12.00", "seed")  # covers the period (10) but not with the activation price (5)
        subscribe(customer, tariff)
        summary = check_accounts(now=NOW)
        assert charges(customer) == [] and balance(customer) == Decimal("12.00")
        assert status(active) == (False, AccountStatus.DEBT)
        assert status(blocked) == (False, AccountStatus.BLOCK)
        assert summary.deactivated == 1
        event = DomainEvent.objects.get(name="account.status_changed")
        assert event.payload["account_id"] == active.pk and event.payload["status_reason"] == "DEBT"
        assert check_accounts(now=NOW + timedelta(hours=1)).deactivated == 0  # already blocked: no new event
        assert DomainEvent.objects.filter(name="account.status_changed").count() == 1

    def test_a_payment_that_covers_the_charge_reactivates_debt_blocks_only(self, operator, tariff):
        customer = factories.CustomerFactory(client=operator)
        debtor = factories.AccountFactory(customer=customer)
        blocked = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.BLOCK)
        sub = subscribe(customer, tariff)
        check_accounts(now=NOW)
        assert status(debtor) == (False, AccountStatus.DEBT)
        pay(customer, "20.00", "payment-1")
        later = NOW + timedelta(days=3)
        summary = check_accounts(now=later)
        assert status(debtor) == (True, AccountStatus.ACTIVE)
        assert status(blocked) == (False, AccountStatus.BLOCK)
        assert (summary.reactivated, summary.charged, summary.amount) == (1, 2, Decimal("15.00"))
        sub.refresh_from_db()
        # Cut off for three days: the first period starts when it is paid, not when it was assigned.
        assert sub.end_date == later + timedelta(days=30)
        assert charges(customer)[-1].ext_id == charge_key(sub.pk, later)
        assert balance(customer) == Decimal("5.00")

    def test_all_due_charges_of_a_customer_are_taken_together_or_not_at_all(self, operator, tariff, sport):
        customer = factories.CustomerFactory(client=operator)
        login = factories.AccountFactory(customer=customer)
        tariff.default_activation_price = None
        tariff.save()
        pay(customer, "12.00", "seed")  # covers the base tariff (10) but not with sport (5) as well
        subscribe(customer, tariff)
        subscribe(customer, sport)
        check_accounts(now=NOW)
        assert charges(customer) == [] and status(login) == (False, AccountStatus.DEBT)
        pay(customer, "3.00", "top-up")
        check_accounts(now=NOW + timedelta(hours=1))
        assert sorted(c.amount for c in charges(customer)) == [Decimal("-10.00"), Decimal("-5.00")]
        assert balance(customer) == Decimal("0.00") and status(login) == (True, AccountStatus.ACTIVE)

    def test_price_override_until_it_expires_then_the_tariff_price(self, subscriber, tariff):
        customer, _, _ = subscriber
        sub = subscribe(customer, tariff, price=Decimal("7.50"), price_expiration=date(2026, 3, 20))
        check_accounts(now=NOW)
        assert charges(customer)[-1].amount == Decimal("-7.50")
        sub.refresh_from_db()
        check_accounts(now=sub.end_date)
        assert charges(customer)[-1].amount == Decimal("-10.00")

    def test_subscriptions_that_are_not_charged(self, subscriber, operator):
        customer, _, _ = subscriber
        system = factories.TariffFactory(client=operator, period=0, basic_tariff_priority=0)
        one_off = factories.TariffFactory(client=operator, basic_tariff_priority=0)
        granted = factories.TariffFactory(client=operator, basic_tariff_priority=0)
        future = factories.TariffFactory(client=operator, basic_tariff_priority=0)
        subscribe(customer, system)
        subscribe(customer, one_off, is_periodical=False)
        subscribe(customer, granted, end_date=NOW + timedelta(days=10))
        subscribe(customer, future, start_date=NOW + timedelta(days=1))
        closed = factories.TariffFactory(client=operator, basic_tariff_priority=0)
        subscribe(customer, closed)
        services.tariff_remove(customer=customer, tariff=closed, when=NOW - timedelta(minutes=1))
        assert check_accounts(now=NOW).charged == 0
        assert charges(customer) == []

    def test_a_granted_period_is_charged_when_it_ends_without_activation_price(self, subscriber, tariff):
        customer, _, _ = subscriber
        sub = subscribe(customer, tariff, end_date=NOW + timedelta(days=10))
        check_accounts(now=NOW + timedelta(days=10))
        assert [(c.source, c.amount) for c in charges(customer)] == [(TransactionSource.CHARGE, Decimal("-10.00"))]
        sub.refresh_from_db()
        assert sub.end_date == NOW + timedelta(days=40)

    def test_a_subscription_unpaid_longer_than_the_grace_restarts_at_the_charge(self, subscriber, tariff):
        customer, _, _ = subscriber
        sub = subscribe(customer, tariff, end_date=NOW - LAPSE_GRACE - timedelta(hours=1))
        check_accounts(now=NOW)
        sub.refresh_from_db()
        assert sub.end_date == NOW + timedelta(days=30)
        assert charges(customer)[-1].ext_id == charge_key(sub.pk, NOW)

    def test_free_tariffs_extend_without_ledger_rows(self, subscriber, tariff):
        customer, _, _ = subscriber
        tariff.default_activation_price = None
        tariff.save()
        sub = subscribe(customer, tariff, price=Decimal("0.00"))
        assert check_accounts(now=NOW).charged == 0
        sub.refresh_from_db()
        assert charges(customer) == [] and sub.end_date == sub.start_date + timedelta(days=30)

    def test_a_period_already_in_the_ledger_is_not_charged_again(self, subscriber, tariff):
        """Someone reset `end_date` by hand: the ledger key still says the period is paid."""
        customer, _, _ = subscriber
        sub = subscribe(customer, tariff)
        check_accounts(now=NOW)
        paid_until = TariffSubscription.objects.get(pk=sub.pk).end_date
        TariffSubscription.objects.filter(pk=sub.pk).update(end_date=None)
        assert check_accounts(now=NOW + timedelta(minutes=1)).charged == 0
        assert len(charges(customer)) == 2 and balance(customer) == Decimal("85.00")
        assert TariffSubscription.objects.get(pk=sub.pk).end_date == paid_until

    def test_promo_discount_lowers_the_period_price_of_the_tariffs_it_covers(self, subscriber, tariff, sport):
        customer, _, _ = subscriber
        promo = PromoCode.objects.create(client=customer.client, code="HALF", discount=50)
        promo.discount_tariffs.add(tariff)
        PromoActivation.objects.create(client=customer.client, promo=promo, customer=customer, discount=50)
        subscribe(customer, tariff)
        subscribe(customer, sport)
        check_accounts(now=NOW)
        period_rows = sorted(c.amount for c in charges(customer) if c.source == TransactionSource.CHARGE)
        assert period_rows == [Decimal("-5.00"), Decimal("-5.00")]  # 10 at 50 % and 5 not covered
        assert any(c.amount == Decimal("-5.00") and c.source == TransactionSource.ACTIVATION
                   for c in charges(customer))  # the activation price is not discounted

    def test_customers_without_due_subscriptions_are_untouched(self, subscriber, tariff):
        customer, first, _ = subscriber
        subscribe(customer, tariff, end_date=NOW + timedelta(days=3))
        summary = check_accounts(now=NOW)
        assert (summary.charged, summary.deactivated, summary.reactivated) == (0, 0, 0)
        assert summary.checked == 2 and status(first) == (True, AccountStatus.ACTIVE)


class TestPlanning:
    """`plan_customer` decides from loaded rows; the pure parts of mode II."""

    def test_plan_without_due_subscriptions_is_none(self, subscriber, tariff):
        customer, first, second = subscriber
        sub = subscribe(customer, tariff, end_date=NOW + timedelta(days=1))
        assert plan_customer(customer, [sub], [first, second], NOW) is None

    def test_plan_blocks_only_active_accounts_when_not_covered(self, operator, tariff):
        customer = factories.CustomerFactory(client=operator)
        active = factories.AccountFactory(customer=customer)
        inactive = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.INACTIVE)
        sub = subscribe(customer, tariff)
        plan = plan_customer(customer, [sub], [active, inactive], NOW)
        assert not plan.covered and plan.total == Decimal("15.00") and plan.to_block == [active]

    def test_period_price_and_discounts(self, subscriber, tariff):
        customer, _, _ = subscriber
        sub = subscribe(customer, tariff, price=Decimal("8.00"), price_expiration=date(2026, 3, 2))
        assert period_price(sub, NOW) == Decimal("8.00")
        assert period_price(sub, NOW + timedelta(days=1)) == Decimal("10.00")  # the expiry day itself
        assert discounted(Decimal("9.99"), tariff.pk, [Discount(33)]) == Decimal("6.69")
        assert discounted(Decimal("10.00"), tariff.pk, [Discount(10), Discount(100, frozenset({tariff.pk}))]) == 0
        assert discounted(Decimal("10.00"), tariff.pk, [Discount(50, frozenset({tariff.pk + 1}))]) == Decimal("10.00")

    def test_charge_key_uses_the_utc_day_of_the_period_start(self):
        local_midnight = datetime(2026, 3, 2, 0, 30, tzinfo=dt_timezone(timedelta(hours=3)))
        assert charge_key(7, local_midnight) == "charge:7:20260301"


# --- mode I ------------------------------------------------------------------------------------------

class TestDates:
    @pytest.fixture
    def operator(self, db):
        return factories.ClientFactory(billing_mode=BillingMode.DATES)

    def account(self, operator, **fields):
        return factories.AccountFactory(customer=factories.CustomerFactory(client=operator), **fields)

    def test_activation_date_reached_activates_waiting_and_inactive_accounts(self, operator):
        waiting = self.account(operator, active=False, status_reason=AccountStatus.WAIT, activation_date=TODAY)
        inactive = self.account(operator, active=False, status_reason=AccountStatus.INACTIVE,
                                activation_date=TODAY - timedelta(days=3), deactivation_date=TODAY + timedelta(days=30))
        later = self.account(operator, active=False, status_reason=AccountStatus.WAIT,
                             activation_date=TODAY + timedelta(days=1))
        summary = check_accounts(now=NOW)
        assert status(waiting) == (True, AccountStatus.ACTIVE) and status(inactive) == (True, AccountStatus.ACTIVE)
        assert status(later) == (False, AccountStatus.WAIT)
        assert summary.activated == 2 and summary.checked == 3

    def test_deactivation_date_reached_deactivates_with_status_inactive(self, operator):
        ending = self.account(operator, deactivation_date=TODAY)
        running = self.account(operator, deactivation_date=TODAY + timedelta(days=1))
        summary = check_accounts(now=NOW)
        assert status(ending) == (False, AccountStatus.INACTIVE) and status(running) == (True, AccountStatus.ACTIVE)
        assert summary.deactivated == 1
        assert DomainEvent.objects.get(name="account.status_changed").payload["account_id"] == ending.pk

    def test_blocked_accounts_stay_blocked_and_a_passed_period_is_not_reopened(self, operator):
        blocked = self.account(operator, active=False, status_reason=AccountStatus.BLOCK, activation_date=TODAY)
        debt = self.account(operator, active=False, status_reason=AccountStatus.DEBT, activation_date=TODAY)
        over = self.account(operator, active=False, status_reason=AccountStatus.INACTIVE,
                            activation_date=TODAY - timedelta(days=40), deactivation_date=TODAY - timedelta(days=10))
        summary = check_accounts(now=NOW)
        assert status(blocked) == (False, AccountStatus.BLOCK) and status(debt) == (False, AccountStatus.DEBT)
        assert status(over) == (False, AccountStatus.INACTIVE)
        assert (summary.activated, summary.deactivated) == (0, 0)

    def test_dates_mode_charges_nothing(self, operator):
        customer = factories.CustomerFactory(client=operator)
        factories.AccountFactory(customer=customer)
        pay(customer, "50.00", "seed")
        subscribe(customer, factories.TariffFactory(client=operator))
        assert check_accounts(now=NOW).charged == 0 and balance(customer) == Decimal("50.00")

    def test_an_operators_block_made_meanwhile_is_not_overwritten(self, operator):
        from billing.modes import account_transition, date_activatable

        account = self.account(operator, active=False, status_reason=AccountStatus.WAIT, activation_date=TODAY)
        services.account_set_status(account=account, active=False, status_reason=AccountStatus.BLOCK)
        stale = type(account).objects.get(pk=account.pk)
        stale.status_reason = AccountStatus.WAIT  # what an earlier read of the batch saw
        assert not account_transition(account=stale, expect=date_activatable(TODAY), active=True,
                                      status_reason=AccountStatus.ACTIVE)
        assert status(account) == (False, AccountStatus.BLOCK)


# --- mode III and several operators --------------------------------------------------------------------

def test_off_mode_does_nothing(db):
    operator = factories.ClientFactory(billing_mode=BillingMode.OFF)
    customer = factories.CustomerFactory(client=operator)
    account = factories.AccountFactory(customer=customer, deactivation_date=TODAY - timedelta(days=1))
    subscribe(customer, factories.TariffFactory(client=operator))
    summary = check_accounts(now=NOW)
    assert status(account) == (True, AccountStatus.ACTIVE)
    assert (summary.checked, summary.charged, summary.deactivated) == (0, 0, 0)


def test_each_operator_is_processed_in_its_own_mode(db):
    periodic = factories.ClientFactory(billing_mode=BillingMode.PERIODIC)
    dates = factories.ClientFactory(billing_mode=BillingMode.DATES)
    payer = factories.CustomerFactory(client=periodic)
    factories.AccountFactory(customer=payer, deactivation_date=TODAY - timedelta(days=1))
    pay(payer, "10.00", "seed")
    subscribe(payer, factories.TariffFactory(client=periodic, price=Decimal("10.00")))
    ending = factories.AccountFactory(customer=factories.CustomerFactory(client=dates), deactivation_date=TODAY)
    summary = check_accounts(now=NOW)
    assert balance(payer) == Decimal("0.00")       # charged (II), its date ignored
    assert status(ending)[0] is False              # dated out (I)
    assert (summary.charged, summary.deactivated) == (1, 1)
    only_dates = check_accounts(now=NOW, client_id=dates.pk)
    assert only_dates.checked == 1


def test_disabled_operators_are_skipped(db):
    operator = factories.ClientFactory(billing_mode=BillingMode.DATES, enabled=False)
    account = factories.AccountFactory(customer=factories.CustomerFactory(client=operator), deactivation_date=TODAY)
    check_accounts(now=NOW)
    assert status(account) == (True, AccountStatus.ACTIVE)
