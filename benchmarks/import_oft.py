"""`manage.py import_oft` at the size of an OFT installation: N accounts read from a real MariaDB.

    python benchmarks/import_oft.py [--accounts 2000] [--mariadb mysql://root@127.0.0.1:3306/]

A database `tvmw_oft_bench` on the MariaDB server (`--mariadb`, default TEST_MARIADB_URL or
root@127.0.0.1) is made afresh with OFT's schema (tests/migration_tools/oft_fixture.sql's tables,
without its rows) and `--accounts` accounts, each with its info and bank rows, one login, one MAG box
and one tariff, and a dealer per 100 accounts. Each run imports into a new operator of the
PostgreSQL database `tvmw_bench` (`BENCH_DATABASE_URL` for another) through the command itself
(`--no-progress`, `--new-pins` to a scratch file, so each account gets a hashed PIN as in
production), then runs it again. Printed: the first run's seconds and accounts/s, the second run's
seconds, both summary lines, the peak RSS. The MariaDB database is dropped at the end.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup  # noqa: E402

NAME = "tvmw_oft_bench"


def load(server: dict, accounts: int) -> None:
    import pymysql

    schema = (ROOT / "tests" / "migration_tools" / "oft_fixture.sql").read_text(encoding="utf-8")
    tables = re.findall(r"CREATE TABLE .*?;", schema, re.S)
    conn = pymysql.connect(**server, autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{NAME}`")
        cur.execute(f"CREATE DATABASE `{NAME}` CHARACTER SET utf8mb4")
        cur.execute(f"USE `{NAME}`")
        for statement in tables:
            cur.execute(statement)
        ids = range(1, accounts + 1)
        cur.executemany("INSERT INTO iptv_Accounts (id, contract_number, create_account, active, activation_date, "
                        "email, comments) VALUES (%s, %s, '2020-01-01 10:00:00', 1, '2020-01-01', %s, '')",
                        [(n, f"V-{n}", f"user{n}@example.de") for n in ids])
        cur.executemany("INSERT INTO iptv_Account_Info (account_id, name, surname, gender, phone, street, zip) "
                        "VALUES (%s, %s, %s, 'male', '+49 30 1234567', 'Hauptstr. 1', '10115')",
                        [(n, f"Name{n}", f"Surname{n}") for n in ids])
        cur.executemany("INSERT INTO iptv_Accounts_BankAccount (account_id, iban, bic, bankName, owner) "
                        "VALUES (%s, 'DE89370400440532013000', 'COBADEFFXXX', 'Bank', %s)",
                        [(n, f"Name{n} Surname{n}") for n in ids])
        cur.executemany("INSERT INTO iptv_Users (id, account_id, login, collocation_id) VALUES (%s, %s, %s, 1)",
                        [(n, n, str(3_000_000 + n)) for n in ids])
        cur.executemany("INSERT INTO iptv_Stb (user_id, mac, stb_type_id) VALUES (%s, %s, 1)",
                        [(n, f"00:1A:7A:{n >> 16 & 255:02X}:{n >> 8 & 255:02X}:{n & 255:02X}") for n in ids])
        dealers = range(1, accounts // 100 + 2)
        cur.executemany("INSERT INTO iptv_Dealers (id, name, city) VALUES (%s, %s, 'Berlin')",
                        [(d, f"Dealer {d}") for d in dealers])
        cur.executemany("INSERT INTO iptv_Dealer_to_Accounts (dealer_id, account_id) VALUES (%s, %s)",
                        [(n // 100 + 1, n) for n in ids])
        cur.executemany("INSERT INTO iptv_Account_to_Tariffs (account_id, tarif_id) VALUES (%s, 10)",
                        [(n,) for n in ids])
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--mariadb", default=os.environ.get("TEST_MARIADB_URL") or "mysql://root@127.0.0.1:3306/")
    args = parser.parse_args()
    parts = urlsplit(args.mariadb)
    server = {"host": parts.hostname or "127.0.0.1", "port": parts.port or 3306,
              "user": unquote(parts.username or "root"), "password": unquote(parts.password or "")}
    url = setup()
    from django.core.management import call_command

    from tests import factories

    load(server, args.accounts)
    client = factories.ClientFactory(currency="EUR")
    factories.TariffFactory(client=client, name="OFT Base", basic_tariff_priority=1)
    scratch = Path(tempfile.mkdtemp(prefix="oft-bench-"))
    (scratch / "map.toml").write_text(
        f'operator = {client.pk}\ncountry = "DE"\ncurrency = "EUR"\npayment_type = "direct_debit"\n'
        '[device_types]\n1 = "mag"\n[tariffs]\n10 = ["OFT Base"]\n[data_centres]\n1 = 1\n', encoding="utf-8")
    password = f":{server['password']}" if server["password"] else ""
    source = f"mysql://{server['user']}{password}@{server['host']}:{server['port']}/{NAME}"
    print(f"database {url.rsplit('/', 1)[-1]}: {args.accounts} OFT accounts (1 login, 1 box, 1 tariff each)")
    try:
        for label, pins in (("first run", scratch / "pins.csv"), ("second run", scratch / "pins2.csv")):
            out, err = StringIO(), StringIO()
            started = time.perf_counter()
            call_command("import_oft", "--source", source, "--map", str(scratch / "map.toml"), "--no-progress",
                         "--new-pins", str(pins), stdout=out, stderr=err)
            seconds = time.perf_counter() - started
            print(f"{label}: {seconds:.1f} s ({args.accounts / seconds:,.0f} accounts/s); "
                  f"{len(err.getvalue().splitlines())} lines reported")
            print("  " + out.getvalue().strip().splitlines()[-1])
    finally:
        import pymysql

        conn = pymysql.connect(**server, autocommit=True)
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{NAME}`")
        conn.close()
        for path in scratch.iterdir():
            path.unlink()
        scratch.rmdir()
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
