"""Import an operator's subscribers from OFT middleware's MySQL database (`manage.py import_oft`,
docs/migration-tools.md "Import from OFT").

Input: the URL of OFT's MySQL/MariaDB database (`mysql://user:password@host:3306/oft`, read only) and
a map file (TOML or YAML) naming the operator, the country, the currency, the default payment type,
the e-mail domain whose addresses are dropped, and three maps: OFT `stb_type_id` → device type,
OFT `tarif_id` → one or more tariffs, OFT `collocation_id` → data centre.

What becomes what (OFT table.column → ours):

- `iptv_Accounts` + `iptv_Account_Info` + `iptv_Accounts_BankAccount` (one row per account id) →
  **customer**: name → firstname, surname → lastname, birth_date → birthdate, email (blank when at
  the dropped domain, invalid or already used by another customer), gender male/female → 0/1,
  organization → company_name, phone → phone_number_1, fax → fax_phone_number, comments → comment,
  street / zip (digits only) / name + surname → the billing address, the map's country → postal
  country, the map's payment type, create_account → created_at; balance 0. A customer with the same
  first and last name who did not come from this import is left alone: the OFT account is reported
  and skipped with its logins.
- `iptv_Accounts.contract_number`, `create_account` → **contract** (number, created at), and the
  customer's contract_number.
- `iptv_Accounts_BankAccount` blz, konto, bic, iban, bankName, owner → **bank account** (and the
  customer's bank fields, which the Billing API answers with).
- `iptv_Users` → **account**: login → abonement (reported and skipped when it is not digits, has 11
  or more characters, or is another subscriber's), channel_pass → parent code, ip_addr → login by IP
  from that address (map `ip_login`, default true), collocation_id → data centre through the map,
  channel_offset ≠ 0 → timeshift on at that offset; active, activation date, deactivation date (one
  month later than OFT's), auto-activation period, last active and created at from the OFT account.
  OFT's passwords cannot be recovered: the account logs in by device UID, its password is a random
  one nobody knows, and the report says how many such accounts there are — unless `--new-pins`
  gives each a new numeric PIN (hashed like any password) written to a CSV (`abonement;pin`) for the
  operator to send; PINs are never printed.
- `iptv_Stb` mac, stb_type_id → **account device** (UID = the MAC, trimmed, `-` → `:`, upper case);
  a type the map does not name is reported, never guessed; a UID bound to another account is reported.
- `iptv_Dealers` + `iptv_Dealer_to_Accounts` → **dealer**, found or created by name (register, tax
  and VAT numbers and city in its comment), linked to the customer.
- `iptv_Account_to_Tariffs` → **tariff subscriptions** through the tariff map (an unmapped tariff is
  reported; a second basic tariff is reported rather than replacing the first).

Two phases. `prepare()` reads the map, checks the operator, its tariffs and device types, opens the
PIN file, connects to OFT, checks every table and column named above and reads them all; any problem
there is a CommandError before anything is written. `run()` writes in ONE transaction through the
services (customer_create, account_create, device_bind, tariff_assign): a failed run leaves nothing
behind; `--dry-run` runs the same transaction and rolls it back, with the same report.

Idempotent through the OFT ids kept on our rows: customer `ext_id`, account `account_ext_id`, dealer,
contract and bank-account `ext_id` are `oft:<OFT id>`; a device is found by its UID, a subscription
by the customer's open one. A second run creates nothing; a run after a fixed map adds what is
still missing.
"""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from common.errors import ServiceError
from tvmiddleware.models import (
    Account, AccountDevice, BankAccount, Client, Contract, Customer, Dealer, DeviceType, PaymentType, Tariff,
    TariffSubscription,
)
from tvmiddleware.services import tariff_assign
from tvmiddleware.services.accounts import account_create, generate_password
from tvmiddleware.services.customers import customer_create
from tvmiddleware.services.devices import device_bind

EXT = "oft:"
MAX_LOGIN_LENGTH = 10  # OFT logins of 11 or more characters are not carried over (as the original tool)

