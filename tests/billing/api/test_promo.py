"""Billing API, Promo group: issuing promo codes and redeeming them, once per customer, within limits."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import CustomerTransaction, PromoActivation, PromoCode, TransactionSource
from billing.promo import CODE_ALPHABET, promo_activate, promo_create
from billing.selectors import customer_balance
from tests import factories
from tests.billing.api.test_transactions import _signed_call
from tests.concurrency import run_parallel
from tvmiddleware.models import TariffSubscription
from tvmiddleware.services import tariff_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(operator):
    return factories.CustomerFactory(client=operator, ext_id="C-1")


@pytest.fixture
def account(customer):
    return factories.AccountFactory(customer=customer)


@pytest.fixture
def free(operator):
    return factories.TariffFactory(client=operator, basic_tariff_priority=0, price=Decimal("5.00"))


def today():
    return timezone.localdate()


# --- PromoCreate --------------------------------------------------------------------------------------------

class TestCreate:
    def test_generated_codes(self, billing_api, operator, free):
        body = billing_api.json("promo/create/", amount="100", count=3, length=10, activation_count=5,
                                valid_from="2020-01-01", valid_until="2099-12-31", free_tariffs=str(free.pk))
        assert body["error"] == 0, body
        assert len(body["promo_codes"]) == 3
        for row in body["promo_codes"]:
            promo = PromoCode.objects.get(pk=row["id"])
            assert promo.client == operator and promo.code == row["code"] and len(promo.code) == 10
            assert set(promo.code) <= set(CODE_ALPHABET)
            assert promo.amount == Decimal("100.00") and promo.activation_limit == 5
            assert list(promo.free_tariffs.all()) == [free]
            assert promo.valid_until.isoformat() == "2099-12-31"

    def test_discount_with_tariffs_and_account(self, billing_api, free, account):
        body = billing_api.json("promo/create/", discount=15, tariffs=f"{free.pk}", account_id=account.pk)
        promo = PromoCode.objects.get(pk=body["promo_codes"][0]["id"])
        assert promo.discount == 15 and list(promo.discount_tariffs.all()) == [free] and promo.account == account
        assert promo.activation_limit == 1 and len(promo.code) == 8

    def test_chosen_code(self, billing_api):
        body = billing_api.json("promo/create/", amount="5", code="summer-24")
        assert body["promo_codes"][0]["code"] == "SUMMER-24"
        again = billing_api.json("promo/create/", amount="5", code="SUMMER-24")
        assert again["error"] == 2 and again["error_fields"] == {"code": "duplicate"}

    @pytest.mark.parametrize("params, field", [
        ({}, "discount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1,5"}, "amount"),
        ({"discount": "101"}, "discount"),
        ({"discount": "abc"}, "discount"),
        ({"amount": "5", "tariffs": "1"}, "tariffs"),
        ({"amount": "5", "free_tariffs": "999999"}, "free_tariffs"),
        ({"amount": "5", "free_tariffs": "a,b"}, "free_tariffs"),
        ({"amount": "5", "count": "0"}, "count"),
        ({"amount": "5", "count": "100000"}, "count"),
        ({"amount": "5", "length": "2"}, "length"),
        ({"amount": "5", "activation_count": "0"}, "activation_count"),
        ({"amount": "5", "valid_from": "2099-01-02", "valid_until": "2099-01-01"}, "valid_until"),
        ({"amount": "5", "valid_until": "tomorrow"}, "valid_until"),
        ({"amount": "5", "code": "<script>"}, "code"),
        ({"amount": "5", "code": "AB", "count": "2"}, "count"),
    ])
    def test_bad_terms_are_2(self, billing_api, params, field):
        body = billing_api.json("promo/create/", **params)
        assert body["error"] == 2 and field in body["error_fields"], body
        assert not PromoCode.objects.exists()

    def test_foreign_account_and_tariff(self, billing_api):
        stranger = factories.AccountFactory()
        body = billing_api.json("promo/create/", amount="5", account_id=stranger.pk)
        assert body["error"] == 1 and body["error_fields"] == {"account_id": "not found"}
        assert billing_api.json("promo/create/", amount="5", account_id="x")["error"] == 1
        foreign_tariff = factories.TariffFactory(client=stranger.client)
        assert billing_api.json("promo/create/", free_tariffs=str(foreign_tariff.pk))["error"] == 2
        assert not PromoCode.objects.exists()


# --- PromoActivate --------------------------------------------------------------------------------------------

def make(client, **terms):
    return promo_create(client=client, **{"amount": "25", **terms})[0]


class TestActivate:
    def test_amount_by_code_and_account(self, billing_api, operator, customer, account):
        promo = make(operator)
        body = billing_api.json("promo/activate/", get=True, code=promo.code.lower(), account_id=account.pk)
        assert body["error"] == 0, body
        assert body["amount"] == "25.00" and body["discount"] == 0 and body["free_tariffs"] == ""
        row = CustomerTransaction.objects.get()
        assert row.source == TransactionSource.PROMO and row.ext_id == f"promo:{promo.pk}:{customer.pk}"
        assert customer_balance(customer=customer) == Decimal("25.00")
        activation = PromoActivation.objects.get()
        assert activation.transaction == row and activation.account == account
        promo.refresh_from_db()
        assert promo.activations_count == 1

    def test_free_tariffs_and_discount(self, billing_api, operator, customer, account, free):
        promo = promo_create(client=operator, free_tariffs=[free], discount=10)[0]
        body = billing_api.json("promo/activate/", id=promo.pk, customer_id=customer.pk)
        assert body["error"] == 0 and body["free_tariffs"] == str(free.pk) and body["discount"] == 10
        assert body["amount"] == "0.00"
        sub = TariffSubscription.objects.get(customer=customer, tariff=free, is_closed=False)
        assert sub.price == Decimal("0.00") and sub.is_price_overridden
        assert not CustomerTransaction.objects.exists()
        assert PromoActivation.objects.get().discount == 10

    def test_held_free_tariff_is_left_alone(self, operator, customer, free):
        held = tariff_assign(customer=customer, tariff=free)
        promo_activate(promo=promo_create(client=operator, free_tariffs=[free])[0], customer=customer)
        held.refresh_from_db()
        assert not held.is_closed and held.price is None

    def test_by_customer_ext_id(self, billing_api, operator, customer):
        promo = make(operator)
        assert billing_api.json("promo/activate/", code=promo.code, customer_ext_id="C-1")["error"] == 0

    def test_already_used_is_4_and_credits_once(self, billing_api, operator, customer, account):
        promo = make(operator, activation_limit=5)
        assert billing_api.json("promo/activate/", code=promo.code, account_id=account.pk)["error"] == 0
        second_login = factories.AccountFactory(customer=customer)
        again = billing_api.json("promo/activate/", code=promo.code, account_id=second_login.pk)
        assert again["error"] == 4 and again["error_message"]
        assert customer_balance(customer=customer) == Decimal("25.00")

    def test_exhausted_is_4(self, billing_api, operator, account):
        promo = make(operator, activation_limit=1)
        assert billing_api.json("promo/activate/", code=promo.code, account_id=account.pk)["error"] == 0
        other = factories.AccountFactory(customer=factories.CustomerFactory(client=operator))
        body = billing_api.json("promo/activate/", code=promo.code, account_id=other.pk)
        assert body["error"] == 4 and "used up" in body["error_message"]
        assert customer_balance(customer=other.customer) == Decimal("0.00")

    @pytest.mark.parametrize("terms", [
        {"valid_until": timezone.localdate() - timedelta(days=1)},
        {"valid_from": timezone.localdate() + timedelta(days=1)},
    ])
    def test_outside_validity_is_5(self, billing_api, operator, account, terms):
        promo = make(operator, **terms)
        assert billing_api.json("promo/activate/", code=promo.code, account_id=account.pk)["error"] == 5
        assert not PromoActivation.objects.exists()

    def test_valid_on_its_last_day(self, billing_api, operator, account):
        promo = make(operator, valid_from=today(), valid_until=today())
        assert billing_api.json("promo/activate/", code=promo.code, account_id=account.pk)["error"] == 0

    def test_code_of_another_login_is_3(self, billing_api, operator, customer, account):
        owner = factories.AccountFactory(customer=factories.CustomerFactory(client=operator))
        promo = make(operator, account=owner)
        assert billing_api.json("promo/activate/", code=promo.code, account_id=account.pk)["error"] == 3
        assert billing_api.json("promo/activate/", code=promo.code, customer_id=customer.pk)["error"] == 3
        mine = make(operator, account=account)
        assert billing_api.json("promo/activate/", code=mine.code, customer_id=customer.pk)["error"] == 0

    def test_not_found(self, billing_api, operator, account):
        stranger_promo = make(factories.ClientFactory())
        for params in ({"code": "NOPE"}, {"id": 999999}, {"id": stranger_promo.pk}, {"code": stranger_promo.code},
                       {}, {"id": "x"}, {"code": "x" * 500}):
            body = billing_api.json("promo/activate/", account_id=account.pk, **params)
            assert body["error"] in (2, 3) and body["error_fields"], (params, body)
        assert billing_api.json("promo/activate/", code="NOPE", account_id=account.pk)["error"] == 2
        assert not PromoActivation.objects.exists()

    def test_unknown_account_is_1(self, billing_api, operator):
        promo = make(operator)
        stranger = factories.AccountFactory()
        for params in ({"account_id": stranger.pk}, {"account_id": "abc"}, {}, {"customer_id": 999999}):
            body = billing_api.json("promo/activate/", code=promo.code, **params)
            assert body["error"] == 1, params
        promo.refresh_from_db()
        assert promo.activations_count == 0


@pytest.mark.postgres
def test_parallel_activations_respect_the_limit():
    operator = factories.ClientFactory(billing_api_key="billing-secret")
    promo = promo_create(client=operator, amount="10", activation_limit=3)[0]
    accounts = [factories.AccountFactory(customer=factories.CustomerFactory(client=operator)) for _ in range(10)]
    same = accounts[0]

    results, errors = run_parallel(10, lambda i: _signed_call(
        operator, "promo/activate/", {"code": promo.code, "account_id": accounts[i].pk}, get=True))
    assert errors == [] and sorted(b["error"] for b in results) == [0] * 3 + [4] * 7

    promo2 = promo_create(client=operator, amount="10", activation_limit=10)[0]
    results, errors = run_parallel(10, lambda i: _signed_call(
        operator, "promo/activate/", {"code": promo2.code, "account_id": same.pk}, get=True))
    assert errors == [] and sorted(b["error"] for b in results) == [0] + [4] * 9
    promo.refresh_from_db()
    assert promo.activations_count == 3
    assert PromoActivation.objects.filter(promo=promo2).count() == 1


PROMO_METHODS = {
    "promo/create/": ["account_id", "length", "count", "valid_from", "valid_until", "activation_count", "discount",
                      "tariffs", "amount", "free_tariffs", "code"],
    "promo/activate/": ["id", "code", "account_id", "customer_id", "customer_ext_id"],
}


@pytest.mark.parametrize("method", sorted(PROMO_METHODS))
def test_fuzz(billing_api, operator, account, free, method):
    from tests.billing.api.test_customers import fuzz
    promo = make(operator, activation_limit=1000)
    fuzz(billing_api, method, PROMO_METHODS[method],
         base={"amount": "5", "account_id": account.pk, "code": promo.code, "free_tariffs": str(free.pk)})
