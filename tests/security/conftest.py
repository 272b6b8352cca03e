"""Security regression tests reuse the device API and streaming fixtures."""
from tests.tvmiddleware.api.conftest import api, logged_in, subscriber  # noqa: F401
from tests.tvmiddleware.streaming.conftest import _isolated_caches, world  # noqa: F401
