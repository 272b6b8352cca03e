"""Writes of the VOD catalogue, the line-up, radio and the guide, as content managers' scripts make
them through the Content API (and anything else that edits the catalogue in bulk).

Callers resolve ids to the operator's own rows first (an unknown id is theirs to report); these
functions re-check that every row they are handed belongs to the same operator, enforce the rules
(an `ext_id` is unique per operator and source, a package cannot contain itself, a fragment ends
after it begins...), write inside one transaction and keep the fields the core models have no
column for in the object's `*Extra` row.
"""
from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.utils import timezone

from tvmiddleware.models import (
    Actor, ActorExtra, Channel, ChannelCategory, ChannelExtra, Client, EpgChannel, EpgProgram, Episode,
    EpisodeExtra, ExternalSystem, Genre, ProgramBlocking, RadioStation, Season, SeasonExtra, Selection,
    SelectionExtra, SelectionItem, SkipFragmentType, SkipVideoFragment, StreamService, Tariff, Video,
    VideoExtra, VideoFile, VideoFileExtra,
)

from common.errors import Conflict, Invalid, NotFound
from common.text import is_digits

# Columns callers may set directly, per model (relations and extra data have their own arguments).
VIDEO_FIELDS = frozenset({
    "name", "name_orig", "description", "short_description", "year", "countries", "language", "duration",
    "age_rating", "is_parent_control", "is_series", "is_package", "is_4k", "kinopoisk_rating", "imdb_rating",
    "director", "cover_url", "ext_id", "available",
})
ACTOR_FIELDS = frozenset({"name", "name_orig", "type", "country", "gender", "birthdate", "description", "ext_id"})
CHANNEL_FIELDS = frozenset({
    "name", "url_prefix", "id_for_stream_service", "max_archive_duration", "is_parent_control", "lcn_number",
    "enabled", "is_hidden", "description", "timeshift_offset", "option1", "option2", "option3",
    "pause_live_tv_shift", "aspect_ratio", "telemeter", "telemeter_account_name", "telemeter_tmsec_name",
    "telemeter_cat_id", "telemeter_vc_id", "telemeter_vc_version",
})
EPISODE_FIELDS = frozenset({"name", "description", "duration", "ext_id"})
VIDEO_FILE_FIELDS = frozenset({"path", "quality", "duration", "language", "ext_id"})
RADIO_FIELDS = frozenset({"name", "enabled", "uri", "description", "radio_channel", "logo"})

MAX_ICON_BYTES = 5 * 1024 * 1024
ICON_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
_RENUMBER_OFFSET = 1_000_000  # parks numbers out of the way while a numbering is rewritten

_EXTRA_MODELS: dict[type[models.Model], tuple[type[models.Model], str]] = {
    Video: (VideoExtra, "video"), VideoFile: (VideoFileExtra, "video_file"), Season: (SeasonExtra, "season"),
    Episode: (EpisodeExtra, "episode"), Actor: (ActorExtra, "actor"), Channel: (ChannelExtra, "channel"),
    Selection: (SelectionExtra, "selection"),
}


class DuplicateItem(Conflict):
    """The content is already in the selection."""

    code = "duplicate_item"


class BadImage(Invalid):
    """The uploaded file is not an image we can serve (or is too large)."""

    code = "bad_image"


# --- shared rules ---------------------------------------------------------------------------------------

def _apply(instance: models.Model, fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}.", fields={n: "unknown" for n in unknown})
    for name, value in fields.items():
        setattr(instance, name, value)


def _validate(instance: models.Model) -> None:
    """Column rules of the model (lengths, ranges, choices, URLs); relations are checked by the caller."""
    relations = [f.name for f in instance._meta.concrete_fields if f.is_relation]
    try:
        instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        fields = {name: "; ".join(str(m) for m in messages) for name, messages in exc.message_dict.items()}
        raise Invalid("Invalid data: " + "; ".join(f"{k}: {v}" for k, v in fields.items()), fields=fields) from exc


