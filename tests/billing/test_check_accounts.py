"""`manage.py check_accounts`, its Celery task, its SQL cost, billing plugins, and concurrent runs."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import modes
from billing.models import CustomerTransaction, TransactionSource
from billing.plugins import Authorization, BillingPluginBase
from billing.services import transaction_create
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountStatus, BillingMode, Customer, ExternalSystem, TariffSubscription
from tvmiddleware.plugins import ExternalSystemAPI, PluginError, registry

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=dt_timezone.utc)
ISO_NOW = "2026-03-01T03:00:00+00:00"


def build(n: int, *, due: bool = True, balance: str = "100.00", client=None):
    """An operator in mode II with `n` customers, each with one login and one tariff at 10.00."""
    client = client or factories.ClientFactory(billing_mode=BillingMode.PERIODIC)
    tariff = factories.TariffFactory(client=client, price=Decimal("10.00"), period=30)
    customers = []
    for i in range(n):
        customer = factories.CustomerFactory(client=client)
        factories.AccountFactory(customer=customer)
        transaction_create(client=client, customer=customer, amount=balance, ext_id=f"seed-{customer.pk}")
        services.tariff_assign(customer=customer, tariff=tariff, start_date=NOW - timedelta(hours=1),
                               end_date=None if due else NOW + timedelta(days=3))
        customers.append(customer)
    return client, customers


def period_charges():
    return CustomerTransaction.objects.filter(source=TransactionSource.CHARGE)


def run(*args: str) -> str:
    out = StringIO()
    call_command("check_accounts", *args, stdout=out)
    return out.getvalue().strip()


# --- the command and the task ------------------------------------------------------------------------

class TestCommand:
    def test_prints_the_summary_line(self, db):
        build(3)
        line = run("--now", ISO_NOW)
        assert line == ("check_accounts: accounts checked 3, charged 3, amount 30.00, deactivated 0, "
                        "reactivated 0, activated 0, errors 0")
        assert run("--now", ISO_NOW).startswith("check_accounts: accounts checked 3, charged 0,")

    def test_client_option_limits_the_run_to_one_operator(self, db):
        first, _ = build(2)
        build(2)
        assert "charged 2," in run("--client", str(first.pk), "--now", ISO_NOW)
        assert period_charges().count() == 2

    def test_unknown_client_and_bad_now_are_errors(self, db):
        with pytest.raises(CommandError, match="no enabled client"):
            run("--client", "999999")
        with pytest.raises(CommandError, match="ISO 8601"):
            run("--now", "yesterday")

    def test_dry_run_reports_the_plan_and_writes_nothing(self, db):
        client, customers = build(2)
        _, debtors = build(1, balance="1.00", client=client)
        line = run("--dry-run", "--now", ISO_NOW)
        assert line == ("check_accounts (dry run, nothing written): accounts checked 3, charged 2, amount 20.00, "
                        "deactivated 1, reactivated 0, activated 0, errors 0")
        assert period_charges().count() == 0
        assert not TariffSubscription.objects.filter(end_date__isnull=False).exists()
        assert debtors[0].accounts.get().active

    def test_a_failing_customer_is_counted_and_the_others_are_charged(self, db, monkeypatch):
        _, customers = build(3)
        broken = customers[1].pk
        real = modes.transaction_create

        def flaky(**kwargs):
            if kwargs["customer"].pk == broken:
                raise RuntimeError("disk full")
            return real(**kwargs)

        monkeypatch.setattr(modes, "transaction_create", flaky)
        out = StringIO()
        with pytest.raises(CommandError, match="1 error"):
            call_command("check_accounts", "--now", ISO_NOW, stdout=out)
        assert "charged 2," in out.getvalue() and "errors 1" in out.getvalue()
        assert set(period_charges().values_list("customer_id", flat=True)) == {customers[0].pk, customers[2].pk}
        assert not TariffSubscription.objects.get(customer_id=broken).end_date  # rolled back with the charge

    def test_naive_now_is_taken_in_the_current_time_zone(self, db):
        build(1)
        assert "charged 1," in run("--now", "2026-03-01T03:00:00")


def test_celery_task_runs_the_same_check(db):
    from billing.tasks import check_accounts

    build(2)
    result = check_accounts.delay().get()
    assert result["charged"] == 2 and result["amount"] == "20.00" and result["errors"] == 0


# --- SQL cost ----------------------------------------------------------------------------------------

BASE_QUERIES = 3        # the operators, their integrations, the count of accounts in scope
BATCH_QUERIES = 6       # savepoint, due customers (locked), subscriptions, accounts, promo discounts, release
LAST_BATCH_QUERIES = 3  # savepoint, the empty query that ends the loop, release
# Per customer that is charged one period: its savepoint (2), the ledger write path (lock, key check,
# savepoint, insert, release, balance update, and transaction_create's own savepoint pair) and the
# UPDATE of the subscription's end_date.
CHARGE_QUERIES = 11


def batches(n: int, size: int) -> int:
    return -(-n // size)


class TestQueryCount:
    """Reads are batched: what grows with the number of customers is writes, and only theirs."""

    BATCH = 20

    @pytest.fixture(autouse=True)
    def small_batches(self, monkeypatch):
        monkeypatch.setattr(modes, "BATCH_SIZE", self.BATCH)

    @pytest.mark.parametrize("n", [10, 50])
    def test_nothing_due_costs_the_same_for_10_and_50_customers(self, db, n, django_assert_max_num_queries):
        build(n, due=False)
        with django_assert_max_num_queries(BASE_QUERIES + LAST_BATCH_QUERIES):
            summary = modes.check_accounts(now=NOW)
        assert summary.checked == n and summary.charged == 0

    @pytest.mark.parametrize("n", [10, 50])
    def test_charging_grows_only_by_the_writes_of_each_charged_customer(self, db, n, django_assert_max_num_queries):
        build(n)
        expected = BASE_QUERIES + batches(n, self.BATCH) * BATCH_QUERIES + LAST_BATCH_QUERIES + n * CHARGE_QUERIES
        with django_assert_max_num_queries(expected):
            summary = modes.check_accounts(now=NOW)
        assert summary.charged == n

    def test_the_reads_of_a_batch_do_not_depend_on_its_size(self, db):
        """Same batch count, 10 vs 20 customers: the difference is exactly the charges' writes."""
        counts = {}
        for n in (10, 20):
            client, _ = build(n)
            with CaptureQueriesContext(connection) as queries:
                modes.check_accounts(now=NOW, client_id=client.pk)
            counts[n] = len(queries)
        assert counts[20] - counts[10] == 10 * CHARGE_QUERIES

    @pytest.mark.parametrize("n", [10, 50])
    def test_dates_mode_with_nothing_to_change_is_constant(self, db, n, django_assert_max_num_queries):
        client = factories.ClientFactory(billing_mode=BillingMode.DATES)
        for _ in range(n):
            factories.AccountFactory(customer=factories.CustomerFactory(client=client),
                                     deactivation_date=NOW.date() + timedelta(days=5))
        with django_assert_max_num_queries(BASE_QUERIES + 1):
            assert modes.check_accounts(now=NOW).checked == n

    def test_customers_already_blocked_for_debt_cost_nothing_more(self, db, django_assert_max_num_queries):
        build(30, balance="1.00")
        assert modes.check_accounts(now=NOW).deactivated == 30
        with django_assert_max_num_queries(BASE_QUERIES + 2 * BATCH_QUERIES + LAST_BATCH_QUERIES):
            assert modes.check_accounts(now=NOW + timedelta(hours=1)).deactivated == 0


