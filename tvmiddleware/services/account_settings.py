"""What a subscriber changes from the app for themselves: favourite and PIN-locked channels, their own
channel order, the parental code, time-shift preferences, where they stopped watching, and which
operator messages they have read.

Every function acts on one account and only on rows of that account's operator: an id of another
operator's channel, video or programme is answered like an unknown id (`NotFound`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from tvmiddleware.models import (
    Account, AccountChannelSetting, Channel, Client, ContentKind, ContentPosition, EpgProgram, Episode, Message,
    MessageRead, ProgrammeReminder, RecentChannel, Video, VideoFile,
)

from tvmiddleware.selectors import account_facts, account_messages
from .accounts import account_modify
from common.errors import Invalid, NotFound, ServiceError

PARENT_CODE_MAX_LENGTH = 16  # Account.parent_code
MAX_SECONDS = 2**31 - 1  # ContentPosition.position / duration
TIMESHIFT_OFFSET_HOURS = 24  # the preferred shift is a number of hours, either way
VIEWED_SHARE = 0.95  # a title counts as watched once 95% of it has played


class AssetRequired(Invalid):
    """A video position needs the file or episode it was watched in."""

    code = "asset_required"


class PositionNotSaved(ServiceError):
    code = "position_not_saved"


@dataclass(frozen=True)
class ChannelPreference:
    """One channel of the subscriber's own line-up order: its place and the flags the app sent
    (None = leave the flag as it is)."""

    channel_id: int
    sort: int
    is_favorited: bool | None = None
    is_parent_control: bool | None = None
    is_hidden: bool | None = None


# --- channels -------------------------------------------------------------------------------------

def _channel(account: Account, channel_id: int) -> Channel:
    channel = Channel.objects.for_client(account.client_id).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("Channel not found.", fields={"channel_id": "not found"})
    return channel


def channel_setting_update(*, account: Account, channel_id: int, is_favorited: bool | None = None,
                           is_parent_control: bool | None = None,
                           is_hidden: bool | None = None) -> AccountChannelSetting:
    """Mark a channel of the operator as favourite / PIN-locked / hidden for this account only.

    The account's lock overrides the channel's own parental flag in either direction.
    Flags passed as None stay as they are.
    """
    channel = _channel(account, channel_id)
    with transaction.atomic():
        setting, _ = AccountChannelSetting.objects.get_or_create(
            account=account, channel=channel, defaults={"client_id": account.client_id})
        changes = {name: value for name, value in (("is_favorited", is_favorited),
                                                    ("is_parent_control", is_parent_control),
                                                    ("is_hidden", is_hidden)) if value is not None}
        if changes:
            for name, value in changes.items():
                setattr(setting, name, value)
            setting.save(update_fields=list(changes))
    return setting


def channels_sort_save(*, account: Account, items: Sequence[ChannelPreference]) -> None:
    """Save the subscriber's own channel order (with the flags sent along).

    The list is the whole order: channels left out of it lose their own place and fall back to the
    operator's order. Unknown channels or a channel listed twice refuse the whole list.
    """
    ids = [item.channel_id for item in items]
    if len(set(ids)) != len(ids):
        raise Invalid("A channel is listed twice in channels_sort.", fields={"channels_sort": "duplicate"})
    known = set(Channel.objects.for_client(account.client_id).filter(pk__in=ids).values_list("pk", flat=True))
    if len(known) != len(ids):
        raise NotFound("Unknown channel in channels_sort.", fields={"channels_sort": "unknown channel"})
    flag_names = ("is_favorited", "is_parent_control", "is_hidden")
    with transaction.atomic():
        existing = {s.channel_id: s for s in AccountChannelSetting.objects.select_for_update()
                    .filter(account=account)}
        to_update: list[AccountChannelSetting] = []
        to_create: list[AccountChannelSetting] = []
        for item in items:
            setting = existing.pop(item.channel_id, None)
            if setting is None:
                setting = AccountChannelSetting(client_id=account.client_id, account=account,
                                                channel_id=item.channel_id)
                to_create.append(setting)
            else:
                to_update.append(setting)
            setting.sort = item.sort
            for name in flag_names:
                value = getattr(item, name)
                if value is not None:
                    setattr(setting, name, value)
        for setting in existing.values():  # no longer in the subscriber's order
            if setting.sort is not None:
                setting.sort = None
                to_update.append(setting)
        if to_update:
            AccountChannelSetting.objects.bulk_update(to_update, ["sort", *flag_names], batch_size=500)
        if to_create:
            AccountChannelSetting.objects.bulk_create(to_create, batch_size=500)
        account_facts.flags_changed([account.pk])  # bulk writes send no signals


# --- account preferences --------------------------------------------------------------------------

def account_parent_code_set(*, account: Account, parent_code: str) -> Account:
    """Replace the PIN that unlocks parental-controlled channels and videos on every device."""
    if not (parent_code.isascii() and parent_code.isdigit()) or len(parent_code) > PARENT_CODE_MAX_LENGTH:
        raise Invalid(f"parent_code must be 1 to {PARENT_CODE_MAX_LENGTH} digits.", fields={"parent_code": "invalid"})
    return account_modify(account=account, parent_code=parent_code)


def account_playback_set(*, account: Account, use_timeshift: bool | None = None,
                         preferred_timeshift_offset: int | None = None, data_center: int | None = None) -> Account:
    """Live TV preferences: watch with the account's time shift (and which shift, in hours), and the
    data centre that should serve the account (0 = let the operator choose). None = unchanged."""
    changes: dict = {}
    if use_timeshift is not None:
        changes["use_timeshift"] = bool(use_timeshift)
    if preferred_timeshift_offset is not None:
        if abs(preferred_timeshift_offset) > TIMESHIFT_OFFSET_HOURS:
            raise Invalid("preferred_timeshift_offset is out of range.",
                          fields={"preferred_timeshift_offset": "out of range"})
        changes["preferred_timeshift_offset"] = preferred_timeshift_offset
    if data_center is not None:
        if data_center < 0 or data_center > 2**31 - 1:
            raise Invalid("data_center_id is out of range.", fields={"data_center_id": "out of range"})
        changes["data_center"] = data_center or None
    if not changes:
        return account
    return account_modify(account=account, **changes)


@transaction.atomic
def account_settings_save(*, account: Account, favorite_channel: int | None = None,
                          unfavorite_channel: int | None = None, parent_lock_channel: int | None = None,
                          parent_unlock_channel: int | None = None, parent_code: str | None = None,
                          use_timeshift: bool | None = None, preferred_timeshift_offset: int | None = None,
                          data_center: int | None = None,
                          channels_sort: Sequence[ChannelPreference] | None = None) -> None:
    """Everything the app's settings screen saves at once: all of it, or (on any error) nothing."""
    if channels_sort is not None:
        channels_sort_save(account=account, items=channels_sort)
    if favorite_channel is not None:
        channel_setting_update(account=account, channel_id=favorite_channel, is_favorited=True)
    if unfavorite_channel is not None:
        channel_setting_update(account=account, channel_id=unfavorite_channel, is_favorited=False)
    if parent_lock_channel is not None:
        channel_setting_update(account=account, channel_id=parent_lock_channel, is_parent_control=True)
    if parent_unlock_channel is not None:
        channel_setting_update(account=account, channel_id=parent_unlock_channel, is_parent_control=False)
    if parent_code is not None:
        account_parent_code_set(account=account, parent_code=parent_code)
    account_playback_set(account=account, use_timeshift=use_timeshift,
                         preferred_timeshift_offset=preferred_timeshift_offset, data_center=data_center)


