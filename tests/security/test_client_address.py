"""Client addresses come from forwarding headers only through configured proxies.

The attacks: a client that simply sends `X-Forwarded-For` / `X-Real-IP` logged in without credentials
on an account allowing login by IP, passed an account's subnet rule, and dodged the per-IP failure
limit by rotating the header. A token bound to a viewer's IP was usable by anyone claiming that IP
to the token check.
"""
from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from tvmiddleware import services
from common.client_address import client_ip, from_streamer
from tvmiddleware.streaming.stream_urls import stream_url

pytestmark = pytest.mark.django_db

ALLOWED = "203.0.113.10"  # inside the account's subnet
ATTACKER = "198.51.100.66"
PROXY = "10.9.0.2"


def request(remote_addr: str = ATTACKER, **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


class TestResolution:
    def test_headers_of_an_untrusted_peer_are_ignored(self, settings):
        settings.TRUSTED_PROXIES = []
        spoofed = request(HTTP_X_FORWARDED_FOR=ALLOWED, HTTP_X_REAL_IP=ALLOWED)
        assert client_ip(spoofed) == ATTACKER

    def test_headers_are_ignored_when_the_peer_is_not_a_configured_proxy(self, settings):
        settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
        assert client_ip(request(HTTP_X_FORWARDED_FOR=ALLOWED, HTTP_X_REAL_IP=ALLOWED)) == ATTACKER

    def test_right_most_untrusted_hop_through_a_trusted_proxy(self, settings):
        settings.TRUSTED_PROXIES = ["10.9.0.0/24", "10.8.0.1"]
        # The client forged the left entry; our proxies appended the real hops.
        forwarded = f"{ALLOWED}, {ATTACKER}, 10.8.0.1"
        assert client_ip(request(PROXY, HTTP_X_FORWARDED_FOR=forwarded)) == ATTACKER

    def test_garbage_hop_stops_the_walk(self, settings):
        settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
        assert client_ip(request(PROXY, HTTP_X_FORWARDED_FOR=f"{ALLOWED}, not-an-ip")) == PROXY

    def test_x_real_ip_only_from_a_trusted_proxy_without_x_forwarded_for(self, settings):
        settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
        assert client_ip(request(PROXY, HTTP_X_REAL_IP=ATTACKER)) == ATTACKER
        assert client_ip(request(PROXY, HTTP_X_REAL_IP="garbage")) == PROXY
        assert client_ip(request(ATTACKER, HTTP_X_REAL_IP=ALLOWED)) == ATTACKER

    def test_ipv4_mapped_peer_is_folded(self, settings):
        settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
        assert client_ip(request("::ffff:10.9.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)) == ATTACKER
        assert client_ip(request("::ffff:198.51.100.66")) == ATTACKER

    def test_setting_from_environment_string_and_bad_entries(self, settings):
        settings.TRUSTED_PROXIES = "10.9.0.0/24, 10.8.0.1"
        assert client_ip(request(PROXY, HTTP_X_FORWARDED_FOR=ALLOWED)) == ALLOWED
        settings.TRUSTED_PROXIES = ["not-a-network"]
        with pytest.raises(ImproperlyConfigured):
            client_ip(request(PROXY))

    def test_streamers(self, settings):
        settings.STREAMER_ADDRESSES = ["192.0.2.0/28"]
        assert from_streamer(request("192.0.2.5"))
        assert not from_streamer(request(ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.5"))


class TestDeviceLogin:
    """`login/` as the issue reproduced it, from the test client's loopback address."""

    def test_login_by_ip_without_credentials_is_not_granted_by_a_forged_header(self, api, subscriber, settings):
        settings.TRUSTED_PROXIES = []
        services.account_modify(account=subscriber.account, allow_login_by_ip=True, subnets="203.0.113.0/24")
        params = {"client_id": subscriber.client.pk, "api_key": subscriber.client.api_key}
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP"):
            body = api.http.get("/tvmiddleware/api/login/", params, **{header: ALLOWED}).json()
            assert body["error"] != 0 and "authkey" not in body, header

    def test_login_by_ip_through_a_trusted_proxy_still_works(self, api, subscriber, settings):
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        services.account_modify(account=subscriber.account, allow_login_by_ip=True, subnets="203.0.113.0/24")
        params = {"client_id": subscriber.client.pk, "api_key": subscriber.client.api_key}
        body = api.http.get("/tvmiddleware/api/login/", params, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ALLOWED}").json()
        assert body["error"] == 0 and body["ip_address"] == ALLOWED
        forged = api.http.get("/tvmiddleware/api/login/", params, HTTP_X_FORWARDED_FOR=f"{ALLOWED}, 1.2.3.4").json()
        assert forged["error"] != 0

    def test_subnet_rule_is_not_bypassed(self, api, subscriber, settings):
        services.account_modify(account=subscriber.account, subnets="203.0.113.0/24")
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP"):
            api.http.defaults[header] = ALLOWED
            try:
                assert api.login()["error"] == 9, header
            finally:
                del api.http.defaults[header]

    def test_per_ip_failure_limit_trips_with_a_rotating_header(self, api, settings):
        settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_IP = 4
        for n in range(4):
            api.http.defaults["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{n + 1}"
            assert api.login(abonement=str(900 + n))["error"] == 1
        api.http.defaults["HTTP_X_FORWARDED_FOR"] = "198.51.100.99"
        assert api.login()["error"] == 28

    def test_device_uid_guessing_is_throttled_with_a_rotating_header(self, api, subscriber, settings):
        settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_IP = 5
        services.account_modify(account=subscriber.account, allow_login_by_device_uid=True)
        for n in range(5):
            api.http.defaults["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{n + 1}"
            assert api.login(abonement="", password="", device_uid=f"00:1A:79:00:99:{n:02d}")["error"] == 1
        api.http.defaults["HTTP_X_FORWARDED_FOR"] = "198.51.100.99"
        assert api.login(abonement="", password="", device_uid="00:1A:79:00:99:77")["error"] == 28


class TestTokenCheckViewerIp:
    URL = "/tvmiddleware/api/streamservice/token/check/"

    @pytest.fixture
    def bound_token(self, world):
        world.live.check_ip = True
        world.live.save()
        url, _ = stream_url(account=world.account, kind="live", channel=world.channel, ip=ALLOWED)
        return url.split("token=")[1].split("&")[0]

    def test_claims_of_a_caller_that_is_no_streamer_are_ignored(self, client, bound_token, settings):
        settings.STREAMER_ADDRESSES = ["192.0.2.0/28"]  # the test client (127.0.0.1) is not one
        for claim in ({"ip": ALLOWED}, {"addr": ALLOWED}):
            answer = client.get(self.URL, {"token": bound_token, **claim})
            assert answer.status_code == 403 and answer.json() == {"error": 3}, claim
        answer = client.get(self.URL, {"token": bound_token}, HTTP_X_REAL_IP=ALLOWED)
        assert answer.status_code == 403 and answer.json() == {"error": 3}
        # Not even a forwarding header makes the caller a streamer or the claimed viewer.
        answer = client.get(self.URL, {"token": bound_token, "ip": ALLOWED}, HTTP_X_FORWARDED_FOR="192.0.2.5")
        assert answer.status_code == 403

    def test_the_bound_viewer_itself_may_ask(self, client, bound_token, settings):
        settings.STREAMER_ADDRESSES = ["192.0.2.0/28"]
        assert client.get(self.URL, {"token": bound_token}, REMOTE_ADDR=ALLOWED).status_code == 200

    def test_a_configured_streamer_reports_the_viewer(self, client, bound_token, settings):
        settings.STREAMER_ADDRESSES = ["192.0.2.0/28"]
        streamer = {"REMOTE_ADDR": "192.0.2.5"}
        assert client.get(self.URL, {"token": bound_token, "ip": ALLOWED}, **streamer).status_code == 200
        assert client.get(self.URL, {"token": bound_token, "ip": ATTACKER}, **streamer).status_code == 403
        assert client.get(self.URL, {"token": bound_token, "ip": "garbage"}, **streamer).status_code == 403

    def test_loopback_streamer_is_the_default(self, client, bound_token):
        assert client.get(self.URL, {"token": bound_token, "ip": ALLOWED}).status_code == 200
