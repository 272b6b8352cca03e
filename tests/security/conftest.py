"""Fixtures of the attack tests: the device API's subscriber and the signed APIs' operator."""
from tests.billing.api.conftest import billing_api, operator  # noqa: F401  (fixtures)
from tests.tvmiddleware.api.conftest import api, logged_in, subscriber  # noqa: F401  (fixtures)
