"""The token check as Flussonic, Astra, nginx and nginx-rtmp call it, on both URLs."""
from __future__ import annotations

import json
import time
from types import SimpleNamespace
from unittest import mock
from urllib.parse import quote

import pytest
from django.db import OperationalError

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import Account, TariffSubscription
from tvmiddleware.streaming import access, tokens
from tvmiddleware.streaming.stream_urls import stream_url

from .conftest import SERVICE_CHECK_PATHS

pytestmark = pytest.mark.django_db

# Smarty's shared URLs (a single-operator installation) and the live server's own check URLs.
URLS = ["/tvmiddleware/api/streamservice/token/check/", "/streaming/api/streamservice/token/check/",
        *SERVICE_CHECK_PATHS]
URL = URLS[0]


def token_of(url: str) -> str:
    return url.split("token=")[1].split("&")[0]


def live_token(world, **kwargs) -> str:
    url, _ = stream_url(account=world.account, kind="live", channel=world.channel, **kwargs)
    return token_of(url)


def flussonic(client, token, *, url=URL, name="first", ip="10.0.0.5", request_type="new_session"):
    return client.get(url, {
        "name": name, "proto": "hls", "ip": ip, "token": token, "request_type": request_type,
        "request_number": 1, "session_id": "2d0f0a54-1b1e-4a3e-9d1c-0c9c8c1e5d11", "stream_clients": 3,
        "total_clients": 10, "qs": f"token={token}", "user_agent": "VLC", "dvr": "false",
        "media_request": "index.m3u8", "type": "live", "unknown_param": "whatever",
    })