# --- viewing positions ----------------------------------------------------------------------------

def _video_duration(account: Account, content_id: int, asset_id: int | None) -> int | None:
    """Seconds of the video (asset) watched; raises NotFound for another operator's or an unknown
    video, or an asset that is not a file or an episode of that video."""
    video = Video.objects.for_client(account.client_id).filter(pk=content_id).values("pk", "duration").first()
    if video is None:
        raise NotFound("Video not found.", fields={"content_id": "not found"})
    if asset_id is None:
        raise AssetRequired("asset_id is required for a video.", fields={"asset_id": "required"})
    file_seconds = (VideoFile.objects.for_client(account.client_id).filter(pk=asset_id, video_id=content_id)
                    .values_list("duration", flat=True).first())
    episode_minutes = None
    if file_seconds is None:
        episode_minutes = (Episode.objects.for_client(account.client_id).filter(pk=asset_id, video_id=content_id)
                           .values_list("duration", flat=True).first())
        if episode_minutes is None:
            raise NotFound("Video file or episode not found.", fields={"asset_id": "not found"})
    seconds = file_seconds or (episode_minutes or 0) * 60 or video["duration"] * 60
    return seconds or None


def _program_duration(account: Account, content_id: int) -> int:
    times = (EpgProgram.objects.for_client(account.client_id).filter(pk=content_id)
             .values_list("begin_time", "end_time").first())
    if times is None:
        raise NotFound("Programme not found.", fields={"content_id": "not found"})
    return max(int((times[1] - times[0]) / timedelta(seconds=1)), 0)


