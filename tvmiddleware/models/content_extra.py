"""Rows the Content and Streaming APIs keep beside the core catalogue and line-up.

- `*Extra`: documented Content API fields the core models have no column for (localized names
  `name_lang1..5`, poster and logo addresses, `meta`, price-category ids of the operator's own
  schema...). One row per object, cascading with it; the API stores the parameters under their
  reference names and gives them back in its detail methods.
- `RadioStation`: an internet radio station opened by tariffs.
- `SkipVideoFragment`: a part of a video file the player offers to skip (intro, recap, credits, ads).
- `ProgramBlocking`: the operator withdrew a programme's recording from the archive, maybe for a time.
- `MaintenanceWindow`: planned works on the video servers; while one is on, the device API hands out
  no URLs of its channels and tells apps until when the works last.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from .base import TenantModel, Timestamped


class ContentExtra(TenantModel):
    """Content API fields of one object that the core model does not model (see the module doc)."""

    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class VideoExtra(ContentExtra):
    video = models.OneToOneField("tvmiddleware.Video", on_delete=models.CASCADE, related_name="extra")


class VideoFileExtra(ContentExtra):
    video_file = models.OneToOneField("tvmiddleware.VideoFile", on_delete=models.CASCADE, related_name="extra")


class SeasonExtra(ContentExtra):
    season = models.OneToOneField("tvmiddleware.Season", on_delete=models.CASCADE, related_name="extra")


class EpisodeExtra(ContentExtra):
    episode = models.OneToOneField("tvmiddleware.Episode", on_delete=models.CASCADE, related_name="extra")


class ActorExtra(ContentExtra):
    actor = models.OneToOneField("tvmiddleware.Actor", on_delete=models.CASCADE, related_name="extra")


class ChannelExtra(ContentExtra):
    channel = models.OneToOneField("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="extra")


class SelectionExtra(ContentExtra):
    selection = models.OneToOneField("tvmiddleware.Selection", on_delete=models.CASCADE, related_name="extra")


class RadioStation(TenantModel, Timestamped):
    """An internet radio station; subscribers hear it when one of their tariffs opens it."""

    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=False)
    uri = models.CharField(max_length=1000, blank=True, default="", help_text="Static stream address.")
    description = models.TextField(blank=True, default="")
    radio_channel = models.PositiveIntegerField(
        null=True, blank=True, help_text="Id of the line-up channel that carries the station: apps show its name "
                                         "(`channel_name`) and, without a logo, its icon.")
    logo = models.ImageField(upload_to="radio/", blank=True, default="", help_text="Shown by apps in the radio list.")
    tariffs = models.ManyToManyField("tvmiddleware.Tariff", related_name="radio_stations", blank=True)
    sort = models.IntegerField(default=0)
    data = models.JSONField(default=dict, blank=True, help_text="Localized names and descriptions.")

    class Meta:
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class SkipFragmentType(models.IntegerChoices):
    INTRO = 0, "Intro"
    RECAP = 1, "Recap"
    CREDITS = 2, "Credits"
    ADVERTISING = 3, "Advertising"


class SkipVideoFragment(TenantModel):
    """A stretch [begin_time, end_time) of a video file, in seconds, that players offer to skip."""

    video_file = models.ForeignKey("tvmiddleware.VideoFile", on_delete=models.CASCADE,
                                   related_name="skip_fragments")
    type = models.PositiveSmallIntegerField(choices=SkipFragmentType.choices)
    begin_time = models.DecimalField(max_digits=10, decimal_places=3)
    end_time = models.DecimalField(max_digits=10, decimal_places=3)

    class Meta:
        ordering = ["video_file", "begin_time", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("begin_time")) & Q(begin_time__gte=0),
                                   name="skipvideofragment_valid_times"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.begin_time}-{self.end_time}"


class ProgramBlocking(TenantModel):
    """The recording of a programme is withdrawn from the archive (until `expires_at`, if set).

    The programme's `is_blocked` flag is what the device API reads; these rows say who set it until
    when, so an expiry job can lift the blocks whose time has passed.
    """

    program = models.ForeignKey("tvmiddleware.EpgProgram", on_delete=models.CASCADE, related_name="blockings")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Blocking of programme {self.program_id}"


class MaintenanceWindow(TenantModel, Timestamped):
    """Planned works on the video servers of some channels, from `starts_at` until `ends_at`
    (open-ended when empty). While it is on, apps get no stream URLs of these channels."""

    channels = models.ManyToManyField("tvmiddleware.Channel", related_name="maintenance_windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["client", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="maintenancewindow_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Maintenance from {self.starts_at:%Y-%m-%d %H:%M}"
