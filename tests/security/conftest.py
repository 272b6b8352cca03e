"""Fixtures of the attack tests: the device API's subscriber, the streaming world, the signed APIs'
operator and a private Redis that a test may stop."""
from tests.billing.api.conftest import billing_api, operator  # noqa: F401  (fixtures)
from tests.tvmiddleware.api.conftest import api, logged_in, subscriber  # noqa: F401  (fixtures)
from tests.tvmiddleware.streaming.conftest import _isolated_caches, world  # noqa: F401  (fixtures)

from .redis_server import private_redis, redis_cache  # noqa: F401  (fixtures)
