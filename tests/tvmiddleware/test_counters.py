"""Attempt counters in the database (the store used without Redis)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from tvmiddleware import counters
from tvmiddleware.models import AttemptCounter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_hits_count_up_within_the_window_and_start_over_after_it():
    assert [counters.hit("k", window=60).count for _ in range(3)] == [1, 2, 3]
    AttemptCounter.objects.filter(key="k").update(expires_at=timezone.now() - timedelta(seconds=1))
    hit = counters.hit("k", window=60)
    assert hit.count == 1 and hit.store == counters.DATABASE
    assert AttemptCounter.objects.get(key="k").expires_at > timezone.now() + timedelta(seconds=50)


def test_give_back_never_goes_below_zero_nor_revives_an_ended_window():
    hit = counters.hit("k", window=60)
    counters.give_back(hit)
    counters.give_back(hit)
    assert AttemptCounter.objects.get(key="k").count == 0
    counters.hit("k", window=60)
    AttemptCounter.objects.filter(key="k").update(expires_at=timezone.now() - timedelta(seconds=1))
    counters.give_back(hit)
    assert AttemptCounter.objects.get(key="k").count == 1


def test_purge_drops_only_ended_windows():
    counters.hit("old", window=60)
    counters.hit("new", window=60)
    AttemptCounter.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert counters.purge_expired() == 1
    assert list(AttemptCounter.objects.values_list("key", flat=True)) == ["new"]