def content_position_set(*, account: Account, content_type: str, content_id: int, position: int,
                         asset_id: int | None = None, duration: int | None = None,
                         is_viewed: bool | None = None) -> ContentPosition:
    """Remember where the subscriber stopped watching an archived programme or a video, so any of
    their devices resumes there. A video position belongs to one file or episode (`asset_id`).

    `duration` defaults to the catalogue's; `is_viewed` (watched to the end) defaults to having
    played 95% of it.
    """
    for name, value in (("position", position), ("duration", duration)):
        if value is not None and not 0 <= value <= MAX_SECONDS:
            raise Invalid(f"{name} is out of range.", fields={name: "out of range"})
    if content_type == ContentKind.VIDEO:
        known_duration = _video_duration(account, content_id, asset_id)
    elif content_type == ContentKind.PROGRAM:
        known_duration = _program_duration(account, content_id)
        asset_id = None  # a programme has no assets
    else:
        raise Invalid("content_type must be program or video.", fields={"content_type": "invalid"})
    duration = duration if duration is not None else known_duration
    if is_viewed is None:
        is_viewed = bool(duration) and position >= VIEWED_SHARE * duration
    try:
        with transaction.atomic():
            row, _ = ContentPosition.objects.update_or_create(
                account=account, content_type=content_type, content_id=content_id, asset_id=asset_id,
                defaults={"client_id": account.client_id, "position": position, "duration": duration,
                          "is_viewed": bool(is_viewed)},
            )
    except (IntegrityError, DatabaseError) as exc:
        raise PositionNotSaved("The position could not be saved.") from exc
    return row


def content_position_delete(*, account: Account, content_type: str, content_id: int,
                            asset_id: int | None = None) -> int:
    """Forget where the subscriber stopped a programme or a video: one file or episode (`asset_id`),
    or every one of the video when none is given. Forgetting what is not remembered changes nothing.
    The number of positions removed."""
    if content_type not in (ContentKind.PROGRAM, ContentKind.VIDEO):
        raise Invalid("content_type must be program or video.", fields={"content_type": "invalid"})
    positions = ContentPosition.objects.filter(account=account, content_type=content_type, content_id=content_id)
    if asset_id is not None:
        positions = positions.filter(asset_id=asset_id)
    try:
        with transaction.atomic():
            removed, _ = positions.delete()  # sends post_delete: the account's cached positions follow
    except DatabaseError as exc:
        raise PositionNotSaved("The position could not be removed.") from exc
    return removed


# --- recently watched channels ---------------------------------------------------------------------

RECENT_CHANNELS_KEPT = 20


