"""The built-in billing modes, run per operator by `check_accounts` (cron or Celery beat).

Each operator (`Client.billing_mode`) is processed in its own mode:

I   `dates`    — accounts follow their activation/deactivation dates: an inactive account (status
               INACTIVE or WAIT) whose `activation_date` has come is activated, unless its
               `deactivation_date` has come too; an active account whose `deactivation_date` has come
               is deactivated with status INACTIVE. Blocked accounts (DEBT, BLOCK) are left alone.
II  `periodic` — open, periodical subscriptions to tariffs with a period are charged from the
               customer's balance, period by period (`Tariff.period` days, the subscription's price
               override while it has not expired, else the tariff price, less the best percentage
               discount of the customer's redeemed promo codes that covers the tariff). `end_date` is "paid until":
               a subscription is due when it is reached (or, never charged yet, when `start_date` is).
               The first charge of a subscription also takes the tariff's activation price. All of a
               customer's due charges are taken together or not at all: when the balance does not
               cover them nothing is charged and the customer's active accounts are blocked with
               status DEBT; a later run that finds the balance covering them (after a payment)
               charges and lifts the DEBT blocks. Other blocks (BLOCK, INACTIVE...) stay.
               Periods follow each other without gaps while the customer pays on time; a customer
               cut off for debt, or a subscription left unpaid longer than `LAPSE_GRACE`, starts a
               new period when it is charged — nobody pays for days without service.
III `off`      — nothing.

Customers whose billing is an external plugin (their `custom_billing_api`, or the operator's
integration marked "default for billing") are not charged here: `check_accounts` hands each of
their accounts to the plugin's `process_account` instead, whatever the operator's mode.
Other enabled integrations whose plugin has a periodic account check (`process_account`, e.g. an
online cinema renewing or reconciling its subscriptions) get every account of the operator too,
whatever the mode; their calls, and the queries the plugins make, are theirs and not counted below.

Charging twice is impossible. Each charge is a ledger row with a key: `charge:<subscription
id>:<period start, UTC, YYYYMMDD>` (source CHARGE) and `activation:<subscription id>` (source
ACTIVATION); `(client, source, ext_id)` is unique and `transaction_create` checks the key under
the customer's row lock. On PostgreSQL the customers of a batch are also taken with
`SELECT ... FOR UPDATE SKIP LOCKED`, so two runs at once (two machines, a slow cron and a beat
task) split the customers between them instead of queueing, and each reads balances and
subscriptions fresh under its lock. Status changes re-check the account's state under its row lock.
Accounts handed to a plugin are not locked across the partner call (no row lock is held during
HTTP): two overlapping runs may both ask the plugin about an account, which is harmless because
`process_account` must be idempotent and the status change it leads to is guarded the same way.

SQL cost. Reads are batched and do not grow with the number of accounts: per operator a few
constant queries (its integrations, the count of accounts in scope); per batch of `BATCH_SIZE`
customers (mode II) one query that finds and locks the due customers, two that prefetch their
due subscriptions (with tariffs) and accounts, and one or two for their promo discounts; per batch of accounts (mode I, plugins) one query.
What grows is the writes, and only for customers or accounts that change: per ledger row the
ledger's write path (lock, key check, insert, balance update, savepoints), per extended
subscription one UPDATE, per status change the status service (lock, update, event). A run in
which nothing is due costs the same handful of queries for 10 or 100,000 accounts.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.query import prefetch_related_objects
from django.utils import timezone

from tvmiddleware.models import (
    Account, AccountStatus, BillingMode, Client, Customer, ExternalSystem, TariffSubscription,
)
from tvmiddleware.services import account_set_status, tariff_remove

from . import payment_gateway
from .models import PromoActivation, PromoCode, TransactionSource
from tvmiddleware.plugins import registry

from .selectors.external import is_billing_class
from .services import DuplicateTransaction, transaction_create

logger = logging.getLogger("billing.check_accounts")

BATCH_SIZE = 100  # customers locked together while they are charged (a payment for one waits for the batch)
LAPSE_GRACE = timedelta(days=1)
ZERO = Decimal("0.00")


# --- the run's outcome -----------------------------------------------------------------------------

@dataclass
class CheckSummary:
    """What a run did (or, in a dry run, would do)."""

    checked: int = 0            # accounts in scope: of customers billed here, or handed to a plugin
    charged: int = 0            # ledger rows written (period and activation charges)
    amount: Decimal = ZERO      # their total, as a positive amount
    deactivated: int = 0        # blocked for debt (II), past deactivation date (I), or by a plugin
    reactivated: int = 0        # DEBT blocks lifted after a payment (II), or by a plugin
    activated: int = 0          # activation date reached (I)
    errors: int = 0             # customers, accounts or operators that failed (logged; next run retries)
    expired: int = 0            # granted (non-periodical) subscriptions closed at their end date

    def merge(self, other: "CheckSummary") -> None:
        for name in ("checked", "charged", "amount", "deactivated", "reactivated", "activated", "errors",
                     "expired"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self, *, dry_run: bool = False) -> str:
        prefix = "check_accounts (dry run, nothing written)" if dry_run else "check_accounts"
        line = (f"{prefix}: accounts checked {self.checked}, charged {self.charged}, amount {self.amount:.2f}, "
                f"deactivated {self.deactivated}, reactivated {self.reactivated}, activated {self.activated}, "
                f"errors {self.errors}")
        return line + (f", subscriptions expired {self.expired}" if self.expired else "")

    def as_dict(self) -> dict[str, int | str]:
        return {"checked": self.checked, "charged": self.charged, "amount": f"{self.amount:.2f}",
                "deactivated": self.deactivated, "reactivated": self.reactivated, "activated": self.activated,
                "errors": self.errors, "expired": self.expired}


# --- account status changes, guarded ----------------------------------------------------------------

DEBT_BLOCKABLE = Q(active=True)
DEBT_LIFTABLE = Q(active=False, status_reason=AccountStatus.DEBT)
DATE_ACTIVATABLE_REASONS = (AccountStatus.INACTIVE, AccountStatus.WAIT)


def account_transition(*, account: Account, expect: Q, active: bool, status_reason: str) -> bool:
    """Set an account's status only if it is still in the state `expect` describes, checked under
    the account's row lock (so an operator's BLOCK made a moment ago is never overwritten, and two
    runs never both change it). Returns True when it changed."""
    with transaction.atomic():
        if not Account.objects.select_for_update().filter(expect, pk=account.pk).exists():
            return False
        account_set_status(account=account, active=active, status_reason=status_reason)
    return True


def date_activatable(today) -> Q:
    return (Q(active=False, status_reason__in=DATE_ACTIVATABLE_REASONS, activation_date__lte=today)
            & (Q(deactivation_date__isnull=True) | Q(deactivation_date__gt=today)))


def date_expired(today) -> Q:
    return Q(active=True, deactivation_date__lte=today)


def _batches(queryset: QuerySet, size: int = BATCH_SIZE) -> Iterator[list]:
    """Rows in primary-key order, `size` at a time (keyset pagination: one query per batch, stable
    while rows of earlier batches change)."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


