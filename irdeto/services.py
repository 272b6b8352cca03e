"""Writes of the Irdeto integration: make the CAS hold what a customer should have.

`sync_customer` reads the subscriber from the CAS (`GetSubscriber`), compares it with the desired
state (`selectors.desired_state`) and sends only the differences: create the subscriber, unpair
devices no longer bound, pair new ones, remove entitlements no longer granted, add missing ones or
re-date changed ones. It does not replay events, so it is idempotent and order-independent: every
domain-event hook calls it, a retry after an outage or a late, reordered delivery ends in the
current state, and `irdeto_resync` repairs whatever changed behind our back.

Concurrent syncs of one customer are serialised by a row lock on its `CasSubscriber` record, held
while the CAS is called (so one sync's read cannot interleave with another's writes).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from tvmiddleware.models import Customer

from .client import DEVICE_PAIRED_ELSEWHERE, CasDevice, CasSubscriberState, IrdetoError, IrdetoFault, Period
from .models import CasSubscriber
from .selectors import (
    cas_customer_id, customer_id_from_cas, customers_to_check, desired_state, irdeto_systems, product_map,
)

if TYPE_CHECKING:
    from .plugin import IrdetoAPI

logger = logging.getLogger("irdeto.sync")


@dataclass(frozen=True)
class Change:
    """One difference between the CAS and the desired state, as the call that removes it."""

    action: str  # create | unpair | pair | remove | add | redate
    device_id: str = ""
    device_type: str = ""
    product_id: str = ""
    period: Period | None = None

    def __str__(self) -> str:
        if self.action == "create":
            return "create subscriber"
        if self.action in ("pair", "unpair"):
            return f"{self.action} {self.device_id}" + (f" ({self.device_type})" if self.device_type else "")
        text = f"{self.action} {self.product_id} on {self.device_id}"
        if self.period is not None:
            text += f" {self.period.start:%Y-%m-%d %H:%M:%S}–{self.period.end:%Y-%m-%d %H:%M:%S}"
        return text


@dataclass
class SyncResult:
    """What one customer's sync found and did."""

    cas_customer_id: str
    changes: list[Change] = field(default_factory=list)  # applied (or, in a dry run, planned)
    errors: list[str] = field(default_factory=list)
    skipped: bool = False  # nothing at the CAS to manage for this customer: no call was made
    unreachable: bool = False  # the CAS could not be asked (down, timeout), as opposed to a refusal
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def plan(actual: CasSubscriberState | None, desired: dict[str, CasDevice]) -> list[Change]:
    """The calls that turn `actual` (None: unknown subscriber) into `desired`, in the order to send
    them: create, unpair (frees devices and their entitlements), pair, remove, add/re-date."""
    if actual is None and not desired:
        return []
    changes: list[Change] = [] if actual is not None else [Change("create")]
    have = actual.devices if actual is not None else {}
    for device_id in sorted(have.keys() - desired.keys()):
        changes.append(Change("unpair", device_id=device_id))
    for device_id, want in sorted(desired.items()):
        held = have.get(device_id)
        if held is None or held.device_type != want.device_type:
            changes.append(Change("pair", device_id=device_id, device_type=want.device_type))
        held_entitlements = held.entitlements if held is not None else {}
        for product_id in sorted(held_entitlements.keys() - want.entitlements.keys()):
            changes.append(Change("remove", device_id=device_id, product_id=product_id))
        for product_id, period in sorted(want.entitlements.items()):
            current = held_entitlements.get(product_id)
            if current != period:
                changes.append(Change("add" if current is None else "redate", device_id=device_id,
                                      product_id=product_id, period=period))
    return changes


def _record(api: "IrdetoAPI", cas_id: str, customer: Customer | None) -> CasSubscriber:
    system = api.external_system
    try:
        with transaction.atomic():
            record, _ = CasSubscriber.objects.get_or_create(
                external_system=system, cas_customer_id=cas_id,
                defaults={"client_id": system.client_id, "customer": customer})
    except IntegrityError:  # created by a concurrent sync
        record = CasSubscriber.objects.get(external_system=system, cas_customer_id=cas_id)
    return record


