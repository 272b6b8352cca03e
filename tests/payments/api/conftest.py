"""Fixtures of the payments API tests: the device API's subscriber (logged in), the signed Billing
API client, and the operator's merchants."""
import pytest
from django.core.cache import cache

from payments.models import Merchant, MerchantType
from tests import factories
from tests.billing.api.conftest import SignedAPI
from tests.tvmiddleware.api.conftest import api, logged_in, subscriber  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Per-customer counters (the receipt rate limit) must not leak between tests that reuse ids."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def null_merchant(subscriber):  # noqa: F811
    """The subscriber's operator pays through the null gateway by default (settles at once)."""
    return Merchant.objects.create(client=subscriber.client, merchant_type=MerchantType.NULL, name="Demo pay",
                                   is_default=True, default_return_url="https://operator.example/paid")


@pytest.fixture
def other_operator_payment(db):
    """A payment of another operator's customer (ids other subscribers must not reach)."""
    from payments.services import payment_start

    other = factories.ClientFactory()
    Merchant.objects.create(client=other, merchant_type=MerchantType.NULL, name="Other", is_default=True)
    customer = factories.CustomerFactory(client=other)
    return payment_start(client=other, customer=customer, amount="10.00").payment


@pytest.fixture
def operator(subscriber):  # noqa: F811
    subscriber.client.billing_api_key = "billing-secret"
    subscriber.client.save()
    return subscriber.client


@pytest.fixture
def billing_api(client, operator) -> SignedAPI:
    return SignedAPI(client, operator)