# --- mode I: dates ---------------------------------------------------------------------------------

def run_dates(client: Client, *, now: datetime, scope: Q, dry_run: bool = False) -> CheckSummary:
    """Mode I for the operator's accounts within `scope` (a filter on Account)."""
    summary = CheckSummary()
    today = timezone.localdate(now)
    to_activate, expired = date_activatable(today), date_expired(today)
    candidates = Account.objects.for_client(client).filter(scope).filter(to_activate | expired).select_related("client")
    for batch in _batches(candidates):
        for account in batch:
            activate = not account.active
            if dry_run:
                summary.activated += activate
                summary.deactivated += not activate
                continue
            try:
                if activate:
                    changed = account_transition(account=account, expect=to_activate, active=True,
                                                 status_reason=AccountStatus.ACTIVE)
                else:
                    changed = account_transition(account=account, expect=expired, active=False,
                                                 status_reason=AccountStatus.INACTIVE)
            except Exception:
                summary.errors += 1
                logger.exception("client %s: account %s: date check failed", client.pk, account.pk)
                continue
            if changed:
                summary.activated += activate
                summary.deactivated += not activate
                logger.info("client %s: account %s %s by its dates", client.pk, account.pk,
                            "activated" if activate else "deactivated")
    return summary


# --- mode II: periodic charging ----------------------------------------------------------------------

