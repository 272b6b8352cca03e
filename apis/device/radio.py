"""radio/list: the operator's internet radio stations, as a subscriber's app lists them."""
from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import RadioStation
from tvmiddleware.selectors.languages import language_slot, localized
from tvmiddleware.selectors.radio import radio_channels
from tvmiddleware.streaming import access

from apikit.device import Auth, DeviceContext, SessionGone, device_method
from apikit.device_responses import flag, ok
from apikit.spec import FLAG, INT, STR, ListOf, Obj, Param
from common.readers import Int, Text

from .channels import IconUrls
from .errors import INVALID_PARAM

RADIO_ROW = Obj(id=INT, name=STR, url=STR, logo_url=STR, channel_name=STR, description=STR, has_subscription=FLAG)
MAX_SEARCH_LENGTH = 200


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("search", Text(MAX_SEARCH_LENGTH), default="", description="Only stations whose name (as shown, or "
                                                                     "the main one) contains this (case-insensitive)."),
    Param("lang", Text(16), default="", description="One of the operator's additional languages: names and "
                                                    "descriptions in it where translated."),
    *(Param(name, Int(1, 10_000), description="Accepted; logos are served as uploaded.")
      for name in ("icon_width", "icon_height")),
), response=Obj(radio=ListOf(RADIO_ROW)))
def radio_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The operator's enabled stations in its order. `has_subscription` 1: a tariff of the subscriber
    opens the station; `url` (the stream) is given when the account may listen now (as for channels:
    an inactive account keeps only tariffs available to inactive accounts), else empty.
    `channel_name` is the name of the line-up channel that carries the station (`radio_channel`), whose
    icon also stands in for a missing logo. With `lang`, names and descriptions in that language where
    translated. Three queries whatever the number of stations."""
    assert ctx.session is not None
    state = access.account_state(ctx.session.account_id, for_device_api=True)
    if not state.exists:
        raise SessionGone()
    slot = language_slot(ctx.client, ctx.args.lang)
    stations = list(RadioStation.objects.for_client(ctx.client).filter(enabled=True).order_by("sort", "id")
                    .only("id", "name", "uri", "logo", "description", "radio_channel", "data"))
    if ctx.args.search:  # on the name as shown too, so in Python: an operator has tens of stations
        needle = ctx.args.search.casefold()
        stations = [s for s in stations if needle in s.name.casefold()
                    or needle in localized(s.data, "name", slot, s.name).casefold()]
    opened_by: dict[int, set[int]] = defaultdict(set)
    for station_id, tariff_id in (RadioStation.tariffs.through.objects
                                  .filter(radiostation_id__in=[s.pk for s in stations])
                                  .values_list("radiostation_id", "tariff_id")):
        opened_by[station_id].add(tariff_id)
    channels = radio_channels(client=ctx.client, channel_ids=[s.radio_channel for s in stations])
    icon_url = IconUrls(request)
    rows = []
    for station in stations:
        subscribed = bool(opened_by[station.pk] & state.open_tariff_ids)
        may_listen = bool(opened_by[station.pk] & state.tariff_ids)
        channel = channels.get(station.radio_channel)
        logo = station.logo.name if station.logo else (channel["icon"] if channel else "")
        rows.append({
            "id": station.pk, "name": localized(station.data, "name", slot, station.name),
            "url": station.uri if may_listen else "",
            "logo_url": icon_url(logo) if logo else "",
            "channel_name": localized(channel["extra__data"], "name", slot, channel["name"]) if channel else "",
            "description": localized(station.data, "description", slot, station.description),
            "has_subscription": flag(subscribed),
        })
    return ok(radio=rows, error_message="")
