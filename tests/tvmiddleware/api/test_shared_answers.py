"""Answers rendered once and shared between subscribers stay each subscriber's own answer.

channel/list joins a line-up rendered once per guide state with each account's flags; program/list
keeps the answer of a channel and window for every account without viewing positions; the operator's
stream servers are kept per process. These tests check that nothing of one account reaches another,
and that changes still show at once in this process.
"""
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import factories
from tvmiddleware.selectors import channels as sel
from tvmiddleware import services
from tvmiddleware.models import AccountChannelSetting, ContentPosition, EpgProgram, StreamServiceType

from .conftest import DeviceAPI
from .test_channels import build_lineup


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def second(client, subscriber):
    """A second login of the same customer (same tariffs), logged in on another box."""
    account, password = services.account_create(client=subscriber.client, customer=subscriber.customer,
                                                password="2222")
    api = DeviceAPI(client, replace(subscriber, account=account, password=password))
    assert api.login(device_uid="00:1A:79:00:00:02")["error"] == 0
    return api


def _other_customer(client, subscriber, device_uid: str) -> DeviceAPI:
    """Another customer of the operator, logged in, whose basic tariff opens no channel."""
    customer = services.customer_create(client=subscriber.client, firstname="Other")
    account, password = services.account_create(client=subscriber.client, customer=customer, password="3333")
    services.tariff_assign(customer=customer, tariff=factories.TariffFactory(
        client=subscriber.client, name="Radio", basic_tariff_priority=1, sessions_count=1, basic_sessions_count=1))
    api = DeviceAPI(client, replace(subscriber, customer=customer, account=account, password=password))
    assert api.login(device_uid=device_uid)["error"] == 0
    return api


def _ids(api, **params):
    body = api.json("channel/list/", **params)
    assert body["error"] == 0, body
    return [c["id"] for c in body["channels"]], {c["id"]: c for c in body["channels"]}


class TestChannelList:
    def test_accounts_share_the_line_up_but_keep_their_own_flags(self, logged_in, second, subscriber):
        lineup = build_lineup(subscriber)
        first_order, _ = _ids(logged_in)
        assert _ids(second)[0] == first_order == [lineup.first.pk, lineup.second.pk]
        AccountChannelSetting.objects.create(client=lineup.client, account=subscriber.account,
                                             channel=lineup.second, sort=1, is_favorited=True, is_hidden=True,
                                             is_parent_control=False)
        mine_order, mine = _ids(logged_in)
        theirs_order, theirs = _ids(second)
        assert mine_order == [lineup.second.pk, lineup.first.pk] and theirs_order == first_order
        assert (mine[lineup.second.pk]["is_favorited"], mine[lineup.second.pk]["is_hidden"],
                mine[lineup.second.pk]["is_parent_control"], mine[lineup.second.pk]["channel_sort"]) == (1, 1, 0, 1)
        assert (theirs[lineup.second.pk]["is_favorited"], theirs[lineup.second.pk]["is_hidden"],
                theirs[lineup.second.pk]["is_parent_control"], theirs[lineup.second.pk]["channel_sort"]) == (0, 0, 1, 20)
        # pages of the shared answer are pages of the right list
        assert _ids(second, limit=1, page=2)[0] == [lineup.second.pk]
        assert _ids(logged_in, limit=1, page=2)[0] == [lineup.first.pk]

    def test_subscription_is_per_customer(self, logged_in, subscriber, client):
        lineup = build_lineup(subscriber)
        other = _other_customer(client, subscriber, "00:1A:79:00:00:03")
        other_customer = other.subscriber.customer
        assert _ids(logged_in)[1][lineup.first.pk]["has_subscription"] == 1
        assert _ids(other)[1][lineup.first.pk]["has_subscription"] == 0
        sport = factories.TariffFactory(client=subscriber.client, name="Sport", basic_tariff_priority=0)
        sport.channels.add(lineup.second)
        services.tariff_assign(customer=other_customer, tariff=sport)
        assert _ids(other)[1][lineup.second.pk]["has_subscription"] == 1
        assert _ids(logged_in)[1][lineup.second.pk]["has_subscription"] == 0

    def test_a_saved_change_shows_at_once(self, logged_in, subscriber):
        lineup = build_lineup(subscriber)
        answer = _ids(logged_in)[1]
        assert answer[lineup.first.pk]["name"] == "First"
        assert answer[lineup.second.pk]["additional_categories"] == [{"id": lineup.news.pk, "name": "News"}]
        lineup.news.name = "World"  # categories are not part of the validators, but saving one is seen
        lineup.news.save()
        assert _ids(logged_in)[1][lineup.second.pk]["additional_categories"][0]["name"] == "World"
        lineup.first.name = "First HD"
        lineup.first.save()
        assert _ids(logged_in)[1][lineup.first.pk]["name"] == "First HD"
        lineup.following.name = "Weather at noon"
        lineup.following.save()
        assert _ids(logged_in)[1][lineup.first.pk]["next_program_name"] == "Weather at noon"

    def test_operators_never_share(self, logged_in, subscriber, client):
        build_lineup(subscriber)
        foreign = factories.ClientFactory(api_key="foreign-key")
        factories.ChannelFactory(client=foreign, name="Foreign")
        ids, _ = _ids(logged_in)
        assert all(factories.ChannelFactory._meta.model.objects.get(pk=pk).client_id == subscriber.client.pk
                   for pk in ids)


