"""Hostile input against every device API method (and the Streaming API): never a 500, always the
Smarty error shape.

Routes are discovered from the URLconf at collection time, so methods added later are fuzzed without
touching this file; a failure names the method in the test id. Examples are derandomized (the same
inputs every run) unless FUZZ_RANDOM=1 is set, which explores new inputs on every run.
"""
from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings, strategies as st

from tests import factories
from tvmiddleware.models import (
    ChannelSort, ChannelSortItem, Episode, GuestBrowsing, Message, PortalSetting, VideoFile, VideoTrailer,
)
from tvmiddleware.services.sessions import session_create, session_resolve

FUZZED_PREFIXES = ("tvmiddleware/api/", "streaming/api/")
NOT_FUZZED = {"tvmiddleware/api/health/check/"}  # no parameters; probes the database and cache
EXAMPLES_PER_ROUTE = int(os.environ.get("FUZZ_EXAMPLES", "25"))

# The methods the device API must offer (the required set), relative to /tvmiddleware/api/.
REQUIRED_METHODS = [
    "login", "logout", "login/ext", "account/status", "account/register", "customer/info", "customer/balance",
    "customer/tariff/list", "customer/tariff/subscribe", "customer/tariff/unsubscribe", "account/tariff/list",
    "account/tariff/subscribe", "account/tariff/unsubscribe", "category/list", "channel/list", "channel/detail",
    "channel/list/search", "channel/url", "program/list", "program/detail", "program/list/search", "program/url",
    "genre/list", "video/list", "video/detail", "video/episode/list", "video/url", "video/action", "actor/list",
    "actor/detail", "selection/list", "settings/save", "message/list", "message/detail", "content/position/set",
    "portal/settings/list", "channel/list/programs", "health/check", "streamservice/token/check",
    "login/customer_list", "noauth/device/exists", "noauth/qr/login/generate", "qr/login/sync", "promo/activate",
    "promo/list", "profile/list", "country/list", "country/info",
    "account/password/change", "account/reset_password", "account/profile/settings/modify", "account/settings/list",
    "account/settings/modify", "account/parent_code/set", "account/send_parent_code_by_sms", "customer/device/list",
    "customer/device/delete", "customer/info/set", "v2/customer/info", "customer/payment/info",
    "customer/invoice/complete", "customer/billing_details_notify", "customer/tariff/subscription/list",
    "customer/tariff/subscription/cost", "account/export",
    "video/episode/detail", "video/listing/delete", "video/rating/set", "video/settings/set", "video/similar",
    "video/subscription/list", "video/subscription/cancel", "selection/detail",
    "channel/action", "channel/icon/list", "channel/programs", "channel/sort/list", "premiere/list",
    "v2/account/channels/accountsettingsinfo", "v2/account/channels/sort", "v2/account/channels/update",
    "v2/account/video/update",
    "noauth/category/list", "noauth/genre/list", "noauth/actor/list", "noauth/actor/detail", "noauth/program/list",
    "noauth/program/detail", "noauth/selection/list", "noauth/selection/detail", "noauth/video/list",
    "noauth/video/detail", "noauth/video/episode/list", "noauth/video/url", "provider/list", "noauth/provider/list",
    "v2/channel/list", "v2/channel/info", "v2/noauth/channel/list", "v2/noauth/channel/info",
    "radio/list",
]


# --- route discovery ------------------------------------------------------------------------------

def _pattern_text(pattern) -> str | None:
    """A concrete path for a URL pattern; converters become `1`; None for regexes we cannot fill."""
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<[^>]+>", "1", str(pattern))
    text = str(pattern).lstrip("^").rstrip("$").replace(r"\/", "/").replace(r"\.", ".")
    return None if re.search(r"[\\()\[\]*+?{}|]", text) else text


def _walk(patterns, prefix: str = ""):
    """(path, view) for every route under the given patterns."""
    for entry in patterns:
        text = _pattern_text(entry.pattern)
        if text is None:
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + text)
        elif isinstance(entry, URLPattern):
            yield prefix + text, entry.callback


def all_routes() -> set[str]:
    return {route for route, _ in _walk(get_resolver().url_patterns)}


def discover_routes() -> list[str]:
    """Every device API and Streaming API path the project serves (without a leading slash); of
    twin paths to one view (`account/tariff/list` and `account/tariff/list/`) only one is fuzzed."""
    by_view: dict = {}
    for route, view in sorted(_walk(get_resolver().url_patterns), key=lambda r: (not r[0].endswith("/"), r[0])):
        if route.startswith(FUZZED_PREFIXES) and route not in NOT_FUZZED:
            by_view.setdefault(view, route)
    return sorted(by_view.values())


