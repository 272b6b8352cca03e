"""`manage.py import_hydra` at operator scale: 100,000 customer rows and their devices.

Goal: the first import of 100,000 rows in ≤ 60 s; a second run of the same files creating nothing.

    python benchmarks/import_hydra.py [--rows 100000] [--extra 0.1]

Generated (var/bench_hydra/): `billing_customers.csv` with `--rows` rows — one account per row and
a share `--extra` of the accounts given a second (additional) tariff on a second row, so the
accounts are rows / (1 + extra) — and `billing_devices.csv` with one MAG per account written as
Hydra writes them (upper case, `-`), 2 % of them repeated and 1 % of another account (reported);
a tariff map with a basic and an additional tariff. Each run imports into a new operator of the
PostgreSQL database `tvmw_bench` (`BENCH_DATABASE_URL` for another), through the management
command itself (`--no-progress`), then runs it again. Printed: rows, accounts, devices, the first
run's seconds and rows/s, the second run's seconds, both summary lines and the peak RSS.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup  # noqa: E402

FILES = ROOT / "var" / "bench_hydra"


def generate(rows: int, extra: float) -> tuple[int, int]:
    """The two exports; returns (accounts, device rows)."""
    rng = random.Random(rows)
    accounts = round(rows / (1 + extra))
    FILES.mkdir(parents=True, exist_ok=True)
    written = 0
    with (FILES / "billing_customers.csv").open("w", encoding="utf-8") as out:
        out.write("user id;account id;tariff id\n")
        for n in range(accounts):
            out.write(f"{500000 + n};{7000000 + n};1\n")
            written += 1
        for n in rng.sample(range(accounts), rows - written):
            out.write(f"{500000 + n};{7000000 + n};2\n")
    devices = 0
    with (FILES / "billing_devices.csv").open("w", encoding="utf-8") as out:
        out.write("id;account id;type;MAC;serial\n")
        for n in range(accounts):
            mac = f"00-1A-79-{n >> 16 & 255:02X}-{n >> 8 & 255:02X}-{n & 255:02X}"
            out.write(f"{n};{7000000 + n};MAG250;{mac};SN{n:08d}\n")
            devices += 1
            if rng.random() < 0.02:  # the same box exported twice
                out.write(f"{n};{7000000 + n};MAG250;{mac.lower().replace('-', ':')};SN{n:08d}\n")
                devices += 1
            if rng.random() < 0.01:  # a box of an account that is not in the customers export
                out.write(f"{n};{9000000 + n};MAG250;00-1B-00-{n >> 16 & 255:02X}-{n >> 8 & 255:02X}-{n & 255:02X};\n")
                devices += 1
    return accounts, devices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--extra", type=float, default=0.1, help="share of accounts with a second tariff row")
    args = parser.parse_args()
    url = setup()
    from django.core.management import call_command

    from tests import factories

    accounts, devices = generate(args.rows, args.extra)
    client = factories.ClientFactory()
    basic = factories.TariffFactory(client=client, name="Hydra basic", basic_tariff_priority=1)
    extra = factories.TariffFactory(client=client, name="Hydra extra", basic_tariff_priority=0)
    tariff_map = FILES / "map.toml"
    tariff_map.write_text(f'device_type = "mag"\n\n[tariffs]\n{basic.pk} = [1]\n{extra.pk} = [2]\n', encoding="utf-8")
    command = ["import_hydra", "--client", str(client.pk), "--customers", str(FILES / "billing_customers.csv"),
               "--devices", str(FILES / "billing_devices.csv"), "--tariff-map", str(tariff_map), "--no-progress"]
    print(f"database {url.rsplit('/', 1)[-1]}: {args.rows} customer rows, {accounts} accounts, {devices} device rows")
    timings = []
    for label in ("first run", "second run"):
        out, err = StringIO(), StringIO()
        started = time.perf_counter()
        call_command(*command, stdout=out, stderr=err)
        seconds = time.perf_counter() - started
        timings.append(seconds)
        print(f"{label}: {seconds:.1f} s ({args.rows / seconds:,.0f} customer rows/s, "
              f"{(args.rows + devices) / seconds:,.0f} rows/s of both files); {len(err.getvalue().splitlines())} "
              f"rows reported")
        print("  " + out.getvalue().strip())
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"goal: first run <= 60 s: {'met' if timings[0] <= 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