def due_subscriptions(now: datetime) -> Q:
    """Open periodical subscriptions of charged tariffs whose paid period has ended (or, never
    charged, whose start has come)."""
    return (Q(is_closed=False, is_periodical=True, tariff__period__gt=0)
            & (Q(end_date__isnull=True, start_date__lte=now) | Q(end_date__lte=now)))


def is_due(subscription: TariffSubscription, now: datetime) -> bool:
    if subscription.is_closed or not subscription.is_periodical or subscription.tariff.period <= 0:
        return False
    if subscription.end_date is None:
        return subscription.start_date <= now
    return subscription.end_date <= now


def period_price(subscription: TariffSubscription, period_start: datetime) -> Decimal:
    """The subscription's price override while it has not expired (`price_expiration` is the first
    day it no longer applies), else the tariff's price."""
    expiry = subscription.price_expiration
    if subscription.price is not None and (expiry is None or timezone.localdate(period_start) < expiry):
        return subscription.price
    return subscription.tariff.price


@dataclass(frozen=True)
class Discount:
    """A percentage off the period price, on some tariffs (all when `tariff_ids` is empty)."""

    percent: int
    tariff_ids: frozenset[int] = frozenset()

    def covers(self, tariff_id: int) -> bool:
        return not self.tariff_ids or tariff_id in self.tariff_ids


