"""Fixtures of the streaming tests: an operator with one subscriber watching through one tariff."""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import Account, Channel, Client, Customer, StreamService, StreamServiceType, Tariff
from tvmiddleware.streaming import access


@dataclass
class World:
    client: Client
    customer: Customer
    account: Account
    tariff: Tariff
    channel: Channel
    other_channel: Channel  # not in the tariff
    live: StreamService
    archive: StreamService
    vod: StreamService


# The live server's token check key, known in advance so a streamer's config can be written first.
LIVE_CHECK_KEY = "live-check-key-0123456789abcdef"
SERVICE_CHECK_PATHS = [f"/tvmiddleware/api/streamservice/{LIVE_CHECK_KEY}/token/check/",
                       f"/streaming/api/streamservice/{LIVE_CHECK_KEY}/token/check/"]


def make_world(*, live_mask: str = "http://127.0.0.1:8081/$prefix/index.m3u8?token=$token",
               live_check_key: str = LIVE_CHECK_KEY) -> World:
    """A subscriber with a basic tariff opening one channel, and one server of each type."""
    client = factories.ClientFactory()
    customer = factories.CustomerFactory(client=client)
    account = factories.AccountFactory(customer=customer)
    channel = factories.ChannelFactory(client=client, url_prefix="first", max_archive_duration=72)
    other_channel = factories.ChannelFactory(client=client, url_prefix="second", max_archive_duration=72)
    tariff = factories.TariffFactory(client=client, name="Base", basic_tariff_priority=1, sessions_count=2,
                                     basic_sessions_count=1)
    tariff.channels.add(channel)
    services.tariff_assign(customer=customer, tariff=tariff)
    live = factories.StreamServiceFactory(client=client, type=StreamServiceType.LIVE, url_mask=live_mask,
                                          check_key=live_check_key)
    archive = factories.StreamServiceFactory(
        client=client, type=StreamServiceType.ARCHIVE,
        url_mask="http://archive.example/$cid/video-$flpbt-$flpdur.m3u8?token=$token",
    )
    vod = factories.StreamServiceFactory(client=client, type=StreamServiceType.VOD,
                                         url_mask="http://vod.example/$file/index.m3u8?token=$token&vid=$vid")
    return World(client, customer, account, tariff, channel, other_channel, live, archive, vod)


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture(autouse=True)
def _isolated_caches(settings):
    """Each test gets its own cache namespace (SQLite reuses ids after a rollback, and other suites may
    share the Redis database), and no local layer unless the test turns it on."""
    caches = copy.deepcopy(settings.CACHES)
    suffix = uuid.uuid4().hex[:12]
    default = caches["default"]
    default["KEY_PREFIX"] = f"{default.get('KEY_PREFIX', '')}-streaming-{suffix}"
    if default["BACKEND"].endswith("LocMemCache"):
        default["LOCATION"] = f"streaming-{suffix}"
    settings.CACHES = caches
    settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 0
    access.clear_local_cache()
    yield
    access.clear_local_cache()
    if default["BACKEND"].endswith("LocMemCache"):
        cache.clear()
