"""The widgets with forms: personal-account logins and registrations per second under their rate
limits, and (with `--browser`) the time to first render of each widget type in real Chromium.

In-process (django.test.Client, as the iframe posts), against one operator built for the run:
- baseline: the channel-list widget page (a read-only page of the same framework), measured in the
  same run, so the form figures read as ratios;
- login: the login page, then the login POST of `--logins` different accounts from as many
  addresses (each succeeds: the password check with the production hasher, the session, the page);
  SQL queries of one login POST;
- guessing: wrong passwords from one address against different logins — how many reach the
  password check before the per-address limit refuses (must equal the limit) and how fast the
  refusals are answered;
- registration: the whole sign-up of `--registrations` visitors from as many addresses (the form
  with its captcha, the code sent and typed back, the customer and first login created), then
  sign-ups from one address until refused (must stop at the per-address limit).

With `--browser` (Debian's chromium, Playwright): the project under gunicorn on 127.0.0.1, a host page
on 127.0.0.2 embedding each widget with the documented snippet; time from navigation to the
widget's content shown in its frame, p50/p95 over `--loads`, against the same host page without a
widget.

    python benchmarks/widget_forms.py [--logins 200] [--registrations 100] [--browser --loads 20]
    BENCH_DATABASE_URL=sqlite:////tmp/bench.sqlite3 python benchmarks/widget_forms.py   # without PostgreSQL
"""
from __future__ import annotations

import argparse
import html
import re
import statistics
import threading
import time
from decimal import Decimal

from _setup import free_port, percentiles, setup, start_gunicorn, stop_gunicorn

HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
CODE_RE = re.compile(r"\b(\d{6})\b")
HOST_PAGE_ADDRESS = "127.0.0.2"


def hidden_fields(page: bytes, form_class: str) -> dict[str, str]:
    """The hidden inputs of the first form whose class contains `form_class`."""
    text = page.decode()
    start = text.index(form_class)
    end = text.index("</form>", start)
    return {name: html.unescape(value) for name, value in HIDDEN_RE.findall(text[start:end])}


def build(run: str, logins: int):
    from billing.services import transaction_create
    from tvmiddleware import services
    from tvmiddleware.models import Client, Tariff
    from widgets.services import widget_create

    client = Client.objects.create(name=f"bench-widget-forms-{run}")
    tariff = Tariff.objects.create(client=client, name="Base", basic_tariff_priority=1, price=Decimal("300.00"),
                                   display_in_channels_widget=True)
    accounts = []
    for i in range(logins):
        customer = services.customer_create(client=client, firstname=f"Viewer {i}")
        account, password = services.account_create(client=client, customer=customer, password=f"{1000 + i}")
        accounts.append((account.abonement, password))
    services.tariff_assign(customer=customer, tariff=tariff)
    transaction_create(client=client, customer=customer, amount="100.00", ext_id=f"bench-{run}")
    from payments.models import Merchant, MerchantType

    Merchant.objects.create(client=client, merchant_type=MerchantType.NULL, name="Bench payments", is_default=True)
    hosts = "127.0.0.1\nlocalhost\n127.0.0.2"
    widgets = {
        "channel_list": widget_create(client=client, name="Channels", type="channel_list", allowed_hostnames=hosts),
        "tv_guide": widget_create(client=client, name="Guide", type="tv_guide", allowed_hostnames=hosts),
        "personal_account": widget_create(client=client, name="Account", type="personal_account",
                                          allowed_hostnames=hosts),
        "registration": widget_create(client=client, name="Sign up", type="registration", allowed_hostnames=hosts,
                                      settings={"contact": "email"}),
        "payment_form": widget_create(client=client, name="Pay", type="payment_form", allowed_hostnames=hosts),
    }
    return client, accounts, widgets