def channel_remember(*, account: Account, channel_id: int) -> RecentChannel:
    """The subscriber watched a channel the operator shows: it becomes the newest of their recent
    channels (the oldest beyond `RECENT_CHANNELS_KEPT` are forgotten)."""
    if not Channel.objects.for_client(account.client_id).filter(pk=channel_id, enabled=True, is_hidden=False).exists():
        raise NotFound("Channel not found.", fields={"channel_id": "not found"})
    with transaction.atomic():
        recent, _ = RecentChannel.objects.update_or_create(
            account=account, channel_id=channel_id,
            defaults={"client_id": account.client_id, "watched_at": timezone.now()})
        kept = list(RecentChannel.objects.filter(account=account).order_by("-watched_at", "-id")
                    .values_list("pk", flat=True)[:RECENT_CHANNELS_KEPT])
        RecentChannel.objects.filter(account=account).exclude(pk__in=kept).delete()
    return recent


# --- programme reminders --------------------------------------------------------------------------

def reminder_create(*, account: Account, channel_id: int, programme_id: int,
                    timeshift_offset: int = 0) -> ProgrammeReminder:
    """Remember that the subscriber wants to be reminded of a programme of a channel the operator shows.
    Asking again updates the offset. Beyond the operator's `max_reminders` the reminder of the earliest
    programme makes room."""
    channel = (Channel.objects.for_client(account.client_id)
               .filter(pk=channel_id, enabled=True, is_hidden=False).first())
    if channel is None or channel.epg_channel_id is None:
        raise NotFound("Channel not found.", fields={"cid": "not found"})
    programme = (EpgProgram.objects.for_client(account.client_id)
                 .filter(pk=programme_id, epg_channel_id=channel.epg_channel_id).first())
    if programme is None:
        raise NotFound("Programme not found on this channel.", fields={"pid": "not found"})
    limit = Client.objects.filter(pk=account.client_id).values_list("max_reminders", flat=True).first() or 0
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()  # one writer per account at a time
        reminder, created = ProgrammeReminder.objects.update_or_create(
            account=account, programme=programme,
            defaults={"client_id": account.client_id, "channel": channel, "timeshift_offset": int(timeshift_offset)})
        if created:
            kept = (ProgrammeReminder.objects.filter(account=account)
                    .order_by("-programme__begin_time", "-id").values_list("pk", flat=True)[:max(limit, 1)])
            ProgrammeReminder.objects.filter(account=account).exclude(pk__in=list(kept)).delete()
    return reminder


def reminder_delete(*, account: Account, programme_id: int | None) -> int:
    """Forget the reminder of a programme (None: all of the account's). The number removed."""
    reminders = ProgrammeReminder.objects.filter(account=account)
    if programme_id is not None:
        reminders = reminders.filter(programme_id=programme_id)
    removed, _ = reminders.delete()
    return removed


# --- messages -------------------------------------------------------------------------------------

def message_delete(*, account: Account, message: Message | None) -> int:
    """The subscriber removes a message from their list (`None`: every message they may read now).
    The operator's message stays (a broadcast still reaches the others); for this account it counts
    as read and is no longer listed. The number of messages removed."""
    if message is not None and (message.client_id != account.client_id
                                or message.account_id not in (None, account.pk)):
        raise NotFound("Message not found.", fields={"uuid": "not found"})
    targets = [message.pk] if message is not None else list(
        account_messages(client=account.client_id, account_id=account.pk).values_list("pk", flat=True))
    if not targets:
        return 0
    now = timezone.now()
    with transaction.atomic():
        known = set(MessageRead.objects.filter(account=account, message_id__in=targets)
                    .values_list("message_id", flat=True))
        MessageRead.objects.filter(account=account, message_id__in=known, deleted_at__isnull=True).update(deleted_at=now)
        MessageRead.objects.bulk_create([MessageRead(message_id=pk, account=account, deleted_at=now)
                                         for pk in targets if pk not in known], ignore_conflicts=True)
        account_facts.messages_changed(account_ids=[account.pk])  # bulk writes send no signals
    return len(targets)


def message_mark_read(*, account: Account, message: Message) -> bool:
    """Record that the account opened an operator message. Opening it again changes nothing.
    True when this is the first time."""
    if message.client_id != account.client_id or message.account_id not in (None, account.pk):
        raise NotFound("Message not found.", fields={"uuid": "not found"})
    _, created = MessageRead.objects.get_or_create(message=message, account=account)
    return created