# --- external billing plugins --------------------------------------------------------------------------

class RecordingBilling(BillingPluginBase):
    """A billing plugin that records `process_account` calls; accounts in `refuse` are told "debt"."""

    verbose_name = "Recording billing (tests)"
    calls: list[tuple[int, int]] = []
    refuse: set[int] = set()
    broken: set[int] = set()

    def process_account(self, *, account):
        if account.pk in self.broken:
            raise PluginError("billing down")
        RecordingBilling.calls.append((self.external_system.pk, account.pk))
        allowed = account.pk not in self.refuse
        return self.apply_authorization(account=account, authorization=Authorization(
            allowed=allowed, status_reason="" if allowed else AccountStatus.DEBT))


@pytest.fixture
def recording_billing():
    RecordingBilling.calls, RecordingBilling.refuse, RecordingBilling.broken = [], set(), set()
    registry.register("test_billing", RecordingBilling)
    yield RecordingBilling
    registry.unregister("test_billing")


def billing_system(client, **fields) -> ExternalSystem:
    return ExternalSystem.objects.create(client=client, name="Billing", api_class="test_billing", **fields)


class TestPlugins:
    def test_default_billing_plugin_gets_every_account_instead_of_local_charging(self, db, recording_billing):
        client, customers = build(2)
        system = billing_system(client, is_default_for_billing=True)
        extra = factories.AccountFactory(customer=customers[0])
        summary = modes.check_accounts(now=NOW)
        assert sorted(recording_billing.calls) == sorted(
            (system.pk, a.pk) for c in customers for a in c.accounts.all())
        assert extra.pk in {pk for _, pk in recording_billing.calls}
        assert period_charges().count() == 0 and summary.checked == 3 and summary.charged == 0

    def test_plugin_decisions_are_counted(self, db, recording_billing):
        client, customers = build(2)
        billing_system(client, is_default_for_billing=True)
        debtor = customers[0].accounts.get()
        restored = customers[1].accounts.get()
        services.account_block_for_debt(account=restored)
        recording_billing.refuse = {debtor.pk}
        summary = modes.check_accounts(now=NOW)
        debtor.refresh_from_db()
        restored.refresh_from_db()
        assert (debtor.active, debtor.status_reason) == (False, AccountStatus.DEBT)
        assert (restored.active, restored.status_reason) == (True, AccountStatus.ACTIVE)
        assert (summary.deactivated, summary.reactivated) == (1, 1)

    def test_a_customers_own_billing_plugin_takes_only_that_customer(self, db, recording_billing):
        client, customers = build(3)
        own = billing_system(client)
        Customer.objects.filter(pk=customers[0].pk).update(custom_billing_api=own)
        summary = modes.check_accounts(now=NOW)
        assert recording_billing.calls == [(own.pk, customers[0].accounts.get().pk)]
        assert set(period_charges().values_list("customer_id", flat=True)) == {customers[1].pk, customers[2].pk}
        assert summary.checked == 3 and summary.charged == 2

    def test_own_plugin_wins_over_the_default(self, db, recording_billing):
        client, customers = build(2)
        default = billing_system(client, is_default_for_billing=True)
        own = billing_system(client)
        Customer.objects.filter(pk=customers[0].pk).update(custom_billing_api=own)
        modes.check_accounts(now=NOW)
        assert sorted(recording_billing.calls) == sorted([(own.pk, customers[0].accounts.get().pk),
                                                          (default.pk, customers[1].accounts.get().pk)])

    def test_disabled_or_non_billing_integrations_leave_the_built_in_billing_in_charge(
            self, db, recording_billing, test_plugin):
        client, customers = build(2)
        billing_system(client, is_default_for_billing=True, enabled=False)
        other = ExternalSystem.objects.create(client=client, name="Cinema", api_class="test_plugin")
        Customer.objects.filter(pk=customers[0].pk).update(custom_billing_api=other)
        modes.check_accounts(now=NOW)
        assert recording_billing.calls == [] and period_charges().count() == 2

    def test_a_plugin_failure_is_counted_and_the_run_goes_on(self, db, recording_billing):
        client, customers = build(2)
        billing_system(client, is_default_for_billing=True)
        recording_billing.broken = {customers[0].accounts.get().pk}
        summary = modes.check_accounts(now=NOW)
        assert summary.errors == 1 and len(recording_billing.calls) == 1

    def test_dry_run_does_not_call_the_plugin(self, db, recording_billing):
        client, _ = build(2)
        billing_system(client, is_default_for_billing=True)
        summary = modes.check_accounts(now=NOW, dry_run=True)
        assert recording_billing.calls == [] and summary.checked == 2

    def test_plugins_are_called_even_when_the_built_in_billing_is_off(self, db, recording_billing):
        client, _ = build(1)
        client.billing_mode = BillingMode.OFF
        client.save()
        billing_system(client, is_default_for_billing=True)
        assert modes.check_accounts(now=NOW).checked == 1 and len(recording_billing.calls) == 1


