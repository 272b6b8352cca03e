"""Recently watched channels: content/position/remember/channel and channel/list/last."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from common.errors import NotFound
from common.readers import Id, Int
from tvmiddleware.models import RecentChannel
from tvmiddleware.services.account_settings import channel_remember

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, ok
from apikit.spec import INT, STR, ListOf, Obj, Param

from .channels import IconUrls, visible_rows_by_id
from .errors import INVALID_PARAM


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("channel_id", Id(), required=True, description="The channel being watched."),
), response=Obj())
def remember_channel(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Put a channel first in the subscriber's recently watched channels (the app calls it on zapping)."""
    try:
        channel_remember(account=ctx.account, channel_id=ctx.args.channel_id)
    except NotFound as exc:
        return error(INVALID_PARAM, exc.message, error_fields={"channel_id": "not found"})
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=tuple(
    Param(name, Int(1, 10_000), description="Accepted; icons are served as uploaded.")
    for name in ("icon_width", "icon_height")
), response=Obj(channels=ListOf(Obj(id=INT, name=STR, icon=STR))))
def channel_list_last(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The channels the subscriber watched lately, the latest first, among those the operator still
    shows. One query (the line-up is the process's copy)."""
    assert ctx.session is not None
    visible = visible_rows_by_id(ctx.client)
    icon_url = IconUrls(request)
    ids = (RecentChannel.objects.for_client(ctx.client).filter(account_id=ctx.session.account_id)
           .order_by("-watched_at", "-id").values_list("channel_id", flat=True))
    channels = [{"id": visible[i]["id"], "name": visible[i]["name"], "icon": icon_url(visible[i]["icon"])}
                for i in ids if i in visible]
    return ok(channels=channels, error_message="")
