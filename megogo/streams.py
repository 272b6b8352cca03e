"""video/url of MEGOGO titles: the partner's stream, asked for as the requesting device.

The request is signed with the key pair of the device's type (STB group → `stb_` keys, Smart TV →
`smart_tv_`, Mobile → `mobile_`, anything else → `stb_`) and carries the access token of the
customer's partner user, obtained with the partner sign-on token `md5(isdn + partner_id + salt)`
(`auth/by_partners`) and cached for a few minutes.
"""
from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from django.core.cache import cache

from tvmiddleware.models import Account, DeviceGroup, DeviceType, PriceCategory, Video, VideoFile

from .client import MegogoError, MegogoRefused
from .subscriptions import ensure_partner_user, holds_svod, subscriber_for

if TYPE_CHECKING:
    from .plugin import MegogoAPI

logger = logging.getLogger("megogo.streams")

TOKEN_TTL_SECONDS = 600
GROUP_KINDS = {DeviceGroup.STB: "stb", DeviceGroup.SMART_TV: "smart_tv", DeviceGroup.MOBILE: "mobile"}


class NotSubscribed(MegogoRefused):
    """A MEGOGO subscription title asked for by a customer without a MEGOGO SVOD tariff."""


def device_kind(device: str) -> str:
    """"stb", "smart_tv" or "mobile": whose key pair signs requests made for this device type."""
    if not device:
        return "stb"
    group = DeviceType.objects.filter(system_name=device).values_list("group", flat=True).first()
    return GROUP_KINDS.get(group, "stb")


def _token_key(api: "MegogoAPI", isdn: str, kind: str) -> str:
    raw = f"{api.external_system.pk}:{isdn}:{kind}:{api.config.partner_id}"
    return "megogo:token:" + hashlib.md5(raw.encode()).hexdigest()


def access_token(api: "MegogoAPI", isdn: str, kind: str, *, fresh: bool = False) -> tuple[str, bool]:
    """(token, came from the cache)."""
    key = _token_key(api, isdn, kind)
    token = None if fresh else cache.get(key)
    if token:
        return token, True
    token = api.megogo.access_token(isdn=isdn, kind=kind)
    cache.set(key, token, TOKEN_TTL_SECONDS)
    return token, False


def partner_stream_url(api: "MegogoAPI", *, account: Account, video: Video, file: VideoFile | None,
                       device: str) -> str:
    """The stream address of a title (or of the episode `file` plays) for this account's device."""
    customer = account.customer
    svod = api.config.svod_tariff_ids
    if video.price_category == PriceCategory.SUBSCRIPTION and svod and not holds_svod(api, customer):
        raise NotSubscribed("This MEGOGO title is watched with a MEGOGO subscription: subscribe to one of its "
                            "tariffs.")
    kind = device_kind(device)
    subscriber = subscriber_for(api, customer)
    if not subscriber.user_created:  # the partner user must exist to sign on; usually done by SVOD or TVOD
        try:
            ensure_partner_user(api, subscriber)
        except MegogoError as exc:
            logger.warning("megogo: could not create the partner user of customer %s: %s", customer.pk, exc)
    isdn = subscriber.identifier
    video_id = file.ext_id if file is not None and file.ext_id else video.ext_id
    token, cached = access_token(api, isdn, kind)
    try:
        data = api.megogo.stream(video_id=video_id, access_token=token, kind=kind)
    except MegogoRefused:
        if not cached:
            raise
        # The cached token may have expired at MEGOGO: one try with a fresh one.
        token, _ = access_token(api, isdn, kind, fresh=True)
        data = api.megogo.stream(video_id=video_id, access_token=token, kind=kind)
    src = data.get("src")
    if not src:
        raise MegogoError("MEGOGO stream: no address in the answer")
    return str(src)


def playback_credentials(api: "MegogoAPI", *, account: Account, device: str) -> dict[str, str]:
    """For apps that play MEGOGO titles with MEGOGO's own SDK (`video/url`'s `ext_*` fields): the
    operator's partner id, the customer's MEGOGO access token for this device kind, and the device
    kind's public key (MEGOGO's public keys are meant for clients; the private key never leaves)."""
    kind = device_kind(device)
    subscriber = subscriber_for(api, account.customer)
    token, _ = access_token(api, subscriber.identifier, kind)
    try:
        public_key = api.config.key_pair(kind).public
    except LookupError:
        public_key = ""
    return {"ext_partner_id": api.config.partner_id, "ext_auth_token": token, "ext_apikey": public_key}
