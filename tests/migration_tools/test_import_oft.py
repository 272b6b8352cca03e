"""`manage.py import_oft`: OFT middleware's MySQL database (a real MariaDB server, loaded with
oft_fixture.sql in OFT's schema) into customers, contracts, bank accounts, dealers, accounts, devices
and tariff subscriptions (docs/migration-tools.md, "Import from OFT")."""
from __future__ import annotations

import datetime
import os
import stat
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.conftest import mariadb_server
from tvmiddleware.models import (
    Account, AccountDevice, BankAccount, Contract, Customer, Dealer, TariffSubscription,
)

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db]

FIXTURE = Path(__file__).with_name("oft_fixture.sql")
_databases = iter(range(1, 10_000))


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@pytest.fixture
def oft_url():
    """A fresh database in OFT's schema on the test MariaDB server; dropped afterwards."""
    import pymysql

    server = mariadb_server()
    name = f"tvmw_oft_test_{os.getpid()}_{next(_databases)}"
    admin = pymysql.connect(**server, autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            cursor.execute(f"USE `{name}`")
            for statement in _statements(FIXTURE.read_text(encoding="utf-8")):
                cursor.execute(statement)
        password = f":{server['password']}" if server["password"] else ""
        yield f"mysql://{server['user']}{password}@{server['host']}:{server['port']}/{name}", admin, name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def operator(client_obj):
    client_obj.currency = "EUR"
    client_obj.save()
    base = factories.TariffFactory(client=client_obj, name="Base", basic_tariff_priority=1)
    sport = factories.TariffFactory(client=client_obj, name="Sport", basic_tariff_priority=0)
    # Already here before the import: a customer with an OFT customer's name, and an abonement OFT uses.
    factories.CustomerFactory(client=client_obj, firstname="Hans", lastname="Schmidt")
    factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj, lastname="Other"),
                             abonement="100600")
    return client_obj, base, sport


MAP = """\
operator = {client}
country = "DE"
currency = "EUR"
payment_type = "direct_debit"
dropped_email_domain = "oft-internal.de"

[device_types]
1 = "mag"
2 = "android_stb"

[tariffs]
10 = ["Base"]
20 = [{sport}]

[data_centres]
1 = 3
2 = 4
"""


@pytest.fixture
def map_file(tmp_path, operator):
    client, _base, sport = operator
    path = tmp_path / "oft-map.toml"
    path.write_text(MAP.format(client=client.pk, sport=sport.pk), encoding="utf-8")
    return path


