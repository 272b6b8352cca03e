"""Attacks on how amounts, ids and text are read (issue "Security and resilience", points 8–10).

8. A NUL byte in a parameter reached PostgreSQL ("A string literal cannot contain NUL") and answered
   500 — Payture's `OrderId` on the notification endpoint, and every other API's parameters.
9. The 99th `transaction/create amount=9999999999.99` overflowed the balance column (`numeric field
   overflow`) and answered 500.
10. Amounts accepted `١٠٠` (credited 100.00), `1_000`, `1e2`, `NaN`...; one money reader now takes
   plain ASCII decimals only, everywhere.

Tests marked `postgres` run against PostgreSQL (SQLite stores NUL and never overflows a numeric).
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from billing.models import CustomerTransaction, TransactionSource
from billing.services import BalanceOutOfRange, to_amount, transaction_create
from payments.models import Merchant, MerchantType, Payment
from tests import factories
from tests.billing.api.conftest import SignedAPI
from common.money import LEDGER_MAX, PRICE_MAX, MoneyError, read_decimal, read_money
from common.errors import Invalid

pytest_plugins = ["tests.admin_factories"]  # staff_client

NOTIFY_PATH = "/billing/payment/payture/validate_notify/"

# Each must be refused wherever an amount is read. `+100` is refused too: plain decimals only.
REFUSED_AMOUNTS = ["١٠٠", "１００", "٣.٥٠", "1_000", "1e2", "1E2", " 100", "100 ", "+100", "NaN", "nan", "sNaN",
                   "Infinity", "-Infinity", "inf", "0x10", "100.001", "1.", ".5", "1,5", "1.2.3", "--1", "²",
                   "9" * 41, "100\n", "1\x00"]


def balance(customer) -> Decimal:
    customer.refresh_from_db()
    return customer.balance


# --- the one reader ----------------------------------------------------------------------------------

class TestMoneyReader:
    @pytest.mark.parametrize("text", REFUSED_AMOUNTS)
    def test_refused(self, text):
        with pytest.raises(MoneyError):
            read_money(text, negative=True)

    @pytest.mark.parametrize(("text", "expected"), [
        ("100", "100.00"), ("100.5", "100.50"), ("0.01", "0.01"), ("-7.25", "-7.25"), ("007", "7.00"),
        ("-0", "0.00"), (str(LEDGER_MAX), str(LEDGER_MAX)), ("-" + str(LEDGER_MAX), "-" + str(LEDGER_MAX)),
    ])
    def test_plain_decimals(self, text, expected):
        assert str(read_money(text, negative=True)) == expected

    def test_sign_and_range(self):
        with pytest.raises(MoneyError, match="out of range"):
            read_money("-1")  # negatives only where allowed
        with pytest.raises(MoneyError, match="out of range"):
            read_money("0", positive=True)
        with pytest.raises(MoneyError, match="out of range"):
            read_money("1000000000000.00")  # one cent past the ledger column
        with pytest.raises(MoneyError, match="decimal places"):
            read_money("1.001")

    def test_decimals_and_ints_from_code(self):
        assert read_money(Decimal("1.500")) == Decimal("1.50")  # trailing zeros are not extra places
        assert read_money(5) == Decimal("5.00")
        for value in (Decimal("NaN"), Decimal("Infinity"), Decimal("1.001"), Decimal("1e40"), 1.5, True, None, [1]):
            with pytest.raises(MoneyError):
                read_money(value)

    @settings(max_examples=500, deadline=None)
    @given(st.one_of(st.text(), st.text(alphabet="0123456789.-+_eE١٠٣ ", max_size=20),
                     st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{1,4})?", fullmatch=True)))
    def test_any_text_is_an_amount_in_range_or_the_readers_error(self, text):
        """Arbitrary Unicode: a Decimal within the ledger range with at most two places, or
        `MoneyError` — never another exception."""
        try:
            amount = read_money(text, negative=True)
        except MoneyError:
            return
        assert isinstance(amount, Decimal) and amount.is_finite()
        assert -LEDGER_MAX <= amount <= LEDGER_MAX
        assert amount.as_tuple().exponent == -2
        assert text.isascii() and text == text.strip() and amount == Decimal(text)

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=30), st.integers(min_value=0, max_value=4))
    def test_read_decimal_never_raises_anything_else(self, text, places):
        try:
            value = read_decimal(text, places=places, minimum=Decimal(0), maximum=Decimal("9999999"))
        except MoneyError:
            return
        assert Decimal(0) <= value <= Decimal("9999999") and value.as_tuple().exponent >= -places

    def test_ledger_service_reads_with_it(self):
        for text in ("١٠٠", "1e2", "1_000", "NaN"):
            with pytest.raises(Invalid):
                to_amount(text)


# --- point 10: each API refuses what the reader refuses ---------------------------------------------

class TestAmountsAtEachAPI:
    def test_billing_api_transaction_create(self, billing_api, operator):
        customer = factories.CustomerFactory(client=operator)
        for n, text in enumerate(REFUSED_AMOUNTS):
            body = billing_api.json("transaction/create/", customer_id=customer.pk, ext_id=f"t{n}", amount=text)
            assert body["error"] == -1 and "amount" in body.get("error_fields", {}), (text, body)
        assert balance(customer) == 0 and not CustomerTransaction.objects.filter(customer=customer).exists()
        assert billing_api.json("transaction/create/", customer_id=customer.pk, ext_id="ok", amount="100")["error"] == 0
        assert balance(customer) == Decimal("100.00")

    def test_billing_api_prices_and_payments(self, billing_api, operator):
        customer = factories.CustomerFactory(client=operator)
        account = factories.AccountFactory(customer=customer)
        for text in REFUSED_AMOUNTS:
            body = billing_api.json("tariff/create/", name="T", period=30, sessions_count=1, basic_sessions_count=1,
                                    basic_tariff_priority=0, price=text)
            assert body["error"] != 0 and "price" in body.get("error_fields", {}), (text, body)
            body = billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount=text)
            assert body["error"] == 2 and "amount" in body.get("error_fields", {}), (text, body)

    def test_device_api_payment_create(self, logged_in, subscriber):
        Merchant.objects.create(client=subscriber.client, merchant_type=MerchantType.NULL, name="Demo",
                                is_default=True)
        before = balance(subscriber.customer)
        for text in REFUSED_AMOUNTS:
            body = logged_in.json("payment/create/", post=True, amount=text)
            assert body["error"] == 4, (text, body)
        assert not Payment.objects.exists() and balance(subscriber.customer) == before
        assert logged_in.json("payment/create/", post=True, amount="10")["error"] == 0

    def test_payments_service(self, subscriber):
        from payments.services import PaymentError, payment_start

        Merchant.objects.create(client=subscriber.client, merchant_type=MerchantType.NULL, name="Demo",
                                is_default=True)
        for text in REFUSED_AMOUNTS:
            with pytest.raises(PaymentError):
                payment_start(client=subscriber.client, customer=subscriber.customer, amount=text)

    def test_device_api_rating_filter(self, logged_in):
        for text in ("٧", "1e1", "NaN", "7_0", " 7"):
            body = logged_in.json("video/list/", kinopoisk_rating_from=text)
            assert body["error"] != 0, (text, body)

    def test_content_api_decimals(self, client, operator):
        content_api = SignedAPI(client, operator, prefix="/content/api/", key_field="content_api_key")
        video = factories.VideoFactory(client=operator)
        for text in ("٧.٥", "7e0", "NaN", "7_5", "Infinity"):
            body = content_api.json("video/modify/", id=video.pk, kinopoisk_rating=text)
            assert body["error"] != 0 and "kinopoisk_rating" in body.get("error_fields", {}), (text, body)
        video.refresh_from_db()
        assert video.kinopoisk_rating is None


class TestIdsAreAsciiOnly:
    """`int("١٠٠") == 100`: every id reader must check for ASCII digits first."""

    IDS = ["١", "١٠٠", "１", "²", "1\u0661"]

    def test_billing_api(self, billing_api, operator):
        customer = factories.CustomerFactory(client=operator)
        assert billing_api.json("customer/info/", customer_id=customer.pk)["error"] == 0
        for value in self.IDS:
            for method, name in (("customer/info/", "customer_id"), ("account/info/", "account_id"),
                                 ("customer/tariff/assign/", "tariff_id"), ("customer/transaction/list/", "limit")):
                body = billing_api.json(method, **{"customer_id": customer.pk, name: value})
                assert body["error"] != 0, (method, value, body)

    def test_device_api(self, logged_in, subscriber):
        channel = factories.ChannelFactory(client=subscriber.client)
        for value in self.IDS:
            assert logged_in.json("channel/detail/", cid=value)["error"] != 0
            assert logged_in.json("video/detail/", vid=value)["error"] != 0
        assert channel.pk

    def test_content_api_epg_moment(self, client, operator):
        """Unix seconds in Unicode digits: `"²".isdigit()` is True but `int("²")` fails (was a 500)."""
        content_api = SignedAPI(client, operator, prefix="/content/api/", key_field="content_api_key")
        for value in ("²", "١٧٠٠٠٠٠٠٠٠"):
            body = content_api.json("epg/program/time/specify/", external_id="1", start=value, stop=value)
            assert body["error"] != 0, body


# --- point 9: the ledger refuses balances past its columns -----------------------------------------

def _near_the_top(client, customer, calls: int) -> None:
    """Bring the balance to where `calls` more credits of 9999999999.99 overflow it."""
    customer.refresh_from_db()
    top = LEDGER_MAX - Decimal("9999999999.99") * (calls - 1) - customer.balance
    transaction_create(client=client, customer=customer, amount=top, ext_id="start", source=TransactionSource.MANUAL)


class TestBalanceOverflow:
    def test_service_refuses_a_balance_past_the_column(self, db):
        customer = factories.CustomerFactory()
        transaction_create(client=customer.client, customer=customer, amount=LEDGER_MAX, ext_id="a")
        with pytest.raises(BalanceOutOfRange):
            transaction_create(client=customer.client, customer=customer, amount="0.01", ext_id="b")
        transaction_create(client=customer.client, customer=customer, amount=-LEDGER_MAX, ext_id="c")
        transaction_create(client=customer.client, customer=customer, amount=-LEDGER_MAX, ext_id="d")
        with pytest.raises(BalanceOutOfRange):
            transaction_create(client=customer.client, customer=customer, amount="-0.01", ext_id="e")
        assert balance(customer) == -LEDGER_MAX
        with pytest.raises(Invalid):  # an amount the column cannot hold, from code (admin, plugins)
            transaction_create(client=customer.client, customer=customer, amount=LEDGER_MAX + 1, ext_id="f")

    def test_billing_api_answers_a_code_not_a_500(self, billing_api, operator):
        customer = factories.CustomerFactory(client=operator)
        _near_the_top(operator, customer, 3)
        codes = [billing_api.json("transaction/create/", customer_id=customer.pk, ext_id=f"x{n}",
                                  amount="9999999999.99")["error"] for n in range(4)]
        assert codes == [0, 0, -1, -1]
        assert balance(customer) == LEDGER_MAX

    @pytest.mark.postgres
    def test_99_credits_on_postgresql(self, billing_api, operator):
        """The reported attack, from a zero balance: 9999999999.99 credited until the balance column
        (14 digits, 2 decimals) is full; the next call is refused with -1, not a numeric overflow."""
        customer = factories.CustomerFactory(client=operator)
        credit = Decimal("9999999999.99")
        fits = int(LEDGER_MAX // credit)  # 100 credits fit
        for n in range(fits + 2):
            body = billing_api.json("transaction/create/", customer_id=customer.pk, ext_id=f"x{n}",
                                    amount=str(credit))
            assert body["error"] == (0 if n < fits else -1), (n, body)
        assert balance(customer) == credit * fits
        assert CustomerTransaction.objects.filter(customer=customer).count() == fits

    @pytest.mark.postgres
    def test_every_path_on_postgresql(self, subscriber, logged_in):
        """Payments credit through the same ledger service: a top-up that would overflow is refused
        there (the payment is not credited), never a database error."""
        from payments.services import payment_start

        Merchant.objects.create(client=subscriber.client, merchant_type=MerchantType.NULL, name="Demo",
                                is_default=True)
        transaction_create(client=subscriber.client, customer=subscriber.customer, ext_id="start",
                           amount=LEDGER_MAX - Decimal("5.00") - balance(subscriber.customer))
        before = balance(subscriber.customer)
        body = logged_in.json("payment/create/", post=True, amount="10.00")
        assert isinstance(body["error"], int) and balance(subscriber.customer) == before, body
        payment = Payment.objects.get()
        assert payment.transaction_id is None and payment.error_code == "balance_out_of_range"
        started = payment_start(client=subscriber.client, customer=subscriber.customer, amount="10.00")
        assert started.payment.error_code == "balance_out_of_range"
        assert balance(subscriber.customer) == before
        with pytest.raises(BalanceOutOfRange):
            transaction_create(client=subscriber.client, customer=subscriber.customer, amount=PRICE_MAX,
                               ext_id="admin", source=TransactionSource.MANUAL)


# --- point 8: NUL bytes ------------------------------------------------------------------------------

NULS = ["\x00", "a\x00", "\x00' OR 1=1 --", "1\x00"]


def _nul_checks(client, billing_api, operator, logged_in, subscriber) -> None:
    customer = factories.CustomerFactory(client=operator)
    content_api = SignedAPI(client, operator, prefix="/content/api/", key_field="content_api_key")
    streaming_api = SignedAPI(client, operator, prefix="/streaming/api/", key_field="streaming_api_key")
    for value in NULS:
        for response in (
            client.post(NOTIFY_PATH, {"Notification": "EngineChargeSuccess", "OrderId": value}),
            client.post(NOTIFY_PATH, {"OrderId": "ab" + value + "cd"}),
        ):
            assert response.status_code == 400 and response.content == b"BAD_REQUEST", value
        for method, params in (
            ("customer/create/", {"firstname": value}),
            ("customer/modify/", {"customer_id": customer.pk, "comment": value}),
            ("customer/info/", {"ext_id": value}),
            ("customer/create/", {"firstname": "F", "meta": '{"k": "\\u0000"}'}),
            ("transaction/create/", {"customer_id": customer.pk, "ext_id": "n", "comment": value, "amount": "1"}),
            ("transaction/create/", {"customer_ext_id": value, "ext_id": "n2", "amount": "1"}),
            ("account/create/", {"customer_id": customer.pk, "abonement": value}),
            ("tariff/create/", {"name": value, "period": 30, "sessions_count": 1, "basic_sessions_count": 1,
                                "basic_tariff_priority": 0}),
        ):
            body = billing_api.json(method, **params)
            assert body["error"] != 0, (method, params, body)
        assert content_api.json("video/create/", name=value)["error"] != 0
        assert content_api.json("video/create/", name="V", meta='{"\\u0000": 1}')["error"] != 0
        assert content_api.json("actor/create/", name="A", ext_id=value)["error"] != 0
        assert streaming_api.json("maintenance/create/", channel_prefix=value,
                                  datetime_begin="2030-01-01T10:00:00Z")["error"] != 0
        for method, params in (("login/", {"abonement": "1", "password": value, "api_key": "x", "device_uid": value}),
                               ("channel/list/search/", {"search": value}), ("video/list/", {"search": value}),
                               ("settings/save/", {"parent_code": value}), ("message/detail/", {"uuid": value})):
            body = logged_in.json(method, **params)
            assert body["error"] != 0, (method, body)
        assert client.get("/tvmiddleware/api/customer/info/", {"authkey": value})["Content-Type"].startswith(
            "application/json")
    assert balance(customer) == 0
    # Control characters other than TAB, LF and CR are refused as well; those three are free text.
    assert billing_api.json("customer/create/", firstname="a\x07b")["error"] != 0
    assert billing_api.json("customer/modify/", customer_id=customer.pk, comment="line 1\r\n\tline 2")["error"] == 0


def test_nul_bytes_never_reach_the_database(client, billing_api, operator, logged_in, subscriber):
    _nul_checks(client, billing_api, operator, logged_in, subscriber)


@pytest.mark.postgres
def test_nul_bytes_never_reach_postgresql(client, billing_api, operator, logged_in, subscriber):
    """PostgreSQL refuses NUL in text (ValueError from the driver): the 500 of the issue."""
    _nul_checks(client, billing_api, operator, logged_in, subscriber)


@pytest.mark.postgres
def test_payture_notify_with_a_nul_order_id_on_postgresql(client):
    """The reported request: a form with a NUL in OrderId (was: 500 from psycopg)."""
    response = client.post(NOTIFY_PATH, {"Notification": "EngineChargeSuccess", "OrderId": "1\x00",
                                         "Success": "True"})
    assert response.status_code == 400 and response.content == b"BAD_REQUEST"


SIGNED_PREFIXES = ("billing/api/", "content/api/", "streaming/api/")
SIGNED_NAMES = ["customer_id", "ext_id", "customer_ext_id", "id", "name", "firstname", "lastname", "comment",
                "description", "meta", "amount", "price", "abonement", "password", "account_id", "tariff_id",
                "tariff_ext_id", "email", "mobile_phone_number", "device_uid", "promo_code", "code", "vid",
                "video_ext_id", "channel_prefix", "external_id", "abonement_regexp", "merchant_type", "url"]
SIGNED_VALUES = ["a\x00b", '{"k": "\\u0000"}', '{"\\u0000": 1}']


@pytest.mark.postgres
def test_nul_bytes_in_every_signed_api_method_on_postgresql(client, operator):
    """Billing, Content and Streaming API: every method (found in the URLconf), a NUL in each usual
    parameter, one at a time, correctly signed so it reaches the method: never a 500 (the Billing API
    half of the device API's fuzz test in tests/tvmiddleware/api/test_fuzz.py)."""
    from tests.tvmiddleware.api.test_fuzz import _walk
    from django.urls import get_resolver

    routes = sorted({route for route, _ in _walk(get_resolver().url_patterns) if route.startswith(SIGNED_PREFIXES)})
    assert len(routes) > 50
    customer = factories.CustomerFactory(client=operator)
    keys = {"billing/api/": "billing_api_key", "content/api/": "content_api_key", "streaming/api/": "streaming_api_key"}
    for route in routes:
        prefix = next(p for p in SIGNED_PREFIXES if route.startswith(p))
        api = SignedAPI(client, operator, prefix="/", key_field=keys[prefix])
        for name in SIGNED_NAMES:
            for value in SIGNED_VALUES:
                params = {"customer_id": customer.pk, "name": "N", "firstname": "F", name: value}
                response = api.call(route, **params)  # asserts < 500
                assert response.status_code < 500


def test_admin_prices_take_plain_decimals_only(staff_client, client_obj):
    """The operator panel reads prices like the APIs do (Django's own decimal field takes `١٠٠`)."""
    from tests.admin_factories import change_url, changeform_data

    tariff = factories.TariffFactory(client=client_obj, price=Decimal("5.00"))
    page = staff_client.get(change_url(tariff))
    for text in ("١٠٠", "1e2", "1_000", "NaN", "0x10"):
        response = staff_client.post(change_url(tariff), changeform_data(page, price=text))
        assert response.status_code == 200 and "price" in response.context["adminform"].form.errors, text
    tariff.refresh_from_db()
    assert tariff.price == Decimal("5.00")
    response = staff_client.post(change_url(tariff), changeform_data(page, price="7.50"))
    assert response.status_code == 302
    tariff.refresh_from_db()
    assert tariff.price == Decimal("7.50")
