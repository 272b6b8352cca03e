"""Every mask the docs and the product chapter give, end to end: the URL is issued, the streamer checks
the token with the stream name it sees in that URL (Flussonic, Astra and nginx style), and plays.

The chapter's archive recipe puts `$cid` where the stream name goes; the token must then be bound to
that name, not to the channel's `url_prefix`."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tvmiddleware.streaming.masks import stream_name_variable
from tvmiddleware.streaming.stream_urls import stream_url

from .conftest import SERVICE_CHECK_PATHS

ARCHIVE_CHECK_KEY = "archive-check-key-0123456789abcd"
MASKS = [
    ("live", "http://127.0.0.1:8081/$prefix/index.m3u8?token=$token"),  # docs: the demo's live mask
    ("archive", "http://127.0.0.1:8081/$prefix/video-$flpbt-$flpdur.m3u8?token=$token"),  # docs: demo archive
    ("archive", "http://flussonic.example/$cid/video-$flpbt-$flpdur.m3u8?token=$token"),  # the chapter's recipe
    ("live", "http://flussonic.example/$cid/index.m3u8?token=$token"),
    ("live", "http://astra.example:8000/$cid?token=$token"),
    ("archive", "http://flussonic.example/$cid/archive-$flpbt-$flpdur.m3u8?token=$token&prefix=$prefix"),
]


def _issue(world, kind: str, mask: str) -> str:
    service = world.live if kind == "live" else world.archive
    service.url_mask = mask
    service.check_key = SERVICE_CHECK_PATHS[0].split("/")[-4] if kind == "live" else ARCHIVE_CHECK_KEY
    service.save()
    world.channel.id_for_stream_service = "2"
    world.channel.save()
    if kind == "live":
        url, _ = stream_url(account=world.account, kind="live", channel=world.channel)
    else:
        url, _ = stream_url(account=world.account, kind="archive", channel=world.channel,
                            begin=timezone.now() - timedelta(hours=1), duration=1800)
    return url


def _check_path(kind: str) -> str:
    key = SERVICE_CHECK_PATHS[0].split("/")[-4] if kind == "live" else ARCHIVE_CHECK_KEY
    return f"/tvmiddleware/api/streamservice/{key}/token/check/"


@pytest.mark.parametrize(("kind", "mask"), MASKS)
def test_the_streamer_plays_what_the_mask_issued(client, world, kind, mask):
    url = _issue(world, kind, mask)
    parts = urlsplit(url)
    stream = parts.path.strip("/").split("/")[0]  # the name Flussonic, Astra and nginx report
    assert stream == ("2" if stream_name_variable(mask) == "cid" else world.channel.url_prefix)
    token = parse_qs(parts.query)["token"][0]
    check = _check_path(kind)
    # Flussonic's auth_backend: name, ip, token and its own fields.
    flussonic = client.get(check, {"name": stream, "ip": "10.0.0.5", "token": token, "proto": "hls",
                                   "request_type": "new_session"})
    # Astra: the viewer's query string (so the token), the address in X-Real-IP, no name.
    astra = client.get(check, {"token": token}, headers={"X-Real-IP": "10.0.0.5"})
    # nginx auth_request: the config passes token, name and ip from the original request.
    nginx = client.get(check, {"token": token, "name": stream, "ip": "10.0.0.5"},
                       headers={"X-Original-URI": f"{parts.path}?{parts.query}"})
    assert [flussonic.status_code, astra.status_code, nginx.status_code] == [200, 200, 200], (
        flussonic.content, astra.content, nginx.content)
    # ...and the token names only that stream.
    other = client.get(check, {"name": "someotherstream", "token": token})
    assert other.status_code == 403 and other.json()["error"] == 2


@pytest.mark.parametrize(("mask", "variable"), [
    ("http://h/$prefix/index.m3u8?token=$token", "prefix"),
    ("http://h/$cid/video-$flpbt-$flpdur.m3u8?token=$token", "cid"),
    ("http://h/live/$cid/$prefix.m3u8?token=$token", "cid"),  # the first in the path
    ("http://h/index.m3u8?stream=$cid&token=$token", "prefix"),  # not in the path: the prefix
    ("rtmp://h/app/$cid?token=$token", "cid"),
])
def test_the_stream_name_is_the_first_channel_variable_of_the_path(mask, variable):
    assert stream_name_variable(mask) == variable