ROUTES = discover_routes()


# --- what we throw at them ------------------------------------------------------------------------

PARAM_NAMES = [
    "cid", "pid", "vid", "id", "uuid", "tariff_id", "virtual_tariff_id", "exclude_tariff_id", "page", "limit",
    "time", "date", "date_from", "date_to", "time_from", "time_to", "abonement", "password", "device",
    "device_uid", "device_serial", "device_model", "brand_name", "parent_code", "content_type", "content_id",
    "asset_id", "position", "duration", "is_viewed", "action", "redirect", "exclude_service_id", "search",
    "genre", "genre_id", "order", "year_from", "year_to", "token", "name", "ip", "addr", "qs", "api_key",
    "client_id", "authkey", "category_id", "channel_id", "channel_ids", "program_id", "video_id", "episode_id",
    "season_id", "season", "vfid", "aid", "type", "selection_id", "favorite_channel", "unfavorite_channel",
    "parent_lock_channel", "parent_unlock_channel", "use_timeshift", "preferred_timeshift_offset",
    "data_center_id", "channels_sort", "with_tariffs", "try_activate", "reset_block_status_reason",
    "mobile_phone_number", "auto_activation_period", "comment", "brand", "model", "lang", "compact",
    "icon_width", "icon_height", "timeshift_offset", "actors_order", "is_favorited", "favorited_only",
    "programs_from_ts", "programs_to_ts", "show_past", "listing", "provider_id", "video_provider_id",
]

HOSTILE = [
    "", " ", "-1", "0", "1", "2", "99999999999999999999999", "9223372036854775807", "9223372036854775808",
    "2147483648", "-9223372036854775809", "1e9", "1.5", "0x1F", "+1", " 7 ", "abc", "1,2,3", ",,,", "1,,2,-3",
    "' OR 1=1 --", "1; DROP TABLE tvmiddleware_account; --", "<script>alert(1)</script>", "../../etc/passwd",
    "\x00", "1\x00", "%00", "%", "NaN", "Infinity", "-Infinity", "null", "true", "[]", "{}", "[{}]",
    '[{"id": "x"}]', '{"channels_sort": 5}', "[" * 2000, "ёжик 🎬 \u202e", "１２３", "٣", "²", "${jndi:ldap://x}",
    "program", "video", "channel", "all", "-date", "name", "mag", "android", "toaster", "1970-01-01",
    "2038-01-19", "00:1A:79:00:00:01", "127.0.0.1", "::1", "not-an-ip", "100001", "1111", "1234",
    "a" * 10_000, "9" * 10_000,
]
AUTH_NAMES = ("authkey", "client_id", "api_key")


@dataclass
class FuzzWorld:
    """The subscriber's session and rows of both operators, whose ids join the hostile values."""

    account: object
    authkey: str
    api_key: str
    client_id: int
    ids: list[str] = field(default_factory=list)

    def valid_authkey(self) -> str:
        """The session, reopened when a fuzzed logout or login ended it."""
        if session_resolve(self.authkey) is None:
            _, self.authkey = session_create(account=self.account, device=None, device_type=None)
        return self.authkey

    def auth(self) -> dict[str, str]:
        return {"authkey": self.valid_authkey(), "client_id": str(self.client_id), "api_key": self.api_key}


