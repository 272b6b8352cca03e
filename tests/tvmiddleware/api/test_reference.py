"""The device API against Smarty's published method tables (`tests/reference/tvmw.json`).

The JSON holds, for each of the reference's 175 methods, its path, parameters, documented response
fields with their types, and error codes, extracted from Smarty's device-API documentation. These
tests read the project's own declarations (`apikit.spec`, attached to every method by
`device_method`) and hold them to the reference:

- every documented path is routed (the groups a later issue builds are listed in `PENDING`, and a
  pending entry that becomes routed fails until it is removed from the list);
- every documented response field is declared with a compatible type (known gaps are listed in
  `FIELD_GAPS`, which must shrink: a listed gap that is closed fails until it is removed);
- every error code a method declares is documented for it (besides the framework's 403 and 1).

`test_method_specs.py` and the per-method tests then hold the answers themselves to the
declarations on a seeded database, so the reference reaches the wire through the declaration.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

REFERENCE = json.loads((Path(__file__).parents[2] / "reference" / "tvmw.json").read_text(encoding="utf-8"))
METHODS = {method["path"]: method for method in REFERENCE["methods"]}
API = "/tvmiddleware/api/"

# The groups of the home screen, the multi-operator portal, cameras, TV by interests, seances,
# banners and ads, legal documents, applications, games, HbbTV and feeds: built by a later issue.
PENDING = {
    "account/targetbanner/list", "ads/list/", "application/detail/", "application/exchange_data/",
    "application/list/", "application/rss_data/", "application/weather_data/", "camera/city/list/",
    "camera/detail", "camera/list/", "camera/settings/set/", "camera/url/", "camera/category/list/",
    "feed/detail/", "feed/list/", "game/list", "game/score/list/", "game/score/save/", "game/scoreboard/list/",
    "hbb/activity/", "hbb/channel/event/", "hbb/channel/info/", "hbb/event/error/", "legal/document/accept/",
    "legal/document/detail/", "legal/document/list/", "noauth/legal/document/detail/",
    "noauth/legal/document/list/", "noauth/portal/client/channel/list/", "noauth/portal/client/tariff/list/",
    "portal/client/detail/", "portal/client/list/", "portal/client/search/",
    "noauth/portaldashboard/channel/list/", "noauth/portaldashboard/list/", "noauth/portaldashboard/slider/list/",
    "noauth/portaldashboard/video/list/", "portaldashboard/channel/list/", "portaldashboard/list/",
    "portaldashboard/mainmenu/", "portaldashboard/program/list/", "portaldashboard/selection/list/last/",
    "portaldashboard/slider/list/", "portaldashboard/video/list/", "noauth/program/category/channel/list/",
    "noauth/program/category/list/", "program/category/channel/list/", "program/category/list/",
    "program/category/record/list/", "program/genre/list/", "seance/list/", "seance/revoke/", "seance/url/",
}

# Parameters every method takes through the framework (session, operator, device, language).
COMMON_RESPONSE = {"error", "error_message", "error_messages", "error_fields"}

# Reference type -> the JSON Schema types a declaration may use for it. Smarty's "Boolean" fields
# are sent as 0/1 by the apps' own SDKs as often as true/false, so a flag is accepted for them.
COMPATIBLE = {
    "Number": {"integer", "number"}, "Double": {"number", "integer"}, "Decimal": {"string", "number"},
    "String": {"string"}, "Date": {"string", "integer"}, "Boolean": {"boolean", "integer"},
    "Object": {"object"}, "Object[]": {"array"}, "String[]": {"array"}, "Number[]": {"array"}, "": None,
}

# Methods served outside the device-method framework, with tests of their own: the health probe
# (`api/health.py`) and the streamers' token check (`tvmiddleware/streaming/`, docs/streaming.md).
OWN_FRAMEWORK = {"health/check/", "streamservice/token/check/"}

_HBB = {f"hbb.{name}" for name in ("api_key", "channel_id", "id", "type")}  # HbbTV: a later issue
_GENRES = {f"{when}program_genres.{name}" for when in ("", "next_") for name in ("genre_id", "genre_name")}
_CHANNEL_ROW_GAPS = {f"{{}}.{name}" for name in _HBB | _GENRES}
_VOD_TRACKS = {"audio_tracks", "subtitles", "video_qualities",
               *(f"audio_tracks.{name}" for name in ("display_name", "index", "is_active", "lang")),
               *(f"subtitles.{name}" for name in ("display_name", "index", "lang", "type", "url")),
               *(f"video_qualities.{name}" for name in ("display_name", "index"))}
# The abonement is answered as a string of digits, as `login/` always has: an abonement may have up to
# 32 digits and leading zeros, which a JSON number would lose (docs/device-api.md).
_ABONEMENT = "abonement:Number"
_DATA_CENTERS = {"data_centers.id", "data_centers.location", "data_centers.name"}  # no data-centre model yet

# Documented fields not declared (or declared with another type), by method, each with its reason.
# The list only shrinks: a gap that gets closed fails the test until it is struck out here.
FIELD_GAPS: dict[str, set[str]] = {
    # Registration by phone confirmation and captcha (the widgets' registration brings a captcha).
    "account/register/": {_ABONEMENT, "captcha_url", "confirmation_phone", "confirmation_phone_qrcode_url"},
    # The account twins share the customer methods' views; the tables type the twins' fields differently
    # (price String there, Number here; invoice_id Number there, String here): one answer serves both.
    "account/tariff/list": {"tariffs.price:Number", "tariffs.price_after_activation:Number"},
    "account/tariff/subscribe": {"payment_info.invoice_id:String"},
    # Programme genres of "TV by interests" and HbbTV applications: later issue.
    "channel/list/": {name.format("channels") for name in _CHANNEL_ROW_GAPS},
    "channel/list/search/": {name.format("channels") for name in _CHANNEL_ROW_GAPS},
    "channel/list/programs/": {f"channels.programs.program_genres.{name}" for name in ("genre_id", "genre_name")},
    "v2/channel/info/": {name.format("programs") for name in _CHANNEL_ROW_GAPS},
    "v2/noauth/channel/info/": {name.format("programs") for name in _CHANNEL_ROW_GAPS},
    # channel/url's table names its subtitle list `subtitle_tracks` and also lists `subtitles.display_name`
    # (program/url's name): the list is answered once, as `subtitle_tracks`, with `display_name`.
    "channel/url/": {"subtitles.display_name"},
    "login/": {_ABONEMENT, *_DATA_CENTERS},
    "login/ext/": {_ABONEMENT, *_DATA_CENTERS},
    "login/customer_list/": {"customers.abonement:Number"},
    "noauth/device/exists/": {_ABONEMENT},
    # The guest's title rows are video/list's and video/detail's rows, whose tables type these
    # differently (year Number, episode_id String); kinopoisk_id, 4K and file screenshots are not kept.
    "noauth/video/detail/": {"actions.episode_id:Number"},
    "noauth/video/list/": {"is_4k", "videos.files.screenshot_b_big", "videos.files.screenshot_big",
                           "videos.kinopoisk_id", "videos.year:String"},
    # Payture's 3-D Secure 2 method step and the form-post flow are not served by the payments app yet.
    "payment/preauth/": {"iframe_kwargs.three_DS_method_notification_url", "iframe_kwargs.three_DS_method_url",
                         "iframe_kwargs.three_DS_server_trans_id", "success", "version"},
    "payment/process/": {"form_data", "payment_id"},
    # Portal settings the operator stores as JSON (phone codes) and the home screen's banner video
    # (later issue): answered as stored, their items not declared.
    "portal/settings/list/": {"available_country_phone_codes.country_code", "available_country_phone_codes.country_name",
                              "available_country_phone_codes.region_code", "banner_video.image_url",
                              "banner_video.image_url_for_child_mode", "banner_video.video_id",
                              "banner_video.video_id_for_child_mode"},
    # Titles' files carry no track or quality lists yet (channels do: channel/url, program/url).
    "video/url/": _VOD_TRACKS,
}


def _view(path: str):
    try:
        return resolve(API + path).func
    except Resolver404:
        return None


def _declared(schema: dict | None, dotted: str) -> dict | None:
    """The declared schema of a dotted field path (`channels.id`), walking through arrays."""
    node = schema
    for part in dotted.split("."):
        while node is not None and node.get("type") == "array":
            node = node.get("items")
        if node is None or part not in node.get("properties", {}):
            return None
        node = node["properties"][part]
    return node


def _routed() -> list[str]:
    return sorted(path for path in METHODS if path not in PENDING)


def _declaring() -> list[str]:
    """Routed methods of the device-method framework (those that carry a declaration)."""
    return [path for path in _routed() if path not in OWN_FRAMEWORK and _view(path) is not None]


def test_the_reference_is_complete():
    assert len(METHODS) == 175
    assert set(FIELD_GAPS) <= set(METHODS) and PENDING <= set(METHODS) and OWN_FRAMEWORK <= set(METHODS)


@pytest.mark.parametrize("path", _routed())
def test_every_documented_method_is_routed(path):
    assert _view(path) is not None, f"{path} is documented but not routed"


@pytest.mark.parametrize("path", sorted(PENDING))
def test_pending_methods_are_still_unrouted(path):
    assert _view(path) is None, f"{path} is routed now: remove it from PENDING"


def _missing_fields(path: str) -> set[str]:
    view = _view(path)
    spec = getattr(view, "api_spec", None)
    assert spec is not None, f"{path} declares no spec"
    schema = spec.response.schema() if spec.response is not None else {"type": "object", "properties": {}}
    missing = set()
    documented = METHODS[path]["response"]
    parents = {field["name"].rpartition(".")[0] for field in documented}
    for field in documented:
        name, kind = field["name"], field["type"]
        if name.split(".")[0] in COMMON_RESPONSE or "-" in name:  # `Cache-Control`: a header, not a field
            continue
        if name in parents and kind == "String":
            kind = "Object"  # the tables call `meta` a String and list its fields: apps read an object
        declared = _declared(schema, name)
        if declared is None:
            missing.add(name)
            continue
        allowed = COMPATIBLE[kind]
        declared_types = {declared["type"]} if "type" in declared else None
        if allowed is not None and declared_types is not None and not declared_types & allowed:
            missing.add(f"{name}:{kind}")
    return missing


@pytest.mark.parametrize("path", _declaring())
def test_documented_response_fields_are_declared(path):
    missing = _missing_fields(path)
    known = FIELD_GAPS.get(path, set())
    assert missing - known == set(), f"{path}: documented fields not declared (or of another type)"
    assert known - missing == set(), f"{path}: declared now, remove from FIELD_GAPS"


@pytest.mark.parametrize("path", _declaring())
def test_declared_error_codes_are_documented(path):
    view = _view(path)
    spec = view.api_spec
    declared = {int(code) for code in spec.all_errors()}
    # The framework's own two codes, answered by every method (docs/device-api.md, "Error codes"):
    # 403 without a session, 1 for a malformed parameter where the method documents no code of its own.
    documented = set(METHODS[path]["errors"]) | {403, 1}
    assert declared <= documented, f"{path} declares undocumented codes {sorted(declared - documented)}"