# Every OFT table and column the import reads (checked before anything is written).
SCHEMA: dict[str, tuple[str, ...]] = {
    "iptv_Accounts": ("id", "contract_number", "create_account", "active", "activation_date",
                      "deactivation_date", "auto_activation_period", "last_active", "email", "comments"),
    "iptv_Account_Info": ("account_id", "name", "surname", "birth_date", "gender", "organization", "phone",
                          "fax", "street", "zip"),
    "iptv_Accounts_BankAccount": ("account_id", "blz", "konto", "bic", "iban", "bankName", "owner"),
    "iptv_Users": ("id", "account_id", "login", "channel_pass", "ip_addr", "collocation_id", "channel_offset"),
    "iptv_Stb": ("id", "user_id", "mac", "stb_type_id"),
    "iptv_Dealers": ("id", "name", "register_number", "tax_number", "vat_number", "city"),
    "iptv_Dealer_to_Accounts": ("dealer_id", "account_id"),
    "iptv_Account_to_Tariffs": ("account_id", "tarif_id"),
}


class ImportRefused(Exception):
    """The input cannot be imported; nothing was written. `problems` are one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# --- the map --------------------------------------------------------------------------------------------

@dataclass
class OftMap:
    client: Client
    country: str
    currency: str
    payment_type: str
    dropped_email_domain: str
    device_types: dict[int, DeviceType]
    tariffs: dict[int, list[Tariff]]
    data_centres: dict[int, int]
    ip_login: bool = True
    limit: int | None = None
    time_zone: tzinfo | None = None  # of OFT's DATETIME columns (None: TIME_ZONE)


def _read_map_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ImportRefused([f"map file {path} does not exist"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRefused([f"map file {path} cannot be read: {exc}"]) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ImportRefused([f"map file {path} is not valid YAML: {str(exc).splitlines()[0]}"]) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ImportRefused([f"map file {path} is not valid TOML: {exc}"]) from None
    if not isinstance(data, dict):
        raise ImportRefused([f"map file {path} must be a table of settings"])
    return data


def _int_key(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _section(data: dict[str, Any], name: str, problems: list[str]) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        problems.append(f"map: [{name}] must be a table of OFT id = value")
        return {}
    return section


def load_map(path: Path, client_id: str | int | None = None) -> OftMap:
    """Read and check the map file; every problem is listed in one ImportRefused."""
    data = _read_map_file(path)
    problems: list[str] = []
    known = {"operator", "country", "currency", "payment_type", "dropped_email_domain", "ip_login", "limit", "time_zone",
             "device_types", "tariffs", "data_centres"}
    unknown = sorted(set(data) - known)
    if unknown:
        problems.append(f"map: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")

    operator = client_id if client_id not in (None, "") else data.get("operator")
    client = None
    if operator in (None, ""):
        problems.append("map: operator (the client id to import into) is missing; set it or pass --client")
    else:
        pk = _int_key(operator)
        client = Client.objects.filter(pk=pk).first() if pk is not None else None
        if client is None:
            problems.append(f"operator {operator} does not exist")
    country = str(data.get("country", "")).strip()
    if not re.fullmatch(r"[A-Za-z]{2}", country):
        problems.append("map: country must be a two-letter ISO code, e.g. \"DE\"")
    currency = str(data.get("currency", "")).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append("map: currency must be a three-letter ISO code, e.g. \"EUR\"")
    elif client is not None and currency != client.currency.upper():
        problems.append(f"map: currency {currency} is not the operator's ({client.currency}); "
                        "OFT's balances and prices would mean other money")
    payment_type = str(data.get("payment_type", "")).strip()
    if payment_type not in PaymentType.values:
        problems.append(f"map: payment_type must be one of {', '.join(PaymentType.values)}")
    dropped = str(data.get("dropped_email_domain", "")).strip().lower().lstrip("@")
    ip_login = data.get("ip_login", True)
    if not isinstance(ip_login, bool):
        problems.append("map: ip_login must be true or false")
        ip_login = True
    limit = data.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        problems.append("map: limit must be a positive number of OFT accounts")
        limit = None

    device_types: dict[int, DeviceType] = {}
    for key, value in _section(data, "device_types", problems).items():
        oft_id = _int_key(key)
        if oft_id is None:
            problems.append(f"map: [device_types] key {key!r} is not an OFT stb_type_id")
            continue
        found = (DeviceType.objects.filter(pk=value).first() if isinstance(value, int) and not isinstance(value, bool)
                 else DeviceType.objects.filter(system_name=str(value)).first())
        if found is None:
            problems.append(f"map: [device_types] {key} = {value!r} is not a device type here")
        else:
            device_types[oft_id] = found

    tariffs: dict[int, list[Tariff]] = {}
    for key, value in _section(data, "tariffs", problems).items():
        oft_id = _int_key(key)
        if oft_id is None:
            problems.append(f"map: [tariffs] key {key!r} is not an OFT tarif_id")
            continue
        targets = value if isinstance(value, list) else [value]
        if not targets:
            problems.append(f"map: [tariffs] {key} names no tariff")
        found_all = []
        for target in targets:
            if client is None:
                break
            scope = Tariff.objects.for_client(client)
            found = (scope.filter(pk=target).first() if isinstance(target, int) and not isinstance(target, bool)
                     else scope.filter(name=str(target)).first())
            if found is None:
                problems.append(f"map: [tariffs] {key} → {target!r} is not a tariff of the operator")
            elif not found.enabled:
                problems.append(f"map: [tariffs] {key} → {found.name!r} is disabled")
            else:
                found_all.append(found)
        tariffs[oft_id] = found_all

    data_centres: dict[int, int] = {}
    for key, value in _section(data, "data_centres", problems).items():
        oft_id = _int_key(key)
        if oft_id is None or not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"map: [data_centres] {key} = {value!r} must map an OFT collocation_id to a "
                            "data centre number")
            continue
        data_centres[oft_id] = value
    zone = None
    if data.get("time_zone") not in (None, ""):
        try:
            zone = ZoneInfo(str(data["time_zone"]))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"map: time_zone {data['time_zone']!r} is not a time zone (e.g. \"Europe/Berlin\")")
    if problems:
        raise ImportRefused(problems)
    return OftMap(client=client, country=country.upper(), currency=currency, payment_type=payment_type,
                  dropped_email_domain=dropped, device_types=device_types, tariffs=tariffs,
                  data_centres=data_centres, ip_login=ip_login, limit=limit, time_zone=zone)


# --- the source ---------------------------------------------------------------------------------------

def connect(url: str):
    """A read connection to OFT's database from `mysql://user:password@host:port/database`; without a
    password in the URL, the environment's OFT_DATABASE_PASSWORD (so it is not on the command line)."""
    import pymysql

    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb") or not parts.hostname or not parts.path.strip("/"):
        raise ImportRefused([f"--source must look like mysql://user:password@host:3306/database, not {_safe(url)}"])
    try:
        port = parts.port or 3306
    except ValueError:
        raise ImportRefused([f"--source has a bad port: {_safe(url)}"]) from None
    try:
        return pymysql.connect(host=parts.hostname, port=port, user=unquote(parts.username or "root"),
                               password=unquote(parts.password or "") or os.environ.get("OFT_DATABASE_PASSWORD", ""),
                               database=unquote(parts.path.strip("/")),
                               charset="utf8mb4", connect_timeout=10, read_timeout=600,
                               cursorclass=pymysql.cursors.DictCursor)
    except pymysql.MySQLError as exc:
        reason = exc.args[1] if len(exc.args) > 1 else str(exc)
        raise ImportRefused([f"cannot connect to OFT's database at {_safe(url)}: {reason}"]) from None


