"""Calling the signed Billing API like an operator's billing does."""
import pytest

from common.signature import sign
from tests import factories


class SignedAPI:
    """`api.json("account/info/", account_id=1)` signs with the client's key and POSTs a form."""

    def __init__(self, http, client, prefix: str = "/billing/api/", key_field: str = "billing_api_key"):
        self.http = http
        self.client = client
        self.prefix = prefix
        self.key_field = key_field

    def call(self, method: str, *, get: bool = False, key: str | None = None, **params):
        params = {k: v for k, v in params.items() if v is not None}
        params.setdefault("client_id", self.client.pk)
        signed = sign(params, key if key is not None else getattr(self.client, self.key_field))
        url = self.prefix + method
        response = self.http.get(url, signed) if get else self.http.post(url, signed)
        assert response.status_code < 500, response.content
        return response

    def json(self, method: str, **params) -> dict:
        return self.call(method, **params).json()


@pytest.fixture
def operator(db):
    return factories.ClientFactory(billing_api_key="billing-secret", content_api_key="content-secret",
                                   streaming_api_key="streaming-secret")


@pytest.fixture
def billing_api(client, operator) -> SignedAPI:
    return SignedAPI(client, operator)
