"""Import subscribers from Hydra billing's exports (`manage.py import_hydra`, docs/migration-tools.md).

Input: two `;`-separated exports and a tariff map.

- customers (`billing_customers.csv`): `user id;account id;tariff id`, one row per (account, tariff).
  One **customer** per Hydra account id (ext id = user id, comment `USER_<account id>`) with one
  **account** whose abonement is the Hydra account id: active, login by abonement and by device UID
  allowed, no usable password. The Hydra tariff goes through the map to our tariffs.
- devices (`billing_devices.csv`): `-;account id;-;MAC;serial` → an **account device** of one device
  type (MAG by default), its UID the MAC normalised (trimmed, `-` → `:`, lower case), de-duplicated.
- the map (TOML): `[tariffs]` "our tariff id or name" = [Hydra tariff ids]; an optional top-level
  `device_type` (`--device-type` wins).

Two phases. `plan()` reads and checks everything without writing: a problem with a file as a whole
(missing, unreadable, not in the encoding, a header or a first row without the expected columns, a
bad map, a tariff the operator does not have, an unknown device type) is fatal, and every such
problem is listed in one CommandError; a problem with one row (a non-numeric account id, an unmapped
tariff, a device of an account not in the customers file, an unparsable row) is *reported* with its
file and line and the row is skipped. Rows with a single field are skipped silently (counted).

`apply()` writes in ONE transaction: a failed run leaves nothing behind, and `--dry-run` runs the
same transaction and rolls it back, with the same report. It is idempotent through our own rows:
an account is matched by abonement within the operator (its customer must carry the Hydra user id as
ext id, or the row is reported as a conflict), a device by its UID within the operator, a tariff by
the customer's open subscription to it; a second run creates nothing, and a run after a fixed map
assigns only what is still missing.

Bulk path. 100,000 rows within a minute do not fit the per-row services (one transaction, several
queries and a password hash per row), so rows are written in batches (`copy_insert`: PostgreSQL COPY) while the
services' invariants are kept here, explicitly:
- `account_create`: the abonement must be digits (≤ 32), unique per operator (checked against the
  database and within the file), and the operator's abonement counter is moved past the largest
  imported number (`abonement_counter_past`, what `account_create` does). The password is Django's unusable one
  (`make_password(None)`): `Account.check_password` never accepts it; the subscriber logs in by
  abonement or device UID. Nothing goes to the subscriber action log: like the services, `record`
  logs only subscribers' own actions, and an import is the operator's.
- `tariff_assign`: the tariff belongs to the operator and is enabled (checked when the map is read), a
  customer holds a tariff at most once and at most one basic tariff. Where the service would *replace*
  a customer's current basic tariff, the import does not touch it and reports the row instead (an
  import must not change what the operator already sold). Each subscription emits `tariff.assigned`
  with the service's payload, through the same outbox (DomainEvent + one EventDelivery per subscribed
  handler, delivery queued on commit), and the stream-access snapshots of existing customers that got
  a tariff are invalidated now and on commit, as `access.on_commit_invalidate_customer` does (new
  accounts have no snapshot yet).
- `device_bind`: a UID bound to another account is refused (reported), a device group the account
  does not allow is refused (reported), `device.added` is emitted with the service's payload. Imported
  devices are not basic (the service's default), so the tariffs' basic-device limits do not apply.
"""
from __future__ import annotations

import re
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from common.text import is_digits
from tvmiddleware import events as domain_events
from tvmiddleware.events import EventName
from tvmiddleware.models import (
    Account, AccountDevice, AccountStatus, Client, Customer, DeviceType, DomainEvent, EventDelivery, Tariff,
    TariffSubscription,
)
from tvmiddleware.services.accounts import abonement_counter_past
from tvmiddleware.streaming import access

from .copy_insert import insert

DEFAULT_DEVICE_TYPE = "mag"
BATCH = 2000
MAX_ABONEMENT = 32  # Account.abonement
MAX_EXT_ID = 128  # Customer.ext_id
MAX_SERIAL = 128  # AccountDevice.serial_number
CUSTOMER_COLUMNS = ("userid", "accountid", "tariffid")
CUSTOMER_HEADER = "user id;account id;tariff id"
DEVICE_HEADER = "-;account id;-;MAC;serial"
_MAC = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")
_BARE_MAC = re.compile(r"^[0-9A-F]{12}$")
MAP_KEYS = {"device_type", "tariffs"}


