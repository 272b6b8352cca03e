"""Programme reminders: notification/create, notification/delete, notification/list."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from common.errors import NotFound
from common.readers import Id, Int, Text
from tvmiddleware.models import ProgrammeReminder
from tvmiddleware.selectors.channels import PROGRAMME_COLUMNS
from tvmiddleware.services.account_settings import reminder_create, reminder_delete

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, flag, ok
from apikit.spec import FLAG, INT, STR, ListOf, Obj, Param, nullable

from . import channel_shapes as shapes
from .channels import IconUrls, prefixed_programme, visible_rows_by_id
from .errors import INVALID_PARAM, REMINDER_PID_INVALID, REMINDER_TARGET_NOT_FOUND

MAX_OFFSET = 7 * 86400

REMINDER_ROW = Obj(id=INT, name=STR, url=STR, icon=STR, category_id=nullable(INT), timeshift_offset=INT,
                   has_record=FLAG, max_archive_duration=INT, **shapes.programme("program_"))


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("cid", Id(), required=True, description="The channel."),
    Param("pid", Id(), required=True, description="The programme to be reminded of."),
    Param("timeshift_offset", Int(-MAX_OFFSET, MAX_OFFSET), default=0,
          description="Seconds; given back by notification/list for this reminder."),
), errors=(REMINDER_TARGET_NOT_FOUND,), response=Obj())
def notification_create(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Remind the subscriber of a programme of a channel (asking again changes the offset). Beyond the
    operator's limit per account, the reminder of the earliest programme makes room."""
    try:
        reminder_create(account=ctx.account, channel_id=ctx.args.cid, programme_id=ctx.args.pid,
                        timeshift_offset=ctx.args.timeshift_offset)
    except NotFound as exc:
        return error(REMINDER_TARGET_NOT_FOUND, exc.message)
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=REMINDER_PID_INVALID, params=(
    Param("pid", Text(32), required=True, description="The programme whose reminder goes, or `all`."),
), response=Obj())
def notification_delete(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Forget a reminder, or all of the account's (`pid=all`); forgetting an unknown one changes nothing."""
    wanted = ctx.args.pid.strip()
    if wanted.lower() == "all":
        reminder_delete(account=ctx.account, programme_id=None)
        return ok(error_message="")
    if not (wanted.isascii() and wanted.isdigit()) or len(wanted) > 18 or int(wanted) < 1:
        return error(REMINDER_PID_INVALID, "pid must be a programme id or 'all'.", error_fields={"pid": "invalid"})
    reminder_delete(account=ctx.account, programme_id=int(wanted))
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=tuple(
    Param(name, Int(1, 10_000), description="Accepted; icons are served as uploaded.")
    for name in ("icon_width", "icon_height")
), response=Obj(notifications=ListOf(REMINDER_ROW)))
def notification_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The account's reminders by programme start, each with its channel (as the line-up shows it) and
    its programme; reminders on channels the operator no longer shows are left out. One query."""
    assert ctx.session is not None
    channels = visible_rows_by_id(ctx.client)
    icon_url = IconUrls(request)
    rows = (ProgrammeReminder.objects.for_client(ctx.client).filter(account_id=ctx.session.account_id)
            .order_by("programme__begin_time", "id")
            .values("channel_id", "timeshift_offset", *(f"programme__{name}" for name in PROGRAMME_COLUMNS)))
    items = []
    for row in rows:
        channel = channels.get(row["channel_id"])
        if channel is None:
            continue
        programme = {name: row[f"programme__{name}"] for name in PROGRAMME_COLUMNS}
        items.append({
            "id": channel["id"], "name": channel["name"], "url": "", "icon": icon_url(channel["icon"]),
            "category_id": channel["category_id"], "timeshift_offset": row["timeshift_offset"],
            "has_record": flag(channel["max_archive_duration"] > 0),
            "max_archive_duration": channel["max_archive_duration"], **prefixed_programme("program_", programme),
        })
    return ok(notifications=items, error_message="")
