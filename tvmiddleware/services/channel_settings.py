"""What a subscriber changes in bulk from a v2 app: the flags of many channels at once, their own
channel order, and their favourite videos.

Each function acts on one account, in one transaction, and only on rows of the account's operator: an
id of another operator's channel or video is answered like an unknown id (`NotFound`), and the whole
list is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from django.db import transaction

from common.errors import Invalid, NotFound
from tvmiddleware.models import Account, AccountChannelSetting, AccountVideoSetting, Channel, Video
from tvmiddleware.selectors import account_facts

from .account_settings import ChannelPreference, channels_sort_save


@dataclass(frozen=True)
class ChannelFlagsChange:
    """The flags the app sends for one channel; None = leave that flag as it is."""

    channel_id: int
    is_favorited: bool | None = None
    is_hidden: bool | None = None
    is_parent_control: bool | None = None


@dataclass(frozen=True)
class VideoFlagsChange:
    video_id: int
    is_favorited: bool


def _distinct(ids: Sequence[int], field: str) -> None:
    if len(set(ids)) != len(ids):
        raise Invalid(f"A {field} is listed twice.", fields={field: "duplicate"})


def _lock(account: Account) -> None:
    """One writer per account at a time: two lists sent at once must not both create a setting."""
    Account.objects.select_for_update().filter(pk=account.pk).first()


_FLAGS = ("is_favorited", "is_hidden", "is_parent_control")


def account_channels_update(*, account: Account, items: Sequence[ChannelFlagsChange]) -> None:
    """Set the subscriber's own flags of many channels of the operator at once (favourite, hidden,
    PIN-locked; the account's lock overrides the channel's own parental flag). All or nothing: an
    unknown channel or a channel listed twice refuses the list. The cached flags follow on commit."""
    ids = [item.channel_id for item in items]
    _distinct(ids, "channel_id")
    known = set(Channel.objects.for_client(account.client_id).filter(pk__in=ids).values_list("pk", flat=True))
    if len(known) != len(ids):
        raise NotFound("Channel not found.", fields={"channel_id": "not found"})
    with transaction.atomic():
        _lock(account)
        existing = {s.channel_id: s for s in AccountChannelSetting.objects.select_for_update()
                    .filter(account=account, channel_id__in=ids)}
        to_update: list[AccountChannelSetting] = []
        to_create: list[AccountChannelSetting] = []
        for item in items:
            setting = existing.get(item.channel_id)
            if setting is None:
                setting = AccountChannelSetting(client_id=account.client_id, account=account,
                                                channel_id=item.channel_id)
                to_create.append(setting)
            else:
                to_update.append(setting)
            for name in _FLAGS:
                value = getattr(item, name)
                if value is not None:
                    setattr(setting, name, value)
        if to_update:
            AccountChannelSetting.objects.bulk_update(to_update, list(_FLAGS), batch_size=500)
        if to_create:
            AccountChannelSetting.objects.bulk_create(to_create, batch_size=500)
        account_facts.flags_changed([account.pk])  # bulk writes send no signals


def account_channels_order(*, account: Account, channel_ids: Sequence[int]) -> None:
    """Save the subscriber's own channel order: each channel's own position is its place in the list
    (0 = first); channels left out lose their own position and keep the operator's (`Channel.sort`), so
    apps send the whole line-up. Flags stay as they are."""
    if not channel_ids:
        raise Invalid("The channel order is empty.", fields={"channel_ids": "empty"})
    _distinct(channel_ids, "channel_ids")
    channels_sort_save(account=account, items=[ChannelPreference(channel_id=channel_id, sort=position)
                                                for position, channel_id in enumerate(channel_ids)])


def account_videos_update(*, account: Account, items: Sequence[VideoFlagsChange]) -> None:
    """Mark or unmark many of the operator's videos as the subscriber's favourites at once. All or
    nothing: an unknown video or one listed twice refuses the list."""
    ids = [item.video_id for item in items]
    _distinct(ids, "id")
    known = set(Video.objects.for_client(account.client_id).filter(pk__in=ids).values_list("pk", flat=True))
    if len(known) != len(ids):
        raise NotFound("Video not found.", fields={"id": "not found"})
    with transaction.atomic():
        _lock(account)
        existing = {s.video_id: s for s in AccountVideoSetting.objects.select_for_update()
                    .filter(account=account, video_id__in=ids)}
        to_update, to_create = [], []
        for item in items:
            setting = existing.get(item.video_id)
            if setting is None:
                to_create.append(AccountVideoSetting(client_id=account.client_id, account=account,
                                                     video_id=item.video_id, is_favorited=item.is_favorited))
            elif setting.is_favorited != item.is_favorited:
                setting.is_favorited = item.is_favorited
                to_update.append(setting)
        if to_update:
            AccountVideoSetting.objects.bulk_update(to_update, ["is_favorited"], batch_size=500)
        if to_create:
            AccountVideoSetting.objects.bulk_create(to_create, batch_size=500)