class PartnerCheck(ExternalSystemAPI):
    """A non-billing integration with a periodic account check (as an online cinema has)."""

    verbose_name = "Partner with account check (tests)"
    calls: list[int] = []
    broken: set[int] = set()

    def process_account(self, *, account):
        if account.pk in self.broken:
            raise PluginError("partner down")
        PartnerCheck.calls.append(account.pk)


@pytest.fixture
def partner_check():
    PartnerCheck.calls, PartnerCheck.broken = [], set()
    registry.register("test_partner_check", PartnerCheck)
    yield PartnerCheck
    registry.unregister("test_partner_check")


class TestPartnerChecks:
    def test_every_account_goes_to_partner_checks_whatever_the_mode(self, db, partner_check, recording_billing):
        client, customers = build(2)
        client.billing_mode = BillingMode.OFF
        client.save()
        ExternalSystem.objects.create(client=client, name="Cinema", api_class="test_partner_check")
        ExternalSystem.objects.create(client=client, name="Off", api_class="test_partner_check", enabled=False)
        billing_system(client, is_default_for_billing=True)
        summary = modes.check_accounts(now=NOW)
        accounts = sorted(a.pk for c in customers for a in c.accounts.all())
        assert sorted(partner_check.calls) == accounts                        # once each, the disabled one silent
        assert sorted(pk for _, pk in recording_billing.calls) == accounts    # and the billing plugin's too
        assert summary.errors == 0

    def test_partner_failures_are_counted_and_dry_runs_call_nobody(self, db, partner_check):
        client, customers = build(2)
        ExternalSystem.objects.create(client=client, name="Cinema", api_class="test_partner_check")
        modes.check_accounts(now=NOW, dry_run=True)
        assert partner_check.calls == []
        partner_check.broken = {customers[0].accounts.get().pk}
        summary = modes.check_accounts(now=NOW)
        assert summary.errors == 1 and partner_check.calls == [customers[1].accounts.get().pk]
        assert summary.charged == 2  # the built-in billing ran as usual