def _device_claimed(client_id: int, owner: str, device_id: str, now: datetime) -> bool:
    """Does the CAS subscriber `owner` still hold `device_id` here? (True for subscribers that are
    not this operator's customers: those devices are never taken.)"""
    owner_customer_id = customer_id_from_cas(client_id, owner)
    if owner_customer_id is None:
        return True
    owner_customer = Customer.objects.for_client(client_id).filter(pk=owner_customer_id).first()
    return device_id in desired_state(client_id=client_id, customer=owner_customer, now=now)


def _pair(api: "IrdetoAPI", cas_id: str, change: Change, now: datetime) -> None:
    """Pair a device; one still paired with a customer who no longer holds it (a device moved
    between customers, whose release has not reached the CAS yet) is released there first."""
    try:
        api.cas.pair_device(cas_id, change.device_id, change.device_type)
    except IrdetoFault as fault:
        if fault.code != DEVICE_PAIRED_ELSEWHERE or not fault.owner or fault.owner == cas_id:
            raise
        if _device_claimed(api.external_system.client_id, fault.owner, change.device_id, now):
            raise IrdetoFault(f"{fault.code}: device {change.device_id} is paired with CAS subscriber "
                              f"{fault.owner}, which still holds it", code=fault.code, owner=fault.owner) from None
        logger.info("irdeto: device %s moves from %s to %s", change.device_id, fault.owner, cas_id)
        api.cas.unpair_device(fault.owner, change.device_id)
        api.cas.pair_device(cas_id, change.device_id, change.device_type)


def _apply(api: "IrdetoAPI", cas_id: str, changes: list[Change], now: datetime,
           result: SyncResult) -> tuple[list[Change], list[str]]:
    """Send the changes; a fault skips what depends on it, an unreachable CAS stops the rest."""
    done: list[Change] = []
    errors: list[str] = []
    failed_devices: set[str] = set()
    for change in changes:
        if change.device_id in failed_devices:
            continue
        try:
            if change.action == "create":
                api.cas.create_subscriber(cas_id)
            elif change.action == "unpair":
                api.cas.unpair_device(cas_id, change.device_id)
            elif change.action == "pair":
                _pair(api, cas_id, change, now)
            elif change.action == "remove":
                api.cas.remove_entitlement(cas_id, change.device_id, change.product_id)
            else:
                assert change.period is not None
                api.cas.add_entitlement(cas_id, change.device_id, change.product_id, change.period)
        except IrdetoFault as fault:
            errors.append(f"{change}: {fault}")
            if change.action == "create":
                break
            if change.action == "pair":
                failed_devices.add(change.device_id)
            continue
        except IrdetoError as exc:
            errors.append(str(exc))
            result.unreachable = True
            break
        done.append(change)
    return done, errors


