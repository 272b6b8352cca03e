"""The v2 account methods: accountsettingsinfo, channels/sort, channels/update, video/update."""
from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tvmiddleware.models import AccountChannelSetting, AccountVideoSetting


@pytest.fixture
def channels(subscriber):
    client = subscriber.client
    made = [factories.ChannelFactory(client=client, name=f"C{i}", sort=i) for i in range(4)]
    made[3].is_parent_control = True
    made[3].save()
    return made


def _flags(api) -> dict[int, tuple[int, int, int]]:
    return {c["id"]: (c["is_favorited"], c["is_hidden"], c["is_parent_control"])
            for c in api.json("channel/list/")["channels"]}


def test_update_then_info_and_channel_list(logged_in, channels):
    a, b, c, locked = channels
    assert logged_in.json("v2/account/channels/accountsettingsinfo/") == {
        "error": 0, "error_message": "", "is_favorited": [], "is_hidden": [], "is_parent_control": [locked.pk]}
    payload = [{"channel_id": a.pk, "is_favorited": 1}, {"channel_id": b.pk, "is_hidden": 1, "is_parent_control": 1},
               {"channel_id": locked.pk, "is_parent_control": 0}]
    assert logged_in.json("v2/account/channels/update/", post=True, account_channels=json.dumps(payload)) == {
        "error": 0, "error_message": ""}
    assert logged_in.json("v2/account/channels/accountsettingsinfo/") == {
        "error": 0, "error_message": "", "is_favorited": [a.pk], "is_hidden": [b.pk], "is_parent_control": [b.pk]}
    flags = _flags(logged_in)
    assert flags[a.pk] == (1, 0, 0) and flags[b.pk] == (0, 1, 1) and flags[locked.pk] == (0, 0, 0)
    # absent favourite and hidden flags are 0 (the reference's defaults); an absent lock stays
    logged_in.json("v2/account/channels/update/", post=True, account_channels=json.dumps([{"channel_id": b.pk}]))
    assert _flags(logged_in)[b.pk] == (0, 0, 1)


def test_update_as_a_json_body(logged_in, channels):
    a = channels[0]
    response = logged_in.http.post("/tvmiddleware/api/v2/account/channels/update/?client_id="
                                   f"{logged_in.subscriber.client.pk}&authkey={logged_in.authkey}",
                                   json.dumps({"account_channels": [{"channel_id": a.pk, "is_favorited": 1}]}),
                                   content_type="application/json")
    assert response.json()["error"] == 0
    assert _flags(logged_in)[a.pk][0] == 1


def test_sort_is_the_channel_list_order(logged_in, channels):
    ids = [c.pk for c in channels]
    order = [ids[2], ids[0], ids[3], ids[1]]
    assert logged_in.json("v2/account/channels/sort/", post=True, channel_ids=json.dumps(order)) == {
        "error": 0, "error_message": ""}
    listed = logged_in.json("channel/list/")["channels"]
    assert [c["id"] for c in listed] == order and [c["channel_sort"] for c in listed] == [0, 1, 2, 3]
    assert [c["id"] for c in logged_in.json("channel/list/", account_sort=0)["channels"]] == ids
    # comma separated too; flags set before stay
    logged_in.json("v2/account/channels/update/", post=True,
                   account_channels=json.dumps([{"channel_id": ids[1], "is_favorited": 1}]))
    assert logged_in.json("v2/account/channels/sort/", post=True, channel_ids=",".join(map(str, ids[::-1])))[
        "error"] == 0
    listed = logged_in.json("channel/list/")["channels"]
    assert [c["id"] for c in listed] == ids[::-1]
    assert {c["id"]: c["is_favorited"] for c in listed}[ids[1]] == 1


