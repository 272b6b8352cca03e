"""Billing API, Transaction group: money moved by the operator's billing, exactly once per id."""
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from common.signature import sign
from billing.models import CustomerTransaction, TransactionSource
from billing.selectors import customer_balance, ledger_sum
from tests import factories
from tests.concurrency import run_parallel
from tvmiddleware.models import AccountStatus, DomainEvent, PriceCategory, PurchaseKind, VideoPurchase

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(operator):
    return factories.CustomerFactory(client=operator, ext_id="C-1")


@pytest.fixture
def video(operator):
    return factories.VideoFactory(client=operator, ext_id="FILM-1", price_category=PriceCategory.PURCHASE,
                                  price=Decimal("99.00"))


def balance(customer):
    return customer_balance(customer=customer)


# --- TransactionCreate ------------------------------------------------------------------------------------

class TestCreate:
    def test_credit_by_get(self, billing_api, customer):
        body = billing_api.json("transaction/create/", get=True, ext_id="PAY-1", amount="100.50",
                                customer_id=customer.pk, comment="cash desk", processed=1)
        assert body["error"] == 0 and body["error_message"] == "", body
        row = CustomerTransaction.objects.get(pk=body["id"])
        assert (row.amount, row.source, row.ext_id, row.comment, row.processed) == (
            Decimal("100.50"), TransactionSource.API, "PAY-1", "cash desk", True)
        assert balance(customer) == Decimal("100.50")

    def test_post_id_alias_charge_and_defaults(self, billing_api, customer):
        assert billing_api.json("transaction/create/", id="PAY-2", amount="-30", customer_id=customer.pk)["error"] == 0
        row = CustomerTransaction.objects.get(ext_id="PAY-2")
        assert row.amount == Decimal("-30.00") and row.processed is False
        assert billing_api.json("transaction/create/", ext_id="PAY-3", customer_id=customer.pk)["error"] == 0
        assert CustomerTransaction.objects.get(ext_id="PAY-3").amount == Decimal("0.00")
        assert balance(customer) == Decimal("-30.00") == ledger_sum(customer=customer)

    def test_customer_ext_id_wins(self, billing_api, customer, operator):
        other = factories.CustomerFactory(client=operator)
        billing_api.json("transaction/create/", ext_id="P", amount="5", customer_id=other.pk, customer_ext_id="C-1")
        assert balance(customer) == Decimal("5.00") and balance(other) == Decimal("0.00")

    def test_missing_ext_id_is_2(self, billing_api, customer):
        body = billing_api.json("transaction/create/", amount="5", customer_id=customer.pk)
        assert body["error"] == 2 and "ext_id" in body["error_fields"]
        assert billing_api.json("transaction/create/", ext_id="  ", amount="5", customer_id=customer.pk)["error"] == 2
        assert not CustomerTransaction.objects.exists()

    def test_duplicate_is_1_and_moves_nothing(self, billing_api, customer, operator):
        billing_api.json("transaction/create/", ext_id="PAY-1", amount="10", customer_id=customer.pk)
        body = billing_api.json("transaction/create/", id="PAY-1", amount="10", customer_id=customer.pk)
        assert body["error"] == 1 and body["error_fields"] == {"ext_id": "duplicate"}
        other = factories.CustomerFactory(client=operator)
        assert billing_api.json("transaction/create/", ext_id="PAY-1", amount="10",
                                customer_id=other.pk)["error"] == 1
        assert balance(customer) == Decimal("10.00") and balance(other) == Decimal("0.00")

    def test_same_id_at_another_operator_is_another_transaction(self, billing_api, customer):
        stranger = factories.CustomerFactory()
        from billing.services import transaction_create
        transaction_create(client=stranger.client, customer=stranger, amount="1", ext_id="PAY-1")
        assert billing_api.json("transaction/create/", ext_id="PAY-1", amount="10",
                                customer_id=customer.pk)["error"] == 0

    @pytest.mark.parametrize("params, field", [
        ({"amount": "1,5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "0.001"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1e30"}, "amount"),
        ({"customer_id": "999999"}, "customer_id"),
        ({"customer_id": "x"}, "customer_id"),
        ({"customer_id": None}, "customer_id"),
        ({"customer_ext_id": "nope"}, "customer_ext_id"),
        ({"processed": "2"}, "processed"),
        ({"ext_id": "e" * 129}, "ext_id"),
        ({"transaction_type": "2"}, "transaction_type"),
        ({"activate_accounts": "yes"}, "activate_accounts"),
    ])
    def test_bad_input_is_refused(self, billing_api, customer, params, field):
        params = {"ext_id": "PAY-1", "amount": "5", "customer_id": customer.pk, **params}
        body = billing_api.json("transaction/create/", get=True, **params)
        assert body["error"] == -1 and field in body["error_fields"], body
        assert not CustomerTransaction.objects.exists()

    def test_foreign_customer_is_unknown(self, billing_api):
        stranger = factories.CustomerFactory(ext_id="C-1")
        body = billing_api.json("transaction/create/", ext_id="P", amount="5", customer_id=stranger.pk)
        assert body["error"] == -1 and balance(stranger) == Decimal("0.00")
        assert billing_api.json("transaction/create/", ext_id="P", amount="5", customer_ext_id="C-1")["error"] == -1

    def test_activate_accounts(self, billing_api, customer):
        debt = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.DEBT)
        waiting = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.INACTIVE)
        blocked = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.BLOCK)
        billing_api.json("transaction/create/", ext_id="P0", amount="1", customer_id=customer.pk)
        debt.refresh_from_db()
        assert not debt.active  # without the flag nothing changes
        billing_api.json("transaction/create/", ext_id="P1", amount="100", customer_id=customer.pk, activate_accounts=1)
        for account in (debt, waiting, blocked):
            account.refresh_from_db()
        assert debt.active and debt.status_reason == AccountStatus.ACTIVE and waiting.active
        assert not blocked.active  # an operator's block is not lifted by a payment