def sync_customer(*, api: "IrdetoAPI", customer_id: int, dry_run: bool = False, force: bool = False) -> SyncResult:
    """Make the CAS of integration `api` hold exactly what the customer should have.

    A customer with no CAS device whom the CAS never heard of from us is skipped without a call
    (unless `force`). `dry_run` reads the CAS and reports the changes without making them or
    touching the local record. Never raises for CAS trouble: the errors are in the result (and the
    customer's `CasSubscriber.last_error`); the event hooks turn them into `PluginError`.
    """
    system = api.external_system
    client_id = system.client_id
    cas_id = cas_customer_id(client_id, customer_id)
    result = SyncResult(cas_customer_id=cas_id, dry_run=dry_run)
    mapping = product_map(client_id)
    customer = Customer.objects.for_client(client_id).filter(pk=customer_id).first()
    record = CasSubscriber.objects.filter(external_system=system, cas_customer_id=cas_id).first()
    if record is None:
        if not force and not desired_state(client_id=client_id, customer=customer, now=timezone.now(),
                                           mapping=mapping):
            result.skipped = True
            return result
        if not dry_run:
            record = _record(api, cas_id, customer)

    with transaction.atomic():
        if record is not None and not dry_run:
            record = CasSubscriber.objects.select_for_update().get(pk=record.pk)
            # Read again under the lock: a sync that waited for it must see the latest changes.
            customer = Customer.objects.for_client(client_id).filter(pk=customer_id).first()
        now = timezone.now()
        desired = desired_state(client_id=client_id, customer=customer, now=now, mapping=mapping)
        actual: CasSubscriberState | None = None
        read = False
        try:
            actual = api.cas.get_subscriber(cas_id)
            read = True
        except IrdetoError as exc:
            result.errors.append(str(exc))
            result.unreachable = not isinstance(exc, IrdetoFault)
        if read:
            changes = plan(actual, desired)
            if dry_run:
                result.changes = changes
            else:
                result.changes, errors = _apply(api, cas_id, changes, now, result)
                result.errors.extend(errors)
        if dry_run or record is None:
            return result
        record.last_attempt_at = now
        record.customer = customer
        record.last_error = "\n".join(result.errors)[:4000]
        if read:
            record.last_changes = "; ".join(str(c) for c in result.changes)[:4000]
        if result.ok:
            record.last_synced_at = now
            record.devices = len(desired)
            record.entitlements = sum(len(d.entitlements) for d in desired.values())
        record.save()
    if result.changes:
        logger.info("irdeto: customer %s (integration #%s): %s", cas_id, system.pk,
                    "; ".join(str(c) for c in result.changes))
    return result


@dataclass
class ResyncSummary:
    """Counters of a resync run (`irdeto_resync`, the daily task)."""

    customers: int = 0
    changes: int = 0
    errors: int = 0
    error_lines: list[str] = field(default_factory=list)
    change_lines: list[str] = field(default_factory=list)

    def line(self, dry_run: bool = False) -> str:
        verb = "changes needed" if dry_run else "changes made"
        return f"customers checked: {self.customers}, {verb}: {self.changes}, errors: {self.errors}"


# A full resync stops asking an integration's CAS after this many customers in a row found it
# unreachable (the rest would only wait for the same timeout); the next run picks them up.
MAX_UNREACHABLE_IN_A_ROW = 3


def resync(*, client_id: int | None = None, customer_id: int | None = None, system_id: int | None = None,
           dry_run: bool = False) -> ResyncSummary:
    """Compare and repair the CAS of every enabled Irdeto integration (of one operator) for every
    customer it manages, or for one customer (checked even with nothing to manage)."""
    summary = ResyncSummary()
    if customer_id is not None:
        owner = Customer.objects.filter(pk=customer_id).values_list("client_id", flat=True).first()
        if owner is None or (client_id is not None and owner != client_id):
            summary.errors += 1
            summary.error_lines.append(f"customer {customer_id} not found")
            return summary
        client_id = owner
    for system in irdeto_systems(client_id=client_id, system_id=system_id):
        api = system.get_api()
        try:
            ids = [customer_id] if customer_id is not None else customers_to_check(
                client_id=system.client_id, external_system_id=system.pk)
            unreachable = 0
            for cid in ids:
                if unreachable >= MAX_UNREACHABLE_IN_A_ROW:
                    summary.errors += 1
                    summary.error_lines.append(f"{system.name}: the CAS is unreachable; "
                                               "the remaining customers were not checked")
                    break
                result = sync_customer(api=api, customer_id=cid, dry_run=dry_run, force=customer_id is not None)
                if result.skipped:
                    continue
                unreachable = unreachable + 1 if result.unreachable else 0
                summary.customers += 1
                summary.changes += len(result.changes)
                summary.change_lines += [f"{system.name} {result.cas_customer_id}: {c}" for c in result.changes]
                if result.errors:
                    summary.errors += 1
                    summary.error_lines.append(f"{system.name} {result.cas_customer_id}: "
                                               + "; ".join(result.errors))
        finally:
            api.close()
    return summary
