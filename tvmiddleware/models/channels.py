"""The channel line-up and the programme guide (EPG)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from .base import TenantModel, Timestamped


class ChannelCategory(TenantModel):
    """A group of channels in the apps' menus (News, Sport, Kids...)."""

    name = models.CharField(max_length=100)
    sort = models.IntegerField(default=0)
    icon = models.ImageField(upload_to="category_icons/", blank=True)

    class Meta:
        ordering = ["sort", "name"]
        verbose_name_plural = "channel categories"

    def __str__(self) -> str:
        return self.name


class AspectRatio(models.IntegerChoices):
    """`aspect_ratio` of channel/list (the Content API's numbers): how apps shape the picture."""

    AUTO = 0, "Auto"
    RATIO_16_9 = 1, "16:9"
    RATIO_4_3 = 2, "4:3"
    FULL_SCREEN = 3, "Full screen"


class Telemeter(models.IntegerChoices):
    """The audience measurement system a channel reports viewing to (`telemeter`)."""

    MEDIASCOPE = 0, "Mediascope"


class Channel(TenantModel, Timestamped):
    """A live TV channel.

    `url_prefix` is its stream name on the video server (`$prefix` in URL masks);
    `id_for_stream_service` is the id the video server knows it by (`$cid`), when not our id.
    `max_archive_duration` is the archive (catch-up) depth in hours; 0 = no archive.
    """

    name = models.CharField(max_length=200)
    category = models.ForeignKey(ChannelCategory, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="channels")
    additional_categories = models.ManyToManyField(ChannelCategory, related_name="+", blank=True)
    url_prefix = models.CharField(max_length=200, help_text="Stream name on the video server ($prefix).")
    id_for_stream_service = models.CharField(max_length=100, blank=True, default="",
                                             help_text="Channel id on the video server ($cid); our id if empty.")
    max_archive_duration = models.PositiveIntegerField(default=0, help_text="Archive depth in hours; 0 = none.")
    is_parent_control = models.BooleanField(default=False, help_text="Locked by parental control.")
    icon = models.ImageField(upload_to="channel_icons/", blank=True)
    sort = models.IntegerField(default=0)
    lcn_number = models.PositiveIntegerField(null=True, blank=True, help_text="Logical channel number.")
    enabled = models.BooleanField(default=True)
    is_hidden = models.BooleanField(default=False)
    description = models.TextField(blank=True, default="")
    timeshift_offset = models.IntegerField(default=0)
    epg_channel = models.ForeignKey("tvmiddleware.EpgChannel", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="channels")
    stream_services = models.ManyToManyField(
        "tvmiddleware.StreamService", related_name="channels", blank=True,
        help_text="Servers carrying this channel; empty = every enabled server of the right type.",
    )
    option1 = models.CharField(max_length=255, blank=True, default="")
    option2 = models.CharField(max_length=255, blank=True, default="")
    option3 = models.CharField(max_length=255, blank=True, default="")
    pause_live_tv_shift = models.PositiveIntegerField(
        default=0, help_text="Seconds of live TV a subscriber may pause and resume (from the archive); 0 = none.")
    aspect_ratio = models.PositiveSmallIntegerField(choices=AspectRatio.choices, default=AspectRatio.AUTO,
                                                    help_text="The picture shape apps should show.")
    # Audience measurement ("telemeter"): the app reports viewing under these names.
    telemeter = models.PositiveSmallIntegerField(choices=Telemeter.choices, null=True, blank=True,
                                                 help_text="Audience measurement system; empty = not measured.")
    telemeter_account_name = models.CharField(max_length=100, blank=True, default="")
    telemeter_tmsec_name = models.CharField(max_length=100, blank=True, default="")
    telemeter_cat_id = models.CharField(max_length=100, blank=True, default="")
    telemeter_vc_id = models.CharField(max_length=100, blank=True, default="")
    telemeter_vc_version = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_record(self) -> bool:
        return self.max_archive_duration > 0

    @property
    def stream_cid(self) -> str:
        return self.id_for_stream_service or str(self.pk)


class EpgSource(TenantModel):
    """Where programme data comes from (an XMLTV feed or a provider)."""

    name = models.CharField(max_length=200)
    url = models.URLField(blank=True, default="")
    format = models.CharField(max_length=16, default="xmltv")
    enabled = models.BooleanField(default=True)
    last_import_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EpgChannel(TenantModel):
    """A channel as an EPG source names it; one or more line-up channels show its programmes."""

    source = models.ForeignKey(EpgSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="channels")
    ext_id = models.CharField(max_length=128, help_text="Channel id in the source.")
    name = models.CharField(max_length=200)
    icon = models.ImageField(upload_to="epg_icons/", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "EPG channel"
        constraints = [
            models.UniqueConstraint(fields=["client", "source", "ext_id"], name="epgchannel_unique_ext_id"),
        ]

    def __str__(self) -> str:
        return self.name


class EpgProgram(TenantModel):
    """One programme in the guide: [begin_time, end_time) on an EPG channel."""

    epg_channel = models.ForeignKey(EpgChannel, on_delete=models.CASCADE, related_name="programs")
    begin_time = models.DateTimeField()
    end_time = models.DateTimeField()
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    preview_url = models.URLField(blank=True, default="")
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Age rating.")
    is_blocked = models.BooleanField(default=False, help_text="Archive of this programme is not offered.")
    meta = models.JSONField(default=dict, blank=True)
    is_premiere = models.BooleanField(default=False, help_text="A premiere: apps list it (premiere/list) until it "
                                                               "ends. Kept when the guide is imported again.")

    class Meta:
        ordering = ["begin_time"]
        verbose_name = "EPG programme"
        indexes = [
            models.Index(fields=["epg_channel", "begin_time"]),
            # "What is on now" across an operator's channels, and the guide's change validators.
            models.Index(fields=["client", "end_time"]),
            # The latest programme start of an operator (channel/list validators, every request).
            models.Index(fields=["client", "begin_time"]),
            # premiere/list: the operator's premieres still to come.
            models.Index(fields=["client", "end_time"], condition=Q(is_premiere=True), name="epgprogram_premieres"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("begin_time")), name="epgprogram_ends_after_begin"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.begin_time:%Y-%m-%d %H:%M})"
