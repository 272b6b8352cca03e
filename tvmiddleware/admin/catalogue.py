"""The VOD catalogue: videos with their seasons, episodes and files; genres, people and selections."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tvmiddleware.models import Actor, Episode, Genre, Season, Selection, SelectionItem, Video, VideoFile

from .base import TenantAdmin, TenantTabularInline
from .content_extra import SkipVideoFragmentInline


@admin.register(Genre)
class GenreAdmin(TenantAdmin):
    list_display = ["name", "ext_id", "sort"]
    search_fields = ["name", "ext_id"]


@admin.register(Actor)
class ActorAdmin(TenantAdmin):
    """People credited in videos: actors and directors."""

    list_display = ["name", "name_orig", "type", "country"]
    list_filter = ["type"]
    search_fields = ["name", "name_orig", "ext_id"]


class VideoPartInline(TenantTabularInline):
    """A part of the video being edited; its season/episode choices are that video's own."""

    parent_choice_fields: dict[str, str] = {}  # form field -> relation of Video holding its choices

    def get_formset(self, request: HttpRequest, obj: Video | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        for field_name, relation in self.parent_choice_fields.items():
            field = formset.form.base_fields.get(field_name)
            if field is not None:  # the form class is new per call: narrowing it is per request
                field.queryset = getattr(obj, relation).all() if obj is not None else field.queryset.none()
        return formset


class SeasonInline(VideoPartInline):
    model = Season
    fields = ["number", "name", "ext_id"]


class EpisodeInline(VideoPartInline):
    model = Episode
    fields = ["season", "number", "name", "duration", "ext_id"]
    parent_choice_fields = {"season": "seasons"}


class VideoFileInline(VideoPartInline):
    model = VideoFile
    fields = ["episode", "path", "quality", "duration", "language", "stream_service", "ext_id"]
    parent_choice_fields = {"episode": "episodes"}
    show_change_link = True  # the file's page holds its fragments to skip


@admin.register(Video)
class VideoAdmin(TenantAdmin):
    """Catalogue titles. Titles of an online cinema carry its integration and `ext_id`. The subscribers'
    rating is the average of their ratings in the apps (see Video ratings), shown here, not edited."""

    list_display = ["name", "year", "price_category", "price", "is_series", "available", "external_system", "sort"]
    list_filter = ["available", "price_category", "is_series", "is_package", "external_system", "genres", "tariffs"]
    list_select_related = ["external_system"]
    search_fields = ["name", "name_orig", "ext_id"]
    filter_horizontal = ["genres", "actors", "tariffs"]
    autocomplete_fields = ["package_videos"]
    inlines = [SeasonInline, EpisodeInline, VideoFileInline]
    readonly_fields = ["customers_rating", "customers_rating_count"]
    fieldsets = [
        (None, {"fields": ["name", "name_orig", "short_description", "description", "year", "countries",
                           "language", "duration", "director", "age_rating", "is_parent_control", "sort"]}),
        ("Kind", {"fields": ["is_series", "is_package", "package_videos", "is_4k"]}),
        ("Credits", {"fields": ["genres", "actors", "kinopoisk_rating", "imdb_rating", "customers_rating",
                                "customers_rating_count"]}),
        ("Cover", {"fields": ["cover", "cover_url"]}),
        ("Access", {"fields": ["price_category", "price", "rent_price", "rent_hours", "tariffs", "available"]}),
        ("Source", {"fields": ["external_system", "ext_id"]}),
    ]


@admin.register(Season)
class SeasonAdmin(TenantAdmin):
    list_display = ["__str__", "video", "number", "ext_id"]
    list_select_related = ["video"]
    search_fields = ["name", "video__name", "ext_id"]
    autocomplete_fields = ["video"]


@admin.register(Episode)
class EpisodeAdmin(TenantAdmin):
    list_display = ["__str__", "video", "season", "number", "duration"]
    list_select_related = ["video", "season"]
    search_fields = ["name", "video__name", "ext_id"]
    autocomplete_fields = ["video", "season"]


@admin.register(VideoFile)
class VideoFileAdmin(TenantAdmin):
    """Playable files, served by a VOD stream service (`$file` in its URL mask)."""

    list_display = ["path", "video", "episode", "quality", "stream_service"]
    list_filter = ["quality", "stream_service"]
    list_select_related = ["video", "episode", "stream_service"]
    search_fields = ["path", "video__name", "ext_id"]
    autocomplete_fields = ["video", "episode"]
    inlines = [SkipVideoFragmentInline]  # fragments belong to a file, so they cannot be inlines of the video


class SelectionItemInline(TenantTabularInline):
    """Videos on the shelf, in order. Items have no client column: they are scoped by their selection."""

    model = SelectionItem
    tenant_via = "selection"
    fields = ["video", "sort"]
    autocomplete_fields = ["video"]


@admin.register(Selection)
class SelectionAdmin(TenantAdmin):
    """Curated shelves of videos."""

    list_display = ["name", "enabled", "sort", "external_system"]
    list_filter = ["enabled", "external_system"]
    search_fields = ["name", "ext_id"]
    inlines = [SelectionItemInline]
