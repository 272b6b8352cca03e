"""Create customers with one account each, in bulk, and print their logins.

    manage.py mass_create_accounts --client 1 --count 500 [--tariff 7]
    manage.py mass_create_accounts --client 1 --csv people.csv [--tariff 7]
    manage.py mass_create_accounts --url https://mw.example.net --client 1 --key BILLING_KEY \\
        --csv people.csv [--tariff 7] [--jobs 8]

Each created account is printed on stdout as `abonement;password` (redirect it to a file to hand
the logins out); problems and the final count go to stderr, and the exit status is non-zero when
any row failed. Without `--url` the rows are written here through the services (one transaction
per row: a failed row leaves nothing behind). With `--url` the tool is a client of another
installation's signed Billing API: `customer/create/`, `account/create/` and, when a tariff is
given, `customer/tariff/assign/` for each row (`--jobs` requests in parallel).

CSV: a header row, then any subset of the columns
    firstname, lastname, ext_id, mobile_phone_number, tariff_ext_id, abonement, password
(comma, semicolon or tab separated; UTF-8, a BOM is fine). Empty cells mean "not given": the
abonement is then the operator's next number and the password is generated. `tariff_ext_id`
assigns that tariff to the row's customer (it wins over `--tariff`).
"""
from __future__ import annotations

import csv
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import requests
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from common.signature import sign
from tvmiddleware.models import Client, Tariff
from tvmiddleware.selectors import tariff_get
from tvmiddleware.services import account_create, customer_create, tariff_assign
from common.errors import ServiceError

CSV_COLUMNS = ("firstname", "lastname", "ext_id", "mobile_phone_number", "tariff_ext_id", "abonement", "password")
CUSTOMER_COLUMNS = ("firstname", "lastname", "ext_id", "mobile_phone_number")
DEFAULT_COMMENT = "Created by mass_create_accounts"
MAX_COUNT = 1_000_000


@dataclass(frozen=True)
class Row:
    """One customer to create: its line number (for messages) and the values given for it."""

    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def customer_fields(self) -> dict[str, str]:
        fields = {name: self.get(name) for name in CUSTOMER_COLUMNS if self.get(name)}
        if not (fields.get("firstname") or fields.get("lastname")):
            fields["comment"] = DEFAULT_COMMENT  # the services require a name or a comment
        return fields


class RowFailed(Exception):
    """A row could not be created; the message says why (no secrets in it)."""


# --- input -----------------------------------------------------------------------------------------

def rows_from_count(count: int) -> Iterator[Row]:
    return (Row(line=i + 1, values={}) for i in range(count))


def rows_from_csv(path: Path) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"--csv: cannot read {path}: {exc}") from exc
    lines = text.splitlines()
    if not lines:
        raise CommandError("--csv: the file is empty (a header row is required)")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(lines, dialect=dialect)
    header = [name.strip() for name in (reader.fieldnames or [])]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown or not header:
        raise CommandError(f"--csv: unknown column(s) {', '.join(unknown) or '(none)'}; "
                           f"allowed: {', '.join(CSV_COLUMNS)}")
    reader.fieldnames = header
    rows = []
    for number, record in enumerate(reader, start=2):
        if None in record:
            raise CommandError(f"--csv: line {number} has more cells than the header")
        values = {k: (v or "").strip() for k, v in record.items() if (v or "").strip()}
        if values:
            rows.append(Row(line=number, values=values))
    return rows


# --- local creation (through the services) ----------------------------------------------------------

class LocalCreator:
    """Creates rows in this installation's database."""

    def __init__(self, client: Client, tariff_id: int | None) -> None:
        self.client = client
        self.default_tariff = self._tariff(tariff_id=tariff_id) if tariff_id else None
        self._by_ext_id: dict[str, Tariff] = {}

    def _tariff(self, **lookup) -> Tariff:
        try:
            return tariff_get(client=self.client, **lookup)
        except ServiceError as exc:
            raise RowFailed(f"tariff {next(iter(lookup.values()))!r} not found") from exc

    def tariff_for(self, row: Row) -> Tariff | None:
        ext_id = row.get("tariff_ext_id")
        if not ext_id:
            return self.default_tariff
        if ext_id not in self._by_ext_id:
            self._by_ext_id[ext_id] = self._tariff(ext_id=ext_id)
        return self._by_ext_id[ext_id]

    def create(self, row: Row) -> tuple[str, str]:
        try:
            with transaction.atomic():
                tariff = self.tariff_for(row)
                customer = customer_create(client=self.client, **row.customer_fields())
                account, password = account_create(client=self.client, customer=customer,
                                                   abonement=row.get("abonement") or None,
                                                   password=row.get("password") or None)
                if tariff is not None:
                    tariff_assign(customer=customer, tariff=tariff)
        except ServiceError as exc:
            raise RowFailed(_service_message(exc)) from exc
        return account.abonement, password

    def close(self) -> None:
        """Nothing to release: rows are written through this process's database connection."""


def _service_message(exc: ServiceError) -> str:
    fields = ", ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return f"{exc.message}{f' ({fields})' if fields else ''}"


# --- remote creation (through the signed Billing API) -----------------------------------------------

