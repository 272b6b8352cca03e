"""`manage.py import_hydra`: Hydra billing's two exports and a tariff map into customers, accounts,
tariffs and devices (docs/migration-tools.md, "Import from Hydra billing")."""
from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tvmiddleware.models import (
    Account, AccountDevice, Client, Customer, DomainEvent, EventDelivery, TariffSubscription,
)
from tvmiddleware.streaming import access
from migration_tools.hydra import normalise_mac

pytestmark = pytest.mark.django_db

CUSTOMERS = """user id;account id;tariff id
501;9001;10
501;9001;20
502;9002;10
503;9003;99
504;x9004;10

505;9005;
"""

DEVICES = """id;account id;type;MAC;serial
1;9001;MAG250;00-1A-79-AA-BB-01 ;SN1
2;9001;MAG250;00:1a:79:aa:bb:01;SN1
3;9002;MAG250;00:1A:79:AA:BB:02;SN2
4;7777;MAG250;00:1A:79:AA:BB:03;SN3
5;9003;MAG250;not-a-mac;SN4
6;abc;MAG250;00:1A:79:AA:BB:05;SN5
lonely
7;9005;MAG250;001A79AABB06
"""


@pytest.fixture
def tariffs(client_obj):
    base = factories.TariffFactory(client=client_obj, name="Base", basic_tariff_priority=1, ext_id="base")
    sport = factories.TariffFactory(client=client_obj, name="Sport", basic_tariff_priority=0)
    return base, sport


@pytest.fixture
def files(tmp_path: Path, tariffs):
    base, sport = tariffs
    customers = tmp_path / "billing_customers.csv"
    devices = tmp_path / "billing_devices.csv"
    tariff_map = tmp_path / "map.toml"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    devices.write_text(DEVICES, encoding="utf-8")
    tariff_map.write_text(f'device_type = "mag"\n\n[tariffs]\n"Base" = [10]\n{sport.pk} = [20, 21]\n',
                          encoding="utf-8")
    return customers, devices, tariff_map


