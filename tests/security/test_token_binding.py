"""A stream token is valid only at the streamer of the stream service it was issued for.

The attack: two operators both name a channel `ch1` on their streamers. A subscriber of operator 1
takes the token of his `ch1` URL to operator 2's streamer; the streamer asks the middleware with
`name=ch1`, and the token (genuine, for a stream named ch1) used to be accepted.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import Client, StreamService, StreamServiceType
from tvmiddleware.streaming import access, check_urls, tokens
from tvmiddleware.streaming.stream_urls import stream_service_rotate_check_key, stream_url

pytestmark = pytest.mark.django_db

SHARED_URLS = ["/tvmiddleware/api/streamservice/token/check/", "/streaming/api/streamservice/token/check/"]


def service_urls(service: StreamService) -> list[str]:
    return [check_urls.check_path(service.check_key),
            check_urls.check_path(service.check_key, prefix="/streaming/api/")]


@dataclass
class Operator:
    client: Client
    account: object
    channel: object
    live: StreamService


def make_operator(*, name: str = "ch1") -> Operator:
    """An operator whose subscriber may watch its channel `name` through one live server."""
    client = factories.ClientFactory()
    customer = factories.CustomerFactory(client=client)
    account = factories.AccountFactory(customer=customer)
    channel = factories.ChannelFactory(client=client, url_prefix=name)
    tariff = factories.TariffFactory(client=client, basic_tariff_priority=1)
    tariff.channels.add(channel)
    services.tariff_assign(customer=customer, tariff=tariff)
    live = factories.StreamServiceFactory(client=client, type=StreamServiceType.LIVE,
                                          url_mask="http://streamer.example/$prefix/index.m3u8?token=$token")
    return Operator(client, account, channel, live)


def token_for(operator: Operator, **kwargs) -> str:
    url, service = stream_url(account=operator.account, kind="live", channel=operator.channel, **kwargs)
    return url.split("token=")[1].split("&")[0]


def check(client, url: str, token: str, *, name: str = "ch1"):
    return client.get(url, {"name": name, "token": token, "ip": "10.0.0.5", "proto": "hls",
                            "request_type": "new_session"})


def refused(response) -> bool:
    return response.status_code == 403 and json.loads(response.content) == {"error": tokens.EXPIRED}


@pytest.fixture(autouse=True)
def _fresh_process_copies():
    access.clear_local_cache()
    yield
    access.clear_local_cache()


@pytest.fixture
def one():
    return make_operator()


@pytest.fixture
def two(one):
    return make_operator()


class TestCrossOperator:
    def test_each_token_plays_at_its_own_operators_streamer(self, client, one, two):
        for operator in (one, two):
            for url in service_urls(operator.live):
                assert check(client, url, token_for(operator)).status_code == 200

    @pytest.mark.parametrize("prefix", ["/tvmiddleware/api/", "/streaming/api/"])
    def test_operator_1s_token_at_operator_2s_streamer_is_refused(self, client, one, two, prefix):
        url = check_urls.check_path(two.live.check_key, prefix=prefix)
        assert refused(check(client, url, token_for(one)))

    @pytest.mark.parametrize("prefix", ["/tvmiddleware/api/", "/streaming/api/"])
    def test_operator_2s_token_at_operator_1s_streamer_is_refused(self, client, one, two, prefix):
        url = check_urls.check_path(one.live.check_key, prefix=prefix)
        assert refused(check(client, url, token_for(two)))

    @pytest.mark.parametrize("url", SHARED_URLS)
    def test_shared_url_with_two_operators_refuses_every_token(self, client, one, two, url):
        assert refused(check(client, url, token_for(one)))
        assert refused(check(client, url, token_for(two)))

    @pytest.mark.parametrize("url", SHARED_URLS)
    def test_shared_url_closes_when_a_second_operator_is_created(self, client, one, url):
        token = token_for(one)
        assert check(client, url, token).status_code == 200
        make_operator()
        assert refused(check(client, url, token))

    def test_refused_tokens_are_not_prolonged(self, client, one, two, settings):
        """A refused check must not extend a token it did not accept (prolongation happens in verify)."""
        token = token_for(one, now=time.time() - settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL + 60)
        with pytest.MonkeyPatch.context() as patch:
            calls = []
            patch.setattr(tokens, "_prolong_if_due", lambda *a: calls.append(a))
            assert refused(check(client, check_urls.check_path(two.live.check_key), token))
        assert calls == []


class TestSharedUrlSetting:
    @pytest.mark.parametrize("url", SHARED_URLS)
    def test_single_operator_install_keeps_smartys_url(self, client, one, url):
        assert check(client, url, token_for(one)).status_code == 200

    def test_off_closes_it_even_for_a_single_operator(self, client, one, settings):
        settings.TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL = "off"
        assert refused(check(client, SHARED_URLS[0], token_for(one)))
        assert check(client, service_urls(one.live)[0], token_for(one)).status_code == 200

    def test_on_keeps_it_open_for_several_operators(self, client, one, two, settings):
        settings.TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL = "on"
        assert check(client, SHARED_URLS[0], token_for(one)).status_code == 200
        assert check(client, SHARED_URLS[0], token_for(two)).status_code == 200

    def test_unknown_value_fails_closed(self, client, one, settings):
        settings.TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL = "yes please"
        assert refused(check(client, SHARED_URLS[0], token_for(one)))

    @pytest.mark.parametrize("mode", ["auto", "on"])
    def test_open_shared_url_still_wants_the_tokens_service_to_be_its_operators(self, client, one, settings, mode):
        """A genuine token naming another operator's service (or one since deleted) is refused."""
        settings.TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL = mode
        if mode == "on":
            two = make_operator()
            foreign_service = two.live
        else:
            foreign_service = SimpleNamespace(pk=one.live.pk + 1000, check_ip=False, token_ttl=None)
        token = tokens.issue(account=one.account, stream_service=foreign_service, kind="live",
                             content_id=one.channel.pk, name="ch1", ip=None)
        assert refused(check(client, SHARED_URLS[0], token))
        doomed = token_for(one)
        assert check(client, SHARED_URLS[0], doomed).status_code == 200
        one.live.delete()
        assert refused(check(client, SHARED_URLS[0], doomed))