class BillingAPIClient:
    """A minimal client of the signed Billing API (one keep-alive session per thread)."""

    def __init__(self, url: str, client_id: int, key: str, timeout: float = 30.0) -> None:
        self.base = url.rstrip("/") + "/billing/api/"
        self.client_id = client_id
        self.key = key
        self.timeout = timeout
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            with self._lock:
                self._sessions.append(self._local.session)
        return self._local.session

    def close(self) -> None:
        """Close the keep-alive connections of every thread's session."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def call(self, method: str, **params: object) -> dict:
        """POST a signed form; returns the answer, or raises RowFailed with the documented error."""
        form = sign({"client_id": self.client_id, **{k: v for k, v in params.items() if v not in (None, "")}},
                    self.key)
        try:
            response = self.session.post(self.base + method, data=form, timeout=self.timeout)
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RowFailed(f"{method}: no valid answer ({type(exc).__name__})") from exc
        if not isinstance(answer, dict) or answer.get("error") != 0:
            error = answer.get("error") if isinstance(answer, dict) else None
            message = answer.get("error_message", "") if isinstance(answer, dict) else ""
            fields = answer.get("error_fields") if isinstance(answer, dict) else None
            raise RowFailed(f"{method}: error {error} {message}{f' {fields}' if fields else ''}".strip())
        return answer


class RemoteCreator:
    """Creates rows in another installation through its Billing API."""

    def __init__(self, api: BillingAPIClient, tariff_id: int | None) -> None:
        self.api = api
        self.tariff_id = tariff_id

    def create(self, row: Row) -> tuple[str, str]:
        customer = self.api.call("customer/create/", **row.customer_fields())
        customer_id = customer.get("id")
        try:
            account = self.api.call("account/create/", customer_id=customer_id, abonement=row.get("abonement"),
                                    password=row.get("password"))
            if row.get("tariff_ext_id"):
                self.api.call("customer/tariff/assign/", customer_id=customer_id,
                              tariff_ext_id=row.get("tariff_ext_id"))
            elif self.tariff_id:
                self.api.call("customer/tariff/assign/", customer_id=customer_id, tariff_id=self.tariff_id)
        except RowFailed as exc:
            raise RowFailed(f"customer {customer_id} was created, then {exc}") from exc
        return str(account.get("abonement", "")), str(account.get("password", ""))

    def close(self) -> None:
        self.api.close()


# --- the command -------------------------------------------------------------------------------------

class Command(BaseCommand):
    help = "Bulk-create customers with an account each (from a count or a CSV), locally or via the Billing API."

    def add_arguments(self, parser):
        parser.add_argument("--client", type=int, required=True, help="Operator (client) id.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--count", type=int, help="Create this many customers (no names given).")
        source.add_argument("--csv", type=Path, dest="csv_path", help="Create one customer per row of this CSV file.")
        parser.add_argument("--tariff", type=int, help="Tariff id to assign to each customer.")
        parser.add_argument("--url", help="Base URL of a remote installation: use its Billing API.")
        parser.add_argument("--key", help="The operator's Billing API key (with --url).")
        parser.add_argument("--jobs", type=int, default=1, help="Parallel requests with --url (default 1).")
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds per request with --url.")

    def handle(self, *args, client: int, count: int | None, csv_path: Path | None, tariff: int | None,
               url: str | None, key: str | None, jobs: int, timeout: float, **options):
        if count is not None and not 1 <= count <= MAX_COUNT:
            raise CommandError(f"--count must be between 1 and {MAX_COUNT}")
        if not 1 <= jobs <= 64:
            raise CommandError("--jobs must be between 1 and 64")
        rows: Iterable[Row] = rows_from_count(count) if count is not None else rows_from_csv(csv_path)
        if url:
            if not key:
                raise CommandError("--url needs --key (the operator's Billing API key)")
            creator = RemoteCreator(BillingAPIClient(url, client, key, timeout=timeout), tariff)
        else:
            if jobs != 1:
                raise CommandError("--jobs is for --url (local rows are written one transaction at a time)")
            operator = Client.objects.filter(pk=client, enabled=True).first()
            if operator is None:
                raise CommandError(f"no enabled client {client}")
            try:
                creator = LocalCreator(operator, tariff)
            except RowFailed as exc:
                raise CommandError(f"--tariff: {exc}") from exc
        self._run(creator, rows, jobs)

    def _run(self, creator: LocalCreator | RemoteCreator, rows: Iterable[Row], jobs: int) -> None:
        started = time.monotonic()
        created = failed = 0

        def attempt(row: Row) -> tuple[Row, tuple[str, str] | None, str]:
            try:
                return row, creator.create(row), ""
            except RowFailed as exc:
                return row, None, str(exc)

        try:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                results = pool.map(attempt, rows) if jobs > 1 else map(attempt, rows)
                for row, login, problem in results:
                    if login is None:
                        failed += 1
                        self.stderr.write(f"row {row.line}: {problem}")
                        continue
                    created += 1
                    self.stdout.write(f"{login[0]};{login[1]}")
        finally:
            creator.close()
        elapsed = time.monotonic() - started
        self.stderr.write(f"mass_create_accounts: created {created}, failed {failed} in {elapsed:.1f} s "
                          f"({created / elapsed if elapsed else 0:.0f} accounts/s)")
        if failed:
            raise CommandError(f"{failed} row(s) failed")