# --- TransactionCreate with a video purchase -----------------------------------------------------------------

class TestVideoPurchase:
    def test_rent_until(self, billing_api, customer, video):
        body = billing_api.json("transaction/create/", get=True, ext_id="BUY-1", amount="-99", customer_id=customer.pk,
                                transaction_type=1, video_ext_id="FILM-1", video_available_until="2099-01-02 03:04:05")
        assert body["error"] == 0, body
        purchase = VideoPurchase.objects.get()
        assert purchase.video == video and purchase.customer == customer and purchase.kind == PurchaseKind.RENT
        assert purchase.expires_at == datetime(2099, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc)
        assert purchase.transaction_id == body["id"] and purchase.price == Decimal("99.00")
        assert balance(customer) == Decimal("-99.00")
        event = DomainEvent.objects.get(name="video.purchased")
        assert event.payload["video_id"] == video.pk and event.payload["transaction_id"] == body["id"]

    @pytest.mark.parametrize("value", ["2099-01-02,03:04:05", "2099-01-02T03:04", "2099-01-02"])
    def test_date_forms(self, billing_api, customer, video, value):
        body = billing_api.json("transaction/create/", ext_id="B", amount="0", customer_id=customer.pk,
                                transaction_type=1, video_ext_id="FILM-1", video_available_until=value)
        assert body["error"] == 0, body
        assert VideoPurchase.objects.get().expires_at.date().isoformat() == "2099-01-02"

    def test_buy_for_good(self, billing_api, customer, video):
        billing_api.json("transaction/create/", ext_id="B", amount="-10", customer_id=customer.pk,
                         transaction_type=1, video_ext_id="FILM-1")
        purchase = VideoPurchase.objects.get()
        assert purchase.kind == PurchaseKind.BUY and purchase.expires_at is None

    def test_own_title_before_partner_title(self, billing_api, customer, video, operator):
        partner = factories.ExternalSystemFactory(client=operator)
        factories.VideoFactory(client=operator, ext_id="FILM-1", external_system=partner)
        billing_api.json("transaction/create/", ext_id="B", amount="-1", customer_id=customer.pk,
                         transaction_type=1, video_ext_id="FILM-1")
        assert VideoPurchase.objects.get().video == video

    @pytest.mark.parametrize("params, code, field", [
        ({"video_ext_id": None}, 3, "video_ext_id"),
        ({"video_ext_id": "NOPE"}, 4, "video_ext_id"),
        ({"video_ext_id": "x" * 300}, 4, "video_ext_id"),
        ({"video_available_until": "02.01.2099"}, 5, "video_available_until"),
        ({"video_available_until": "2099-02-30 00:00:00"}, 5, "video_available_until"),
        ({"video_available_until": "2099-01-01 25:00:00"}, 5, "video_available_until"),
        ({"video_available_until": "2001-01-01 00:00:00"}, 5, "video_available_until"),
    ])
    def test_errors(self, billing_api, customer, video, params, code, field):
        params = {"ext_id": "B", "amount": "-5", "customer_id": customer.pk, "transaction_type": 1,
                  "video_ext_id": "FILM-1", **params}
        body = billing_api.json("transaction/create/", **params)
        assert body["error"] == code and field in body["error_fields"], body
        assert not CustomerTransaction.objects.exists() and not VideoPurchase.objects.exists()

    def test_foreign_video_is_unknown(self, billing_api, customer):
        factories.VideoFactory(ext_id="FILM-9")
        body = billing_api.json("transaction/create/", ext_id="B", amount="-5", customer_id=customer.pk,
                                transaction_type=1, video_ext_id="FILM-9")
        assert body["error"] == 4

    def test_duplicate_purchase_writes_nothing(self, billing_api, customer, video):
        params = {"ext_id": "B", "amount": "-5", "customer_id": customer.pk, "transaction_type": 1,
                  "video_ext_id": "FILM-1"}
        assert billing_api.json("transaction/create/", **params)["error"] == 0
        assert billing_api.json("transaction/create/", **params)["error"] == 1
        assert VideoPurchase.objects.count() == 1 and balance(customer) == Decimal("-5.00")


