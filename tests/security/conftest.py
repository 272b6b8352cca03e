from tests.tvmiddleware.api.conftest import api, logged_in, subscriber  # noqa: F401

from .redis_server import private_redis, redis_cache  # noqa: F401