def _save(instance: models.Model, conflict: str = "The object conflicts with an existing one.") -> None:
    _validate(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent writer won the race past our checks
        raise Conflict(conflict) from exc


def _same_client(client_id: int, rows: Iterable[models.Model | None], field: str) -> None:
    if any(row is not None and row.client_id != client_id for row in rows):  # type: ignore[attr-defined]
        raise NotFound(f"Unknown {field}.", fields={field: "unknown"})


def _store_extra(obj: models.Model, data: dict[str, Any] | None) -> None:
    """Merge API fields without a column into the object's extra row (a None value removes the key)."""
    if not data:
        return
    model, owner = _EXTRA_MODELS[type(obj)]
    extra, _ = model.objects.get_or_create(**{owner: obj}, defaults={"client_id": obj.client_id})
    merged = {**extra.data, **data}
    extra.data = {key: value for key, value in merged.items() if value is not None}
    extra.save(update_fields=["data"])


def _renumber(queryset: models.QuerySet, ordered_ids: Sequence[int]) -> None:
    """Number the rows 1..n in this order in two statements, whatever their count, without ever
    breaking a unique numbering (first park every row above the offset, then bring them down)."""
    if not ordered_ids:
        return
    queryset.filter(pk__in=ordered_ids).update(number=Case(
        *(When(pk=pk, then=Value(_RENUMBER_OFFSET + position)) for position, pk in enumerate(ordered_ids, 1)),
        output_field=models.PositiveIntegerField(),
    ))
    queryset.filter(pk__in=ordered_ids).update(number=F("number") - _RENUMBER_OFFSET)


def _place_after(queryset: models.QuerySet, item: models.Model, after: models.Model | None) -> None:
    """Put `item` right after `after` in a numbered sequence (seasons of a video, episodes of a season)."""
    if after is None:
        return
    if after.pk == item.pk:
        raise Invalid("An object cannot be placed after itself.", fields={"after": "self"})
    order = [pk for pk in queryset.order_by("number", "id").values_list("pk", flat=True) if pk != item.pk]
    if after.pk not in order:
        raise Invalid("The object to place after is not in the same sequence.", fields={"after": "elsewhere"})
    order.insert(order.index(after.pk) + 1, item.pk)
    _renumber(queryset, order)


def _next_number(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(top=Max("number"))["top"] or 0) + 1


# --- videos ---------------------------------------------------------------------------------------------

def _check_video_ext_id(video: Video) -> None:
    if not video.ext_id:
        return
    clash = (Video.objects.for_client(video.client_id)
             .filter(ext_id=video.ext_id, external_system_id=video.external_system_id).exclude(pk=video.pk))
    if clash.exists():
        raise Conflict("A video with this ext_id already exists for this source.", fields={"ext_id": "duplicate"})


def _video_relations(video: Video, *, genres, actors, tariffs, package_videos, similar, stream_services,
                     available_on) -> dict[str, Any]:
    """Set the many-to-many relations given (None = unchanged); returns the extra data they keep."""
    client_id = video.client_id
    for rows, field in ((genres, "genres"), (actors, "actors"), (tariffs, "tariffs"),
                        (package_videos, "package_videos"), (similar, "similar"),
                        (stream_services, "stream_services")):
        _same_client(client_id, rows or (), field)
    if package_videos is not None:
        if any(row.pk == video.pk for row in package_videos):
            raise Invalid("A package cannot contain itself.", fields={"package_videos": "self"})
        video.package_videos.set(package_videos)
    if similar is not None and any(row.pk == video.pk for row in similar):
        raise Invalid("A video is not similar to itself.", fields={"similar": "self"})
    for manager, rows in ((video.genres, genres), (video.actors, actors), (video.tariffs, tariffs)):
        if rows is not None:
            manager.set(rows)
    extra: dict[str, Any] = {}
    if similar is not None:
        extra["similar"] = [row.pk for row in similar]
    if stream_services is not None:
        extra["stream_services"] = [row.pk for row in stream_services]
    if available_on is not None:
        extra["available_on"] = [row.pk for row in available_on]
    return extra


@transaction.atomic
def video_create(*, client: Client, external_system: ExternalSystem | None = None,
                 genres: list[Genre] | None = None, actors: list[Actor] | None = None,
                 tariffs: list[Tariff] | None = None, package_videos: list[Video] | None = None,
                 similar: list[Video] | None = None, stream_services: list[StreamService] | None = None,
                 available_on: list[models.Model] | None = None, extra: dict[str, Any] | None = None,
                 **fields: Any) -> Video:
    """Add a title to the operator's catalogue. An `ext_id` must be new for its source (the
    integration in `external_system`, or the operator's own titles)."""
    _same_client(client.pk, [external_system], "external_system")
    video = Video(client=client, external_system=external_system)
    _apply(video, fields, VIDEO_FIELDS)
    if package_videos:
        video.is_package = True
    _check_video_ext_id(video)
    _save(video, "A video with this ext_id already exists for this source.")
    relations_extra = _video_relations(video, genres=genres, actors=actors, tariffs=tariffs,
                                       package_videos=package_videos, similar=similar,
                                       stream_services=stream_services, available_on=available_on)
    _store_extra(video, {**(extra or {}), **relations_extra})
    return video


@transaction.atomic
def video_modify(*, video: Video, external_system: ExternalSystem | None = None, genres: list[Genre] | None = None,
                 actors: list[Actor] | None = None, tariffs: list[Tariff] | None = None,
                 package_videos: list[Video] | None = None, similar: list[Video] | None = None,
                 similar_add: list[Video] | None = None, similar_remove: list[Video] | None = None,
                 stream_services: list[StreamService] | None = None, available_on: list[models.Model] | None = None,
                 extra: dict[str, Any] | None = None, **fields: Any) -> Video:
    """Change the given fields of a title; relations given replace the old ones (None = unchanged).
    `similar_add` / `similar_remove` edit the list of similar titles instead of replacing it."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    _same_client(video.client_id, [external_system], "external_system")
    _same_client(video.client_id, [*(similar_add or ()), *(similar_remove or ())], "similar")
    if external_system is not None:
        video.external_system = external_system
    _apply(video, fields, VIDEO_FIELDS)
    if package_videos is not None:
        video.is_package = bool(package_videos)
    if similar is None and (similar_add or similar_remove):
        current = VideoExtra.objects.filter(video=video).values_list("data", flat=True).first() or {}
        removed = {row.pk for row in similar_remove or ()}
        ids = [pk for pk in current.get("similar", []) if pk not in removed]
        ids += [row.pk for row in similar_add or () if row.pk not in ids and row.pk not in removed]
        similar = list(Video.objects.for_client(video.client_id).filter(pk__in=ids))
        similar.sort(key=lambda row: ids.index(row.pk))
    _check_video_ext_id(video)
    _save(video, "A video with this ext_id already exists for this source.")
    relations_extra = _video_relations(video, genres=genres, actors=actors, tariffs=tariffs,
                                       package_videos=package_videos, similar=similar,
                                       stream_services=stream_services, available_on=available_on)
    _store_extra(video, {**(extra or {}), **relations_extra})
    return video


@transaction.atomic
def video_delete(*, video: Video) -> None:
    """Remove a title with its seasons, episodes and files. Titles someone bought stay (the purchase
    and its ledger row refer to them): take them out of the catalogue with `available` instead."""
    if video.purchases.exists():
        raise Conflict("The video has purchases and cannot be deleted; make it unavailable instead.",
                       fields={"id": "has purchases"})
    video.delete()


# --- seasons, episodes, files -----------------------------------------------------------------------------

@transaction.atomic
def season_create(*, video: Video, name: str, after: Season | None = None, ext_id: str = "",
                  extra: dict[str, Any] | None = None) -> Season:
    """Add a season to a series, at the end or right after the season `after`."""
    _same_client(video.client_id, [after], "after")
    siblings = Season.objects.filter(video=video)
    season = Season(client_id=video.client_id, video=video, name=name, ext_id=ext_id, number=_next_number(siblings))
    _save(season)
    _place_after(siblings, season, after)
    _store_extra(season, extra)
    if not video.is_series:
        Video.objects.filter(pk=video.pk).update(is_series=True)
    return season


@transaction.atomic
def season_modify(*, season: Season, name: str | None = None, after: Season | None = None,
                  extra: dict[str, Any] | None = None) -> Season:
    _same_client(season.client_id, [after], "after")
    if name is not None:
        season.name = name
        _save(season)
    _place_after(Season.objects.filter(video_id=season.video_id), season, after)
    _store_extra(season, extra)
    season.refresh_from_db(fields=["number"])
    return season


@transaction.atomic
def season_delete(*, season: Season) -> None:
    """Remove a season with its episodes and their files."""
    season.delete()


@transaction.atomic
def episode_create(*, video: Video, name: str, season: Season | None = None, after: Episode | None = None,
                   extra: dict[str, Any] | None = None, **fields: Any) -> Episode:
    """Add an episode to a series (in a season, or directly to the series), at the end of its
    season or right after the episode `after` of the same season."""
    _same_client(video.client_id, [season, after], "season")
    if season is not None and season.video_id != video.pk:
        raise Invalid("The season belongs to another video.", fields={"season": "other video"})
    siblings = Episode.objects.filter(video=video, season=season)
    episode = Episode(client_id=video.client_id, video=video, season=season, name=name,
                      number=_next_number(siblings))
    _apply(episode, fields, EPISODE_FIELDS)
    _save(episode)
    _place_after(siblings, episode, after)
    _store_extra(episode, extra)
    return episode


@transaction.atomic
def episode_modify(*, episode: Episode, after: Episode | None = None, extra: dict[str, Any] | None = None,
                   **fields: Any) -> Episode:
    _same_client(episode.client_id, [after], "after")
    _apply(episode, fields, EPISODE_FIELDS)
    _save(episode)
    _place_after(Episode.objects.filter(video_id=episode.video_id, season_id=episode.season_id), episode, after)
    _store_extra(episode, extra)
    episode.refresh_from_db(fields=["number"])
    return episode


@transaction.atomic
def episode_delete(*, episode: Episode) -> None:
    """Remove an episode with its files."""
    episode.delete()


def _check_file_episode(video: Video, episode: Episode | None) -> None:
    _same_client(video.client_id, [episode], "episode")
    if episode is not None and episode.video_id != video.pk:
        raise Invalid("The episode belongs to another video.", fields={"episode": "other video"})


@transaction.atomic
def video_file_create(*, video: Video, episode: Episode | None = None, extra: dict[str, Any] | None = None,
                      **fields: Any) -> VideoFile:
    """Add a playable file (an asset) to a title or to one of its episodes."""
    _check_file_episode(video, episode)
    video_file = VideoFile(client_id=video.client_id, video=video, episode=episode)
    _apply(video_file, fields, VIDEO_FILE_FIELDS)
    _save(video_file)
    _store_extra(video_file, extra)
    return video_file


@transaction.atomic
def video_file_modify(*, video_file: VideoFile, episode: Episode | None = None,
                      extra: dict[str, Any] | None = None, **fields: Any) -> VideoFile:
    if episode is not None:
        _check_file_episode(video_file.video, episode)
        video_file.episode = episode
    _apply(video_file, fields, VIDEO_FILE_FIELDS)
    _save(video_file)
    _store_extra(video_file, extra)
    return video_file


# --- skip-video fragments ---------------------------------------------------------------------------------

def _check_fragment(fragment: SkipVideoFragment) -> None:
    if fragment.type not in SkipFragmentType.values:
        raise Invalid("Unknown fragment type.", fields={"type": "invalid"})
    if fragment.begin_time < 0 or fragment.end_time <= fragment.begin_time:
        raise Invalid("A fragment ends after it begins.", fields={"end_time": "not after begin_time"})


@transaction.atomic
def skip_fragment_create(*, video_file: VideoFile, type: int, begin_time: Decimal,
                         end_time: Decimal) -> SkipVideoFragment:
    """Mark a stretch of a file (seconds, to the millisecond) the player offers to skip."""
    fragment = SkipVideoFragment(client_id=video_file.client_id, video_file=video_file, type=type,
                                 begin_time=begin_time, end_time=end_time)
    _check_fragment(fragment)
    _save(fragment)
    return fragment


@transaction.atomic
def skip_fragment_modify(*, fragment: SkipVideoFragment, video_file: VideoFile | None = None, type: int | None = None,
                         begin_time: Decimal | None = None, end_time: Decimal | None = None) -> SkipVideoFragment:
    _same_client(fragment.client_id, [video_file], "video_file")
    if video_file is not None:
        fragment.video_file = video_file
    for name, value in (("type", type), ("begin_time", begin_time), ("end_time", end_time)):
        if value is not None:
            setattr(fragment, name, value)
    _check_fragment(fragment)
    _save(fragment)
    return fragment


@transaction.atomic
def skip_fragment_delete(*, fragment: SkipVideoFragment) -> None:
    fragment.delete()


# --- people ---------------------------------------------------------------------------------------------

@transaction.atomic
def actor_create(*, client: Client, extra: dict[str, Any] | None = None, **fields: Any) -> Actor:
    """Add a person (actor or director) credited in videos."""
    actor = Actor(client=client)
    _apply(actor, fields, ACTOR_FIELDS)
    if not actor.name:
        raise Invalid("A person needs a name.", fields={"name": "required"})
    _save(actor)
    _store_extra(actor, extra)
    return actor


@transaction.atomic
def actor_modify(*, actor: Actor, extra: dict[str, Any] | None = None, **fields: Any) -> Actor:
    _apply(actor, fields, ACTOR_FIELDS)
    _save(actor)
    _store_extra(actor, extra)
    return actor


@transaction.atomic
def actor_delete(*, actor: Actor) -> None:
    """Remove a person; the videos they were credited in stay."""
    actor.delete()


# --- selections -----------------------------------------------------------------------------------------

def _set_items(selection: Selection, videos: list[Video]) -> None:
    SelectionItem.objects.filter(selection=selection).delete()
    SelectionItem.objects.bulk_create(
        SelectionItem(selection=selection, video=video, sort=position) for position, video in enumerate(videos))


@transaction.atomic
def selection_create(*, client: Client, name: str, videos: list[Video] | None = None, enabled: bool = True,
                     extra: dict[str, Any] | None = None) -> Selection:
    """Add a shelf of videos, in the given order."""
    _same_client(client.pk, videos or (), "videos")
    top = Selection.objects.for_client(client).aggregate(top=Max("sort"))["top"]
    selection = Selection(client=client, name=name, enabled=enabled, sort=(top or 0) + 1)
    _save(selection)
    _set_items(selection, list(dict.fromkeys(videos or ())))
    _store_extra(selection, extra)
    return selection


@transaction.atomic
def selection_modify(*, selection: Selection, name: str | None = None, enabled: bool | None = None,
                     videos: list[Video] | None = None, add: list[Video] | None = None,
                     remove: list[Video] | None = None, extra: dict[str, Any] | None = None) -> Selection:
    """Rename, hide or show a shelf; `videos` replaces its content, `add` appends to the end
    (adding a video already on it is refused), `remove` takes videos off."""
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    _same_client(selection.client_id, [*(videos or ()), *(add or ()), *(remove or ())], "videos")
    if name is not None:
        selection.name = name
    if enabled is not None:
        selection.enabled = enabled
    _save(selection)
    if videos is not None:
        _set_items(selection, list(dict.fromkeys(videos)))
    if remove:
        SelectionItem.objects.filter(selection=selection, video__in=remove).delete()
    if add:
        present = set(SelectionItem.objects.filter(selection=selection, video__in=add).values_list("video_id", flat=True))
        if present or len({video.pk for video in add}) != len(add):
            raise DuplicateItem("The selection already holds some of these videos.",
                                fields={"items_add": "already present: " + ", ".join(map(str, sorted(present)))})
        top = SelectionItem.objects.filter(selection=selection).aggregate(top=Max("sort"))["top"]
        start = -1 if top is None else top
        SelectionItem.objects.bulk_create(SelectionItem(selection=selection, video=video, sort=start + position)
                                          for position, video in enumerate(add, 1))
    _store_extra(selection, extra)
    return selection


# --- channels and radio -----------------------------------------------------------------------------------

@transaction.atomic
def channel_create(*, client: Client, name: str, category: ChannelCategory | None = None,
                   epg_channel: EpgChannel | None = None, additional_categories: list[ChannelCategory] | None = None,
                   tariffs: list[Tariff] | None = None, stream_services: list[StreamService] | None = None,
                   after: Channel | None = None, extra: dict[str, Any] | None = None, **fields: Any) -> Channel:
    """Add a channel to the line-up, at the end or right after the channel `after`, opened by the
    given tariffs and carried by the given stream services."""
    rows = [category, epg_channel, after, *(additional_categories or ()), *(tariffs or ()), *(stream_services or ())]
    _same_client(client.pk, rows, "channel relations")
    channels = Channel.objects.for_client(client)
    if after is not None:  # the line-up is ordered by (sort, id): make a free slot right after `after`
        channels.filter(Q(sort__gt=after.sort) | Q(sort=after.sort, pk__gt=after.pk)).update(sort=F("sort") + 2)
        sort = after.sort + 1
    else:
        sort = (channels.aggregate(top=Max("sort"))["top"] or 0) + 1
    channel = Channel(client=client, name=name, category=category, epg_channel=epg_channel, sort=sort)
    _apply(channel, fields, CHANNEL_FIELDS)
    _save(channel)
    for manager, related in ((channel.additional_categories, additional_categories), (channel.tariffs, tariffs),
                             (channel.stream_services, stream_services)):
        if related:
            manager.set(related)
    _store_extra(channel, extra)
    return channel


@transaction.atomic
def channel_delete(*, channel: Channel) -> None:
    """Take a channel out of the line-up (with its subscribers' settings for it). Viewers watching it
    are cut at the streamer's next re-check."""
    channel.delete()


@transaction.atomic
def radio_create(*, client: Client, name: str, tariffs: list[Tariff] | None = None,
                 localized: dict[str, str] | None = None, **fields: Any) -> RadioStation:
    """Add an internet radio station, opened by the given tariffs."""
    _same_client(client.pk, tariffs or (), "tariffs")
    top = RadioStation.objects.for_client(client).aggregate(top=Max("sort"))["top"]
    station = RadioStation(client=client, name=name, sort=(top or 0) + 1, data=localized or {})
    _apply(station, fields, RADIO_FIELDS)
    _save(station)
    if tariffs:
        station.tariffs.set(tariffs)
    return station


@transaction.atomic
def radio_delete(*, station: RadioStation) -> None:
    station.delete()


# --- the guide --------------------------------------------------------------------------------------------

def _image_format(upload: UploadedFile) -> str:
    """The file's image format ('PNG', 'JPEG'...), checked by decoding it; BadImage otherwise."""
    from PIL import Image

    if upload.size is None or upload.size > MAX_ICON_BYTES:
        raise BadImage("The icon must be an image of at most 5 MB.", fields={"icon": "too large"})
    if upload.size == 0:
        raise BadImage("The icon file is empty.", fields={"icon": "empty"})
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format or ""
    except Exception as exc:  # Pillow raises many kinds (UnidentifiedImageError, DecompressionBombError...)
        raise BadImage("The icon is not a readable image.", fields={"icon": "not an image"}) from exc
    if kind not in ICON_FORMATS:
        raise BadImage(f"Icons may be {', '.join(ICON_FORMATS)} images.", fields={"icon": "unsupported format"})
    upload.seek(0)
    return kind


@transaction.atomic
def epg_channel_icon_set(*, epg_channel: EpgChannel, upload: UploadedFile) -> EpgChannel:
    """Replace the icon of an EPG channel with an uploaded PNG, JPEG, GIF or WebP image (≤ 5 MB)."""
    kind = _image_format(upload)
    old = epg_channel.icon.name if epg_channel.icon else ""
    name = f"{epg_channel.client_id}_{epg_channel.pk}_{secrets.token_hex(4)}.{ICON_FORMATS[kind]}"
    epg_channel.icon.save(name, ContentFile(upload.read()), save=False)
    epg_channel.save(update_fields=["icon"])
    if old:
        storage = epg_channel.icon.storage
        transaction.on_commit(lambda: storage.delete(old))
    return epg_channel


def _programme_by_event(client: Client, event_id: str, around: datetime) -> EpgProgram:
    """The programme the EPG source calls `event_id` (kept as `meta.event_id` by the import), looked
    for within a day of the given moment so the search stays on the (client, end_time) index."""
    ids: Q = Q(meta__event_id=event_id)
    if is_digits(event_id) and len(event_id) < 18:
        ids |= Q(meta__event_id=int(event_id))
    programme = (EpgProgram.objects.for_client(client)
                 .filter(end_time__gt=around - timedelta(days=1), end_time__lt=around + timedelta(days=2))
                 .filter(ids).order_by("begin_time", "id").first())
    if programme is None:
        raise NotFound("Programme not found.", fields={"external_id": "unknown"})
    return programme


@transaction.atomic
def programme_time_specify(*, client: Client, event_id: str, begin_time: datetime,
                           end_time: datetime) -> EpgProgram:
    """Record when a broadcast event actually began and ended (archive URLs then cut it exactly)."""
    if end_time <= begin_time:
        raise Invalid("A programme ends after it begins.", fields={"stop": "not after start"})
    programme = _programme_by_event(client, event_id, begin_time)
    programme.begin_time, programme.end_time = begin_time, end_time
    programme.save(update_fields=["begin_time", "end_time"])
    return programme


@transaction.atomic
def program_blocking_create(*, program: EpgProgram, days: int | None = None) -> ProgramBlocking:
    """Withdraw a programme's recording from the archive, for `days` days or for good."""
    expires_at = timezone.now() + timedelta(days=days) if days else None
    blocking = ProgramBlocking.objects.create(client_id=program.client_id, program=program, expires_at=expires_at)
    EpgProgram.objects.filter(pk=program.pk).update(is_blocked=True)
    return blocking


@transaction.atomic
def program_blockings_expire(*, now: datetime | None = None) -> int:
    """Lift the archive blocks whose time has passed (for a periodic task); returns how many
    programmes opened again. A programme stays blocked while another of its blocks holds."""
    now = now or timezone.now()
    expired = ProgramBlocking.objects.filter(expires_at__lte=now)
    holding = ProgramBlocking.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    program_ids = set(expired.values_list("program_id", flat=True)) - set(holding.values_list("program_id", flat=True))
    expired.delete()
    return EpgProgram.objects.filter(pk__in=program_ids, is_blocked=True).update(is_blocked=False)