# --- TransactionDelete ----------------------------------------------------------------------------------------

class TestDelete:
    def test_reverse_once(self, billing_api, customer):
        billing_api.json("transaction/create/", ext_id="PAY-1", amount="40", customer_id=customer.pk)
        assert billing_api.json("transaction/delete/", ext_id="PAY-1")["error"] == 0
        assert balance(customer) == Decimal("0.00")
        again = billing_api.json("transaction/delete/", ext_id="PAY-1")
        assert again["error"] == 1 and balance(customer) == Decimal("0.00")
        assert CustomerTransaction.objects.filter(source=TransactionSource.REVERSAL).count() == 1

    def test_errors(self, billing_api, customer):
        assert billing_api.json("transaction/delete/")["error"] == 2
        assert billing_api.json("transaction/delete/", ext_id="nope")["error"] == 1
        stranger = factories.CustomerFactory()
        from billing.services import transaction_create
        transaction_create(client=stranger.client, customer=stranger, amount="7", ext_id="THEIRS")
        assert billing_api.json("transaction/delete/", ext_id="THEIRS")["error"] == 1
        assert balance(stranger) == Decimal("7.00")

    def test_delete_closes_the_title(self, billing_api, customer, video):
        billing_api.json("transaction/create/", ext_id="B", amount="-5", customer_id=customer.pk,
                         transaction_type=1, video_ext_id="FILM-1")
        assert billing_api.json("transaction/delete/", ext_id="B")["error"] == 0
        purchase = VideoPurchase.objects.get()
        assert purchase.expires_at is not None and purchase.expires_at <= timezone.now()
        assert balance(customer) == Decimal("0.00")

    def test_only_billing_api_rows(self, billing_api, customer):
        from billing.services import transaction_create
        transaction_create(client=customer.client, customer=customer, amount="3", ext_id="X",
                           source=TransactionSource.PAYMENT)
        assert billing_api.json("transaction/delete/", ext_id="X")["error"] == 1


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------------------

def _signed_call(operator, method, params, *, get=False):
    http = HttpClient()  # each thread its own client
    signed = sign({"client_id": operator.pk, **params}, operator.billing_api_key)
    url = f"/billing/api/{method}"
    response = http.get(url, signed) if get else http.post(url, signed)
    assert response.status_code == 200
    return response.json()


@pytest.mark.postgres
def test_parallel_retries_credit_once():
    operator = factories.ClientFactory(billing_api_key="billing-secret")
    customer = factories.CustomerFactory(client=operator)
    params = {"id": "RETRY-1", "amount": "50.00", "customer_id": customer.pk}

    results, errors = run_parallel(20, lambda i: _signed_call(operator, "transaction/create/", params, get=True))

    assert errors == []
    codes = sorted(body["error"] for body in results)
    assert codes == [0] + [1] * 19
    assert customer_balance(customer=customer) == Decimal("50.00") == ledger_sum(customer=customer)
    assert CustomerTransaction.objects.filter(customer=customer).count() == 1


@pytest.mark.postgres
def test_parallel_deletes_reverse_once():
    operator = factories.ClientFactory(billing_api_key="billing-secret")
    customer = factories.CustomerFactory(client=operator)
    assert _signed_call(operator, "transaction/create/", {"ext_id": "P", "amount": "20", "customer_id": customer.pk},
                        get=True)["error"] == 0

    results, errors = run_parallel(10, lambda i: _signed_call(operator, "transaction/delete/", {"ext_id": "P"}))

    assert errors == []
    assert sorted(body["error"] for body in results) == [0] + [1] * 9
    assert customer_balance(customer=customer) == Decimal("0.00") == ledger_sum(customer=customer)


def test_rent_in_past_by_a_second(billing_api, customer, video):
    moment = (timezone.now() - timedelta(seconds=1)).astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    body = billing_api.json("transaction/create/", ext_id="B", amount="-5", customer_id=customer.pk,
                            transaction_type=1, video_ext_id="FILM-1", video_available_until=moment)
    assert body["error"] == 5


TRANSACTION_METHODS = {
    "transaction/create/": ["ext_id", "id", "amount", "processed", "comment", "customer_id", "customer_ext_id",
                            "transaction_type", "video_ext_id", "video_available_until", "activate_accounts"],
    "transaction/delete/": ["ext_id", "id"],
}


@pytest.mark.parametrize("method", sorted(TRANSACTION_METHODS))
def test_fuzz(billing_api, customer, video, method):
    from tests.billing.api.test_customers import fuzz
    fuzz(billing_api, method, TRANSACTION_METHODS[method],
         base={"customer_id": customer.pk, "amount": "1", "transaction_type": 1, "video_ext_id": "FILM-1"})