@pytest.fixture
def world(logged_in, subscriber) -> FuzzWorld:
    cache.clear()
    ids: list[str] = []
    past = timezone.now() - timedelta(hours=2)
    for owner in (subscriber.client, factories.ClientFactory()):
        channel = factories.ChannelFactory(client=owner, is_parent_control=True, max_archive_duration=24)
        epg = factories.EpgChannelFactory(client=owner)
        channel.epg_channel = epg
        channel.save()
        program = factories.EpgProgramFactory(epg_channel=epg, begin_time=past, end_time=past + timedelta(hours=1))
        video = factories.VideoFactory(client=owner, is_series=True)
        file = VideoFile.objects.create(client=owner, video=video, path="f.mp4", duration=600)
        episode = Episode.objects.create(client=owner, video=video, number=1)
        tariff = factories.TariffFactory(client=owner, basic_tariff_priority=0)
        tariff.channels.add(channel)
        message = Message.objects.create(client=owner, subject="Hello")
        PortalSetting.objects.create(client=owner, key="show_cctv", value="1")
        factories.StreamServiceFactory(client=owner)
        # a channel sort and a premiere to come, so that channel_sort_id and premiere/list reach their own code
        channel_sort = ChannelSort.objects.create(client=owner, name="Sport first")
        ChannelSortItem.objects.create(channel_sort=channel_sort, channel=channel)
        factories.EpgProgramFactory(epg_channel=epg, begin_time=past + timedelta(hours=3),
                                    end_time=past + timedelta(hours=4), is_premiere=True)
        ids.append(str(channel_sort.pk))
        # guest browsing on (with a trailer), so that the noauth methods reach their own code
        GuestBrowsing.objects.create(client=owner, enabled=True)
        trailer = VideoTrailer.objects.create(client=owner, video=video, url="https://cdn.example/t.mp4")
        ids.append(str(trailer.pk))
        if owner == subscriber.client:  # the subscriber may watch their operator's content
            subscriber.tariff.channels.add(channel)
            video.tariffs.add(subscriber.tariff)
        account = factories.AccountFactory(customer=factories.CustomerFactory(client=owner), client=owner)
        ids += [str(x) for x in (channel.pk, program.pk, video.pk, file.pk, episode.pk, tariff.pk, owner.pk,
                                 epg.pk, account.pk, account.abonement)] + [str(message.uuid)]
    if apps.is_installed("payments"):  # the payment methods then get past "no gateway configured"
        from payments.models import Merchant

        Merchant.objects.create(client=subscriber.client, merchant_type="null", name="Null", is_default=True)
    world = FuzzWorld(account=subscriber.account, authkey=logged_in.authkey, api_key=subscriber.client.api_key,
                      client_id=subscriber.client.pk, ids=ids)
    yield world
    cache.clear()


@contextmanager
def _recording_parameter_reads():
    """Collect the names views look up in request.GET / request.POST (and the framework's Params)."""
    seen: set[str] = set()

    def recording(original):
        def lookup(self, key, *args, **kwargs):
            if isinstance(key, str):
                seen.add(key)
            return original(self, key, *args, **kwargs)
        return lookup

    with pytest.MonkeyPatch.context() as patch:
        for name in ("get", "getlist", "__getitem__", "__contains__"):
            patch.setattr(MultiValueDict, name, recording(getattr(MultiValueDict, name)))
        yield seen


@pytest.fixture
def route_params(route, client, world) -> list[str]:
    return discover_params(route, client, world)


def discover_params(route: str, client, world: FuzzWorld) -> list[str]:
    """The parameter names this route looks up, found by calling it: first with only a valid session
    and API key, then (a few rounds) with every name found so far set to "1", which reveals names a
    view reads only once the earlier ones passed. Only lookups of names the request did not carry
    count. The generic pool when the view reads none that way."""
    found: set[str] = set()
    for _ in range(4):
        sent = {name: "1" for name in found}
        with _recording_parameter_reads() as seen:
            client.get("/" + route, {**sent, **world.auth()})
            if not found:
                client.post("/" + route, world.auth())
        new = {n for n in seen if n not in sent and n not in AUTH_NAMES and len(n) < 64}
        if not new:
            break
        found |= new
    return sorted(found) or PARAM_NAMES


def _send(http, route: str, params: list[tuple[str, str]], method: str, headers: dict, data=None):
    url = "/" + route
    if method == "GET":
        return http.get(url, params, **headers)
    if method == "POST-form":
        return http.post(url, urlencode(params), content_type="application/x-www-form-urlencoded", **headers)
    query, form = params[::2], params[1::2]  # some parameters in the query string, some in the body
    url += "?" + urlencode(query)
    if method == "POST-split":
        return http.post(url, urlencode(form), content_type="application/x-www-form-urlencoded", **headers)
    if method == "POST-json":
        body = data.draw(st.sampled_from([dict(form), [dict(form)], form, {"channels_sort": [dict(form)]}, None, 1]),
                         label="json body")
        return http.post(url, json.dumps(body), content_type="application/json", **headers)
    garbage = data.draw(st.sampled_from([b"\xff\xfe\x00", b"{", b"[" * 5000, b"a=1&" * 2000, b"\x00" * 100]),
                        label="raw body")
    content_type = data.draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                              "multipart/form-data; boundary=x", "text/plain"]), label="content type")
    return http.post(url, garbage, content_type=content_type, **headers)