def body(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


class TestFlussonic:
    @pytest.mark.parametrize("url", URLS)
    def test_valid_token_allows_with_session_headers(self, client, world, url):
        response = flussonic(client, live_token(world), url=url)
        assert response.status_code == 200 and body(response) == {"error": 0}
        assert response["X-AuthDuration"] == "180"
        assert response["X-UserId"] == str(world.account.pk)
        assert response["X-Max-Sessions"] == "3"

    def test_update_session_keeps_working(self, client, world):
        token = live_token(world)
        assert flussonic(client, token).status_code == 200
        assert flussonic(client, token, request_type="update_session").status_code == 200

    def test_other_stream_name_is_refused(self, client, world):
        response = flussonic(client, live_token(world), name="second")
        assert response.status_code == 403 and body(response) == {"error": 2}

    def test_no_max_sessions_header_when_unknown(self, client, world):
        world.tariff.__class__.objects.filter(pk=world.tariff.pk).update(sessions_count=0, basic_sessions_count=0)
        response = flussonic(client, live_token(world))
        assert response.status_code == 200 and "X-Max-Sessions" not in response

    @pytest.mark.parametrize("url", URLS)
    def test_head_and_token_in_qs_only(self, client, world, url):
        token = live_token(world)
        assert client.get(url, {"name": "first", "qs": f"a=1&token={token}"}).status_code == 200
        assert client.head(url, {"token": token}).status_code == 200


    def test_percent_encoded_non_ascii_stream_name(self, client, world):
        world.channel.url_prefix = "первый канал"
        world.channel.save()
        token = live_token(world)
        assert client.get(f"{URL}?name={quote('первый канал')}&token={token}").status_code == 200
        assert client.get(f"{URL}?name=%D0%BF&token={token}").status_code == 403


class TestAstra:
    def test_viewer_query_string_and_real_ip(self, client, world):
        world.live.check_ip = True
        world.live.save()
        token = live_token(world, ip="198.51.100.7")
        ok = client.get(URL, {"token": token, "foo": "bar"}, HTTP_X_REAL_IP="198.51.100.7",
                        HTTP_X_SESSION_ID="42", HTTP_X_CHANNEL_ID="7", HTTP_X_REAL_PATH="/first/")
        assert ok.status_code == 200
        other = client.get(URL, {"token": token}, HTTP_X_REAL_IP="198.51.100.8")
        assert other.status_code == 403 and body(other) == {"error": 3}

    def test_ip_not_checked_when_the_service_does_not(self, client, world):
        token = live_token(world, ip="198.51.100.7")
        assert client.get(URL, {"token": token}, HTTP_X_REAL_IP="203.0.113.1").status_code == 200


class TestNginx:
    def test_auth_request_query(self, client, world):
        token = live_token(world)
        response = client.get(URL, {"name": "first", "token": token, "ip": "127.0.0.1", "proto": "hls"},
                              HTTP_X_ORIGINAL_URI=f"/live/first/index.m3u8?token={token}")
        assert response.status_code == 200

    def test_token_from_original_uri_when_the_config_passes_none(self, client, world):
        token = live_token(world)
        response = client.get(URL, {"name": "first", "token": ""},
                              HTTP_X_ORIGINAL_URI=f"/live/first/index.m3u8?x=1&token={token}")
        assert response.status_code == 200

    @pytest.mark.parametrize("url", URLS)
    def test_rtmp_on_play_form(self, client, world, url):
        world.live.check_ip = True
        world.live.save()
        token = live_token(world, ip="192.0.2.10")
        form = {"app": "live", "name": "first", "addr": "192.0.2.10", "clientid": "17", "call": "play",
                "flashver": "LNX 9,0,124,2", "token": token}
        assert client.post(url, form).status_code == 200
        refused = client.post(url, {**form, "addr": "192.0.2.99"})
        assert refused.status_code == 403 and body(refused) == {"error": 3}
        forged = client.post(url, {**form, "token": token[:-2] + "AA"})
        assert forged.status_code == 403 and body(forged) == {"error": 1}


class TestRefusals:
    @pytest.mark.parametrize("url", URLS)
    @pytest.mark.parametrize("token", ["", "x", "not a token!", "A" * 513, "A" * 20_000, "%00%ff", "токен"])
    def test_garbage_is_403_error_1(self, client, world, url, token):
        response = client.get(url, {"token": token, "name": "first"})
        assert response.status_code == 403 and body(response) == {"error": 1}

    def test_no_parameters_at_all(self, client, db):
        response = client.get(URL)
        assert response.status_code == 403 and body(response) == {"error": 1}

    def test_forged_token(self, client, world, settings):
        settings.SECRET_KEY = "attacker-guess"
        forged = live_token(world)
        settings.SECRET_KEY = "test-secret-key"
        assert flussonic(client, forged).status_code == 403

    def test_expired_token(self, client, world):
        token = live_token(world, now=time.time() - 4000)
        response = flussonic(client, token)
        assert response.status_code == 403 and body(response) == {"error": 1}

    def test_token_for_a_channel_the_tariff_does_not_open(self, client, world):
        url, _ = stream_url(account=world.account, kind="live", channel=world.other_channel)
        response = flussonic(client, token_of(url), name="second")
        assert response.status_code == 403 and body(response) == {"error": 1}

    def test_odd_requests_never_500(self, client, world):
        token = live_token(world)
        assert client.put(URL, {"token": token}).status_code == 405
        bad_multipart = client.generic("POST", URL, b"--x\r\ngarbage", content_type="multipart/form-data; boundary=x")
        assert bad_multipart.status_code == 403
        assert client.post(URL, b"\xff\xfe" * 100, content_type="application/x-www-form-urlencoded").status_code == 403
        assert client.get(URL, {"token": token, "ip": "x" * 10_000, "name": "y" * 10_000}).status_code == 403
        assert client.get(URL, {"token": [token, "junk"]}).status_code == 403  # last value counts
        assert client.get(URL, HTTP_X_ORIGINAL_URI="http://[::1/?token=%zz").status_code == 403
        assert client.get(f"{URL}?name=first&token={token}%").status_code == 403
        assert client.get(f"{URL}?name=first&token={token}").status_code == 200

    def test_database_down_is_503(self, client, world):
        token = live_token(world)
        with mock.patch("tvmiddleware.streaming.access.account_state", side_effect=OperationalError("down")):
            response = flussonic(client, token)
        assert response.status_code == 503 and body(response) == {"error": 1}


class TestRevocation:
    def test_blocked_account_is_cut_at_the_next_check(self, client, world):
        token = live_token(world)
        assert flussonic(client, token).status_code == 200
        Account.objects.filter(pk=world.account.pk).update(active=False, status_reason="BLOCK")
        access.invalidate_account(world.account.pk)
        response = flussonic(client, token, request_type="update_session")
        assert response.status_code == 403 and body(response) == {"error": 1}

    def test_removed_tariff_is_cut_at_the_next_check(self, client, world):
        token = live_token(world)
        assert flussonic(client, token).status_code == 200
        services.tariff_remove(customer=world.customer, tariff=world.tariff)
        access.invalidate_customer(world.customer.pk)
        assert flussonic(client, token, request_type="update_session").status_code == 403

    def test_without_invalidation_within_auth_duration(self, client, world, settings):
        settings.TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION = 2
        token = live_token(world)
        assert flussonic(client, token).status_code == 200
        # Closed behind the services' back (a raw update, no invalidation; the service invalidates at once).
        TariffSubscription.objects.filter(customer=world.customer, tariff=world.tariff).update(is_closed=True)
        assert flussonic(client, token).status_code == 200  # the decision is cached...
        time.sleep(2.1)
        assert flussonic(client, token).status_code == 403  # ...for AUTH_DURATION at most

    @pytest.mark.parametrize("url", URLS)
    def test_token_naming_another_operator_for_the_account_is_refused(self, client, world, url):
        other = factories.ClientFactory()
        impostor = SimpleNamespace(pk=world.account.pk, client_id=other.pk)
        token = tokens.issue(account=impostor, stream_service=world.live, kind="live",
                             content_id=world.channel.pk, name="first", ip=None)
        assert flussonic(client, token, url=url).status_code == 403

    def test_token_naming_another_operators_account_is_refused_at_this_service(self, client, world):
        """Operator and service agree, but the account is another operator's (the snapshot's check)."""
        stranger = factories.AccountFactory(customer=factories.CustomerFactory())
        impostor = SimpleNamespace(pk=stranger.pk, client_id=world.client.pk)
        token = tokens.issue(account=impostor, stream_service=world.live, kind="live",
                             content_id=world.channel.pk, name="first", ip=None)
        assert flussonic(client, token, url=SERVICE_CHECK_PATHS[0]).status_code == 403


class TestHotPath:
    @pytest.mark.parametrize("local_seconds", [0, 5])
    def test_warm_check_runs_no_query(self, client, world, settings, django_assert_num_queries, local_seconds):
        settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = local_seconds
        token = live_token(world)
        assert flussonic(client, token).status_code == 200
        fresh = live_token(world)  # another URL for the same account: still no query
        with django_assert_num_queries(0):
            for _ in range(5):
                assert flussonic(client, token, request_type="update_session").status_code == 200
                assert flussonic(client, fresh).status_code == 200
                assert flussonic(client, fresh, name="second").status_code == 403

    def test_ping(self, client, django_assert_num_queries):
        with django_assert_num_queries(0):
            response = client.get("/streaming/api/ping/")
        assert response.status_code == 200 and body(response) == {"error": 0}
