"""What a subscriber keeps in their apps: favourites, per-channel locks, viewing positions, messages."""
from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from .base import TenantModel


class AccountChannelSetting(TenantModel):
    """An account's own flags for one channel (favourite, PIN-locked, hidden, own sort position)."""

    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="channel_settings")
    channel = models.ForeignKey("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="+")
    is_favorited = models.BooleanField(default=False)
    is_parent_control = models.BooleanField(null=True, blank=True,
                                            help_text="Overrides the channel's own parental flag when set.")
    is_hidden = models.BooleanField(default=False)
    sort = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "channel"], name="accountchannelsetting_unique")]


class AccountVideoSetting(TenantModel):
    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="video_settings")
    video = models.ForeignKey("tvmiddleware.Video", on_delete=models.CASCADE, related_name="+")
    is_favorited = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "video"], name="accountvideosetting_unique")]


class ContentKind(models.TextChoices):
    PROGRAM = "program", "Programme (archive)"
    VIDEO = "video", "Video"
    CHANNEL = "channel", "Channel"


class ContentPosition(TenantModel):
    """Where an account stopped watching a programme or a video (asset = file or episode)."""

    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="positions")
    content_type = models.CharField(max_length=16, choices=ContentKind.choices)
    content_id = models.BigIntegerField()
    asset_id = models.BigIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(help_text="Seconds from the start.")
    duration = models.PositiveIntegerField(null=True, blank=True)
    is_viewed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Two partial constraints instead of NULLS NOT DISTINCT, which SQLite lacks.
            models.UniqueConstraint(fields=["account", "content_type", "content_id", "asset_id"],
                                    condition=Q(asset_id__isnull=False), name="contentposition_unique_asset"),
            models.UniqueConstraint(fields=["account", "content_type", "content_id"],
                                    condition=Q(asset_id__isnull=True), name="contentposition_unique_no_asset"),
        ]


class Message(TenantModel):
    """A message from the operator to one account, to a customer's accounts, or to everybody."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey("tvmiddleware.Account", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="messages", help_text="Empty = every account of the operator.")
    subject = models.CharField(max_length=255)
    text = models.TextField(blank=True, default="")
    urgent = models.BooleanField(default=False)
    no_confirmation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class ProgrammeReminder(TenantModel):
    """A subscriber asked to be reminded of a programme on a channel (`notification/create`); apps list
    them (`notification/list`) and remind when it starts. At most `Client.max_reminders` per account:
    a new one beyond that replaces the account's reminder of the earliest programme."""

    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="reminders")
    channel = models.ForeignKey("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey("tvmiddleware.EpgProgram", on_delete=models.CASCADE, related_name="+")
    timeshift_offset = models.IntegerField(default=0, help_text="Seconds; the app's own time shift for it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "programme"], name="programmereminder_unique")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.programme_id}"


class RecentChannel(TenantModel):
    """A channel the account watched lately (`content/position/remember/channel`), for
    `channel/list/last` and the login answer's `last_channel`; the newest `RECENT_CHANNELS_KEPT` are kept."""

    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="recent_channels")
    channel = models.ForeignKey("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="+")
    watched_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "channel"], name="recentchannel_unique")]
        indexes = [models.Index(fields=["account", "-watched_at"], name="recentchannel_latest")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.channel_id}"


class MessageRead(models.Model):
    """An account opened a message; `deleted_at`: the subscriber also removed it from their list (the
    operator's message itself stays, for the account's other readers and for the record)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reads")
    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "account"], name="messageread_unique")]


class PortalSetting(TenantModel):
    """A key/value of the apps' portal configuration (`portal/settings/list`), optionally per device type."""

    key = models.CharField(max_length=100)
    value = models.TextField(blank=True, default="")
    device_type = models.ForeignKey("tvmiddleware.DeviceType", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", help_text="Empty = every device type.")

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["client", "key", "device_type"], condition=Q(device_type__isnull=False),
                                    name="portalsetting_unique_per_device"),
            models.UniqueConstraint(fields=["client", "key"], condition=Q(device_type__isnull=True),
                                    name="portalsetting_unique_default"),
        ]

    def __str__(self) -> str:
        return self.key