def _safe(url: str) -> str:
    """The URL without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@dataclass
class Source:
    accounts: list[dict[str, Any]]
    users: dict[int, list[dict[str, Any]]]
    stbs: dict[int, list[dict[str, Any]]]
    dealers: dict[int, dict[str, Any]]
    dealer_links: dict[int, list[int]]
    tariffs: dict[int, list[int]]


def check_schema(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS "
                       "WHERE TABLE_SCHEMA = DATABASE()")
        present: dict[str, set[str]] = defaultdict(set)
        for row in cursor.fetchall():
            present[row["t"]].add(row["c"])
    problems = []
    for table, columns in SCHEMA.items():
        if table not in present:
            problems.append(f"OFT's database has no table {table}")
            continue
        missing = [c for c in columns if c not in present[table]]
        if missing:
            problems.append(f"OFT's table {table} has no column(s) {', '.join(missing)}")
    if problems:
        raise ImportRefused(problems)


def read_source(connection, limit: int | None = None) -> Source:
    """Everything the import needs, read before anything is written (OFT installations are small)."""
    def rows(sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    a_cols = ", ".join(f"a.`{c}`" for c in SCHEMA["iptv_Accounts"])
    i_cols = ", ".join(f"i.`{c}` AS `info_{c}`" for c in SCHEMA["iptv_Account_Info"][1:])
    b_cols = ", ".join(f"b.`{c}` AS `bank_{c}`" for c in SCHEMA["iptv_Accounts_BankAccount"][1:])
    sql = (f"SELECT {a_cols}, {i_cols}, {b_cols} FROM iptv_Accounts a "
           "LEFT JOIN iptv_Account_Info i ON i.account_id = a.id "
           "LEFT JOIN iptv_Accounts_BankAccount b ON b.account_id = a.id ORDER BY a.id")
    accounts = rows(sql + (" LIMIT %s" if limit else ""), (limit,) if limit else ())
    seen: set[int] = set()
    unique = []
    for row in accounts:  # one row per account id, as OFT's tool (the first info / bank row)
        if row["id"] not in seen:
            seen.add(row["id"])
            unique.append(row)
    users: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows("SELECT id, account_id, login, channel_pass, ip_addr, collocation_id, channel_offset "
                    "FROM iptv_Users ORDER BY id"):
        users[row["account_id"]].append(row)
    stbs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows("SELECT id, user_id, mac, stb_type_id FROM iptv_Stb ORDER BY id"):
        stbs[row["user_id"]].append(row)
    dealers = {row["id"]: row for row in rows(
        "SELECT id, name, register_number, tax_number, vat_number, city FROM iptv_Dealers ORDER BY id")}
    links: dict[int, list[int]] = defaultdict(list)
    for row in rows("SELECT dealer_id, account_id FROM iptv_Dealer_to_Accounts ORDER BY dealer_id"):
        links[row["account_id"]].append(row["dealer_id"])
    tariffs: dict[int, list[int]] = defaultdict(list)
    for row in rows("SELECT account_id, tarif_id FROM iptv_Account_to_Tariffs ORDER BY account_id, tarif_id"):
        if row["tarif_id"] not in tariffs[row["account_id"]]:
            tariffs[row["account_id"]].append(row["tarif_id"])
    return Source(accounts=unique, users=users, stbs=stbs, dealers=dealers, dealer_links=links, tariffs=tariffs)


# --- the plan -------------------------------------------------------------------------------------------

@dataclass
class Plan:
    mapping: OftMap
    source: Source
    pins_path: Path | None = None
    counts: Counter = field(default_factory=Counter)
    reported: list[str] = field(default_factory=list)
    unmapped_device_types: Counter = field(default_factory=Counter)
    unmapped_tariffs: Counter = field(default_factory=Counter)
    unmapped_collocations: Counter = field(default_factory=Counter)
    without_password: list[str] = field(default_factory=list)
    pins: list[tuple[str, str]] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # without a password and without a device


def prepare(*, source_url: str, map_path: Path, client_id: str | int | None = None,
            pins_path: Path | None = None) -> Plan:
    """Check everything and read OFT's rows; raises ImportRefused before anything is written."""
    mapping = load_map(map_path, client_id)
    if pins_path is not None:
        if pins_path.exists():
            raise ImportRefused([f"--new-pins file {pins_path} exists already; name a new file (PINs are never "
                                 "overwritten)"])
        if not pins_path.parent.is_dir():
            raise ImportRefused([f"--new-pins: folder {pins_path.parent} does not exist"])
    connection = connect(source_url)
    try:
        check_schema(connection)
        import pymysql

        try:
            source = read_source(connection, mapping.limit)
        except pymysql.MySQLError as exc:
            reason = exc.args[1] if len(exc.args) > 1 else str(exc)
            raise ImportRefused([f"reading OFT's database failed: {reason}"]) from None
    finally:
        connection.close()
    return Plan(mapping=mapping, source=source, pins_path=pins_path)