def _hostile_request(http, route: str, names: list[str], data, world: FuzzWorld):
    """Draw one hostile request: parameters the route reads (and some it does not) with hostile
    values, with or without a valid session / API key, as GET or one of several POST shapes."""
    values = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(world.ids), st.text(max_size=30))
    name = st.one_of(st.sampled_from(names), st.sampled_from(names), st.sampled_from(PARAM_NAMES))
    params: list[tuple[str, str]] = data.draw(st.lists(st.tuples(name, values), max_size=8), label="params")
    auth = world.auth()
    for key in AUTH_NAMES:
        if data.draw(st.booleans(), label=f"valid {key}"):
            params.append((key, auth[key]))
    http.cookies.clear()
    if data.draw(st.booleans(), label="authkey cookie"):
        http.cookies["authkey"] = auth["authkey"]
    headers = {}
    if data.draw(st.booleans(), label="hostile X-Real-IP"):
        headers["HTTP_X_REAL_IP"] = data.draw(st.sampled_from(["not-an-ip", "", "999.1.1.1", "::1", "1.2.3.4, x"]))
    method = data.draw(st.sampled_from(["GET", "POST-form", "POST-split", "POST-json", "POST-garbage"]),
                       label="method")
    return _send(http, route, params, method, headers, data)


def _check(route: str, response) -> None:
    assert response.status_code < 500, f"{route}: HTTP {response.status_code}"
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.loads(response.content)
        assert isinstance(body, dict), f"{route}: not a JSON object: {body!r:.200}"
        assert type(body.get("error")) is int, f"{route}: no integer error: {body!r:.200}"


@pytest.mark.parametrize("route", ROUTES)
@settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
          derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_requests_never_fail(route, data, client, world, route_params):
    _check(route, _hostile_request(client, route, route_params, data, world))


HOSTILE_ADDRESSES = ["not-an-ip", "999.1.1.1", "unknown", "1.2.3.4, x", "::ffff:zz", "a" * 300]


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_values_in_every_parameter(route, client, world, subscriber, route_params):
    """Deterministic sweep of one route:
    - no parameters at all, only a valid session, only the API key: the documented error shape;
    - every hostile value in every parameter the route reads at once, behind a valid session and
      API key, so the value reaches the method itself;
    - hostile X-Real-IP / X-Forwarded-For (apps sit behind the operator's proxy, so these are whatever
      a client sends), with the subscriber's real credentials so that login paths storing the
      address run."""
    for params in ({}, {"authkey": world.valid_authkey(), "client_id": world.client_id},
                   {"client_id": world.client_id, "api_key": world.api_key}):
        _check(route, client.get("/" + route, params))
        _check(route, client.post("/" + route, params))
    for value in HOSTILE + world.ids:
        params = [(name, value) for name in route_params] + list(world.auth().items())
        _check(route, client.get("/" + route, params))
    credentials = {"abonement": subscriber.account.abonement, "password": subscriber.password, "device": "mag",
                   "device_uid": "fuzz-device"}
    for address in HOSTILE_ADDRESSES:
        for header in ("HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR"):
            _check(route, client.get("/" + route, {**world.auth(), **credentials}, **{header: address}))


def test_routes_are_discovered():
    assert "tvmiddleware/api/login/" in ROUTES and "tvmiddleware/api/settings/save/" in ROUTES
    assert "tvmiddleware/api/health/check/" not in ROUTES


def test_every_required_method_is_routed():
    served = {route.removeprefix("tvmiddleware/api/").rstrip("/") for route in all_routes()}
    missing = [method for method in REQUIRED_METHODS if method not in served]
    assert not missing, f"not routed yet: {missing}"


# --- NUL bytes on PostgreSQL ------------------------------------------------------------------------

# SQLite stores a NUL; PostgreSQL refuses it in text ("A string literal cannot contain NUL", a
# ValueError from the driver) and in jsonb ("\u0000" inside JSON): on SQLite these pass unnoticed.
NUL_VALUES = ["\x00", "1\x00", "a\x00b", "\x00' OR '1'='1", "\x07", '{"k": "\\u0000"}', '["\\u0000"]',
              '[{"id": 1, "is_favorited": "\\u0000"}]']


@pytest.mark.postgres
def test_nul_bytes_in_every_parameter_on_postgresql(client, world):
    """Every route, every parameter it reads, one at a time, with a NUL (raw, or escaped in JSON),
    behind a valid session and API key; also in parameter names and in the authentication
    parameters. (One test for all routes: each PostgreSQL test pays for emptying the database.)"""
    for route in ROUTES:
        for name in discover_params(route, client, world):
            for value in NUL_VALUES:
                params = [(name, value)] + list(world.auth().items())
                _check(route, client.get("/" + route, params))
                _check(route, client.post("/" + route, urlencode(params),
                                          content_type="application/x-www-form-urlencoded"))
        _check(route, client.get("/" + route, [("na\x00me", "1")] + list(world.auth().items())))
        for key in AUTH_NAMES:
            _check(route, client.get("/" + route, {**world.auth(), key: "1\x00"}))