def discounted(price: Decimal, tariff_id: int, discounts: list[Discount]) -> Decimal:
    """The price less the best discount that covers the tariff (rounded to the cent, half up)."""
    best = max((d.percent for d in discounts if d.covers(tariff_id)), default=0)
    if not best:
        return price
    return (price * (100 - min(best, 100)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def customer_discounts(customer_ids: list[int]) -> dict[int, list[Discount]]:
    """Discounts of redeemed promo codes, per customer, for a batch (one query, two when any exist)."""
    rows = list(PromoActivation.objects.filter(customer_id__in=customer_ids, discount__isnull=False, discount__gt=0)
                .values_list("customer_id", "promo_id", "discount"))
    if not rows:
        return {}
    tariffs: dict[int, set[int]] = {}
    for promo_id, tariff_id in (PromoCode.discount_tariffs.through.objects
                                .filter(promocode_id__in={promo_id for _, promo_id, _ in rows})
                                .values_list("promocode_id", "tariff_id")):
        tariffs.setdefault(promo_id, set()).add(tariff_id)
    result: dict[int, list[Discount]] = {}
    for customer_id, promo_id, percent in rows:
        result.setdefault(customer_id, []).append(Discount(percent, frozenset(tariffs.get(promo_id, ()))))
    return result


def charge_key(subscription_id: int, period_start: datetime) -> str:
    return f"charge:{subscription_id}:{period_start.astimezone(dt_timezone.utc):%Y%m%d}"


def activation_key(subscription_id: int) -> str:
    return f"activation:{subscription_id}"


@dataclass(frozen=True)
class PlannedCharge:
    subscription_id: int
    amount: Decimal
    source: str
    ext_id: str
    comment: str
    meta: dict


@dataclass(frozen=True)
class Extension:
    subscription_id: int
    period_start: datetime
    period_end: datetime


@dataclass
class CustomerPlan:
    """What mode II does for one customer: the charges and extensions if the balance covers them
    all, else the blocks."""

    customer: Customer
    charges: list[PlannedCharge] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    covered: bool = True
    to_block: list[Account] = field(default_factory=list)
    to_lift: list[Account] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def writes_nothing(self) -> bool:
        """Not covered and every login already blocked: a debtor waiting for a payment."""
        return not self.covered and not self.to_block


def plan_customer(customer: Customer, subscriptions: list[TariffSubscription], accounts: list[Account],
                  now: datetime, discounts: list[Discount] | None = None) -> CustomerPlan | None:
    """Decide mode II for one customer from what is already loaded (no queries). None: nothing due."""
    due = [s for s in subscriptions if is_due(s, now)]
    if not due:
        return None
    in_debt = any(not a.active and a.status_reason == AccountStatus.DEBT for a in accounts)
    plan = CustomerPlan(customer=customer)
    for sub in due:
        tariff = sub.tariff
        first = sub.end_date is None
        paid_until = sub.start_date if first else sub.end_date
        start = now if in_debt or paid_until < now - LAPSE_GRACE else paid_until
        end = start + timedelta(days=tariff.period)
        meta = {"subscription_id": sub.pk, "tariff_id": tariff.pk, "period_start": start.isoformat(),
                "period_end": end.isoformat()}
        if first and tariff.activation_price > 0:
            plan.charges.append(PlannedCharge(
                subscription_id=sub.pk, amount=tariff.activation_price, source=TransactionSource.ACTIVATION,
                ext_id=activation_key(sub.pk), comment=f"Activation of {tariff.name}"[:500], meta=meta))
        price = discounted(period_price(sub, start), tariff.pk, discounts or [])
        if price > 0:
            plan.charges.append(PlannedCharge(
                subscription_id=sub.pk, amount=price, source=TransactionSource.CHARGE,
                ext_id=charge_key(sub.pk, start),
                comment=f"{tariff.name}: {timezone.localdate(start)} – {timezone.localdate(end)}"[:500], meta=meta))
        plan.extensions.append(Extension(subscription_id=sub.pk, period_start=start, period_end=end))
    total = plan.total
    plan.covered = total == 0 or customer.balance >= total
    if plan.covered:
        plan.to_lift = [a for a in accounts if not a.active and a.status_reason == AccountStatus.DEBT]
    else:
        plan.to_block = [a for a in accounts if a.active]
    return plan


def apply_plan(plan: CustomerPlan, *, client: Client) -> CheckSummary:
    """Write a customer's plan (call inside a transaction that holds the customer's row lock)."""
    done = CheckSummary()
    customer = plan.customer
    if not plan.covered:
        for account in plan.to_block:
            if account_transition(account=account, expect=DEBT_BLOCKABLE, active=False,
                                  status_reason=AccountStatus.DEBT):
                done.deactivated += 1
        if done.deactivated:
            logger.info("client %s: customer %s blocked for debt (balance %s, due %s)", client.pk, customer.pk,
                        customer.balance, plan.total)
        return done
    for charge in plan.charges:
        try:
            transaction_create(client=client, customer=customer, amount=-charge.amount, source=charge.source,
                               ext_id=charge.ext_id, comment=charge.comment, require_funds=True, meta=charge.meta)
        except DuplicateTransaction:
            continue  # charged before (an earlier or a concurrent run): the period is paid
        done.charged += 1
        done.amount += charge.amount
    for ext in plan.extensions:
        # Never shortens: a duplicate key above means the period was paid, and this is idempotent.
        (TariffSubscription.objects.filter(pk=ext.subscription_id)
         .filter(Q(end_date__isnull=True) | Q(end_date__lt=ext.period_end)).update(end_date=ext.period_end))
    for account in plan.to_lift:
        if account_transition(account=account, expect=DEBT_LIFTABLE, active=True, status_reason=AccountStatus.ACTIVE):
            done.reactivated += 1
    return done


def _planned(plan: CustomerPlan) -> CheckSummary:
    """The counters a dry run reports for a plan."""
    if not plan.covered:
        return CheckSummary(deactivated=len(plan.to_block))
    return CheckSummary(charged=len(plan.charges), amount=plan.total, reactivated=len(plan.to_lift))


def autopay_key(customer_id: int, plan: CustomerPlan) -> str:
    """One autopayment per customer and set of due charges (the billing period): two runs, or a run
    after a refused card, never charge the card twice for the same period."""
    digest = hashlib.sha1(",".join(sorted(c.ext_id for c in plan.charges)).encode()).hexdigest()[:16]
    return f"autopay:{customer_id}:{digest}"


def _charge_batch(client: Client, customers: list[Customer], *, due: Q, now: datetime, summary: CheckSummary,
                  dry_run: bool, payments: "payment_gateway.PaymentProvider | None") -> list[tuple[Customer, CustomerPlan]]:
    """Plan and write mode II for a batch of customers locked by the caller. Customers with
    autopayment whose balance falls short are not written: they are returned, to be topped up from
    their card after the locks are released, and charged then."""
    prefetch_related_objects(
        customers,
        Prefetch("subscriptions", to_attr="due_subscriptions",
                 queryset=TariffSubscription.objects.filter(due).select_related("tariff").order_by("pk")),
        Prefetch("accounts", to_attr="account_list",
                 queryset=Account.objects.select_related("client").order_by("pk")),
    )
    discounts = customer_discounts([c.pk for c in customers])
    autopay: list[tuple[Customer, CustomerPlan]] = []
    for customer in customers:
        plan = plan_customer(customer, customer.due_subscriptions, customer.account_list, now,
                             discounts.get(customer.pk))
        if plan is None:
            continue
        if payments is not None and not plan.covered and customer.autopayment_enabled:
            autopay.append((customer, plan))
            continue
        if plan.writes_nothing:
            continue
        if dry_run:
            summary.merge(_planned(plan))
            continue
        try:
            with transaction.atomic():
                summary.merge(apply_plan(plan, client=client))
        except Exception:
            summary.errors += 1
            logger.exception("client %s: customer %s: periodic charge failed", client.pk, customer.pk)
    return autopay


def _autopay_then_charge(client: Client, pending: list[tuple[Customer, CustomerPlan]], *, candidates: QuerySet,
                         due: Q, now: datetime, summary: CheckSummary,
                         payments: "payment_gateway.PaymentProvider") -> None:
    """Top up each customer's balance by the shortfall from their autopayment card (no row lock is
    held during the gateway call), then charge them — or block them for debt — under their lock."""
    for customer, plan in pending:
        shortfall = plan.total - customer.balance
        try:
            credited = payments.autopay(client=client, customer=customer, amount=shortfall,
                                        key=autopay_key(customer.pk, plan))
        except Exception:
            logger.exception("client %s: customer %s: autopayment failed", client.pk, customer.pk)
            continue
        logger.info("client %s: customer %s: autopayment of %s %s", client.pk, customer.pk, shortfall,
                    "credited" if credited else "not credited")
    with transaction.atomic():
        customers = list(candidates.filter(pk__in=[c.pk for c, _ in pending]).order_by("pk")
                         .select_for_update(skip_locked=True))
        if customers:
            _charge_batch(client, customers, due=due, now=now, summary=summary, dry_run=False, payments=None)


def run_periodic(client: Client, *, now: datetime, scope: Q, dry_run: bool = False) -> CheckSummary:
    """Mode II for the operator's customers within `scope` (a filter on Customer).

    With a payments app installed, customers with autopayment whose balance does not cover their
    due charges are first topped up from their saved card (`PaymentProvider.autopay`, one payment
    per customer and billing period, see `autopay_key`), outside the batch's row locks."""
    summary = CheckSummary()
    due = due_subscriptions(now)
    candidates = (Customer.objects.for_client(client).filter(scope)
                  .filter(Exists(TariffSubscription.objects.filter(due, customer=OuterRef("pk")))))
    payments = None if dry_run else payment_gateway.provider()
    last = 0
    while True:
        with transaction.atomic():
            query = candidates.filter(pk__gt=last).order_by("pk")
            if not dry_run:
                # Customers another run holds are skipped: that run charges them.
                query = query.select_for_update(skip_locked=True)
            customers = list(query[:BATCH_SIZE])
            if not customers:
                return summary
            last = customers[-1].pk
            pending = _charge_batch(client, customers, due=due, now=now, summary=summary, dry_run=dry_run,
                                    payments=payments)
        if pending and payments is not None:
            _autopay_then_charge(client, pending, candidates=candidates, due=due, now=now, summary=summary,
                                 payments=payments)


# --- external billing plugins ------------------------------------------------------------------------

def run_plugins(client: Client, *, systems: list[ExternalSystem], default_id: int | None,
                dry_run: bool = False) -> CheckSummary:
    """Hand every account a billing plugin covers to that plugin's `process_account`."""
    summary = CheckSummary()
    ids = [s.pk for s in systems]
    for system in systems:
        covered = Q(customer__custom_billing_api_id=system.pk)
        if system.pk == default_id:
            covered |= ~Q(customer__custom_billing_api_id__in=ids)
        plugin = system.get_api()
        accounts = Account.objects.for_client(client).filter(covered).select_related("customer", "client")
        for batch in _batches(accounts):
            for account in batch:
                summary.checked += 1
                if dry_run:
                    continue
                try:
                    outcome = plugin.process_account(account=account)
                except Exception:
                    summary.errors += 1
                    logger.exception("client %s: integration #%s: process_account(%s) failed", client.pk,
                                     system.pk, account.pk)
                    continue
                summary.deactivated += outcome == "deactivated"
                summary.reactivated += outcome == "activated"
    return summary


def run_partner_checks(client: Client, *, systems: list[ExternalSystem], dry_run: bool = False) -> CheckSummary:
    """Hand every account of the operator to the periodic check of partner plugins that have one
    (online cinemas and the like: not billing). One pass over the accounts for all of them."""
    summary = CheckSummary()
    plugins = [(system, system.get_api()) for system in systems]
    accounts = Account.objects.for_client(client).select_related("customer", "client")
    for batch in _batches(accounts):
        for account in batch:
            for system, plugin in plugins:
                if dry_run:
                    continue
                try:
                    plugin.process_account(account=account)
                except Exception:
                    summary.errors += 1
                    logger.exception("client %s: integration #%s: process_account(%s) failed", client.pk,
                                     system.pk, account.pk)
    return summary


def has_account_check(api_class: str) -> bool:
    """An installed plugin class that overrides the periodic `process_account`."""
    return api_class in registry and registry.get(api_class).handles("process_account")


# --- granted periods ---------------------------------------------------------------------------------

def expired_grants(now: datetime) -> Q:
    """Open non-periodical subscriptions (granted periods) whose `end_date` has passed. They no longer
    count for access (`tvmiddleware.streaming.access.subscription_counts`). Periodical subscriptions
    are not matched: their `end_date` is "paid until", handled by mode II's DEBT logic."""
    return Q(is_closed=False, is_periodical=False, end_date__lte=now)


def close_expired_grants(client: Client, *, now: datetime, dry_run: bool = False) -> CheckSummary:
    """Close the operator's expired granted subscriptions through `tariff_remove`, so the usual
    `tariff.removed` event reaches the plugins (an online cinema unsubscribes the customer, the
    operator's billing closes its subscription). Whatever the billing mode: a grant is not a charge.
    Each row is re-checked under the customer's lock (an operator may just have extended it)."""
    summary = CheckSummary()
    due = expired_grants(now)
    rows = TariffSubscription.objects.for_client(client).filter(due).select_related("customer", "tariff")
    for batch in _batches(rows):
        for subscription in batch:
            if dry_run:
                summary.expired += 1
                continue
            try:
                with transaction.atomic():
                    Customer.objects.select_for_update().filter(pk=subscription.customer_id).first()
                    if not TariffSubscription.objects.filter(due, pk=subscription.pk).exists():
                        continue
                    tariff_remove(customer=subscription.customer, tariff=subscription.tariff, when=now)
            except Exception:
                summary.errors += 1
                logger.exception("client %s: subscription %s: closing the expired grant failed", client.pk,
                                 subscription.pk)
                continue
            summary.expired += 1
            logger.info("client %s: customer %s: tariff %s ended %s: subscription %s closed", client.pk,
                        subscription.customer_id, subscription.tariff_id, subscription.end_date.isoformat(),
                        subscription.pk)
    return summary


# --- the run -----------------------------------------------------------------------------------------

def check_client(client: Client, *, now: datetime, dry_run: bool = False) -> CheckSummary:
    """One operator: partner plugins' periodic checks, plugin-billed customers to their billing
    plugins, the rest in the operator's mode."""
    summary = CheckSummary()
    # `grants_expired` is annotated by `check_accounts` (no extra query when nothing expired).
    if getattr(client, "grants_expired", True):
        summary.merge(close_expired_grants(client, now=now, dry_run=dry_run))
    enabled = list(ExternalSystem.objects.for_client(client).filter(enabled=True).order_by("pk"))
    systems = [s for s in enabled if is_billing_class(s.api_class)]
    partners = [s for s in enabled if s not in systems and has_account_check(s.api_class)]
    if partners:
        summary.merge(run_partner_checks(client, systems=partners, dry_run=dry_run))
    default_id = next((s.pk for s in systems if s.is_default_for_billing), None)
    if systems:
        summary.merge(run_plugins(client, systems=systems, default_id=default_id, dry_run=dry_run))
    if default_id is not None or client.billing_mode == BillingMode.OFF:
        return summary  # everyone is billed by the default plugin / the built-in billing is off
    ids = [s.pk for s in systems]
    account_scope = ~Q(customer__custom_billing_api_id__in=ids) if ids else Q()
    summary.checked += Account.objects.for_client(client).filter(account_scope).count()
    if client.billing_mode == BillingMode.DATES:
        summary.merge(run_dates(client, now=now, scope=account_scope, dry_run=dry_run))
    elif client.billing_mode == BillingMode.PERIODIC:
        customer_scope = ~Q(custom_billing_api_id__in=ids) if ids else Q()
        summary.merge(run_periodic(client, now=now, scope=customer_scope, dry_run=dry_run))
    return summary


def check_accounts(*, client_id: int | None = None, now: datetime | None = None,
                   dry_run: bool = False) -> CheckSummary:
    """Run the built-in billing (and the plugins' periodic checks) for every enabled operator, or one.

    Safe to run at any time and concurrently: see the module docstring.
    """
    now = now or timezone.now()
    summary = CheckSummary()
    clients = Client.objects.filter(enabled=True).annotate(grants_expired=Exists(
        TariffSubscription.objects.filter(expired_grants(now), client_id=OuterRef("pk")))).order_by("pk")
    if client_id is not None:
        clients = clients.filter(pk=client_id)
    for client in clients:
        try:
            result = check_client(client, now=now, dry_run=dry_run)
        except Exception:
            summary.errors += 1
            logger.exception("client %s: check_accounts failed", client.pk)
            continue
        logger.info("client %s (%s): %s", client.pk, client.billing_mode, result.line(dry_run=dry_run))
        summary.merge(result)
    return summary
