"""What an operator shows to visitors of its apps who have not logged in, and what they may play.

- `GuestBrowsing`: the operator's switch for guest browsing (the device API's `noauth/*` methods),
  and which tariffs' channels and titles guests see.
- `VideoTrailer`: a title's trailer at a public address; the one thing a guest may play
  (`noauth/video/url`). The film itself is never handed to a guest.
- `ProviderBranding`: the logos apps show for an online cinema (an API integration) in
  `provider/list` and on its titles.
"""
from __future__ import annotations

from django.core.validators import URLValidator
from django.db import models

from .base import TenantModel, Timestamped


class GuestBrowsing(TenantModel, Timestamped):
    """The operator's guest browsing: off by default. When on, apps may show the channels and the
    titles of the chosen tariffs (none chosen: every tariff for sale, that is enabled and offered in
    apps) to visitors who have not logged in, as a non-subscriber sees them."""

    enabled = models.BooleanField(
        "guest browsing", default=False,
        help_text="Apps may show the line-up, the guide and the catalogue without a login (noauth methods).")
    tariffs = models.ManyToManyField(
        "tvmiddleware.Tariff", related_name="+", blank=True,
        help_text="Tariffs whose channels and titles guests see. None chosen: every enabled tariff offered in "
                  "apps (not hidden).")
    untariffed_titles = models.BooleanField(
        "free and pay-per-view titles", default=True,
        help_text="Guests also see free titles and titles sold one by one (no tariff opens them).")

    class Meta:
        verbose_name = "guest browsing"
        verbose_name_plural = "guest browsing"
        constraints = [
            models.UniqueConstraint(fields=["client"], name="guestbrowsing_one_per_client",
                                    violation_error_message="The operator's guest browsing is already set up."),
        ]

    def __str__(self) -> str:
        return f"Guest browsing: {'on' if self.enabled else 'off'}"


class VideoTrailer(TenantModel):
    """A trailer of a title, at a public address (a CDN or the studio's), with no token: guests and
    subscribers alike may watch it. `noauth/video/url` hands out these and nothing else."""

    video = models.ForeignKey("tvmiddleware.Video", on_delete=models.CASCADE, related_name="trailers")
    name = models.CharField(max_length=200, blank=True, default="")
    url = models.URLField("address", max_length=500, validators=[URLValidator(schemes=["http", "https"])],
                          help_text="Public address of the trailer (http or https).")
    quality = models.PositiveSmallIntegerField(default=720, help_text="Vertical resolution.")
    duration = models.PositiveIntegerField(default=0, help_text="Seconds.")
    sort = models.IntegerField(default=0)

    class Meta:
        ordering = ["video", "sort", "id"]
        indexes = [models.Index(fields=["video", "sort"], name="videotrailer_video_sort")]

    def __str__(self) -> str:
        return self.name or f"Trailer {self.pk}"


class ProviderBranding(TenantModel):
    """Logos of an online cinema (an API integration) as apps show them: its icon, and the label
    put on its titles' posters (on light and dark backgrounds, and on phones)."""

    external_system = models.OneToOneField("tvmiddleware.ExternalSystem", on_delete=models.CASCADE,
                                           related_name="branding", verbose_name="online cinema")
    icon = models.ImageField(upload_to="provider_icons/", blank=True)
    movie_label_icon = models.ImageField(upload_to="provider_icons/", blank=True)
    movie_label_icon_black_bg = models.ImageField("movie label icon (dark background)", upload_to="provider_icons/",
                                                  blank=True)
    movie_label_icon_mobile = models.ImageField(upload_to="provider_icons/", blank=True)

    class Meta:
        verbose_name = "provider logos"
        verbose_name_plural = "provider logos"

    def __str__(self) -> str:
        return f"Logos of {self.external_system.name}" if self.external_system_id else "Provider logos"