class TestProgramList:
    @pytest.fixture
    def guide(self, subscriber):
        client = subscriber.client
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        epg = factories.EpgChannelFactory(client=client)
        channel = factories.ChannelFactory(client=client, epg_channel=epg, max_archive_duration=24)
        subscriber.tariff.channels.add(channel)
        EpgProgram.objects.bulk_create([
            EpgProgram(client=client, epg_channel=epg, name=f"Show {h}", begin_time=now + timedelta(hours=h),
                       end_time=now + timedelta(hours=h + 1)) for h in range(-6, 6)])
        return channel, {p.name: p for p in EpgProgram.objects.filter(epg_channel=epg)}, now

    def _programs(self, api, channel, now):
        body = api.json("program/list/", cid=channel.pk, time_from=int((now - timedelta(hours=6)).timestamp()),
                        time_to=int((now + timedelta(hours=6)).timestamp()))
        assert body["error"] == 0, body
        return {p["name"]: p for p in body["programs"]}

    def test_positions_are_the_accounts_own(self, logged_in, second, subscriber, guide):
        channel, programmes, now = guide
        assert self._programs(logged_in, channel, now)["Show -3"]["position"] == 0
        ContentPosition.objects.create(client=subscriber.client, account=subscriber.account, content_type="program",
                                       content_id=programmes["Show -3"].pk, position=321)
        assert self._programs(logged_in, channel, now)["Show -3"]["position"] == 321
        assert self._programs(second, channel, now)["Show -3"]["position"] == 0

    def test_subscription_and_archive_flags_follow_the_account(self, logged_in, subscriber, guide, client):
        channel, _, now = guide
        shown = self._programs(logged_in, channel, now)
        assert shown["Show -3"]["has_subscription"] == 1 and shown["Show -3"]["has_record"] == 1
        assert shown["Show 2"]["has_record"] == 0
        other = _other_customer(client, subscriber, "00:1A:79:00:00:04")
        assert self._programs(other, channel, now)["Show -3"]["has_subscription"] == 0
        services.tariff_remove(customer=subscriber.customer, tariff=subscriber.tariff)
        assert self._programs(logged_in, channel, now)["Show -3"]["has_subscription"] == 0


class TestChannelListPrograms:
    def test_current_programme_as_now_and_next_finds_it(self, logged_in, subscriber):
        client = subscriber.client
        now = timezone.now()
        epgs = [factories.EpgChannelFactory(client=client) for _ in range(4)]
        channels = [factories.ChannelFactory(client=client, epg_channel=epg, sort=i) for i, epg in enumerate(epgs)]
        on_air = [
            # plain guide; a gap now; two programmes overlapping now (the earlier one wins); an old, long one
            [(-30, 30), (30, 90)], [(-90, -10), (20, 80)], [(-40, 20), (-20, 40)], [(-26 * 60, 60)],
        ]
        for epg, slots in zip(epgs, on_air):
            for begin, end in slots:
                factories.EpgProgramFactory(client=client, epg_channel=epg, begin_time=now + timedelta(minutes=begin),
                                            end_time=now + timedelta(minutes=end))
        expected = {epg: (guide.current or {}).get("id")
                    for epg, guide in sel.now_and_next(client=client, epg_channel_ids=[e.pk for e in epgs],
                                                       now=timezone.now()).items()}
        for start, hours in ((-2, 4), (-1, 2), (-30, 1), (2, 3)):  # windows with and without now
            body = logged_in.json("channel/list/programs/", channel_ids=",".join(str(c.pk) for c in channels),
                                  programs_from_ts=int((now + timedelta(hours=start)).timestamp()),
                                  programs_to_ts=int((now + timedelta(hours=start + hours)).timestamp()))
            assert body["error"] == 0, body
            current = {c["id"]: c["current_program_id"] for c in body["channels"]}
            assert current == {c.pk: expected.get(c.epg_channel_id) for c in channels}, (start, hours)


class TestStreamServers:
    def test_a_saved_server_change_is_used_at_once(self, logged_in, subscriber):
        client = subscriber.client
        live = factories.StreamServiceFactory(client=client, type=StreamServiceType.LIVE, priority=1,
                                              url_mask="http://a.example/$prefix/index.m3u8?token=$token")
        backup = factories.StreamServiceFactory(client=client, type=StreamServiceType.LIVE, priority=2,
                                                url_mask="http://b.example/$prefix/index.m3u8?token=$token")
        channel = factories.ChannelFactory(client=client, url_prefix="news")
        subscriber.tariff.channels.add(channel)
        assert logged_in.json("channel/url/", cid=channel.pk, redirect=0)["stream_service_id"] == live.pk
        live.enabled = False
        live.save()
        assert logged_in.json("channel/url/", cid=channel.pk, redirect=0)["stream_service_id"] == backup.pk
        channel.stream_services.add(live)  # names only a disabled server: nothing left to hand out
        assert logged_in.json("channel/url/", cid=channel.pk, redirect=0)["error"] == 1
        channel.stream_services.add(backup)
        assert logged_in.json("channel/url/", cid=channel.pk, redirect=0)["stream_service_id"] == backup.pk