# --- two runs at once (PostgreSQL) ------------------------------------------------------------------------

def _in_thread(target, results: list, index: int, *args) -> threading.Thread:
    def body():
        try:
            results[index] = target(*args)
        except BaseException as exc:  # reported by the test
            results[index] = exc
        finally:
            connection.close()
    return threading.Thread(target=body)


@pytest.mark.postgres
def test_runs_started_together_charge_each_period_exactly_once(monkeypatch):
    monkeypatch.setattr(modes, "BATCH_SIZE", 4)
    _, customers = build(24)
    barrier = threading.Barrier(4)

    def one_run():
        barrier.wait()
        return modes.check_accounts(now=NOW)

    results: list = [None] * 4
    threads = [_in_thread(one_run, results, i) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r.charged for r in results) == 24 and sum(r.errors for r in results) == 0
    assert period_charges().count() == 24
    for customer in customers:
        customer.refresh_from_db()
        assert customer.balance == Decimal("90.00")
        assert TariffSubscription.objects.get(customer=customer).end_date == NOW - timedelta(hours=1) + timedelta(days=30)


@pytest.mark.postgres
def test_a_run_skips_the_customers_another_run_is_charging(monkeypatch):
    """Run A holds its batch's row locks (paused in its first charge); run B neither waits nor
    charges them; when A goes on, every customer is charged once."""
    _, customers = build(5)
    real = modes.transaction_create
    paused, resume = threading.Event(), threading.Event()

    def slow_for_a(**kwargs):
        if threading.current_thread().name == "run-a" and not paused.is_set():
            paused.set()
            assert resume.wait(30)
        return real(**kwargs)

    monkeypatch.setattr(modes, "transaction_create", slow_for_a)
    results: list = [None, None]
    run_a = _in_thread(lambda: modes.check_accounts(now=NOW), results, 0)
    run_a.name = "run-a"
    run_a.start()
    assert paused.wait(30)
    run_b = _in_thread(lambda: modes.check_accounts(now=NOW), results, 1)
    run_b.start()
    run_b.join(30)
    assert not run_b.is_alive(), "run B waited for run A's locks"
    assert results[1].charged == 0 and results[1].errors == 0
    resume.set()
    run_a.join(30)
    assert results[0].charged == 5
    assert period_charges().count() == 5
    assert {c.balance for c in Customer.objects.filter(pk__in=[c.pk for c in customers])} == {Decimal("90.00")}