class ImportRefused(Exception):
    """Something is wrong with the input as a whole; nothing was written. One line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class HydraAccount:
    account_id: str
    user_id: str
    line: int
    tariffs: list[tuple[int, str]] = field(default_factory=list)  # (line, Hydra tariff id)


@dataclass
class HydraDevice:
    line: int
    account_id: str
    mac: str
    serial: str


@dataclass
class Plan:
    client: Client
    device_type: DeviceType
    tariff_map: dict[str, list[Tariff]]
    accounts: dict[str, HydraAccount]
    devices: list[HydraDevice]
    customers_name: str = "customers"
    devices_name: str = "devices"
    reported: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def report(self, where: str, line: int, message: str) -> None:
        self.reported.append(f"{where} line {line}: {message}")


# --- reading -----------------------------------------------------------------------------------------

def read_text(path: Path, encoding: str, label: str, problems: list[str]) -> str | None:
    """The file's text, or None with the reason added to `problems`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(f"{label}: {path} does not exist")
        return None
    except OSError as exc:
        problems.append(f"{label}: cannot read {path}: {exc.strerror or exc}")
        return None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(f"{label}: {path.name} line {line} is not valid {encoding} (try --encoding)")
        return None
    except LookupError:
        problems.append(f"--encoding: unknown encoding {encoding!r}")
        return None


def _fields(line: str) -> list[str]:
    return [part.strip() for part in line.split(";")]


def _column_name(value: str) -> str:
    return re.sub(r"[\s_\-]+", "", value.strip().lower())


def _is_header(fields: list[str]) -> bool:
    return not any(is_digits(part) for part in fields)


def normalise_mac(value: str) -> str:
    """Trimmed, `-` → `:`, upper case as set-top boxes (MAG) send it at login; bare 12 hex digits get
    their colons."""
    mac = value.strip().replace("-", ":").upper()
    if _BARE_MAC.match(mac):
        mac = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    return mac