def address(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def timed(samples: list[float], call):
    began = time.perf_counter()
    result = call()
    samples.append((time.perf_counter() - began) * 1000)
    return result


def rate(samples: list[float]) -> str:
    return f"{1000 / statistics.mean(samples):,.0f}/s" if samples else "-"


def baseline(http, url: str, requests: int) -> list[float]:
    http.get(url)
    samples: list[float] = []
    for _ in range(requests):
        timed(samples, lambda: http.get(url))
    return samples


def logins(http, url: str, accounts: list[tuple[str, str]]) -> tuple[list[float], list[float], int]:
    from django.db import connection

    pages: list[float] = []
    posts: list[float] = []
    queries = 0
    for i, (abonement, password) in enumerate(accounts):
        ip = address(i + 1)
        page = timed(pages, lambda: http.get(url, REMOTE_ADDR=ip))
        data = {**hidden_fields(page.content, "tvmw-login"), "abonement": abonement, "password": password}
        seen: list[str] = []

        def count(execute, sql, *rest):
            seen.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            answer = timed(posts, lambda: http.post(url, data, REMOTE_ADDR=ip))
        assert answer.status_code == 200 and b"tvmw-login" not in answer.content, answer.status_code
        queries = len(seen)
    return pages, posts, queries


def _with_captcha(page: bytes, data: dict[str, str]) -> dict[str, str]:
    """`data` with the hidden fields of `page`'s login form and, when it asks for one, the captcha's answer."""
    from captcha.models import CaptchaStore

    data = {**data, **hidden_fields(page, "tvmw-login")}
    found = re.search(r'name="captcha_0" value="([^"]+)"', page.decode())
    if found:
        data.update(captcha_0=found[1], captcha_1=CaptchaStore.objects.get(hashkey=found[1]).response)
    return data


def guessing(http, url: str, accounts: list[tuple[str, str]], limit: int) -> tuple[int, list[float]]:
    """Wrong passwords from one address, each against another login (the captcha answered whenever the
    widget asks for it); (attempts that reached the password check, times of the refusals past the limit)."""
    ip = address(250_000)
    checked = 0
    refusals: list[float] = []
    page = http.get(url, REMOTE_ADDR=ip).content
    for i in range(limit + 20):
        data = {"abonement": accounts[i % len(accounts)][0], "password": "wrong"}
        samples: list[float] = []
        answer = timed(samples, lambda: http.post(url, _with_captcha(page, data), REMOTE_ADDR=ip))
        if answer.status_code == 400:  # the captcha became necessary: answer it on the page that asks
            asking = _with_captcha(answer.content, data)
            samples = []
            answer = timed(samples, lambda: http.post(url, asking, REMOTE_ADDR=ip))
        if answer.status_code == 429:
            refusals.extend(samples)
        else:
            assert answer.status_code == 401, answer.status_code
            checked += 1
        page = answer.content
    return checked, refusals


def registrations(http, url: str, count: int, run: str, *, one_address: bool = False) -> tuple[list[float], int]:
    from captcha.models import CaptchaStore

    import tvmiddleware.notify as notify

    sent: list[str] = []
    original = notify.console_write
    notify.console_write = lambda channel, to, subject, text: sent.append(text)
    samples: list[float] = []
    done = 0
    try:
        for i in range(count):
            ip = address(300_000 if one_address else 100_000 + i)
            began = time.perf_counter()
            page = http.get(url, REMOTE_ADDR=ip)
            text = page.content.decode()
            key = re.search(r'name="captcha_0" value="([^"]+)"', text)[1]
            data = {**hidden_fields(page.content, "tvmw-registration"), "contact": f"viewer{i}.{run}@example.net",
                    "consent": "on", "captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}
            step = http.post(url, data, REMOTE_ADDR=ip)
            if step.status_code != 200:
                break
            code = CODE_RE.search(sent[-1])[1]
            confirm = {**hidden_fields(step.content, "tvmw-registration"), "code": code}
            done_page = http.post(url, confirm, REMOTE_ADDR=ip)
            assert done_page.status_code == 200 and b"tvmw-secret" in done_page.content, done_page.status_code
            samples.append((time.perf_counter() - began) * 1000)
            done += 1
    finally:
        notify.console_write = original
    return samples, done


# --- time to first render ----------------------------------------------------------------------------

SNIPPET = """<!doctype html><html><head><meta charset="utf-8"><title>Operator site</title></head><body>
<h1>Our TV</h1>{widget}</body></html>"""
EMBED = """<div id="widget-content"></div>
<script id="widget-script" type="text/javascript"></script>
<script>document.getElementById('widget-script').src =
  '{base}/widgets/api/get/{id}?container_id=widget-content&time=' + Math.random();</script>"""


def first_render(widgets: dict, loads: int) -> list[tuple[str, list[float]]]:
    import http.server
    import os

    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_gunicorn(port, workers=2, threads=4, env={
        "DJANGO_SETTINGS_MODULE": "settings.local", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": "bench-widget-forms"})
    pages = {"none": SNIPPET.format(widget="<p>No widget.</p>")}
    for kind, widget in widgets.items():
        pages[kind] = SNIPPET.format(widget=EMBED.format(base=f"http://127.0.0.1:{port}", id=widget.public_id))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path.strip("/") or "none", "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    host = http.server.ThreadingHTTPServer((HOST_PAGE_ADDRESS, free_port()), Handler)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                         args=["--no-sandbox"])
            tab = browser.new_page()
            base = f"http://{HOST_PAGE_ADDRESS}:{host.server_address[1]}"
            for kind in pages:
                samples: list[float] = []
                for n in range(loads + 2):
                    began = time.perf_counter()
                    tab.goto(f"{base}/{kind}")
                    if kind != "none":
                        tab.frame_locator("#widget-content iframe").locator(".tvmw-main > *").first.wait_for()
                    if n >= 2:  # the first loads warm the server's caches and the browser's
                        samples.append((time.perf_counter() - began) * 1000)
                results.append((kind, samples))
            browser.close()
    finally:
        host.shutdown()
        stop_gunicorn(server)
    return results


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--registrations", type=int, default=100)
    parser.add_argument("--browser", action="store_true", help="also the time to first render in Chromium")
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the refusals below are expected
    from django.conf import settings
    from django.test import Client as Http
    from django.urls import reverse

    run = str(int(time.time()))
    client, accounts, widgets = build(run, args.logins)
    http = Http(HTTP_HOST="127.0.0.1")
    url = {kind: reverse("widgets:show", args=[w.public_id]) for kind, w in widgets.items()}
    try:
        print(f"hasher: {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}; "
              f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
        print("| step | rate (one thread) | time | note |")
        print("|---|---|---|---|")
        base = baseline(http, url["channel_list"], 50)
        print(f"| channel list page (baseline) | {rate(base)} | {percentiles(base)} | read-only widget |")
        pages, posts, queries = logins(http, url["personal_account"], accounts)
        print(f"| login page | {rate(pages)} | {percentiles(pages)} | ratio to baseline "
              f"{statistics.mean(base) / statistics.mean(pages):.2f} |")
        print(f"| login POST | {rate(posts)} | {percentiles(posts)} | {len(posts)} accounts, {queries} SQL queries, "
              f"ratio {statistics.mean(base) / statistics.mean(posts):.2f} |")
        limit = settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_IP if hasattr(
            settings, "TVMIDDLEWARE_LOGIN_FAILURES_PER_IP") else 30
        checked, refusals = guessing(http, url["personal_account"], accounts, limit)
        print(f"| wrong passwords from one address | {rate(refusals)} refused | {percentiles(refusals) if refusals else '-'} "
              f"| {checked} reached the check (limit {limit}) |")
        samples, done = registrations(http, url["registration"], args.registrations, run)
        print(f"| whole sign-up (form, code, confirm) | {rate(samples)} | {percentiles(samples)} | {done} visitors |")
        _, allowed = registrations(http, url["registration"], 30, run + "x", one_address=True)
        print(f"| sign-ups from one address | - | - | {allowed} before refused |")
        if args.browser:
            print("\n| widget | first render p50 | p95 | minus the bare host page (p50) |")
            print("|---|---|---|---|")
            results = first_render(widgets, args.loads)
            bare = statistics.median(results[0][1])
            for kind, samples in results:
                print(f"| {kind} | {statistics.median(samples):.0f} ms | {p95(samples):.0f} ms "
                      f"| {statistics.median(samples) - bare:.0f} ms |")
    finally:
        from tvmiddleware.models import TariffSubscription

        TariffSubscription.objects.filter(customer__client=client).delete()
        client.delete()


if __name__ == "__main__":
    main()
