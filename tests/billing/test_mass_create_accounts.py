"""`manage.py mass_create_accounts`: locally through the services, and remotely through the Billing API."""
from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories
from tvmiddleware.models import Account, Customer, TariffSubscription


def create(*args: str) -> tuple[list[str], str]:
    """Run the command; returns its stdout lines and its stderr."""
    out, err = StringIO(), StringIO()
    call_command("mass_create_accounts", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def create_failing(*args: str) -> tuple[list[str], str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("mass_create_accounts", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue(), str(failure.value)


def logins(lines: list[str]) -> dict[str, str]:
    pairs = [line.split(";") for line in lines]
    assert all(len(pair) == 2 for pair in pairs), lines
    return dict(pairs)


def write_csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def operator(db):
    return factories.ClientFactory()


@pytest.fixture
def tariff(operator):
    return factories.TariffFactory(client=operator, ext_id="BASE")


# --- local --------------------------------------------------------------------------------------------------

class TestLocal:
    def test_count_creates_customers_with_one_account_each_and_prints_the_logins(self, operator, tariff):
        lines, err = create("--client", str(operator.pk), "--count", "5", "--tariff", str(tariff.pk))
        created = logins(lines)
        assert len(created) == 5 and "created 5, failed 0" in err
        for abonement, password in created.items():
            account = Account.objects.for_client(operator).select_related("customer").get(abonement=abonement)
            assert account.check_password(password) and account.active
            assert account.customer.comment == "Created by mass_create_accounts"
            assert TariffSubscription.objects.get(customer=account.customer, is_closed=False).tariff == tariff

    def test_csv_with_any_subset_of_columns(self, operator, tariff, tmp_path):
        other = factories.TariffFactory(client=operator, ext_id="SPORT", basic_tariff_priority=0)
        path = write_csv(tmp_path, "\ufefflastname;firstname;ext_id;abonement;password;tariff_ext_id;mobile_phone_number\n"
                                   "Ivanova;Anna;A-1;770001;4321;SPORT;+79990000001\n"
                                   "Petrov;;A-2;;;;\n")
        lines, _ = create("--client", str(operator.pk), "--csv", path, "--tariff", str(tariff.pk))
        created = logins(lines)
        assert created["770001"] == "4321" and len(created) == 2
        anna = Customer.objects.for_client(operator).get(ext_id="A-1")
        assert (anna.firstname, anna.lastname, anna.mobile_phone_number) == ("Anna", "Ivanova", "+79990000001")
        assert list(anna.subscriptions.values_list("tariff__ext_id", flat=True)) == ["SPORT"]  # the row's wins
        petrov = Customer.objects.for_client(operator).get(ext_id="A-2")
        assert petrov.comment == "" and list(petrov.subscriptions.values_list("tariff", flat=True)) == [tariff.pk]
        assert other.pk != tariff.pk

    def test_a_bad_row_is_reported_and_leaves_nothing_behind(self, operator, tmp_path):
        factories.CustomerFactory(client=operator, ext_id="TAKEN")
        factories.AccountFactory(customer=factories.CustomerFactory(client=operator), abonement="880001")
        path = write_csv(tmp_path, "firstname,ext_id,abonement,tariff_ext_id\n"
                                   "Ok,E-1,,\n"
                                   "Dup,TAKEN,,\n"
                                   "Clash,E-3,880001,\n"
                                   "NoTariff,E-4,,NOPE\n"
                                   "Fine,E-5,,\n")
        lines, err, message = create_failing("--client", str(operator.pk), "--csv", path)
        assert len(logins(lines)) == 2 and "3 row(s) failed" in message
        assert "row 3:" in err and "row 4:" in err and "row 5:" in err and "NOPE" in err
        assert not Customer.objects.for_client(operator).filter(ext_id__in=["E-3", "E-4"]).exists()
        assert "created 2, failed 3" in err

    def test_input_errors(self, operator, tmp_path):
        with pytest.raises(CommandError, match="unknown column"):
            create("--client", str(operator.pk), "--csv", write_csv(tmp_path, "name,phone\nA,1\n"))
        with pytest.raises(CommandError, match="more cells"):
            create("--client", str(operator.pk), "--csv", write_csv(tmp_path, "firstname\nA,B\n"))
        with pytest.raises(CommandError, match="empty"):
            create("--client", str(operator.pk), "--csv", write_csv(tmp_path, ""))
        with pytest.raises(CommandError, match="cannot read"):
            create("--client", str(operator.pk), "--csv", str(tmp_path / "missing.csv"))
        with pytest.raises(CommandError, match="no enabled client"):
            create("--client", "999999", "--count", "1")
        with pytest.raises(CommandError, match="--tariff"):
            create("--client", str(operator.pk), "--count", "1", "--tariff", "999999")
        with pytest.raises(CommandError, match="--count"):
            create("--client", str(operator.pk), "--count", "0")
        with pytest.raises(CommandError, match="--key"):
            create("--client", str(operator.pk), "--count", "1", "--url", "http://127.0.0.1:1")
        with pytest.raises(CommandError, match="--jobs"):
            create("--client", str(operator.pk), "--count", "1", "--jobs", "4")

    def test_another_operators_tariff_is_not_found(self, operator, other_client):
        foreign = factories.TariffFactory(client=other_client)
        with pytest.raises(CommandError, match="not found"):
            create("--client", str(operator.pk), "--count", "1", "--tariff", str(foreign.pk))


# --- remote: the real Billing API of this project, served by live_server -------------------------------------

@pytest.fixture
def remote(transactional_db, live_server):
    client = factories.ClientFactory(billing_api_key="remote-billing-key")
    tariff = factories.TariffFactory(client=client, ext_id="BASE")
    return live_server.url, client, tariff


class TestRemote:
    def test_count_through_the_billing_api(self, remote):
        url, client, tariff = remote
        # Parallel requests on PostgreSQL; the test server's shared in-memory SQLite serves one at a time.
        jobs = "3" if connection.vendor == "postgresql" else "1"
        lines, err = create("--url", url, "--client", str(client.pk), "--key", "remote-billing-key",
                            "--count", "6", "--tariff", str(tariff.pk), "--jobs", jobs)
        created = logins(lines)
        assert len(created) == 6 and "created 6, failed 0" in err
        for abonement, password in created.items():
            account = Account.objects.for_client(client).get(abonement=abonement)
            assert account.check_password(password)
            assert TariffSubscription.objects.filter(customer=account.customer_id, tariff=tariff,
                                                     is_closed=False).exists()

    def test_csv_through_the_billing_api(self, remote, tmp_path):
        url, client, tariff = remote
        path = write_csv(tmp_path, "firstname,lastname,ext_id,abonement,password,tariff_ext_id\n"
                                   "Anna,Ivanova,R-1,990001,2468,BASE\n"
                                   "Boris,,R-2,,,\n")
        lines, _ = create("--url", url, "--client", str(client.pk), "--key", "remote-billing-key", "--csv", path)
        created = logins(lines)
        assert created["990001"] == "2468" and len(created) == 2
        anna = Customer.objects.for_client(client).get(ext_id="R-1")
        assert anna.lastname == "Ivanova" and anna.subscriptions.filter(tariff=tariff).exists()
        assert not Customer.objects.get(ext_id="R-2").subscriptions.exists()

    def test_remote_errors_are_reported_per_row(self, remote, tmp_path):
        url, client, _ = remote
        _, err, message = create_failing("--url", url, "--client", str(client.pk), "--key", "wrong-key",
                                         "--count", "2")
        assert "customer/create/: error -2" in err and "2 row(s) failed" in message
        path = write_csv(tmp_path, "firstname,ext_id,tariff_ext_id\nA,X-1,NOPE\n")
        _, err, _ = create_failing("--url", url, "--client", str(client.pk), "--key", "remote-billing-key",
                                   "--csv", path)
        customer_id = Customer.objects.get(ext_id="X-1").pk
        assert f"customer {customer_id} was created, then customer/tariff/assign/: error 2" in err

    def test_an_unreachable_server_is_a_row_error(self, db):
        _, err, _ = create_failing("--url", "http://127.0.0.1:9", "--client", "1", "--key", "k", "--count", "1",
                                   "--timeout", "2")
        assert "customer/create/: no valid answer" in err