def run(client: Client, customers: Path, devices: Path, tariff_map: Path, *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_hydra", "--client", str(client.pk), "--customers", str(customers), "--devices",
                 str(devices), "--tariff-map", str(tariff_map), "--no-progress", *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary_counts(out: str) -> dict[str, str]:
    line = out.strip().splitlines()[-1]
    assert line.startswith("import_hydra: ")
    return dict(re.findall(r"(\w+ \w+|\w+)=(\S+)", line.replace("customers created", "customers_created")))


def test_happy_path_creates_customers_accounts_tariffs_and_devices(client_obj, files, tariffs):
    base, sport = tariffs
    Client.objects.filter(pk=client_obj.pk).update(next_abonement=1000)
    out, err = run(client_obj, *files)

    customers = {c.ext_id: c for c in Customer.objects.for_client(client_obj)}
    assert set(customers) == {"501", "502", "503", "505"}
    assert customers["501"].comment == "USER_9001"
    account = Account.objects.get(client=client_obj, abonement="9001")
    assert account.customer == customers["501"]
    assert account.active and account.status_reason == "ACTIVE"
    assert account.allow_login_by_abonement and account.allow_login_by_device_uid
    assert not account.check_password("") and not account.check_password("0000")
    assert account.password.startswith("!")  # Django's unusable password
    held = set(TariffSubscription.objects.filter(customer=customers["501"], is_closed=False)
               .values_list("tariff__name", flat=True))
    assert held == {"Base", "Sport"}
    assert list(TariffSubscription.objects.filter(customer=customers["502"]).values_list("tariff", flat=True)) == [
        base.pk]
    assert not TariffSubscription.objects.filter(customer=customers["503"]).exists()
    devices = {d.device_uid: d for d in AccountDevice.objects.for_client(client_obj).select_related("account")}
    assert set(devices) == {"00:1A:79:AA:BB:01", "00:1A:79:AA:BB:02", "00:1A:79:AA:BB:06"}
    assert devices["00:1A:79:AA:BB:01"].account == account
    assert devices["00:1A:79:AA:BB:01"].serial_number == "SN1"
    assert devices["00:1A:79:AA:BB:01"].device_type.system_name == "mag"
    assert devices["00:1A:79:AA:BB:06"].serial_number == ""
    # The abonement counter moved past the imported numbers, as account_create does.
    client_obj.refresh_from_db()
    assert client_obj.next_abonement == 9006
    # The services' outbox rows: one tariff.assigned per subscription, one device.added per device.
    assert DomainEvent.objects.filter(client=client_obj, name="tariff.assigned").count() == 3
    added = DomainEvent.objects.filter(client=client_obj, name="device.added")
    assert added.count() == 3
    payload = added.get(payload__device_uid="00:1A:79:AA:BB:01").payload
    assert payload["account_id"] == account.pk and payload["device_type"] == "mag" and payload["is_basic"] is False
    tariff_payload = DomainEvent.objects.get(client=client_obj, name="tariff.assigned",
                                             customer_id=customers["502"].pk).payload
    assert tariff_payload["customer_ext_id"] == "502" and tariff_payload["tariff_ext_id"] == "base"
    counts = summary_counts(out)
    assert counts["customers_created"] == "4"
    assert counts["devices created"] == "3"
    assert "dry_run=no" in out
    assert "Traceback" not in err


def test_macs_normalised_and_duplicates_dropped(client_obj, files):
    assert normalise_mac(" 00-1A-79-AA-BB-01 ") == "00:1A:79:AA:BB:01"
    assert normalise_mac("00:1a:79:aa:bb:01") == "00:1A:79:AA:BB:01"  # as boxes send it at login
    assert normalise_mac("001A79AABB06") == "00:1A:79:AA:BB:06"
    out, err = run(client_obj, *files)
    assert AccountDevice.objects.filter(client=client_obj, device_uid="00:1A:79:AA:BB:01").count() == 1
    assert "duplicates=1" in out
    assert "billing_devices.csv line 3" not in err  # the same device twice on one account is not a problem


def test_row_problems_are_reported_with_line_numbers(client_obj, files):
    out, err = run(client_obj, *files)
    assert "billing_devices.csv line 5: device 00:1A:79:AA:BB:03: account 7777 is not in the customers file" in err
    assert "billing_customers.csv line 5: Hydra tariff 99 is not in the tariff map" in err
    assert "billing_customers.csv line 6: account id 'x9004' is not a number" in err
    assert "billing_devices.csv line 6: 'not-a-mac' is not a MAC address" in err
    assert "billing_devices.csv line 7: account id 'abc' is not a number" in err
    assert "reported=5" in out
    assert not Customer.objects.filter(client=client_obj, ext_id="504").exists()


def test_one_field_rows_are_skipped_silently(client_obj, files):
    out, err = run(client_obj, *files)
    assert "billing_customers.csv line 7" not in err  # the blank line
    assert "billing_devices.csv line 8" not in err  # `lonely`
    assert "skipped=2" in out


def test_a_device_conflicting_between_accounts_is_reported(client_obj, files, tmp_path):
    customers, devices, tariff_map = files
    devices.write_text("1;9001;MAG;00:1a:79:00:00:01;A\n2;9002;MAG;00-1A-79-00-00-01;B\n", encoding="utf-8")
    out, err = run(client_obj, customers, devices, tariff_map)
    assert "billing_devices.csv line 2: device 00:1A:79:00:00:01 is already given to account 9001 (line 1)" in err
    assert AccountDevice.objects.get(client=client_obj, device_uid="00:1A:79:00:00:01").account.abonement == "9001"


@pytest.mark.parametrize("customers_text, devices_text, message", [
    ("user id;account id\n1;2\n", DEVICES, "--customers: billing_customers.csv line 1: the header must be"),
    ("1;2\n", DEVICES, "--customers: billing_customers.csv line 1 has 2 columns; expected 3"),
    (CUSTOMERS, "id;account id;type;serial\n1;9001;MAG;X\n", "--devices: billing_devices.csv line 1: the header"),
    (CUSTOMERS, "1;9001;2\n", "--devices: billing_devices.csv line 1 has 3 columns"),
])
def test_a_missing_column_refuses_before_writing(client_obj, files, customers_text, devices_text, message):
    customers, devices, tariff_map = files
    customers.write_text(customers_text, encoding="utf-8")
    devices.write_text(devices_text, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        run(client_obj, customers, devices, tariff_map)
    assert not Customer.objects.for_client(client_obj).exists()


def test_missing_and_undecodable_files_refuse_before_writing(client_obj, files, tmp_path):
    customers, devices, tariff_map = files
    with pytest.raises(CommandError) as missing:
        run(client_obj, tmp_path / "nope.csv", devices, tariff_map)
    assert "--customers:" in str(missing.value) and "nope.csv does not exist" in str(missing.value)
    devices.write_bytes("1;9001;MAG;00:1a:79:00:00:01;ok\n".encode() + "2;9002;MAG;00:1a:79:00:00:02;Серия\n".encode(
        "cp1251"))
    with pytest.raises(CommandError, match=r"billing_devices.csv line 2 is not valid utf-8-sig"):
        run(client_obj, customers, devices, tariff_map)
    assert not Customer.objects.for_client(client_obj).exists()
    # With the right encoding the same file imports.
    run(client_obj, customers, devices, tariff_map, "--encoding", "cp1251")
    assert AccountDevice.objects.get(client=client_obj, device_uid="00:1A:79:00:00:02").serial_number == "Серия"


@pytest.mark.parametrize("map_text, message", [
    ("[tariffs\n", "is not valid TOML"),
    ('device_type = "mag"\n', "a [tariffs] table"),
    ('[tariffs]\n"Gold" = [10]\n', "'Gold': the operator has no tariff of that name"),
    ('[tariffs]\n987654 = [10]\n', "the operator has no tariff with id 987654"),
    ('[tariffs]\n"Base" = ["ten"]\n', "Hydra tariff id 'ten' is not a number"),
    ('device_type = "toaster"\n[tariffs]\n"Base" = [10]\n', "unknown device type 'toaster'"),
    ('colour = 1\n[tariffs]\n"Base" = [10]\n', "unknown key(s) colour"),
])
def test_a_bad_map_refuses_before_writing(client_obj, files, map_text, message):
    customers, devices, tariff_map = files
    tariff_map.write_text(map_text, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        run(client_obj, customers, devices, tariff_map)
    assert not Customer.objects.for_client(client_obj).exists()


def test_map_problems_are_all_listed_at_once(client_obj, files, tariffs):
    customers, devices, tariff_map = files
    base, sport = tariffs
    sport.enabled = False
    sport.save()
    other_base = factories.TariffFactory(client=client_obj, name="Base 2", basic_tariff_priority=1)
    tariff_map.write_text(f'[tariffs]\n"Base" = [10]\n{other_base.pk} = [10]\n"Sport" = [20]\n"Gold" = [1]\n',
                          encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run(client_obj, customers, devices, tariff_map)
    text = str(refused.value)
    assert "two basic tariffs" in text and "is disabled" in text and "'Gold'" in text


def test_another_operators_tariff_is_unknown_here(client_obj, other_client, files):
    customers, devices, tariff_map = files
    theirs = factories.TariffFactory(client=other_client, name="Theirs")
    tariff_map.write_text(f'[tariffs]\n{theirs.pk} = [10]\n', encoding="utf-8")
    with pytest.raises(CommandError, match=f"no tariff with id {theirs.pk}"):
        run(client_obj, customers, devices, tariff_map)


def test_unknown_device_type_option_and_client(client_obj, files):
    with pytest.raises(CommandError, match="unknown device type 'nope'"):
        run(client_obj, *files, "--device-type", "nope")
    customers, devices, tariff_map = files
    with pytest.raises(CommandError, match="there is no operator 999999"):
        call_command("import_hydra", "--client", "999999", "--customers", str(customers), "--devices",
                     str(devices), "--tariff-map", str(tariff_map), stdout=StringIO(), stderr=StringIO())
    run(client_obj, *files, "--device-type", "dune")
    assert set(AccountDevice.objects.for_client(client_obj).values_list("device_type__system_name", flat=True)) == {
        "dune"}


def test_second_run_creates_nothing(client_obj, files):
    run(client_obj, *files)
    before = (Customer.objects.count(), Account.objects.count(), AccountDevice.objects.count(),
              TariffSubscription.objects.count(), DomainEvent.objects.count())
    out, _ = run(client_obj, *files)
    after = (Customer.objects.count(), Account.objects.count(), AccountDevice.objects.count(),
             TariffSubscription.objects.count(), DomainEvent.objects.count())
    assert after == before
    assert "customers created=0 existing=4 accounts created=0 tariffs assigned=0 existing=3 devices created=0 " \
           "existing=3" in out


def test_a_rerun_after_fixing_the_map_completes_what_is_missing(client_obj, files, tariffs):
    customers, devices, tariff_map = files
    run(client_obj, *files)
    extra = factories.TariffFactory(client=client_obj, name="Movies", basic_tariff_priority=0)
    tariff_map.write_text(tariff_map.read_text() + f"{extra.pk} = [99]\n", encoding="utf-8")
    out, err = run(client_obj, *files)
    customer = Customer.objects.get(client=client_obj, ext_id="503")
    assert list(customer.subscriptions.values_list("tariff__name", flat=True)) == ["Movies"]
    assert "tariffs assigned=1" in out and "customers created=0" in out


def test_rerun_invalidates_existing_customers_access_snapshots(client_obj, files, monkeypatch):
    customers, devices, tariff_map = files
    run(client_obj, *files)
    account = Account.objects.get(client=client_obj, abonement="9003")
    extra = factories.TariffFactory(client=client_obj, name="Movies", basic_tariff_priority=0)
    tariff_map.write_text(tariff_map.read_text() + f"{extra.pk} = [99]\n", encoding="utf-8")
    dropped: list[int] = []
    real = access.invalidate_accounts
    monkeypatch.setattr(access, "invalidate_accounts", lambda ids: (dropped.extend(ids), real(ids)))
    run(client_obj, *files)
    assert account.pk in dropped


def test_existing_basic_tariff_is_kept_and_reported(client_obj, files, tariffs):
    base, _ = tariffs
    other_basic = factories.TariffFactory(client=client_obj, name="Premium", basic_tariff_priority=2)
    customer = factories.CustomerFactory(client=client_obj, ext_id="502")
    factories.AccountFactory(customer=customer, abonement="9002")
    TariffSubscription.objects.create(client=client_obj, customer=customer, tariff=other_basic, is_basic=True,
                                      start_date="2026-01-01T00:00Z")
    out, err = run(client_obj, *files)
    assert "billing_customers.csv line 4: account 9002 already has basic tariff Premium; Base not assigned" in err
    assert list(customer.subscriptions.filter(is_closed=False).values_list("tariff", flat=True)) == [other_basic.pk]


def test_abonement_of_someone_else_is_a_reported_conflict(client_obj, files):
    stranger = factories.CustomerFactory(client=client_obj, ext_id="someone")
    factories.AccountFactory(customer=stranger, abonement="9001")
    out, err = run(client_obj, *files)
    assert "billing_customers.csv line 2: abonement 9001 belongs to customer" in err
    assert "billing_devices.csv line 2: device 00:1A:79:AA:BB:01: account 9001 was not imported" in err
    assert not stranger.accounts.get().devices.exists()
    assert not Customer.objects.filter(client=client_obj, ext_id="501").exists()


def test_dry_run_writes_nothing_and_reports_the_same(client_obj, files):
    Client.objects.filter(pk=client_obj.pk).update(next_abonement=1000)
    out_dry, err_dry = run(client_obj, *files, "--dry-run")
    assert not Customer.objects.for_client(client_obj).exists()
    assert not DomainEvent.objects.exists()
    client_obj.refresh_from_db()
    assert client_obj.next_abonement == 1000
    out, err = run(client_obj, *files)
    assert err_dry == err
    assert "dry_run=yes" in out_dry
    strip = lambda text: re.sub(r"seconds=\S+ dry_run=\w+", "", text)  # noqa: E731
    assert strip(out_dry) == strip(out)


def test_another_operator_is_untouched(client_obj, other_client, files):
    theirs = factories.CustomerFactory(client=other_client, ext_id="501")
    their_account = factories.AccountFactory(customer=theirs, abonement="9001")
    factories.AccountDeviceFactory(account=their_account, device_uid="00:1A:79:AA:BB:02")
    run(client_obj, *files)
    assert Customer.objects.for_client(other_client).count() == 1
    assert their_account.devices.count() == 1
    assert Account.objects.get(client=client_obj, abonement="9001").customer.ext_id == "501"
    assert AccountDevice.objects.get(client=client_obj, device_uid="00:1A:79:AA:BB:02").account.abonement == "9002"


def test_subscribed_integrations_get_their_deliveries(client_obj, files, test_plugin,
                                                     django_capture_on_commit_callbacks):
    system = factories.ExternalSystemFactory(client=client_obj, api_class="test_plugin", enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        run(client_obj, *files)
    deliveries = EventDelivery.objects.filter(client=client_obj, handler=f"external_system:{system.pk}")
    assert deliveries.count() == 3  # the plugin handles tariff.assigned, not device.added
    assert sorted(name for _, name, _ in test_plugin.received) == ["tariff.assigned"] * 3  # delivered on commit


def test_summary_is_one_key_value_line(client_obj, files):
    out, _ = run(client_obj, *files)
    lines = out.strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"import_hydra: customers created=4 existing=0 accounts created=4 tariffs assigned=3 "
                        r"existing=0 devices created=3 existing=0 duplicates=1 reported=5 skipped=2 "
                        r"seconds=\d+\.\d dry_run=no", lines[0])


def test_a_row_written_meanwhile_stops_the_run_with_nothing_half(client_obj, files, monkeypatch):
    """Another writer took abonement 9002 between the check and the insert: the unique constraint
    stops the transaction, nothing of the run stays, and the command says to run it again."""
    from migration_tools import hydra

    stranger = factories.CustomerFactory(client=client_obj, ext_id="stranger")
    factories.AccountFactory(customer=stranger, abonement="9002")
    real = hydra._existing
    monkeypatch.setattr(hydra, "_existing", lambda qs, field_name, values, *columns: [
        row for row in real(qs, field_name, values, *columns) if columns[0] != "abonement"])
    with pytest.raises(CommandError, match="written meanwhile.*run the import again"):
        run(client_obj, *files)
    assert list(Customer.objects.for_client(client_obj)) == [stranger]
    assert not DomainEvent.objects.exists()


@pytest.mark.postgres
def test_postgres_copy_path_writes_what_the_orm_reads_back(client_obj, tmp_path, tariffs):
    """On PostgreSQL the rows go in through COPY: text with tabs, backslashes and quotes, JSON payloads,
    booleans, timestamps and defaults come back as the ORM would have written them."""
    base, _ = tariffs
    customers = tmp_path / "c.csv"
    devices = tmp_path / "d.csv"
    tariff_map = tmp_path / "m.toml"
    customers.write_text('u\\1"x;4001;10\n', encoding="utf-8")
    devices.write_text("1;4001;MAG;00-1A-79-00-00-0A;S\\N\t'7\n", encoding="utf-8")
    tariff_map.write_text('[tariffs]\n"Base" = [10]\n', encoding="utf-8")
    run(client_obj, customers, devices, tariff_map)
    customer = Customer.objects.get(client=client_obj)
    assert customer.ext_id == 'u\\1"x' and customer.comment == "USER_4001"
    assert customer.meta == {} and customer.balance == 0 and customer.created_at is not None
    account = customer.accounts.get()
    assert account.allowed_device_groups == [] and account.allow_login_by_abonement and not account.check_password("")
    device = account.devices.get()
    assert device.serial_number == "S\\N\t'7" and device.device_uid == "00:1A:79:00:00:0A" and not device.is_basic
    event = DomainEvent.objects.get(name="device.added")
    assert event.payload["serial_number"] == "S\\N\t'7" and event.payload["device_id"] == device.pk
    subscription = customer.subscriptions.get()
    assert subscription.tariff == base and subscription.is_basic and not subscription.is_closed
    out, _ = run(client_obj, customers, devices, tariff_map)
    assert "customers created=0" in out and "devices created=0" in out


def test_a_box_bound_before_in_lower_case_is_the_same_box(client_obj, files):
    customer = factories.CustomerFactory(client=client_obj, ext_id="501")
    account = factories.AccountFactory(customer=customer, abonement="9001")
    factories.AccountDeviceFactory(account=account, device_uid="00:1a:79:aa:bb:01")
    stranger = factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj))
    factories.AccountDeviceFactory(account=stranger, device_uid="00:1a:79:aa:bb:02")
    out, err = run(client_obj, *files)
    assert account.devices.count() == 1
    assert "billing_devices.csv line 4: device 00:1A:79:AA:BB:02 is bound to another account" in err
    assert not AccountDevice.objects.filter(client=client_obj, device_uid="00:1A:79:AA:BB:02").exists()
    assert "devices created=1 existing=1" in out


def test_an_empty_customers_file_refuses(client_obj, files):
    customers, devices, tariff_map = files
    customers.write_text("user id;account id;tariff id\n\n", encoding="utf-8")
    with pytest.raises(CommandError, match="billing_customers.csv has no rows"):
        run(client_obj, customers, devices, tariff_map)


def test_a_device_group_the_account_no_longer_allows_is_reported(client_obj, files):
    customer = factories.CustomerFactory(client=client_obj, ext_id="501")
    factories.AccountFactory(customer=customer, abonement="9001", allowed_device_groups=[2])
    out, err = run(client_obj, *files)
    assert "billing_devices.csv line 2: account 9001 does not allow STB devices; 00:1A:79:AA:BB:01 skipped" in err
    assert not AccountDevice.objects.filter(client=client_obj, device_uid="00:1A:79:AA:BB:01").exists()


def test_an_unknown_encoding_is_one_clear_line(client_obj, files):
    with pytest.raises(CommandError) as refused:
        run(client_obj, *files, "--encoding", "klingon")
    assert str(refused.value).count("unknown encoding 'klingon'") == 1


def test_unicode_digits_are_not_numbers(client_obj, files):
    customers, devices, tariff_map = files
    customers.write_text("user id;account id;tariff id\n1;²;10\n2;9001;²\n3;9002;10\n", encoding="utf-8")
    out, err = run(client_obj, customers, devices, tariff_map)
    assert "billing_customers.csv line 2: account id '²' is not a number" in err
    assert "billing_customers.csv line 3: Hydra tariff ² is not in the tariff map" in err
    assert set(Account.objects.for_client(client_obj).values_list("abonement", flat=True)) == {"9001", "9002"}


@pytest.mark.parametrize("client_id", ["abc", "99999999999999999999999", "-1"])
def test_a_bad_operator_id_is_one_clear_line(files, client_id):
    customers, devices, tariff_map = files
    with pytest.raises(CommandError, match="is not an operator id"):
        call_command("import_hydra", "--client", client_id, "--customers", str(customers), "--devices",
                     str(devices), "--tariff-map", str(tariff_map), stdout=StringIO(), stderr=StringIO())


def test_a_directory_instead_of_a_file_is_unreadable(client_obj, files, tmp_path):
    customers, devices, tariff_map = files
    with pytest.raises(CommandError, match="--devices: cannot read"):
        run(client_obj, customers, tmp_path, tariff_map)
    assert not Customer.objects.for_client(client_obj).exists()


def test_progress_is_told_every_row_written(client_obj, files):
    from migration_tools import hydra

    customers, devices, tariff_map = files
    plan = hydra.plan(client_id=client_obj.pk, customers=customers, devices=devices, tariff_map=tariff_map)
    seen: dict[str, list[int]] = {}

    def progress(label, total):
        seen[label] = [total, 0]

        def update(n):
            seen[label][1] += n
        return update

    hydra.run(plan, progress=progress)
    assert seen["customers"] == [4, 4] and seen["accounts"] == [4, 4]
    assert seen["tariffs"] == [3, 3] and seen["devices"] == [3, 3]
    assert seen["tariff events"] == [3, 3] and seen["device events"] == [3, 3]
