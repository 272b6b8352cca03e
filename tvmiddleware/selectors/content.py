"""Reads of the Content API: the operator's rows with everything a page renders fetched up front
(a constant number of queries per page, whatever its size)."""
from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from tvmiddleware.models import (
    Actor, Channel, Client, EpgChannel, Episode, Season, SkipVideoFragment, Video, VideoFile,
)
from common.errors import NotFound

ACTOR_ORDERS = {
    "id": "id", "-id": "-id", "name": "name", "-name": "-name", "film_count": "film_count",
    "-film_count": "-film_count", "birthdate": "birthdate", "-birthdate": "-birthdate",
    "-birthdat": "-birthdate",  # the reference's table cuts the name short; callers copy it
}


def videos(*, client: Client) -> QuerySet[Video]:
    """The catalogue with what VideoList shows of each title: its files and whether it has seasons
    and episodes."""
    files = VideoFile.objects.select_related("extra").order_by("episode_id", "-quality", "id")
    return (Video.objects.for_client(client)
            .annotate(has_seasons=Exists(Season.objects.filter(video=OuterRef("pk"))),
                      has_episodes=Exists(Episode.objects.filter(video=OuterRef("pk"))))
            .prefetch_related(Prefetch("files", queryset=files))
            .order_by("-id"))


def video_get(*, client: Client, video_id: int | None = None, ext_id: str | None = None) -> Video:
    """A title by id, or by `ext_id` (which wins; the operator's own titles before partners')."""
    queryset = Video.objects.for_client(client).select_related("external_system", "extra")
    if ext_id:
        video = queryset.filter(ext_id=ext_id).order_by(F("external_system").asc(nulls_first=True), "id").first()
        field = "ext_id"
    else:
        video = queryset.filter(pk=video_id).first() if video_id else None
        field = "id"
    if video is None:
        raise NotFound("Video not found.", fields={field: "unknown"})
    return video


def video_file_get(*, client: Client, file_id: int) -> VideoFile:
    fragments = SkipVideoFragment.objects.order_by("begin_time", "id")
    video_file = (VideoFile.objects.for_client(client).select_related("extra")
                  .prefetch_related(Prefetch("skip_fragments", queryset=fragments)).filter(pk=file_id).first())
    if video_file is None:
        raise NotFound("Video file not found.", fields={"id": "unknown"})
    return video_file


def channels(*, client: Client, search: str = "", search_tariff: str = "", tariff_ids: list[int] | None = None,
             search_stream_service: str = "", stream_service_ids: list[int] | None = None) -> QuerySet[Channel]:
    """The line-up in its order, filtered as ChannelList asks, with categories, tariffs and servers."""
    queryset = Channel.objects.for_client(client)
    matching = Channel.objects.for_client(client)
    filtered = False
    if search:
        queryset = queryset.filter(name__icontains=search)
    for condition, value in ((Q(tariffs__name__icontains=search_tariff), search_tariff),
                             (Q(tariffs__in=tariff_ids or []), tariff_ids),
                             (Q(stream_services__name__icontains=search_stream_service), search_stream_service),
                             (Q(stream_services__in=stream_service_ids or []), stream_service_ids)):
        if value:
            matching = matching.filter(condition)
            filtered = True
    if filtered:  # through many-to-many joins: select by id so rows are not repeated
        queryset = queryset.filter(pk__in=matching.values("pk"))
    return (queryset.select_related("category", "epg_channel", "extra")
            .prefetch_related("additional_categories", "tariffs", "stream_services")
            .order_by("sort", "id"))


def actors(*, client: Client, order: str = "-id", country: str = "", person_type: str = "",
           video: Video | None = None) -> QuerySet[Actor]:
    queryset = Actor.objects.for_client(client)
    if country:
        queryset = queryset.filter(country__iexact=country)
    if person_type:
        queryset = queryset.filter(type=person_type)
    if video is not None:
        queryset = queryset.filter(videos=video)
    if order in ("film_count", "-film_count"):
        queryset = queryset.annotate(film_count=Count("videos", distinct=True))
    return queryset.order_by(ACTOR_ORDERS[order], "id")


def epg_channels(*, client: Client, source_id: int | None = None) -> QuerySet[EpgChannel]:
    queryset = EpgChannel.objects.for_client(client).select_related("source")
    if source_id is not None:
        queryset = queryset.filter(source_id=source_id)
    return queryset.order_by("id")