class TestSameOperatorServices:
    @pytest.fixture
    def second_live(self, one):
        return factories.StreamServiceFactory(client=one.client, type=StreamServiceType.LIVE, priority=5,
                                              url_mask="http://other.example/$prefix/index.m3u8?token=$token")

    def test_token_for_service_a_is_refused_at_service_b(self, client, one, second_live):
        token = token_for(one)  # issued for `one.live` (lower priority number)
        assert check(client, service_urls(one.live)[0], token).status_code == 200
        for url in service_urls(second_live):
            assert refused(check(client, url, token))

    def test_services_sharing_a_key_accept_each_others_tokens(self, client, one, second_live):
        """One Flussonic serving two services: the operator gives them one key (and one URL)."""
        second_live.check_key = one.live.check_key
        second_live.full_clean()
        second_live.save()
        failover = token_for(one, exclude_service_ids=[one.live.pk])
        assert check(client, service_urls(one.live)[0], token_for(one)).status_code == 200
        assert check(client, service_urls(one.live)[0], failover).status_code == 200

    def test_archive_token_at_the_live_servers_url_is_refused_unless_they_share_a_key(self, client, one):
        one.channel.max_archive_duration = 72
        one.channel.save()
        archive = factories.StreamServiceFactory(client=one.client, type=StreamServiceType.ARCHIVE,
                                                 url_mask="http://streamer.example/$prefix/a-$flpbt.m3u8?token=$token")
        url, _ = stream_url(account=one.account, kind="archive", channel=one.channel, begin=time.time() - 600,
                            duration=300)
        token = url.split("token=")[1]
        assert refused(check(client, service_urls(one.live)[0], token))
        archive.check_key = one.live.check_key
        archive.save()
        assert check(client, service_urls(one.live)[0], token).status_code == 200


class TestCheckKeys:
    def test_keys_are_unguessable_and_distinct(self, one, two):
        keys = {one.live.check_key, two.live.check_key, make_operator().live.check_key}
        assert len(keys) == 3 and all(len(key) >= 32 for key in keys)

    def test_another_operators_key_cannot_be_copied(self, one, two):
        two.live.check_key = one.live.check_key
        with pytest.raises(ValidationError) as error:
            two.live.full_clean()
        assert "check_key" in error.value.message_dict

    @pytest.mark.parametrize("key", ["short", "has space in it 0123456789", "x" * 65])
    def test_weak_or_malformed_keys_are_refused(self, one, key):
        one.live.check_key = key
        with pytest.raises(ValidationError):
            one.live.full_clean()

    @pytest.mark.parametrize("key", ["unknown-key-0123456789abcdef", "A" * 128, "..", "%00", "ключ"])
    def test_unknown_key_refuses(self, client, one, key):
        assert refused(check(client, check_urls.check_path(key), token_for(one)))

    def test_too_long_key_is_not_routed(self, client, one):
        assert client.get(check_urls.check_path("A" * 129), {"token": token_for(one)}).status_code == 404

    def test_rotated_key_stops_working_and_the_new_one_works(self, client, one):
        token = token_for(one)
        old_url = service_urls(one.live)[0]
        assert check(client, old_url, token).status_code == 200
        stream_service_rotate_check_key(service=one.live)
        one.live.refresh_from_db()
        assert refused(check(client, old_url, token))
        assert check(client, service_urls(one.live)[0], token).status_code == 200

    def test_rotation_keeps_services_sharing_a_key_together(self, one):
        partner = factories.StreamServiceFactory(client=one.client, type=StreamServiceType.ARCHIVE,
                                                 check_key=one.live.check_key)
        old = one.live.check_key
        stream_service_rotate_check_key(service=one.live)
        one.live.refresh_from_db()
        partner.refresh_from_db()
        assert one.live.check_key == partner.check_key != old

    def test_key_of_a_service_created_in_another_process_is_found(self, client, one, monkeypatch):
        """Another process saved the service: this one's copy does not know the key yet."""
        check(client, service_urls(one.live)[0], token_for(one))  # this process's copy is warm
        StreamService.objects.filter(pk=one.live.pk).update(check_key="made-elsewhere-0123456789abcdef")
        monkeypatch.setattr(check_urls, "_last_miss_reload", [0.0])
        url = check_urls.check_path("made-elsewhere-0123456789abcdef")
        assert check(client, url, token_for(one)).status_code == 200


class TestHotPath:
    def test_warm_service_check_runs_no_query(self, client, one, django_assert_num_queries):
        url = service_urls(one.live)[0]
        token = token_for(one)
        assert check(client, url, token).status_code == 200
        fresh = token_for(one)
        with django_assert_num_queries(0):
            for _ in range(5):
                assert check(client, url, token).status_code == 200
                assert check(client, url, fresh).status_code == 200

    def test_random_keys_reload_at_most_once_per_second(self, client, one, django_assert_max_num_queries):
        token = token_for(one)
        check(client, service_urls(one.live)[0], token)
        with django_assert_max_num_queries(2):  # one reload: services and the operator count
            for n in range(50):
                assert refused(check(client, check_urls.check_path(f"guess-{n:04d}-0123456789abcdef"), token))