def _numbered(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line.lstrip("\ufeff") if number == 1 else line


def parse_customers(text: str, name: str, plan: Plan, problems: list[str]) -> None:
    """Hydra accounts into `plan.accounts` (file order); row problems reported, shape problems fatal."""
    first_data_seen = False
    by_user: dict[str, str] = {}
    for number, line in _numbered(text):
        fields = _fields(line)
        if len(fields) == 1:
            plan.counts["rows_skipped"] += 1
            continue
        if not first_data_seen:
            first_data_seen = True
            if _is_header(fields):
                if [_column_name(f) for f in fields] != list(CUSTOMER_COLUMNS):
                    problems.append(f"--customers: {name} line {number}: the header must be "
                                    f"`{CUSTOMER_HEADER}`, not `{line.strip()[:80]}` (a column is missing or wrong)")
                    return
                continue
            if len(fields) != 3:
                problems.append(f"--customers: {name} line {number} has {len(fields)} columns; "
                                f"expected 3: `{CUSTOMER_HEADER}`")
                return
        plan.counts["customer_rows"] += 1
        if len(fields) != 3:
            plan.report(name, number, f"{len(fields)} columns instead of 3 (`{CUSTOMER_HEADER}`); skipped")
            continue
        user_id, account_id, tariff_id = fields
        if not is_digits(account_id) or len(account_id) > MAX_ABONEMENT:
            plan.report(name, number, f"account id {account_id!r} is not a number; skipped")
            continue
        if not user_id or len(user_id) > MAX_EXT_ID:
            plan.report(name, number, f"user id {user_id!r} is empty or longer than {MAX_EXT_ID}; skipped")
            continue
        known = plan.accounts.get(account_id)
        if known is None:
            owner = by_user.get(user_id)
            if owner is not None:
                plan.report(name, number, f"user id {user_id} already has account {owner} "
                                          f"(line {plan.accounts[owner].line}); account {account_id} skipped")
                continue
            known = plan.accounts[account_id] = HydraAccount(account_id=account_id, user_id=user_id, line=number)
            by_user[user_id] = account_id
        elif known.user_id != user_id:
            plan.report(name, number, f"account {account_id} belongs to user {known.user_id} "
                                      f"(line {known.line}), not {user_id}; skipped")
            continue
        if is_digits(tariff_id):
            tariff_id = str(int(tariff_id))  # compared as the map writes them: no leading zeros
        if tariff_id:
            if tariff_id not in plan.tariff_map:
                plan.report(name, number, f"Hydra tariff {tariff_id} is not in the tariff map; not assigned")
            else:
                known.tariffs.append((number, tariff_id))


def _no_rows(plan: Plan, name: str, problems: list[str]) -> None:
    if not plan.counts["customer_rows"]:
        problems.append(f"--customers: {name} has no rows (`{CUSTOMER_HEADER}`)")


def parse_devices(text: str, name: str, plan: Plan, problems: list[str]) -> None:
    """Devices of known accounts into `plan.devices`, normalised and de-duplicated."""
    first_data_seen = False
    seen: dict[str, tuple[int, str]] = {}  # MAC -> (line, account id)
    for number, line in _numbered(text):
        fields = _fields(line)
        if len(fields) == 1:
            plan.counts["rows_skipped"] += 1
            continue
        if not first_data_seen:
            first_data_seen = True
            if _is_header(fields):
                names = [_column_name(f) for f in fields]
                if not (len(names) in (4, 5) and names[1] == "accountid" and names[3] == "mac"
                        and (len(names) == 4 or names[4] in ("serial", "serialnumber", "sn"))):
                    problems.append(f"--devices: {name} line {number}: the header must be `{DEVICE_HEADER}`, "
                                    f"not `{line.strip()[:80]}` (a column is missing or wrong)")
                    return
                continue
            if len(fields) not in (4, 5):
                problems.append(f"--devices: {name} line {number} has {len(fields)} columns; "
                                f"expected 5: `{DEVICE_HEADER}`")
                return
        plan.counts["device_rows"] += 1
        if len(fields) not in (4, 5):
            plan.report(name, number, f"{len(fields)} columns instead of 5 (`{DEVICE_HEADER}`); skipped")
            continue
        account_id, raw_mac = fields[1], fields[3]
        serial = fields[4] if len(fields) == 5 else ""
        if not is_digits(account_id):
            plan.report(name, number, f"account id {account_id!r} is not a number; skipped")
            continue
        mac = normalise_mac(raw_mac)
        if not _MAC.match(mac):
            plan.report(name, number, f"{raw_mac!r} is not a MAC address; skipped")
            continue
        if len(serial) > MAX_SERIAL:
            plan.report(name, number, f"serial longer than {MAX_SERIAL} characters; skipped")
            continue
        if account_id not in plan.accounts:
            plan.report(name, number, f"device {mac}: account {account_id} is not in the customers file; skipped")
            continue
        earlier = seen.get(mac)
        if earlier is not None:
            if earlier[1] == account_id:
                plan.counts["devices_duplicate"] += 1
            else:
                plan.report(name, number, f"device {mac} is already given to account {earlier[1]} "
                                          f"(line {earlier[0]}); skipped")
            continue
        seen[mac] = (number, account_id)
        plan.devices.append(HydraDevice(line=number, account_id=account_id, mac=mac, serial=serial))


def read_tariff_map(path: Path, client: Client, problems: list[str]) -> tuple[dict[str, list[Tariff]], str | None]:
    """{Hydra tariff id: our tariffs} and the map's device type, checked against the operator."""
    label = "--tariff-map"
    text = read_text(path, "utf-8", label, problems)
    if text is None:
        return {}, None
    try:
        data = tomllib.loads(text.lstrip("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{label}: {path.name} is not valid TOML: {exc}")
        return {}, None
    unknown = set(data) - MAP_KEYS
    if unknown:
        problems.append(f"{label}: unknown key(s) {', '.join(sorted(unknown))}; expected `device_type` and [tariffs]")
    device_type = data.get("device_type")
    if device_type is not None and not isinstance(device_type, str):
        problems.append(f"{label}: device_type must be a string")
        device_type = None
    entries = data.get("tariffs")
    if not isinstance(entries, dict) or not entries:
        problems.append(f"{label}: a [tariffs] table mapping our tariff (id or name) to Hydra tariff ids is required")
        return {}, device_type
    ours = list(Tariff.objects.for_client(client))
    by_id = {str(t.pk): t for t in ours}
    by_name: dict[str, list[Tariff]] = defaultdict(list)
    for tariff in ours:
        by_name[tariff.name].append(tariff)
    mapping: dict[str, list[Tariff]] = defaultdict(list)
    for key, hydra_ids in entries.items():
        if is_digits(key):
            tariff = by_id.get(key)
            if tariff is None:
                problems.append(f"{label}: [tariffs] {key}: the operator has no tariff with id {key}")
                continue
        else:
            named = by_name.get(key, [])
            if len(named) != 1:
                problems.append(f"{label}: [tariffs] {key!r}: the operator has "
                                f"{'no tariff' if not named else f'{len(named)} tariffs'} of that name"
                                f"{'' if not named else '; use its id'}")
                continue
            tariff = named[0]
        if not tariff.enabled:
            problems.append(f"{label}: [tariffs] {key!r}: tariff {tariff.pk} ({tariff.name}) is disabled")
            continue
        values = hydra_ids if isinstance(hydra_ids, list) else [hydra_ids]
        if not values:
            problems.append(f"{label}: [tariffs] {key!r}: no Hydra tariff ids")
        for value in values:
            text_id = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
            if not is_digits(text_id):
                problems.append(f"{label}: [tariffs] {key!r}: Hydra tariff id {value!r} is not a number")
                continue
            text_id = str(int(text_id))
            if tariff in mapping[text_id]:
                continue
            basic = [t for t in mapping[text_id] if t.is_basic]
            if tariff.is_basic and basic:
                problems.append(f"{label}: Hydra tariff {text_id} maps to two basic tariffs "
                                f"({basic[0].name}, {tariff.name}); a customer holds one")
                continue
            mapping[text_id].append(tariff)
    return dict(mapping), device_type


def plan(*, client_id: Any, customers: Path, devices: Path, tariff_map: Path, device_type: str | None = None,
         encoding: str = "utf-8-sig") -> Plan:
    """Read and check the three files; raises ImportRefused listing every fatal problem."""
    problems: list[str] = []
    if not is_digits(str(client_id)) or len(str(client_id)) > 18:
        raise ImportRefused([f"--client: {client_id!r} is not an operator id"])
    client = Client.objects.filter(pk=int(client_id)).first()
    if client is None:
        raise ImportRefused([f"--client: there is no operator {client_id}"])
    mapping, map_device_type = read_tariff_map(tariff_map, client, problems)
    system_name = device_type or map_device_type or DEFAULT_DEVICE_TYPE
    kind = DeviceType.objects.filter(system_name=system_name).first()
    if kind is None:
        problems.append(f"--device-type: unknown device type {system_name!r} "
                        f"(one of: {', '.join(DeviceType.objects.values_list('system_name', flat=True))})")
    result = Plan(client=client, device_type=kind, tariff_map=mapping, accounts={}, devices=[],
                  customers_name=customers.name, devices_name=devices.name)
    texts = {label: read_text(path, encoding, label, problems)
             for label, path in (("--customers", customers), ("--devices", devices))}
    if texts["--customers"] is not None:
        before = len(problems)
        parse_customers(texts["--customers"], customers.name, result, problems)
        if len(problems) == before:
            _no_rows(result, customers.name, problems)
    if texts["--devices"] is not None:
        parse_devices(texts["--devices"], devices.name, result, problems)
    if problems:
        raise ImportRefused(list(dict.fromkeys(problems)))  # an unknown --encoding once, not per file
    return result


# --- writing -----------------------------------------------------------------------------------------

def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _emit_many(client: Client, name: EventName, items: list[tuple[int, dict]],
               progress: Callable[[int], None]) -> int:
    """What `tvmiddleware.events.emit` does for one event, for many: the outbox rows written in this
    transaction, one delivery per subscribed handler, deliveries queued once it commits."""
    handlers = domain_events.delivery_handlers(client, name)
    ids = insert(DomainEvent, {"client": client, "name": str(name)},
                 [{"customer_id": customer_id, "payload": payload} for customer_id, payload in items], progress)
    if handlers and ids:
        now = timezone.now()
        insert(EventDelivery, {"client": client, "next_attempt_at": now},
               [{"event_id": event_id, "handler": handler, "customer_id": customer_id if ordered else None}
                for event_id, (customer_id, _) in zip(ids, items) for handler, ordered in handlers.items()])
        transaction.on_commit(lambda: [domain_events.enqueue_delivery(pk) for pk in ids])
    return len(ids)


def _existing(queryset, field_name: str, values: list[str], *columns: str) -> list[tuple]:
    rows = []
    for chunk in _chunks(values, 5000):
        rows.extend(queryset.filter(**{f"{field_name}__in": chunk}).values_list(*columns))
    return rows


def apply(p: Plan, *, progress: Callable[[str, int], Callable[[int], None]] | None = None) -> dict[str, int]:
    """Write the plan (call inside a transaction). Returns the counts; row conflicts go to p.reported."""
    progress = progress or (lambda _label, _total: (lambda _n: None))
    client, counts = p.client, p.counts
    now = timezone.now()
    wanted = list(p.accounts.values())
    abonements = [a.account_id for a in wanted]

    # Accounts already here (a previous run, or the operator's own): matched by abonement.
    taken = {ab: (pk, customer_id, ext_id) for ab, pk, customer_id, ext_id in _existing(
        Account.objects.for_client(client), "abonement", abonements, "abonement", "pk", "customer_id",
        "customer__ext_id")}
    ext_taken = dict(_existing(Customer.objects.for_client(client), "ext_id",
                               [a.user_id for a in wanted if a.account_id not in taken], "ext_id", "pk"))
    account_of: dict[str, tuple[int, int]] = {}  # Hydra account id -> (account pk, customer pk)
    existing_customers: set[int] = set()
    to_create: list[HydraAccount] = []
    for hydra in wanted:
        here = taken.get(hydra.account_id)
        if here is not None:
            if here[2] != hydra.user_id:
                p.report(p.customers_name, hydra.line, f"abonement {hydra.account_id} belongs to customer #{here[1]} "
                                                  f"(ext id {here[2]!r}), not Hydra user {hydra.user_id}; skipped")
                continue
            account_of[hydra.account_id] = (here[0], here[1])
            existing_customers.add(here[1])
            counts["accounts_existing"] += 1
        elif hydra.user_id in ext_taken:
            p.report(p.customers_name, hydra.line, f"customer #{ext_taken[hydra.user_id]} already has ext id "
                                              f"{hydra.user_id} but no account {hydra.account_id}; skipped")
        else:
            to_create.append(hydra)

    customer_ids = insert(Customer, {"client": client},
                          [{"ext_id": h.user_id, "comment": f"USER_{h.account_id}"} for h in to_create],
                          progress("customers", len(to_create)))
    account_ids = insert(Account, {
        "client": client, "password": make_password(None),  # unusable: no password ever matches it
        "active": True, "status_reason": AccountStatus.ACTIVE,
        "allow_login_by_abonement": True, "allow_login_by_device_uid": True,
    }, [{"customer_id": customer_id, "abonement": h.account_id} for h, customer_id in zip(to_create, customer_ids)],
        progress("accounts", len(to_create)))
    for h, account_id, customer_id in zip(to_create, account_ids, customer_ids):
        account_of[h.account_id] = (account_id, customer_id)
    counts["customers_created"] = len(customer_ids)
    counts["accounts_created"] = len(account_ids)

    _assign_tariffs(p, account_of, existing_customers, now, progress)
    _bind_devices(p, account_of, {account_of[h.account_id][0] for h in wanted if h.account_id in taken
                                  and h.account_id in account_of}, progress)
    # Last, so the operator's counter row (which every new account elsewhere updates) is held only
    # for the moment before the commit.
    numeric = [int(h.account_id) for h in to_create if len(h.account_id) < 19]
    if numeric:
        abonement_counter_past(client, str(max(numeric)))
    return counts


def _assign_tariffs(p: Plan, account_of: dict[str, tuple[int, int]], existing_customers: set[int], now,
                    progress) -> None:
    counts = p.counts
    held: dict[int, set[int]] = defaultdict(set)
    basic_held: dict[int, int] = {}
    tariff_names = {t.pk: t.name for ts in p.tariff_map.values() for t in ts}
    for customer_id, tariff_id, is_basic, name in _existing(
            TariffSubscription.objects.for_client(p.client).filter(is_closed=False), "customer_id",
            sorted(existing_customers), "customer_id", "tariff_id", "is_basic", "tariff__name"):
        held[customer_id].add(tariff_id)
        if is_basic:
            basic_held[customer_id] = tariff_id
            tariff_names[tariff_id] = name
    new: list[dict] = []
    ext_of: dict[int, str] = {}
    for hydra in p.accounts.values():
        if hydra.account_id not in account_of:
            continue
        customer_id = account_of[hydra.account_id][1]
        ext_of[customer_id] = hydra.user_id
        for line, hydra_tariff in hydra.tariffs:
            for tariff in p.tariff_map[hydra_tariff]:
                if tariff.pk in held[customer_id]:
                    counts["tariffs_existing"] += 1
                    continue
                if tariff.is_basic and customer_id in basic_held:
                    p.report(p.customers_name, line, f"account {hydra.account_id} already has basic tariff "
                                                f"{tariff_names[basic_held[customer_id]]}; "
                                                f"{tariff.name} not assigned")
                    continue
                held[customer_id].add(tariff.pk)
                if tariff.is_basic:
                    basic_held[customer_id] = tariff.pk
                new.append({"customer_id": customer_id, "tariff_id": tariff.pk, "is_basic": tariff.is_basic})
    ext_ids = {t.pk: t.ext_id for ts in p.tariff_map.values() for t in ts}
    created = insert(TariffSubscription, {"client": p.client, "start_date": now, "is_periodical": True}, new,
                     progress("tariffs", len(new)))
    counts["tariffs_assigned"] = len(created)
    _emit_many(p.client, EventName.TARIFF_ASSIGNED, [
        (s["customer_id"], {"customer_id": s["customer_id"], "customer_ext_id": ext_of[s["customer_id"]],
                            "tariff_id": s["tariff_id"], "tariff_ext_id": ext_ids[s["tariff_id"]],
                            "subscription_id": pk, "is_basic": s["is_basic"]})
        for pk, s in zip(created, new)], progress("tariff events", len(created)))
    # Existing customers' stream-access snapshots no longer hold (new accounts have none yet).
    touched = sorted({s["customer_id"] for s in new} & existing_customers)
    account_ids = [pk for (pk,) in _existing(Account.objects.for_client(p.client), "customer_id", touched, "pk")]
    if account_ids:
        access.invalidate_accounts(account_ids)
        transaction.on_commit(lambda: access.invalidate_accounts(account_ids))


def _bind_devices(p: Plan, account_of: dict[str, tuple[int, int]], existing_accounts: set[int], progress) -> None:
    counts = p.counts
    kind = p.device_type
    # A box bound before under the same MAC in lower case (the panel, an older import) is the same box.
    bound = {uid.upper(): account_id for uid, account_id in _existing(
        AccountDevice.objects.for_client(p.client), "device_uid",
        [form for d in p.devices for form in (d.mac, d.mac.lower())], "device_uid", "account_id")}
    # Accounts made by this run allow every group; earlier ones may have been restricted since.
    groups = dict(_existing(Account.objects.for_client(p.client), "pk", sorted(existing_accounts),
                            "pk", "allowed_device_groups"))
    new: list[dict] = []
    customer_of: dict[int, int] = {}
    for device in p.devices:
        if device.account_id not in account_of:
            p.report(p.devices_name, device.line, f"device {device.mac}: account {device.account_id} was not imported; "
                                             f"skipped")
            continue
        account_pk, customer_pk = account_of[device.account_id]
        owner = bound.get(device.mac)
        if owner == account_pk:
            counts["devices_existing"] += 1
            continue
        if owner is not None:
            p.report(p.devices_name, device.line, f"device {device.mac} is bound to another account (#{owner}); skipped")
            continue
        allowed = groups.get(account_pk) or []
        if allowed and kind.group not in allowed:
            p.report(p.devices_name, device.line, f"account {device.account_id} does not allow "
                                             f"{kind.get_group_display()} devices; {device.mac} skipped")
            continue
        customer_of[account_pk] = customer_pk
        new.append({"account_id": account_pk, "device_uid": device.mac, "serial_number": device.serial})
    created = insert(AccountDevice, {"client": p.client, "device_type": kind, "is_basic": False}, new,
                     progress("devices", len(new)))
    counts["devices_created"] = len(created)
    _emit_many(p.client, EventName.DEVICE_ADDED, [
        (customer_of[d["account_id"]], {"account_id": d["account_id"], "customer_id": customer_of[d["account_id"]],
                                        "device_uid": d["device_uid"], "device_type": kind.system_name,
                                        "serial_number": d["serial_number"], "is_basic": False, "device_id": pk})
        for pk, d in zip(created, new)], progress("device events", len(created)))


class _DryRun(Exception):
    pass


def run(p: Plan, *, dry_run: bool = False, progress=None) -> tuple[dict[str, int], float]:
    """apply() in one transaction (rolled back for a dry run). Returns the counts and the seconds taken."""
    started = time.monotonic()
    try:
        with transaction.atomic():
            apply(p, progress=progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return p.counts, time.monotonic() - started


def summary(p: Plan, seconds: float, *, dry_run: bool) -> str:
    c = p.counts
    return (f"import_hydra: customers created={c['customers_created']} existing={c['accounts_existing']} "
            f"accounts created={c['accounts_created']} tariffs assigned={c['tariffs_assigned']} "
            f"existing={c['tariffs_existing']} devices created={c['devices_created']} "
            f"existing={c['devices_existing']} duplicates={c['devices_duplicate']} "
            f"reported={len(p.reported)} skipped={c['rows_skipped']} seconds={seconds:.1f} "
            f"dry_run={'yes' if dry_run else 'no'}")
