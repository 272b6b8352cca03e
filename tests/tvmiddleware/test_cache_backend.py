"""common.cache.RedisCache: Django's Redis backend with one client per pool (production cache)."""
import os
import threading
import uuid

import pytest

from common.cache import RedisCache

pytestmark = pytest.mark.services

REDIS_URL = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def backend():
    return RedisCache(REDIS_URL, {"KEY_PREFIX": f"tvmw-cache-test-{uuid.uuid4().hex}"})


def test_behaves_like_djangos_backend(backend):
    backend.set("a", {"x": 1}, 30)
    assert backend.get("a") == {"x": 1} and backend.get("missing", "default") == "default"
    assert backend.add("a", 2) is False and backend.add("b", 2) is True
    assert backend.incr("b") == 3
    backend.set_many({"c": 1, "d": [1, 2]}, 30)
    assert backend.get_many(["c", "d", "e"]) == {"c": 1, "d": [1, 2]}
    backend.delete_many(["a", "b", "c", "d"])
    assert backend.get("a") is None and backend.get("b") is None


def test_one_client_per_pool_shared_by_threads(backend):
    client = backend._cache.get_client("k")
    assert backend._cache.get_client("other", write=True) is client

    def work(n: int) -> None:
        for i in range(50):
            backend.set(f"t{n}-{i}", i, 30)
            assert backend.get(f"t{n}-{i}") == i

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert backend.get("t7-49") == 49
