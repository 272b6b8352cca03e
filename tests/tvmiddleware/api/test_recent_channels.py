"""content/position/remember/channel, channel/list/last and the login answer's last_channel."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tvmiddleware.models import RecentChannel
from tvmiddleware.services.account_settings import RECENT_CHANNELS_KEPT


@pytest.fixture
def channels(subscriber):
    return [factories.ChannelFactory(client=subscriber.client, name=f"Channel {n}") for n in range(4)]


def test_remembered_channels_come_back_latest_first(logged_in, channels):
    for channel in (channels[0], channels[1], channels[2], channels[0]):
        assert logged_in.json("content/position/remember/channel/", channel_id=channel.pk) == {
            "error": 0, "error_message": ""}
    body = logged_in.json("channel/list/last/")
    assert [c["id"] for c in body["channels"]] == [channels[0].pk, channels[2].pk, channels[1].pk]
    assert body["channels"][0]["name"] == "Channel 0" and "icon" in body["channels"][0]
    assert logged_in.login()["last_channel"] == channels[0].pk


def test_unknown_hidden_or_foreign_channels_are_refused(logged_in, subscriber, channels):
    hidden = factories.ChannelFactory(client=subscriber.client, is_hidden=True)
    foreign = factories.ChannelFactory(client=factories.ClientFactory())
    for channel_id in (hidden.pk, foreign.pk, 10**12, "abc", ""):
        assert logged_in.json("content/position/remember/channel/", channel_id=channel_id)["error"] == 1
    assert not RecentChannel.objects.exists()


def test_only_the_newest_are_kept_and_hidden_ones_drop_out(logged_in, subscriber):
    many = [factories.ChannelFactory(client=subscriber.client) for _ in range(RECENT_CHANNELS_KEPT + 3)]
    for channel in many:
        logged_in.json("content/position/remember/channel/", channel_id=channel.pk)
    ids = [c["id"] for c in logged_in.json("channel/list/last/")["channels"]]
    assert ids == [c.pk for c in reversed(many[3:])]
    many[-1].is_hidden = True
    many[-1].save()
    assert many[-1].pk not in [c["id"] for c in logged_in.json("channel/list/last/")["channels"]]


def test_the_list_runs_a_fixed_number_of_queries(logged_in, channels):
    logged_in.json("content/position/remember/channel/", channel_id=channels[0].pk)
    logged_in.json("channel/list/last/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            logged_in.json("channel/list/last/")
        return len(queries)

    before = count()
    for channel in channels[1:]:
        logged_in.json("content/position/remember/channel/", channel_id=channel.pk)
    assert count() == before


def test_a_fresh_account_has_no_last_channel(api):
    assert api.login()["last_channel"] is None
