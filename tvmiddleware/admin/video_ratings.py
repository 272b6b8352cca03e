"""Subscribers' ratings of titles in the operator panel: read for support, removed for moderation (the
title's average follows); only the apps give them (`video/rating/set`)."""
from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from tvmiddleware.models import VideoRating
from tvmiddleware.services.vod_account import video_rating_delete

from .base import ReadOnlyAdminMixin, ServiceDeleteMixin, TenantAdmin


@admin.register(VideoRating)
class VideoRatingAdmin(ServiceDeleteMixin, ReadOnlyAdminMixin, TenantAdmin):
    """Ratings from 1 to 10 that subscribers gave titles in their apps. The title's average of them
    (`average_customers_rating` in the apps, "Subscribers' rating" on the title) is recomputed when one
    is deleted."""

    list_display = ["id", "video", "account", "rating", "updated_at"]
    list_display_links = ["id", "video"]
    list_filter = ["rating"]
    list_select_related = ["video", "account"]
    search_fields = ["video__name", "account__abonement"]
    date_hierarchy = "updated_at"
    fields = ["video", "account", "rating", "created_at", "updated_at"]

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return TenantAdmin.has_delete_permission(self, request, obj)

    def delete_row(self, obj: VideoRating) -> None:
        video_rating_delete(rating=obj)
