"""The `rest_billing` plugin against a fake operator billing (a real HTTP server on loopback), the
resolution of a customer's billing (billing.selectors.external) and purchases billed externally
(billing.purchases)."""
from __future__ import annotations

import json
import re
import socket
import threading
from datetime import date, datetime, timedelta, timezone as dt_timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from billing.purchases import ExternalBillingError, PurchaseMode, purchase_key, purchase_mode, video_purchase
from billing.models import CustomerTransaction
from billing.modes import check_accounts
from billing.plugins import BillingPluginBase, BillingRefused
from billing.rest_plugin import RestBillingPlugin
from billing.selectors.external import billing_plugin_for, customer_balance_view, purchases_billed_externally
from billing.services import InsufficientFunds, transaction_create
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import (
    AccountStatus, BillingMode, DeliveryStatus, DomainEvent, EventDelivery, ExternalSystem, ExternalSystemAttribute,
    PriceCategory, VideoPurchase,
)
from tvmiddleware.plugins import PluginError, registry
from tvmiddleware.services.purchases import AlreadyPurchased

TOKEN = "rest-billing-token-123"
NOW = datetime(2026, 3, 1, 3, 0, tzinfo=dt_timezone.utc)


# --- the fake operator billing ----------------------------------------------------------------------------

class FakeBilling:
    """State of the operator's billing and the requests it received (method, path)."""

    def __init__(self) -> None:
        self.customers: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.bodies: list[dict] = []
        self.fail_status: int | None = None
        self.fail_refunds: int | None = None  # answer refunds (only) with this status

    def add(self, ext_id: str, status: str = "active", balance: str = "0.00") -> dict:
        record = {"status": status, "balance": Decimal(balance), "subscriptions": {}, "payments": [],
                  "purchases": {}, "charges": {}}
        self.customers[ext_id] = record
        return record

    def calls(self, method: str, prefix: str = "") -> list[str]:
        return [path for m, path in self.requests if m == method and path.startswith(prefix)]


ROUTES = [
    ("POST", re.compile(r"^/api/customers$"), "register"),
    ("GET", re.compile(r"^/api/customers/([^/]+)$"), "customer"),
    ("GET", re.compile(r"^/api/customers/([^/]+)/balance$"), "balance"),
    ("GET", re.compile(r"^/api/customers/([^/]+)/payments$"), "payments"),
    ("POST", re.compile(r"^/api/customers/([^/]+)/subscriptions$"), "open"),
    ("DELETE", re.compile(r"^/api/customers/([^/]+)/subscriptions/([^/]+)$"), "close"),
    ("POST", re.compile(r"^/api/customers/([^/]+)/purchases$"), "purchase"),
    ("DELETE", re.compile(r"^/api/customers/([^/]+)/purchases/([^/]+)$"), "refund"),
]