@pytest.mark.parametrize("method,name,value", [
    ("v2/account/channels/sort/", "channel_ids", None), ("v2/account/channels/sort/", "channel_ids", "[1, 1]"),
    ("v2/account/channels/sort/", "channel_ids", "{}"), ("v2/account/channels/sort/", "channel_ids", "[0]"),
    ("v2/account/channels/sort/", "channel_ids", "[true]"), ("v2/account/channels/sort/", "channel_ids", "[["),
    ("v2/account/channels/sort/", "channel_ids", "[]"),
    ("v2/account/channels/update/", "account_channels", None),
    ("v2/account/channels/update/", "account_channels", '[{"channel_id": "x"}]'),
    ("v2/account/channels/update/", "account_channels", '[{"is_favorited": 1}]'),
    ("v2/account/channels/update/", "account_channels", '[{"channel_id": 1, "is_hidden": 2}]'),
    ("v2/account/channels/update/", "account_channels", "[1]"),
    ("v2/account/video/update/", "account_video", None),
    ("v2/account/video/update/", "account_video", '[{"id": 1, "is_favorited": "yes"}]'),
    ("v2/account/video/update/", "account_video", '{"id": 1}'),
])
def test_bad_lists_are_400(logged_in, channels, method, name, value):
    params = {} if value is None else {name: value}
    body = logged_in.json(method, post=True, **params)
    assert body["error"] == 400, body


def test_another_operators_channel_or_video_is_404_and_nothing_is_saved(logged_in, subscriber, channels):
    other = factories.ClientFactory()
    theirs = factories.ChannelFactory(client=other)
    their_video = factories.VideoFactory(client=other)
    mine = channels[0]
    for method, params in (
        ("v2/account/channels/sort/", {"channel_ids": json.dumps([mine.pk, theirs.pk])}),
        ("v2/account/channels/update/", {"account_channels": json.dumps([{"channel_id": mine.pk, "is_favorited": 1},
                                                                         {"channel_id": theirs.pk}])}),
        ("v2/account/video/update/", {"account_video": json.dumps([{"id": their_video.pk, "is_favorited": 1}])}),
        ("v2/account/channels/update/", {"account_channels": json.dumps([{"channel_id": 10**12}])}),
    ):
        assert logged_in.json(method, post=True, **params)["error"] == 404, method
    assert not AccountChannelSetting.objects.exists() and not AccountVideoSetting.objects.exists()


def test_video_update_marks_favourites(logged_in, subscriber):
    client = subscriber.client
    one, two = factories.VideoFactory(client=client), factories.VideoFactory(client=client)
    payload = [{"id": one.pk, "is_favorited": 1}, {"id": two.pk, "is_favorited": 1}]
    assert logged_in.json("v2/account/video/update/", post=True, account_video=json.dumps(payload)) == {
        "error": 0, "error_message": ""}
    favourites = set(AccountVideoSetting.objects.filter(account=subscriber.account, is_favorited=True)
                     .values_list("video_id", flat=True))
    assert favourites == {one.pk, two.pk}
    logged_in.json("v2/account/video/update/", post=True, account_video=json.dumps([{"id": one.pk}]))
    favourites = set(AccountVideoSetting.objects.filter(account=subscriber.account, is_favorited=True)
                     .values_list("video_id", flat=True))
    assert favourites == {two.pk}


def test_settings_are_the_accounts_own(logged_in, subscriber, channels):
    """Another subscriber of the operator sees none of them."""
    from tvmiddleware import services

    logged_in.json("v2/account/channels/update/", post=True,
                   account_channels=json.dumps([{"channel_id": channels[0].pk, "is_favorited": 1}]))
    customer = services.customer_create(client=subscriber.client, firstname="Other")
    account, password = services.account_create(client=subscriber.client, customer=customer, abonement="100002",
                                                 password="2222")
    services.tariff_assign(customer=customer, tariff=subscriber.tariff)
    body = logged_in.json("login/", auth=False, abonement="100002", password=password, api_key="device-key",
                          device="mag", device_uid="00:1A:79:00:00:02")
    other = logged_in.json("v2/account/channels/accountsettingsinfo/", authkey=body["authkey"])
    assert other["is_favorited"] == []


def test_update_and_info_queries_stay_constant(logged_in, subscriber):
    def update(n: int) -> int:
        made = [factories.ChannelFactory(client=subscriber.client) for _ in range(n)]
        payload = json.dumps([{"channel_id": c.pk, "is_favorited": 1} for c in made])
        with CaptureQueriesContext(connection) as ctx:
            assert logged_in.json("v2/account/channels/update/", post=True, account_channels=payload)["error"] == 0
        return len(ctx.captured_queries)

    def info() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert logged_in.json("v2/account/channels/accountsettingsinfo/")["error"] == 0
        return len(ctx.captured_queries)

    update(1)  # the session's rows, read once
    assert update(2) == update(20)
    info()
    two = info()
    factories.ChannelFactory(client=subscriber.client)
    info()
    assert info() == two
