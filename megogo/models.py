"""What the MEGOGO integration keeps beside the core catalogue.

- `GenreMapping`: MEGOGO's genre → the operator's genre. Rows appear on every sync for the genres
  MEGOGO lists; the operator binds them in the admin and the next sync applies the binding.
- `MegogoTitle`: one imported title as last seen at MEGOGO (change digest, MEGOGO genres, cover
  address and thumbnails). It makes the sync incremental: an unchanged title or cover is neither
  fetched nor written again.
- `MegogoSubscriber`: the partner user of a customer and whether MEGOGO was told to subscribe it.
- `SyncLease`: who runs the catalogue sync of an integration right now (one run at a time).
"""
from __future__ import annotations

from typing import Any

from django.db import models

from cinema_kit.genres import PartnerGenreMap, operator_genre
from tvmiddleware.models import ExternalSystem, TenantModel


class GenreMapping(PartnerGenreMap):
    """A MEGOGO genre and the operator's genre its titles get (none: titles do not get it); one map
    per integration (the kit's `PartnerGenreMap`)."""

    partner_label = "MEGOGO"
    genre_id_field = "megogo_genre_id"
    genre_name_field = "megogo_name"

    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", on_delete=models.CASCADE,
                                        related_name="megogo_genre_mappings")
    megogo_genre_id = models.CharField("MEGOGO genre id", max_length=64)
    megogo_name = models.CharField("MEGOGO name", max_length=200, blank=True, default="")
    genre = operator_genre("Titles of this MEGOGO genre get this genre (applied on the next sync).")

    class Meta:
        ordering = ["external_system", "megogo_name"]
        verbose_name = "MEGOGO genre mapping"
        constraints = [
            models.UniqueConstraint(fields=["external_system", "megogo_genre_id"], name="megogo_genre_unique",
                                    violation_error_message="This MEGOGO genre is already mapped."),
        ]

    @classmethod
    def scope(cls, system: ExternalSystem) -> dict[str, Any]:
        return {"external_system": system}


class MegogoTitle(TenantModel):
    """The sync's memory of one MEGOGO title, and the cover thumbnails the device API serves.

    `digest` fingerprints what MEGOGO's listing said about the title last time it was fetched;
    `seen_run` is the last sync run that listed it (titles a finished run did not list left the
    catalogue). `megogo_genres` and the accessibility flags let a changed genre map or category
    override be applied without asking MEGOGO again.
    """

    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", on_delete=models.CASCADE,
                                        related_name="megogo_titles")
    ext_id = models.CharField(max_length=64)
    video = models.OneToOneField("tvmiddleware.Video", on_delete=models.CASCADE, related_name="megogo")
    digest = models.CharField(max_length=32, blank=True, default="")
    seen_run = models.BigIntegerField(default=0, db_index=True)
    megogo_genres = models.JSONField(default=list, blank=True)
    audio_description = models.BooleanField(default=False)
    sign_language = models.BooleanField(default=False)
    delivery_rules = models.CharField(max_length=64, blank=True, default="")
    sellable = models.BooleanField(default=True, help_text="False: MEGOGO lists it but it cannot be sold here.")
    actors_loaded = models.BooleanField(default=False)
    cover_url = models.URLField(max_length=500, blank=True, default="", help_text="The cover MEGOGO gives.")
    stored_cover_url = models.URLField(max_length=500, blank=True, default="",
                                       help_text="The cover whose files are stored (differs: to download).")
    thumbnail_small = models.ImageField(upload_to="covers/megogo/", blank=True)
    thumbnail_big = models.ImageField(upload_to="covers/megogo/", blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["external_system", "ext_id"]
        verbose_name = "MEGOGO title"
        constraints = [
            models.UniqueConstraint(fields=["external_system", "ext_id"], name="megogo_title_unique"),
        ]

    def __str__(self) -> str:
        return f"MEGOGO {self.ext_id}"


class MegogoSubscriber(TenantModel):
    """A customer's user at MEGOGO (`identifier`) and the SVOD state MEGOGO was last told."""

    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", on_delete=models.CASCADE,
                                        related_name="megogo_subscribers")
    customer = models.ForeignKey("tvmiddleware.Customer", on_delete=models.CASCADE, related_name="+")
    identifier = models.CharField(max_length=128)
    user_created = models.BooleanField(default=False, help_text="MEGOGO was asked to create the partner user.")
    subscribed = models.BooleanField(default=False, help_text="MEGOGO was last told to subscribe the user to "
                                                              "the SVOD service.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "MEGOGO subscriber"
        constraints = [
            models.UniqueConstraint(fields=["external_system", "customer"], name="megogo_subscriber_unique"),
        ]

    def __str__(self) -> str:
        return self.identifier


class SyncLease(models.Model):
    """The catalogue sync of one integration is running: by `owner` until `expires_at` (a lease the
    runner keeps extending; a crashed run's lease simply expires)."""

    external_system = models.OneToOneField("tvmiddleware.ExternalSystem", on_delete=models.CASCADE,
                                           related_name="megogo_sync_lease")
    owner = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_run = models.BigIntegerField(default=0)
    last_summary = models.TextField(blank=True, default="")
    managed_tariff_ids = models.JSONField(default=list, blank=True,
                                          help_text="Tariffs the last run attached to titles (catalogue and SVOD).")

    class Meta:
        verbose_name = "MEGOGO sync run"

    def __str__(self) -> str:
        return f"sync of {self.external_system_id}"