def make_handler(state: FakeBilling):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _answer(self, status: int, body: dict | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            state.requests.append((method, url.path))
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            state.bodies.append(body)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._answer(401, {"error": "bad token"})
            if state.fail_status:
                return self._answer(state.fail_status, {"error": "down"})
            for route_method, pattern, name in ROUTES:
                match = pattern.match(url.path)
                if route_method == method and match:
                    args = [unquote(g) for g in match.groups()]
                    return getattr(self, f"on_{name}")(body, parse_qs(url.query), *args)
            return self._answer(404, {"error": "no such path"})

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

        def do_DELETE(self):
            self._handle("DELETE")

        def _customer(self, ext_id: str) -> dict | None:
            record = state.customers.get(ext_id)
            if record is None:
                self._answer(404, {"error": "unknown customer"})
            return record

        def on_register(self, body, query):
            ext_id = body.get("ext_id") or f"N{len(state.customers) + 1}"
            state.add(ext_id)
            self._answer(201, {"ext_id": ext_id})

        def on_customer(self, body, query, ext_id):
            if (c := self._customer(ext_id)) is not None:
                self._answer(200, {"ext_id": ext_id, "status": c["status"], "balance": f"{c['balance']:.2f}"})

        def on_balance(self, body, query, ext_id):
            if (c := self._customer(ext_id)) is not None:
                self._answer(200, {"balance": f"{c['balance']:.2f}", "currency": "RUB"})

        def on_payments(self, body, query, ext_id):
            if (c := self._customer(ext_id)) is not None:
                since, until = query.get("from", [""])[0], query.get("to", ["9999"])[0]
                rows = [p for p in c["payments"] if since <= p["created_at"][:10] <= until]
                self._answer(200, {"payments": rows})

        def on_open(self, body, query, ext_id):
            if (c := self._customer(ext_id)) is None:
                return
            tariff = body.get("tariff_ext_id")
            if tariff in c["subscriptions"]:
                return self._answer(409, {"error": "already open"})
            c["subscriptions"][tariff] = body.get("subscription_id")
            self._answer(201, {"tariff_ext_id": tariff})

        def on_close(self, body, query, ext_id, tariff):
            if (c := self._customer(ext_id)) is None:
                return
            if c["subscriptions"].pop(tariff, "missing") == "missing":
                return self._answer(404, {"error": "not open"})
            self._answer(204)

        def on_purchase(self, body, query, ext_id):
            if (c := self._customer(ext_id)) is None:
                return
            key = body["purchase_key"]
            if key in c["purchases"]:
                return self._answer(200, {"id": c["purchases"][key]})
            price = Decimal(body["price"])
            if c["balance"] < price:
                return self._answer(402, {"error": "no money"})
            c["balance"] -= price
            c["purchases"][key] = f"B{len(c['purchases']) + 1}"
            c["charges"][key] = price
            self._answer(201, {"id": c["purchases"][key]})

        def on_refund(self, body, query, ext_id, key):
            if state.fail_refunds:
                return self._answer(state.fail_refunds, {"error": "refunds are down"})
            if (c := self._customer(ext_id)) is None:
                return
            if key not in c["charges"]:
                return self._answer(404, {"error": "nothing billed under this key"})
            c["balance"] += c["charges"].pop(key)
            del c["purchases"][key]
            self._answer(204)

    return Handler


@pytest.fixture
def fake_billing():
    state = FakeBilling()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    yield state
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


def rest_system(client, url: str, *, token: str = TOKEN, default: bool = True, **attributes) -> ExternalSystem:
    system = ExternalSystem.objects.create(client=client, name="Operator billing", api_class="rest_billing",
                                           is_default_for_billing=default)
    for key, value in {"api_url": url, "api_token": token, "timeout": "3", **attributes}.items():
        ExternalSystemAttribute.objects.create(client=client, external_system=system, key=key, value=value)
    return system


@pytest.fixture
def operator(db):
    return factories.ClientFactory(billing_mode=BillingMode.PERIODIC)


@pytest.fixture
def linked(operator, fake_billing):
    """A customer known to the operator's billing as C1, with one login, and the integration."""
    customer = factories.CustomerFactory(client=operator, ext_id="C1")
    account = factories.AccountFactory(customer=customer)
    fake_billing.add("C1", balance="100.00")
    system = rest_system(operator, fake_billing.url)
    return customer, account, system


# --- configuration ------------------------------------------------------------------------------------------

def test_registered_as_rest_billing_and_validates_its_attributes():
    assert registry.get("rest_billing") is RestBillingPlugin
    assert issubclass(RestBillingPlugin, BillingPluginBase)
    assert RestBillingPlugin.validate_attributes({"api_url": "https://b.example/api", "api_token": "t"}) == {}
    problems = RestBillingPlugin.validate_attributes({"api_url": "ftp://x", "timeout": "0"})
    assert set(problems) == {"api_url", "api_token", "timeout"}


# --- money, status, registration ----------------------------------------------------------------------------

class TestCalls:
    def test_balance_and_payments_come_from_the_billing_with_the_bearer_token(self, linked, fake_billing):
        customer, _, system = linked
        fake_billing.customers["C1"]["payments"] = [
            {"id": "P1", "amount": "50.00", "created_at": "2026-02-01T10:00:00+00:00", "comment": "card"},
            {"id": "P2", "amount": "25.50", "created_at": "2026-02-20T10:00:00+00:00"},
            {"id": "P0", "amount": "5.00", "created_at": "2026-01-01T10:00:00+00:00"},
        ]
        plugin = system.get_api()
        assert plugin.get_balance(customer=customer) == Decimal("100.00")
        payments = plugin.list_payments(customer=customer, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
        assert [(p.ext_id, p.amount) for p in payments] == [("P2", Decimal("25.50")), ("P1", Decimal("50.00"))]
        assert payments[1].comment == "card" and payments[0].created_at.day == 20

    def test_a_refused_token_is_a_plugin_error_and_is_never_logged(self, operator, fake_billing, caplog):
        customer = factories.CustomerFactory(client=operator, ext_id="C1")
        fake_billing.add("C1")
        plugin = rest_system(operator, fake_billing.url, token="wrong-token-xyz").get_api()
        with pytest.raises(PluginError, match="401"):
            plugin.get_balance(customer=customer)
        assert "wrong-token-xyz" not in caplog.text and TOKEN not in caplog.text

    def test_an_unreachable_billing_is_a_plugin_error(self, operator):
        customer = factories.CustomerFactory(client=operator, ext_id="C1")
        plugin = rest_system(operator, closed_port_url()).get_api()
        with pytest.raises(PluginError, match="unreachable"):
            plugin.get_balance(customer=customer)

    def test_server_errors_and_malformed_answers_are_plugin_errors(self, linked, fake_billing):
        customer, _, system = linked
        fake_billing.fail_status = 500
        with pytest.raises(PluginError, match="500"):
            system.get_api().get_balance(customer=customer)
        fake_billing.fail_status = None
        fake_billing.customers["C1"]["status"] = "frozen"
        with pytest.raises(PluginError, match="unknown customer status"):
            system.get_api().authorize_account(account=customer.accounts.get())

    @pytest.mark.parametrize("status,allowed,reason", [
        ("active", True, ""), ("debt", False, AccountStatus.DEBT), ("blocked", False, AccountStatus.BLOCK)])
    def test_authorize_account_follows_the_customer_status(self, linked, fake_billing, status, allowed, reason):
        _, account, system = linked
        fake_billing.customers["C1"]["status"] = status
        answer = system.get_api().check_account(account=account)
        assert (answer.allowed, answer.status_reason) == (allowed, reason)

    def test_authorize_an_unknown_or_unlinked_customer(self, operator, fake_billing):
        system = rest_system(operator, fake_billing.url)
        unknown = factories.AccountFactory(customer=factories.CustomerFactory(client=operator, ext_id="nobody"))
        unlinked = factories.AccountFactory(customer=factories.CustomerFactory(client=operator))
        assert system.get_api().authorize_account(account=unknown).allowed is False
        assert system.get_api().authorize_account(account=unlinked).allowed is True

    def test_register_account_creates_the_customer_in_the_billing(self, operator, fake_billing):
        customer = factories.CustomerFactory(client=operator, firstname="Ann", lastname="Lee")
        account = factories.AccountFactory(customer=customer, abonement="700001")
        answer = rest_system(operator, fake_billing.url).get_api().register_account(customer=customer, account=account)
        assert answer["ext_id"] in fake_billing.customers
        assert fake_billing.bodies[-1]["abonement"] == "700001" and fake_billing.bodies[-1]["firstname"] == "Ann"


# --- tariff changes through the outbox ------------------------------------------------------------------------

class TestTariffEvents:
    def test_assign_and_remove_open_and_close_the_subscription(self, linked, fake_billing,
                                                                django_capture_on_commit_callbacks):
        customer, _, _ = linked
        tariff = factories.TariffFactory(client=customer.client, ext_id="T-1")
        with django_capture_on_commit_callbacks(execute=True):
            sub = services.tariff_assign(customer=customer, tariff=tariff)
        assert fake_billing.customers["C1"]["subscriptions"] == {"T-1": sub.pk}
        with django_capture_on_commit_callbacks(execute=True):
            services.tariff_remove(customer=customer, tariff=tariff)
        assert fake_billing.customers["C1"]["subscriptions"] == {}
        assert set(EventDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}

    def test_hooks_are_idempotent(self, linked, fake_billing):
        customer, _, system = linked
        tariff = factories.TariffFactory(client=customer.client, ext_id="T/2")  # quoted in the path
        plugin = system.get_api()
        plugin.assign_tariff(customer=customer, tariff=tariff)
        plugin.assign_tariff(customer=customer, tariff=tariff)       # 409: already open — fine
        assert fake_billing.customers["C1"]["subscriptions"] == {"T/2": None}
        plugin.unassign_tariff(customer=customer, tariff=tariff)
        plugin.unassign_tariff(customer=customer, tariff=tariff)     # 404: not open — fine
        assert fake_billing.customers["C1"]["subscriptions"] == {}
        assert fake_billing.calls("DELETE") == ["/api/customers/C1/subscriptions/T%2F2"] * 2

    def test_change_tariff_closes_the_old_and_opens_the_new(self, linked, fake_billing):
        customer, _, system = linked
        old = factories.TariffFactory(client=customer.client, ext_id="OLD")
        new = factories.TariffFactory(client=customer.client, ext_id="NEW")
        plugin = system.get_api()
        plugin.assign_tariff(customer=customer, tariff=old)
        plugin.change_tariff(customer=customer, old_tariff=old, new_tariff=new)
        assert list(fake_billing.customers["C1"]["subscriptions"]) == ["NEW"]

    def test_a_tariff_without_ext_id_is_not_sent(self, linked, fake_billing, django_capture_on_commit_callbacks):
        customer, _, _ = linked
        with django_capture_on_commit_callbacks(execute=True):
            services.tariff_assign(customer=customer, tariff=factories.TariffFactory(client=customer.client))
        assert fake_billing.requests == []

    def test_a_billing_that_is_down_leaves_the_delivery_pending_for_a_retry(
            self, linked, fake_billing, django_capture_on_commit_callbacks):
        customer, _, _ = linked
        fake_billing.fail_status = 503
        with django_capture_on_commit_callbacks(execute=True):
            services.tariff_assign(customer=customer, tariff=factories.TariffFactory(client=customer.client,
                                                                                     ext_id="T-1"))
        delivery = EventDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
        assert "503" in delivery.last_error and TOKEN not in delivery.last_error

    def test_a_customer_without_ext_id_fails_visibly(self, operator, fake_billing,
                                                     django_capture_on_commit_callbacks):
        rest_system(operator, fake_billing.url)
        customer = factories.CustomerFactory(client=operator)
        with django_capture_on_commit_callbacks(execute=True):
            services.tariff_assign(customer=customer, tariff=factories.TariffFactory(client=operator, ext_id="T-1"))
        assert "has no ext_id" in EventDelivery.objects.get().last_error

    def test_a_deleted_customer_is_skipped(self, linked, fake_billing):
        customer, _, system = linked
        event = DomainEvent.objects.create(client=customer.client, name="tariff.removed",
                                           payload={"customer_id": 987654, "tariff_ext_id": "T-1"})
        system.get_api().on_tariff_removed(event)
        assert fake_billing.requests == []


# --- check_accounts through the plugin ----------------------------------------------------------------------

def test_check_accounts_aligns_accounts_with_the_billing_one_request_per_customer(operator, fake_billing):
    rest_system(operator, fake_billing.url)
    debtor = factories.CustomerFactory(client=operator, ext_id="D1")
    debtor_logins = [factories.AccountFactory(customer=debtor) for _ in range(2)]
    payer = factories.CustomerFactory(client=operator, ext_id="P1")
    payer_login = factories.AccountFactory(customer=payer, active=False, status_reason=AccountStatus.DEBT)
    blocked_login = factories.AccountFactory(customer=payer, active=False, status_reason=AccountStatus.BLOCK)
    stranger_login = factories.AccountFactory(customer=factories.CustomerFactory(client=operator, ext_id="X1"))
    fake_billing.add("D1", status="debt")
    fake_billing.add("P1", status="active")
    summary = check_accounts(now=NOW)
    for login in (*debtor_logins, payer_login, blocked_login, stranger_login):
        login.refresh_from_db()
    assert {(a.active, a.status_reason) for a in debtor_logins} == {(False, AccountStatus.DEBT)}
    assert (payer_login.active, payer_login.status_reason) == (True, AccountStatus.ACTIVE)
    assert (blocked_login.active, blocked_login.status_reason) == (False, AccountStatus.BLOCK)
    assert stranger_login.active  # unknown to the billing: left alone
    assert sorted(fake_billing.calls("GET")) == ["/api/customers/D1", "/api/customers/P1", "/api/customers/X1"]
    assert (summary.checked, summary.deactivated, summary.reactivated, summary.errors) == (5, 2, 1, 0)


def test_check_accounts_counts_an_unreachable_billing_as_errors(operator):
    rest_system(operator, closed_port_url())
    factories.AccountFactory(customer=factories.CustomerFactory(client=operator, ext_id="C1"))
    assert check_accounts(now=NOW).errors == 1


# --- which billing answers for a customer -------------------------------------------------------------------

class TestSelectors:
    def test_resolution_order(self, operator, fake_billing, test_plugin):
        customer = factories.CustomerFactory(client=operator)
        assert billing_plugin_for(customer) is None
        default = rest_system(operator, fake_billing.url)
        assert billing_plugin_for(customer).external_system == default
        own = rest_system(operator, fake_billing.url, default=False)
        services.customer_modify(customer=customer, custom_billing_api=own)
        assert billing_plugin_for(customer).external_system == own
        own.enabled = False
        own.save()
        customer.refresh_from_db()
        assert billing_plugin_for(customer).external_system == default

    def test_a_non_billing_integration_marked_default_is_ignored(self, operator, test_plugin):
        ExternalSystem.objects.create(client=operator, name="Cinema", api_class="test_plugin",
                                      is_default_for_billing=True)
        assert billing_plugin_for(factories.CustomerFactory(client=operator)) is None

    def test_balance_view(self, linked, fake_billing, operator):
        customer, _, system = linked
        transaction_create(client=operator, customer=customer, amount="7.00", ext_id="local")
        assert customer_balance_view(customer) == Decimal("100.00")           # the billing's
        fake_billing.fail_status = 500
        assert customer_balance_view(customer) == Decimal("7.00")             # billing down: the ledger's
        unlinked = factories.CustomerFactory(client=operator)
        assert customer_balance_view(unlinked) == Decimal("0.00")             # no ext_id: the ledger's
        system.delete()
        fake_billing.fail_status = None
        assert customer_balance_view(customer) == Decimal("7.00")             # no plugin

    def test_purchases_billed_externally_switch(self, operator, fake_billing):
        customer = factories.CustomerFactory(client=operator, ext_id="C1")
        assert purchases_billed_externally(customer) is False
        system = rest_system(operator, fake_billing.url)
        assert purchases_billed_externally(customer) is False
        ExternalSystemAttribute.objects.create(client=operator, external_system=system,
                                               key="ignore_customer_balance_check", value="1")
        assert purchases_billed_externally(customer) is True


# --- purchases billed by the operator's billing ------------------------------------------------------------

@pytest.fixture
def shop(linked, fake_billing):
    customer, account, system = linked
    ExternalSystemAttribute.objects.create(client=customer.client, external_system=system, key="bill_purchases",
                                           value="1")
    title = factories.VideoFactory(client=customer.client, price_category=PriceCategory.PURCHASE,
                                   price=Decimal("30.00"), rent_price=Decimal("10.00"), rent_hours=24, ext_id="v-1")
    return customer, account, title


class TestExternalPurchase:
    def test_the_billing_charges_and_the_local_balance_is_neither_checked_nor_moved(self, shop, fake_billing):
        customer, account, title = shop
        assert purchases_billed_externally(customer) and customer.balance == 0
        purchase = video_purchase(customer=customer, video=title, kind="buy", account=account)
        assert purchase.transaction is None and purchase.price == Decimal("30.00") and purchase.expires_at is None
        assert fake_billing.customers["C1"]["balance"] == Decimal("70.00")
        assert fake_billing.bodies[-1] == {"purchase_key": f"purchase:{customer.pk}:{title.pk}:1:buy",
                                           "video_id": title.pk, "video_ext_id": "v-1", "kind": "buy",
                                           "price": "30.00"}
        assert not CustomerTransaction.objects.filter(customer=customer).exists()
        event = DomainEvent.objects.get(name="video.purchased")
        assert event.payload["transaction_id"] is None and event.payload["billing_ext_id"] == "B1"
        assert event.payload["purchase_id"] == purchase.pk

    def test_rent_and_already_held(self, shop, fake_billing):
        customer, account, title = shop
        start = NOW
        rental = video_purchase(customer=customer, video=title, kind="rent", now=start)
        assert rental.expires_at == start + timedelta(hours=24)
        requests_before = len(fake_billing.requests)
        with pytest.raises(AlreadyPurchased):
            video_purchase(customer=customer, video=title, kind="buy", now=start + timedelta(hours=1))
        assert len(fake_billing.requests) == requests_before  # refused before asking the billing
        again = video_purchase(customer=customer, video=title, kind="rent", now=start + timedelta(hours=25))
        assert again.pk != rental.pk and fake_billing.customers["C1"]["balance"] == Decimal("80.00")

    def test_no_money_in_the_billing_is_insufficient_funds(self, shop, fake_billing):
        customer, account, title = shop
        fake_billing.customers["C1"]["balance"] = Decimal("5.00")
        with pytest.raises(InsufficientFunds):
            video_purchase(customer=customer, video=title, kind="buy", account=account)
        assert not VideoPurchase.objects.exists() and not DomainEvent.objects.filter(name="video.purchased").exists()

    def test_an_unreachable_billing_records_nothing(self, shop, fake_billing):
        customer, account, title = shop
        fake_billing.fail_status = 503
        with pytest.raises(ExternalBillingError):
            video_purchase(customer=customer, video=title, kind="buy", account=account)
        assert not VideoPurchase.objects.exists()

    def test_a_retry_after_a_lost_answer_is_not_charged_twice(self, shop, fake_billing):
        customer, account, title = shop
        plugin = billing_plugin_for(customer)
        key = purchase_key(customer, title, "buy")
        plugin.charge_purchase(account=account, video=title, price=title.price, customer=customer, purchase_key=key)
        assert fake_billing.customers["C1"]["balance"] == Decimal("70.00")  # billed, our row never written
        video_purchase(customer=customer, video=title, kind="buy", account=account)
        assert fake_billing.customers["C1"]["balance"] == Decimal("70.00")
        assert VideoPurchase.objects.filter(customer=customer).count() == 1

    def test_inactive_logins_and_titles_not_for_sale_are_refused_first(self, shop, fake_billing):
        from tvmiddleware.services.purchases import AccountInactive, NotPurchasable

        customer, account, title = shop
        free = factories.VideoFactory(client=customer.client, price_category=PriceCategory.FREE)
        with pytest.raises(NotPurchasable):
            video_purchase(customer=customer, video=free, kind="buy")
        services.account_block_for_debt(account=account)
        with pytest.raises(AccountInactive):
            video_purchase(customer=customer, video=title, kind="buy", account=account)
        assert fake_billing.requests == []

    def test_a_customer_without_a_billing_plugin_is_billed_by_the_ledger(self, operator):
        """No billing plugin answers for the customer: the one entry point never reaches the operator's
        billing; the ledger bills, and its balance rule holds (nothing sold on an empty balance)."""
        customer = factories.CustomerFactory(client=operator)
        title = factories.VideoFactory(client=operator, price_category=PriceCategory.PURCHASE, price=Decimal("1.00"))
        assert purchase_mode(customer=customer) == (PurchaseMode.LEDGER, None)
        with pytest.raises(InsufficientFunds):
            video_purchase(customer=customer, video=title, kind="buy")
        assert not VideoPurchase.objects.exists() and not CustomerTransaction.objects.exists()

    def test_a_plugin_that_does_not_bill_purchases_is_an_external_billing_error(self, operator):
        class NoShop(BillingPluginBase):
            bills_purchases_externally = True  # says it bills purchases, but has no charge_purchase

        registry.register("test_no_shop", NoShop)
        try:
            system = ExternalSystem.objects.create(client=operator, name="x", api_class="test_no_shop",
                                                   is_default_for_billing=True)
            customer = factories.CustomerFactory(client=operator)
            title = factories.VideoFactory(client=operator, price_category=PriceCategory.PURCHASE,
                                           price=Decimal("1.00"))
            with pytest.raises(ExternalBillingError):
                video_purchase(customer=customer, video=title, kind="buy")
            mode, plugin = purchase_mode(customer=customer)
            assert mode == PurchaseMode.EXTERNAL_BILLING and plugin.external_system == system
            assert not VideoPurchase.objects.exists() and not CustomerTransaction.objects.exists()
        finally:
            registry.unregister("test_no_shop")


class TestRefund:
    def test_refund_gives_the_charge_back_and_is_idempotent(self, shop, fake_billing):
        customer, account, title = shop
        plugin = billing_plugin_for(customer)
        key = purchase_key(customer, title, "buy")
        answer = plugin.charge_purchase(account=account, video=title, price=title.price, customer=customer,
                                       purchase_key=key)
        assert fake_billing.customers["C1"]["balance"] == Decimal("70.00")
        assert plugin.refund_purchase(customer=customer, video=title, price=title.price, purchase_key=key,
                                      answer=answer, reason="partner refused") is True
        assert fake_billing.customers["C1"]["balance"] == Decimal("100.00")
        # again (a retry): nothing billed under the key any more, still a success, no money moved
        assert plugin.refund_purchase(customer=customer, video=title, price=title.price, purchase_key=key) is True
        assert fake_billing.customers["C1"]["balance"] == Decimal("100.00")
        quoted = key.replace(":", "%3A")
        assert fake_billing.calls("DELETE") == [f"/api/customers/C1/purchases/{quoted}"] * 2

    def test_a_failing_refund_is_a_plugin_error(self, shop, fake_billing):
        customer, _, title = shop
        fake_billing.fail_refunds = 500
        with pytest.raises(PluginError):
            billing_plugin_for(customer).refund_purchase(customer=customer, video=title, price=title.price,
                                                         purchase_key="purchase:1:1:1:buy")

    def test_the_default_hook_cannot_refund(self, operator):
        class NoRefund(BillingPluginBase):
            pass

        system = ExternalSystem(client=operator, name="x", api_class="none")
        title = factories.VideoFactory(client=operator, price_category=PriceCategory.PURCHASE, price=Decimal("1.00"))
        assert NoRefund(system).refund_purchase(customer=factories.CustomerFactory(client=operator), video=title,
                                                price=Decimal("1.00"), purchase_key="k") is False


def test_billing_refused_carries_a_reason():
    assert BillingRefused("x", reason="insufficient_funds").reason == "insufficient_funds"
    assert isinstance(BillingRefused("x"), PluginError)