# --- writing --------------------------------------------------------------------------------------------

class _Rollback(Exception):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


def _aware(value: Any, zone: tzinfo | None = None) -> datetime | None:
    """OFT's DATETIME (naive, in OFT's time zone) as an aware moment."""
    if isinstance(value, datetime):
        return timezone.make_aware(value, zone) if timezone.is_naive(value) else value
    if isinstance(value, date):
        return timezone.make_aware(datetime(value.year, value.month, value.day), zone)
    return None


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _plus_month(day: date) -> date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def normalise_mac(value: Any) -> str:
    return _text(value).replace("-", ":").upper()


class _Importer:
    def __init__(self, plan: Plan, progress: Callable[[str, int], Callable[[int], None]]):
        self.plan = plan
        self.map = plan.mapping
        self.client = plan.mapping.client
        self.progress = progress
        self.counts = plan.counts
        self.emails_taken = {e.lower() for e in Customer.objects.for_client(self.client).exclude(email="")
                             .values_list("email", flat=True)}
        self.dealers: dict[int, Dealer] = {}

    def report(self, line: str) -> None:
        self.plan.reported.append(line)

    def fit(self, model, name: str, value: str, where: str) -> str:
        limit = model._meta.get_field(name).max_length
        if limit and len(value) > limit:
            self.report(f"{where}: {name} cut to {limit} characters")
            return value[:limit]
        return value

    # --- customers ---

    def run(self) -> None:
        step = self.progress("OFT accounts", len(self.plan.source.accounts))
        for row in self.plan.source.accounts:
            self.account(row)
            step(1)
        # Of the new accounts without a password, those with no device either cannot log in at all yet.
        self.plan.unreachable = sorted(Account.objects.for_client(self.client).filter(
            abonement__in=self.plan.without_password, devices__isnull=True).values_list("abonement", flat=True))

    def account(self, row: dict[str, Any]) -> None:
        oft_id = row["id"]
        where = f"OFT account {oft_id}"
        customer = Customer.objects.for_client(self.client).filter(ext_id=f"{EXT}{oft_id}").first()
        if customer is not None:
            self.counts["customers skipped"] += 1
        else:
            customer = self.new_customer(row, where)
            if customer is None:
                return
        self.contract(customer, row, where)
        self.bank_account(customer, row, where)
        for dealer_id in self.plan.source.dealer_links.get(oft_id, []):
            self.dealer(customer, dealer_id, where)
        accounts = [self.login(customer, row, user) for user in self.plan.source.users.get(oft_id, [])]
        for user, account in zip(self.plan.source.users.get(oft_id, []), accounts):
            for stb in self.plan.source.stbs.get(user["id"], []):
                self.device(account, user, stb)
        self.tariffs(customer, oft_id, where)

    def new_customer(self, row: dict[str, Any], where: str) -> Customer | None:
        first, last = _text(row["info_name"]), _text(row["info_surname"])
        if (first or last) and Customer.objects.for_client(self.client).filter(
                firstname=first, lastname=last).exists():
            self.report(f"{where}: a customer named {first} {last} exists already; skipped with its logins")
            self.counts["customers name_taken"] += 1
            return None
        gender = {"male": 0, "m": 0, "female": 1, "f": 1}.get(_text(row["info_gender"]).lower())
        fields = {
            "ext_id": f"{EXT}{row['id']}",
            "firstname": first, "lastname": last,
            "birthdate": _day(row["info_birth_date"]),
            "gender": gender,
            "email": self.email(row, where),
            "company_name": _text(row["info_organization"]),
            "phone_number_1": _text(row["info_phone"]),
            "fax_phone_number": _text(row["info_fax"]),
            "comment": _text(row["comments"]),
            "billing_address_name": " ".join(p for p in (first, last) if p),
            "billing_address_street": _text(row["info_street"]),
            "billing_address_zip": re.sub(r"\D", "", _text(row["info_zip"])),
            "postal_address_country": self.map.country,
            "payment_type": self.map.payment_type,
            "contract_number": _text(row["contract_number"]),
            "bank_account_blz": _text(row["bank_blz"]),
            "bank_account_number": _text(row["bank_konto"]),
            "bank_account_bic": _text(row["bank_bic"]),
            "bank_account_iban": _text(row["bank_iban"]).replace(" ", "").upper(),
            "bank_account_bank_name": _text(row["bank_bankName"]),
            "bank_account_owner_name": _text(row["bank_owner"]),
        }
        if not (first or last or fields["comment"]):
            fields["comment"] = f"OFT account {row['id']}"
        for name, value in list(fields.items()):
            if isinstance(value, str):
                fields[name] = self.fit(Customer, name, value, where)
        try:
            with transaction.atomic():
                customer = customer_create(client=self.client, **fields)
        except ServiceError as exc:
            self.report(f"{where}: customer not created: {exc.message}; skipped with its logins")
            self.counts["customers reported"] += 1
            return None
        created = _aware(row["create_account"], self.map.time_zone)
        if created is not None:
            Customer.objects.filter(pk=customer.pk).update(created_at=created)
        self.counts["customers created"] += 1
        return customer

    def email(self, row: dict[str, Any], where: str) -> str:
        email = _text(row["email"])
        if not email:
            return ""
        lower = email.lower()
        if self.map.dropped_email_domain and lower.rsplit("@", 1)[-1] == self.map.dropped_email_domain:
            self.counts["emails dropped"] += 1
            return ""
        try:
            if len(email) > Customer._meta.get_field("email").max_length:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            self.report(f"{where}: e-mail {email!r} is not an address; left blank")
            return ""
        if lower in self.emails_taken:
            self.report(f"{where}: e-mail {email} is another customer's; left blank")
            return ""
        self.emails_taken.add(lower)
        return email

    def contract(self, customer: Customer, row: dict[str, Any], where: str) -> None:
        number = _text(row["contract_number"])
        if not number:
            return
        existing = Contract.objects.for_client(self.client).filter(number=number).first()
        if existing is not None:
            if existing.customer_id != customer.pk:
                self.report(f"{where}: contract {number} is another customer's; not linked")
            self.counts["contracts skipped"] += 1
            return
        Contract.objects.create(client=self.client, customer=customer, number=self.fit(Contract, "number", number, where),
                                created_at=_aware(row["create_account"], self.map.time_zone) or timezone.now(), ext_id=f"{EXT}{row['id']}")
        self.counts["contracts created"] += 1

    def bank_account(self, customer: Customer, row: dict[str, Any], where: str) -> None:
        values = {"blz": _text(row["bank_blz"]), "konto": _text(row["bank_konto"]), "bic": _text(row["bank_bic"]),
                  "iban": _text(row["bank_iban"]).replace(" ", "").upper(), "bank_name": _text(row["bank_bankName"]),
                  "owner": _text(row["bank_owner"])}
        if not any(values.values()):
            return
        ext_id = f"{EXT}{row['id']}"
        if BankAccount.objects.for_client(self.client).filter(ext_id=ext_id).exists():
            self.counts["bank_accounts skipped"] += 1
            return
        values = {name: self.fit(BankAccount, name, value, where) for name, value in values.items()}
        BankAccount.objects.create(client=self.client, customer=customer, ext_id=ext_id, **values)
        self.counts["bank_accounts created"] += 1

    def dealer(self, customer: Customer, dealer_id: int, where: str) -> None:
        if dealer_id not in self.dealers:
            source = self.plan.source.dealers.get(dealer_id)
            if source is None:
                self.report(f"{where}: dealer {dealer_id} is not in iptv_Dealers; not linked")
                return
            name = self.fit(Dealer, "name", _text(source["name"]) or f"OFT dealer {dealer_id}", where)
            dealer = Dealer.objects.for_client(self.client).filter(name=name).first()
            if dealer is None:
                comment = "\n".join(f"{label}: {_text(source[column])}" for label, column in (
                    ("Register number", "register_number"), ("Tax number", "tax_number"),
                    ("VAT number", "vat_number"), ("City", "city")) if _text(source[column]))
                dealer = Dealer.objects.create(client=self.client, name=name, comment=comment,
                                               ext_id=f"{EXT}{dealer_id}")
                self.counts["dealers created"] += 1
            else:
                self.counts["dealers skipped"] += 1
            self.dealers[dealer_id] = dealer
        self.dealers[dealer_id].customers.add(customer)

    # --- accounts and devices ---

    def login(self, customer: Customer, row: dict[str, Any], user: dict[str, Any]) -> Account | None:
        where = f"OFT user {user['id']}"
        ext_id = f"{EXT}{user['id']}"
        account = Account.objects.for_client(self.client).filter(account_ext_id=ext_id).first()
        if account is not None:
            self.counts["accounts skipped"] += 1
            return account
        login = _text(user["login"])
        if not login.isdigit() or not login.isascii():
            self.report(f"{where}: login {login!r} is not a number; skipped with its devices")
            self.counts["accounts reported"] += 1
            return None
        if len(login) > MAX_LOGIN_LENGTH:
            self.report(f"{where}: login {login} has more than {MAX_LOGIN_LENGTH} digits; skipped with its devices")
            self.counts["accounts reported"] += 1
            return None
        if Account.objects.for_client(self.client).filter(abonement=login).exists():
            self.report(f"{where}: abonement {login} is another subscriber's; skipped with its devices")
            self.counts["accounts reported"] += 1
            return None
        options: dict[str, Any] = {"account_ext_id": ext_id, "allow_login_by_device_uid": True}
        code = _text(user["channel_pass"])
        if code and code.isdigit() and code.isascii() and len(code) <= 16:
            options["parent_code"] = code
        elif code:
            self.report(f"{where}: parental code is not 1 to 16 digits; not carried over")
        ip = _text(user["ip_addr"])
        if ip and self.map.ip_login:
            try:
                network = ipaddress.ip_network(ip, strict=False)
            except ValueError:
                self.report(f"{where}: ip_addr {ip!r} is not an address; login by IP not set")
            else:
                if not network.network_address.is_unspecified:
                    options.update(allow_login_by_ip=True, subnets=str(network))
        collocation = user["collocation_id"]
        if collocation not in (None, 0):
            if collocation in self.map.data_centres:
                options["data_center"] = self.map.data_centres[collocation]
            else:
                self.plan.unmapped_collocations[collocation] += 1
        offset = user["channel_offset"] or 0
        if offset:
            options.update(use_timeshift=True, preferred_timeshift_offset=int(offset))
        activation = _day(row["activation_date"])
        deactivation = _day(row["deactivation_date"])
        options.update(activation_date=activation,
                       deactivation_date=_plus_month(deactivation) if deactivation else None,
                       auto_activation_period=max(int(row["auto_activation_period"] or 0), 0))
        pin = generate_password() if self.plan.pins_path is not None else None
        try:
            with transaction.atomic():
                account, _ = account_create(client=self.client, customer=customer, abonement=login,
                                            password=pin or secrets.token_urlsafe(32),
                                            active=bool(row["active"]), **options)
        except ServiceError as exc:
            self.report(f"{where}: login {login} not created: {exc.message}")
            self.counts["accounts reported"] += 1
            return None
        stamps = {"last_active": _aware(row["last_active"], self.map.time_zone)}
        created = _aware(row["create_account"], self.map.time_zone)
        if created is not None:
            stamps["created_at"] = created
        Account.objects.filter(pk=account.pk).update(**stamps)
        self.counts["accounts created"] += 1
        if pin is None:
            self.plan.without_password.append(login)
        else:
            self.plan.pins.append((login, pin))
        return account

    def device(self, account: Account | None, user: dict[str, Any], stb: dict[str, Any]) -> None:
        where = f"OFT stb {stb['id']}"
        if account is None:
            self.counts["devices reported"] += 1
            return  # its login was reported
        uid = normalise_mac(stb["mac"])
        if not uid:
            self.report(f"{where}: no MAC; skipped")
            self.counts["devices reported"] += 1
            return
        device_type = self.map.device_types.get(stb["stb_type_id"])
        if device_type is None:
            self.plan.unmapped_device_types[stb["stb_type_id"]] += 1
            self.counts["devices reported"] += 1
            return
        existing = AccountDevice.objects.for_client(self.client).filter(device_uid=uid).first()
        if existing is not None:
            if existing.account_id != account.pk:
                self.report(f"{where}: device {uid} is bound to another account; skipped")
                self.counts["devices reported"] += 1
            else:
                self.counts["devices skipped"] += 1
            return
        try:
            with transaction.atomic():
                device_bind(account=account, device_type=device_type, device_uid=self.fit(
                    AccountDevice, "device_uid", uid, where))
        except ServiceError as exc:
            self.report(f"{where}: device {uid} not bound: {exc.message}")
            self.counts["devices reported"] += 1
            return
        self.counts["devices created"] += 1

    # --- tariffs ---

    def tariffs(self, customer: Customer, oft_id: int, where: str) -> None:
        for tarif_id in self.plan.source.tariffs.get(oft_id, []):
            targets = self.map.tariffs.get(tarif_id)
            if targets is None:
                self.plan.unmapped_tariffs[tarif_id] += 1
                self.counts["tariffs reported"] += 1
                continue
            for tariff in targets:
                open_ = TariffSubscription.objects.filter(customer=customer, is_closed=False)
                if open_.filter(tariff=tariff).exists():
                    self.counts["tariffs skipped"] += 1
                    continue
                if tariff.is_basic and open_.filter(is_basic=True).exists():
                    self.report(f"{where}: basic tariff {tariff.name} not assigned: the customer holds another "
                                "basic tariff")
                    self.counts["tariffs reported"] += 1
                    continue
                try:
                    with transaction.atomic():
                        tariff_assign(customer=customer, tariff=tariff)
                except ServiceError as exc:
                    self.report(f"{where}: tariff {tariff.name} not assigned: {exc.message}")
                    self.counts["tariffs reported"] += 1
                    continue
                self.counts["tariffs assigned"] += 1