def _run(url: str, map_path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_oft", "--source", url, "--map", str(map_path), "--no-progress", *args,
                 stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_maps_every_column_and_reports(oft_url, map_file, operator):
    url, _admin, _name = oft_url
    client, base, sport = operator
    out, err = _run(url, map_file)

    max_ = Customer.objects.get(client=client, ext_id="oft:1")
    assert (max_.firstname, max_.lastname, max_.birthdate, max_.gender) == (
        "Max", "Mustermann", datetime.date(1970, 5, 17), 0)
    assert max_.email == "max.mustermann@web.de"
    assert (max_.phone_number_1, max_.fax_phone_number) == ("+49 30 1234567", "+49 30 1234568")
    assert max_.comment == "Pays on time"
    assert (max_.billing_address_name, max_.billing_address_street, max_.billing_address_zip) == (
        "Max Mustermann", "Hauptstr. 5", "10115")
    assert (max_.postal_address_country, max_.payment_type, max_.contract_number) == ("DE", "direct_debit", "V-1001")
    assert max_.balance == Decimal("0.00")  # OFT's balance is not carried over
    assert max_.created_at == datetime.datetime(2019, 3, 4, 10, 15, tzinfo=datetime.timezone.utc)
    assert (max_.bank_account_iban, max_.bank_account_blz) == ("DE89370400440532013000", "10070000")

    contract = Contract.objects.get(client=client, number="V-1001")
    assert contract.customer == max_ and contract.created_at == max_.created_at
    bank = BankAccount.objects.get(client=client, customer=max_)
    assert (bank.blz, bank.konto, bank.bic, bank.iban, bank.bank_name, bank.owner) == (
        "10070000", "0532013000", "DEUTDEBBXXX", "DE89370400440532013000", "Deutsche Bank", "Max Mustermann")

    erika = Customer.objects.get(client=client, ext_id="oft:2")
    assert (erika.gender, erika.company_name, erika.email) == (1, "Muster GmbH", "")  # dropped domain
    assert BankAccount.objects.get(customer=erika).iban == "DE02200505501015871393"

    shop = Dealer.objects.get(client=client, name="TV Shop Berlin")
    assert set(shop.customers.all()) == {max_, erika}
    assert "HRB 12345" in shop.comment and "DE123456789" in shop.comment and "Berlin" in shop.comment
    anna = Customer.objects.get(client=client, ext_id="oft:4")
    assert list(Dealer.objects.get(client=client, name="Kabel Nord").customers.all()) == [anna]
    assert anna.email == ""  # Max has it already (case does not matter)

    # Hans Schmidt exists here: skipped with his login.
    assert not Customer.objects.filter(client=client, ext_id="oft:3").exists()
    assert not Account.objects.filter(client=client, abonement__in=["100503", "100999"]).exists()
    nameless = Customer.objects.get(client=client, ext_id="oft:5")
    assert nameless.comment == "OFT account 5" and nameless.email == ""

    account = Account.objects.get(client=client, abonement="100501")
    assert account.customer == max_ and account.account_ext_id == "oft:11"
    assert account.active and account.allow_login_by_device_uid
    assert (account.parent_code, account.data_center, account.use_timeshift) == ("1234", 3, False)
    assert account.allow_login_by_ip and account.subnets == "10.0.0.5/32"
    assert account.activation_date == datetime.date(2019, 3, 5) and account.deactivation_date is None
    assert account.last_active == datetime.datetime(2024, 5, 1, 20, 0, tzinfo=datetime.timezone.utc)
    assert account.created_at == max_.created_at
    erika_login = Account.objects.get(client=client, abonement="100502")
    assert not erika_login.active and erika_login.status_reason == "INACTIVE"
    assert erika_login.deactivation_date == datetime.date(2024, 2, 29)  # one month after OFT's, leap year
    assert erika_login.auto_activation_period == 14
    assert (erika_login.use_timeshift, erika_login.preferred_timeshift_offset) == (True, 2)
    assert erika_login.data_center is None  # collocation 7 is not mapped: reported
    assert Account.objects.get(client=client, abonement="100506").parent_code == ""  # "12ab": reported
    for login in ("123456789012", "kitchen"):
        assert not Account.objects.filter(client=client, abonement=login).exists()
    assert Account.objects.get(client=client, abonement="100600").customer.lastname == "Other"

    devices = {d.device_uid: d for d in AccountDevice.objects.filter(client=client)}
    assert set(devices) == {"00:1A:79:AA:BB:01", "00:1A:79:AA:BB:03"}
    assert devices["00:1A:79:AA:BB:01"].account == account
    assert devices["00:1A:79:AA:BB:01"].device_type.system_name == "mag"
    assert devices["00:1A:79:AA:BB:03"].device_type.system_name == "android_stb"

    held = {(s.customer.ext_id, s.tariff.name) for s in TariffSubscription.objects.filter(
        client=client, is_closed=False).select_related("customer", "tariff")}
    assert held == {("oft:1", "Base"), ("oft:1", "Sport"), ("oft:2", "Base"), ("oft:4", "Base"), ("oft:5", "Sport")}

    # The passwords could not be carried over: nobody knows them; the devices log in.
    assert not account.check_password("")
    assert not account.check_password("1234")
    assert "accounts without passwords: 4 " in out  # 100501, 100502, 100506, 100507
    # 100506's box is of an unmapped type and 100507's is another account's: nothing to log in with
    assert ("accounts without a password and without a device: 2 (they cannot log in until a device is bound "
            "or a password is set): 100506 100507") in out

    for line in ("unmapped OFT device type stb_type_id=9: 2 device(s)", "unmapped OFT tariff tarif_id=99: 1",
                 "unmapped OFT tariff tarif_id=77: 1", "unmapped OFT collocation_id=7: 1",
                 "OFT account 3: a customer named Hans Schmidt exists already",
                 "OFT user 14: login 123456789012 has more than 10 digits",
                 "OFT user 15: login 'kitchen' is not a number",
                 "OFT user 18: abonement 100600 is another subscriber's",
                 "OFT user 16: parental code is not 1 to 16 digits",
                 "OFT account 4: e-mail MAX.MUSTERMANN@web.de is another customer's",
                 "OFT account 5: e-mail 'not-an-address' is not an address",
                 "OFT stb 106: device 00:1A:79:AA:BB:01 is bound to another account",
                 "OFT user(s) 19 of account 99, which is not in iptv_Accounts: not imported",
                 "OFT stb(s) 107 of user 98, which is not in iptv_Users: not imported"):
        assert line in err, line
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("import_oft: customers created=5 skipped=0 name_taken=1 reported=0 ")
    assert "accounts created=4 skipped=0 reported=3 without_password=4 pins=0" in summary
    assert "devices created=2 skipped=0 reported=4" in summary
    assert "tariffs assigned=5 skipped=0 reported=2" in summary
    assert "dry_run=0" in summary and "seconds=" in summary


def test_second_run_creates_nothing(oft_url, map_file, operator):
    url, _admin, _name = oft_url
    client = operator[0]
    _run(url, map_file)
    counts = [m.objects.filter(client=client).count() for m in (Customer, Account, AccountDevice, Contract,
                                                                BankAccount, Dealer, TariffSubscription)]
    out, _err = _run(url, map_file)
    assert [m.objects.filter(client=client).count() for m in (Customer, Account, AccountDevice, Contract,
                                                              BankAccount, Dealer, TariffSubscription)] == counts
    summary = out.strip().splitlines()[-1]
    assert "customers created=0 skipped=5" in summary and "accounts created=0 skipped=4" in summary
    assert "devices created=0 skipped=2" in summary and "tariffs assigned=0 skipped=5" in summary
    assert "contracts created=0" in summary and "bank_accounts created=0" in summary
    assert "dealers created=0" in summary


def test_a_fixed_map_adds_what_was_missing(oft_url, map_file, operator):
    url, _admin, _name = oft_url
    client = operator[0]
    _run(url, map_file)
    map_file.write_text(map_file.read_text().replace('2 = "android_stb"', '2 = "android_stb"\n9 = "dune"'))
    out, err = _run(url, map_file)
    assert AccountDevice.objects.get(client=client, device_uid="00:1A:79:AA:BB:02").device_type.system_name == "dune"
    assert "stb_type_id=9" not in err
    assert "devices created=2 skipped=2" in out


def test_new_pins_go_to_the_csv_only(oft_url, map_file, operator, tmp_path):
    url, _admin, _name = oft_url
    client = operator[0]
    pins = tmp_path / "pins.csv"
    out, err = _run(url, map_file, "--new-pins", str(pins))
    lines = pins.read_text().splitlines()
    assert lines[0] == "abonement;pin"
    rows = dict(line.split(";") for line in lines[1:])
    assert set(rows) == {"100501", "100502", "100506", "100507"}
    assert stat.S_IMODE(pins.stat().st_mode) == 0o600
    for abonement, pin in rows.items():
        account = Account.objects.get(client=client, abonement=abonement)
        assert pin.isdigit() and account.check_password(pin)
        assert pin not in account.password
        assert f";{pin}" not in out and f";{pin}" not in err
    assert "accounts without passwords" not in out
    assert f"new PINs: 4 written to {pins}" in out
    assert "without_password=0 pins=4" in out
    with pytest.raises(CommandError, match="exists already"):
        _run(url, map_file, "--new-pins", str(pins))


def test_dry_run_writes_nothing_and_reports_the_same(oft_url, map_file, operator, tmp_path):
    url, _admin, _name = oft_url
    client = operator[0]
    before = (Customer.objects.filter(client=client).count(), Account.objects.filter(client=client).count())
    pins = tmp_path / "pins.csv"
    out, err = _run(url, map_file, "--dry-run", "--new-pins", str(pins))
    assert (Customer.objects.filter(client=client).count(), Account.objects.filter(client=client).count()) == before
    assert not Dealer.objects.filter(client=client).exists() and not Contract.objects.filter(client=client).exists()
    assert not pins.exists()
    assert "new PINs: 4 not written (dry run)" in out
    assert "customers created=5" in out and "dry_run=1" in out
    assert "unmapped OFT tariff tarif_id=99" in err


def test_yaml_map_and_client_option(oft_url, map_file, operator, tmp_path):
    url, _admin, _name = oft_url
    client, _base, sport = operator
    path = tmp_path / "map.yaml"
    path.write_text(f"""operator: 999999
country: DE
currency: EUR
payment_type: cash
dropped_email_domain: "@oft-internal.de"
device_types: {{1: mag}}
tariffs: {{10: [Base], 20: [{sport.pk}]}}
data_centres: {{1: 3}}
ip_login: false
limit: 2
time_zone: Europe/Berlin
""", encoding="utf-8")
    out, _err = _run(url, path, "--client", str(client.pk))
    assert "customers created=2 " in out  # the limit: the first two OFT accounts
    assert Customer.objects.get(client=client, ext_id="oft:1").payment_type == "cash"
    account = Account.objects.get(client=client, abonement="100501")
    assert not account.allow_login_by_ip and account.subnets == ""
    # OFT's 2019-03-04 10:15 and 2024-05-01 20:00 were Berlin time (CET, CEST)
    assert account.created_at == datetime.datetime(2019, 3, 4, 9, 15, tzinfo=datetime.timezone.utc)
    assert account.last_active == datetime.datetime(2024, 5, 1, 18, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("content, message", [
    ("operator = 1\ncountry = \"DE\"\n[tariffs\n", "is not valid TOML"),
    ('operator = {client}\ncountry = "Germany"\ncurrency = "EUR"\npayment_type = "cash"\n',
     "country must be a two-letter ISO code"),
    ('operator = {client}\ncountry = "DE"\ncurrency = "USD"\npayment_type = "cash"\n',
     "currency USD is not the operator's (EUR)"),
    ('operator = {client}\ncountry = "DE"\ncurrency = "EUR"\npayment_type = "barter"\n',
     "payment_type must be one of"),
    ('operator = {client}\ncountry = "DE"\ncurrency = "EUR"\npayment_type = "cash"\n[tariffs]\n10 = ["Gold"]\n',
     "[tariffs] 10 → 'Gold' is not a tariff of the operator"),
    ('operator = {client}\ncountry = "DE"\ncurrency = "EUR"\npayment_type = "cash"\n[device_types]\n1 = "toaster"\n',
     "[device_types] 1 = 'toaster' is not a device type here"),
    ('operator = 987654\ncountry = "DE"\ncurrency = "EUR"\npayment_type = "cash"\n', "operator 987654 does not exist"),
    ('operator = {client}\ncountry = "DE"\ncurrency = "EUR"\npayment_type = "cash"\ntime_zone = "Mars/Olympus"\n',
     "time_zone 'Mars/Olympus' is not a time zone"),
    ('country = "DE"\ncurrency = "EUR"\npayment_type = "cash"\nsql_suffix = "LIMIT 5"\n',
     "unknown setting(s) sql_suffix"),
])
def test_a_bad_map_is_refused_before_writing(oft_url, operator, tmp_path, content, message):
    url, _admin, _name = oft_url
    client = operator[0]
    path = tmp_path / "bad.toml"
    path.write_text(content.format(client=client.pk), encoding="utf-8")
    before = Customer.objects.count()
    with pytest.raises(CommandError) as caught:
        _run(url, path)
    assert message in str(caught.value) and str(caught.value).startswith("nothing imported: ")
    assert "\n" not in str(caught.value)
    assert Customer.objects.count() == before


def test_missing_map_file_unreachable_server_and_bad_url(oft_url, map_file, tmp_path):
    url, _admin, _name = oft_url
    with pytest.raises(CommandError, match="map file .* does not exist"):
        _run(url, tmp_path / "nope.toml")
    with pytest.raises(CommandError, match=r"cannot connect to OFT's database at mysql://reader:\*\*\*@127\.0\.0\.1:1/"):
        _run("mysql://reader:s3cret@127.0.0.1:1/oft", map_file)
    with pytest.raises(CommandError, match="--source must look like mysql://"):
        _run("postgres://127.0.0.1/oft", map_file)
    with pytest.raises(CommandError, match="Unknown database|cannot connect"):
        _run(url + "_missing", map_file)


def test_missing_table_or_column_is_refused_before_writing(oft_url, map_file, operator):
    url, admin, name = oft_url
    with admin.cursor() as cursor:
        cursor.execute(f"DROP TABLE `{name}`.iptv_Stb")
        cursor.execute(f"ALTER TABLE `{name}`.iptv_Users DROP COLUMN channel_offset")
    with pytest.raises(CommandError) as caught:
        _run(url, map_file)
    assert "OFT's database has no table iptv_Stb" in str(caught.value)
    assert "OFT's table iptv_Users has no column(s) channel_offset" in str(caught.value)
    assert not Customer.objects.filter(ext_id__startswith="oft:").exists()


def test_a_refused_write_leaves_nothing_behind(oft_url, map_file, operator, tmp_path, monkeypatch):
    """A database error halfway (here on the third customer) rolls back every row already written and
    removes the PIN file: a run is all or nothing."""
    from django.db import DatabaseError

    from migration_tools import oft

    url, _admin, _name = oft_url
    client = operator[0]
    real = oft.customer_create
    calls = []

    def failing(**fields):
        calls.append(fields["ext_id"])
        if len(calls) == 3:
            raise DatabaseError("deadlock found when trying to get lock")
        return real(**fields)

    monkeypatch.setattr(oft, "customer_create", failing)
    pins = tmp_path / "pins.csv"
    with pytest.raises(CommandError, match=r"^nothing imported: the database refused a write \(deadlock"):
        _run(url, map_file, "--new-pins", str(pins))
    assert len(calls) == 3
    assert not Customer.objects.filter(client=client, ext_id__startswith="oft:").exists()
    assert not Account.objects.filter(client=client, account_ext_id__startswith="oft:").exists()
    assert not Dealer.objects.filter(client=client).exists()
    assert not pins.exists()


def test_a_read_only_user_with_the_password_from_the_environment(oft_url, map_file, operator, monkeypatch):
    """SELECT is all the import needs; the password may stay off the command line."""
    url, admin, name = oft_url
    server = mariadb_server()
    user = f"tvmw_oft_reader_{os.getpid()}"
    with admin.cursor() as cursor:
        cursor.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        cursor.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'Read-0nly'")
        cursor.execute(f"GRANT SELECT ON `{name}`.* TO '{user}'@'%'")
    try:
        source = f"mysql://{user}@{server['host']}:{server['port']}/{name}"
        with pytest.raises(CommandError, match="Access denied"):
            _run(source, map_file)
        monkeypatch.setenv("OFT_DATABASE_PASSWORD", "Read-0nly")
        out, _err = _run(source, map_file)
        assert "customers created=5 " in out
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP USER IF EXISTS '{user}'@'%'")


def test_a_customer_the_service_refuses_is_reported_with_its_logins(oft_url, map_file, operator, monkeypatch):
    from common.errors import Invalid
    from migration_tools import oft

    url, _admin, _name = oft_url
    client = operator[0]
    real = oft.customer_create

    def refusing(**fields):
        if fields["ext_id"] == "oft:2":
            raise Invalid("birthdate is in the future")
        return real(**fields)

    monkeypatch.setattr(oft, "customer_create", refusing)
    out, err = _run(url, map_file)
    assert "OFT account 2: customer not created: birthdate is in the future; skipped with its logins" in err
    assert "customers created=4 skipped=0 name_taken=1 reported=1" in out
    assert not Account.objects.filter(client=client, abonement="100502").exists()
    assert Account.objects.filter(client=client, abonement="100501").exists()