def run(plan: Plan, *, dry_run: bool = False,
        progress: Callable[[str, int], Callable[[int], None]] = lambda label, total: (lambda n: None)) -> None:
    """Write everything in one transaction (rolled back for a dry run), then the PIN file."""
    importer = _Importer(plan, progress)
    pins_file = None
    if plan.pins_path is not None and not dry_run:  # made (empty, owner-only) before writing, so it can be
        pins_file = _open_pins(plan.pins_path)      # filled once the rows are committed
    try:
        with transaction.atomic():
            importer.run()
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except BaseException:
        if pins_file is not None:
            pins_file.close()
            plan.pins_path.unlink(missing_ok=True)
        raise
    if plan.mapping.limit is None:  # rows of no OFT account (with a limit, most rows are outside it)
        accounts = {row["id"] for row in plan.source.accounts}
        users = {user["id"] for rows in plan.source.users.values() for user in rows}
        for account_id, rows in sorted(plan.source.users.items()):
            if account_id not in accounts:
                plan.reported.append(f"OFT user(s) {', '.join(str(u['id']) for u in rows)} of account {account_id}, "
                                     "which is not in iptv_Accounts: not imported")
        for user_id, rows in sorted(plan.source.stbs.items()):
            if user_id not in users:
                plan.reported.append(f"OFT stb(s) {', '.join(str(b['id']) for b in rows)} of user {user_id}, "
                                     "which is not in iptv_Users: not imported")
    for oft_id, count in sorted(plan.unmapped_device_types.items(), key=lambda item: str(item[0])):
        plan.reported.append(f"unmapped OFT device type stb_type_id={oft_id}: {count} device(s) not imported; "
                             "add it to [device_types] and run again")
    for oft_id, count in sorted(plan.unmapped_tariffs.items(), key=lambda item: str(item[0])):
        plan.reported.append(f"unmapped OFT tariff tarif_id={oft_id}: {count} subscription(s) not imported; "
                             "add it to [tariffs] and run again")
    for oft_id, count in sorted(plan.unmapped_collocations.items(), key=lambda item: str(item[0])):
        plan.reported.append(f"unmapped OFT collocation_id={oft_id}: {count} account(s) have no data centre; "
                             "add it to [data_centres]")
    if pins_file is not None:
        with pins_file:
            pins_file.write("abonement;pin\n")
            for abonement, pin in plan.pins:
                pins_file.write(f"{abonement};{pin}\n")


def _open_pins(path: Path):
    """A new file readable by its owner only (an existing file is never overwritten)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ImportRefused([f"--new-pins file {path} cannot be made: {exc.strerror}"]) from None
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def summary(plan: Plan, seconds: float, *, dry_run: bool) -> str:
    c = plan.counts
    parts = [
        f"customers created={c['customers created']} skipped={c['customers skipped']} "
        f"name_taken={c['customers name_taken']} reported={c['customers reported']}",
        f"contracts created={c['contracts created']} skipped={c['contracts skipped']}",
        f"bank_accounts created={c['bank_accounts created']} skipped={c['bank_accounts skipped']}",
        f"dealers created={c['dealers created']}",
        f"accounts created={c['accounts created']} skipped={c['accounts skipped']} "
        f"reported={c['accounts reported']} without_password={len(plan.without_password)} pins={len(plan.pins)}",
        f"devices created={c['devices created']} skipped={c['devices skipped']} reported={c['devices reported']}",
        f"tariffs assigned={c['tariffs assigned']} skipped={c['tariffs skipped']} reported={c['tariffs reported']}",
    ]
    return (f"import_oft: {' '.join(parts)} problems={len(plan.reported)} dry_run={int(dry_run)} "
            f"seconds={seconds:.1f}")
