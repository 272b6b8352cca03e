"""Handing out stream URLs: pick the streaming server, sign a token, fill the server's URL mask.

The device API calls `stream_url` for `channel/url`, `program/url` (archive, pause of live TV) and
`video/url` after it has checked that the account may watch the content (`access.assert_can_watch`).
"""
from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from tvmiddleware.models import Account, Channel, StreamService, StreamServiceType, Video, VideoFile
from tvmiddleware.models.streaming import new_check_key
from common.errors import Invalid, NotFound

from . import check_urls, tokens
from .masks import build_url, stream_name_variable
from .reference import streaming_config

KINDS = (StreamServiceType.LIVE, StreamServiceType.ARCHIVE, StreamServiceType.VOD)


def stream_url(
    *,
    account: Account,
    kind: str,
    channel: Channel | None = None,
    video: Video | None = None,
    file: VideoFile | str | None = None,
    begin: datetime | int | None = None,
    duration: int | None = None,
    tv_pause: bool = False,
    ip: str | None = None,
    exclude_service_ids: tuple[int, ...] | list[int] = (),
    now: datetime | int | float | None = None,
    stream_name: str = "",
) -> tuple[str, StreamService]:
    """A playable URL with a fresh token, and the stream service it points to.

    - live: `channel`; archive: `channel`, `begin` (UTC) and `duration` seconds, or `tv_pause=True`
      for paused live TV (`$flpdur` = "now"); vod: `video` and/or `file` (a VideoFile or a path;
      default: the video's first file).
    - The service is the first enabled one of the right type by priority, skipping
      `exclude_service_ids` (the app's failover), narrowed to the channel's own servers and to the
      servers the customer's tariffs open, each only when that list names servers of this type.
    - Raises NotFound when no server is left, Invalid for a bad request (archive outside the
      channel's depth or in the future, a missing argument, no valid IP for an IP-checking server).
    - `stream_name`: another stream of the channel (a single quality) to put in `$prefix`.
    """
    now_ts = tokens.unix_time(now)
    if kind not in KINDS:
        raise Invalid(f"Unknown stream kind {kind!r}.", fields={"kind": "invalid"})
    if kind == StreamServiceType.VOD:
        video, path, pinned_service_id = _vod_target(account, video, file)
        return _issue_vod(account=account, video=video, path=path, pinned_service_id=pinned_service_id,
                          ip=ip, exclude_ids=exclude_service_ids, now=now_ts)
    if channel is None or channel.client_id != account.client_id:
        raise NotFound("Channel not found.")
    flpbt, flpdur = (None, None)
    if kind == StreamServiceType.ARCHIVE:
        flpbt, flpdur = archive_window(channel=channel, begin=begin, duration=duration, tv_pause=tv_pause,
                                       now=now_ts)
    service = pick_stream_service(account=account, kind=kind, channel=channel, exclude_ids=exclude_service_ids)
    # The token names the stream as the streamer will report it: the path segment the mask filled.
    prefix = stream_name or channel.url_prefix
    name = channel.stream_cid if stream_name_variable(service.url_mask) == "cid" else prefix
    token = _issue(account=account, service=service, kind=kind, content_id=channel.pk, name=name,
                   ip=ip, now=now_ts)
    url = build_url(service, token=token, prefix=prefix, cid=channel.stream_cid,
                    flpbt=flpbt, flpdur=flpdur)
    return url, service


def archive_window(*, channel: Channel, begin: datetime | int | None, duration: int | None,
                   tv_pause: bool, now: int) -> tuple[int, int | str]:
    """(`$flpbt`, `$flpdur`) of an archive request, refused outside the channel's archive depth."""
    if not channel.has_record:
        raise Invalid("This channel has no archive.", fields={"channel": "no_archive"})
    if begin is None:
        raise Invalid("The archive start time is required.", fields={"begin": "required"})
    begin_ts = tokens.unix_time(begin)
    if begin_ts > now:
        raise Invalid("The archive cannot start in the future.", fields={"begin": "future"})
    if begin_ts < now - channel.max_archive_duration * 3600:
        raise Invalid(f"The archive of this channel keeps {channel.max_archive_duration} hours.",
                      fields={"begin": "too_old"})
    if tv_pause:
        return begin_ts, "now"
    if duration is None or int(duration) <= 0:
        raise Invalid("A positive archive duration is required.", fields={"duration": "invalid"})
    return begin_ts, int(duration)


def pick_stream_service(*, account: Account, kind: str, channel: Channel | None = None,
                        pinned_service_id: int | None = None,
                        exclude_ids: tuple[int, ...] | list[int] = ()) -> StreamService:
    """The first server, by priority, that may carry this content for this account.

    The operator's servers and the channels' server lists come from a per-process copy
    (`reference.streaming_config`); the customer's tariffs are asked only when some tariff of the
    operator names servers of this type.
    """
    config = streaming_config(account.client_id)
    candidates = config.candidates(kind, frozenset(int(pk) for pk in exclude_ids))
    if pinned_service_id is not None:
        candidates = [s for s in candidates if s.pk == pinned_service_id]
    if channel is not None:
        candidates = _narrow(candidates, config.channel_services.get(channel.pk, {}).get(kind, frozenset()))
    if kind in config.tariff_service_types:
        candidates = _narrow(candidates, frozenset(
            _tariff_services(account).filter(type=kind).values_list("pk", flat=True)))
    if not candidates:
        raise NotFound("No stream service is available for this content.")
    return candidates[0]


def _narrow(candidates: list[StreamService], allowed_ids: frozenset[int]) -> list[StreamService]:
    """Keep only `allowed` servers, when that list names any server of this kind (empty = no rule)."""
    return [s for s in candidates if s.pk in allowed_ids] if allowed_ids else candidates


def _tariff_services(account: Account) -> QuerySet[StreamService]:
    """Servers the customer's open, enabled tariffs name."""
    return StreamService.objects.for_client(account.client_id).filter(
        tariffs__subscriptions__customer_id=account.customer_id, tariffs__subscriptions__is_closed=False,
        tariffs__enabled=True,
    ).distinct()


def _vod_target(account: Account, video: Video | None, file: VideoFile | str | None
                ) -> tuple[Video, str, int | None]:
    """(video, file path, server the file is pinned to) of a VOD request."""
    if isinstance(file, VideoFile):
        if video is not None and file.video_id != video.pk:
            raise Invalid("The file belongs to another video.", fields={"file": "invalid"})
        video = video or file.video
    if video is None or video.client_id != account.client_id:
        raise NotFound("Video not found.")
    if isinstance(file, VideoFile):
        return video, file.path, file.stream_service_id
    if isinstance(file, str) and file.strip():
        return video, file, None
    first = video.files.first()
    if first is None:
        raise NotFound("The video has no files.")
    return video, first.path, first.stream_service_id


def _issue_vod(*, account: Account, video: Video, path: str, pinned_service_id: int | None, ip: str | None,
               exclude_ids: tuple[int, ...] | list[int], now: int) -> tuple[str, StreamService]:
    service = pick_stream_service(account=account, kind=StreamServiceType.VOD,
                                  pinned_service_id=pinned_service_id, exclude_ids=exclude_ids)
    token = _issue(account=account, service=service, kind=StreamServiceType.VOD, content_id=video.pk,
                   name=path, ip=ip, now=now)
    return build_url(service, token=token, file=path, vid=video.pk), service


def _issue(*, account: Account, service: StreamService, kind: str, content_id: int, name: str,
           ip: str | None, now: int) -> str:
    try:
        return tokens.issue(account=account, stream_service=service, kind=str(kind), content_id=content_id,
                            name=name, ip=ip, now=now)
    except ValueError as exc:
        raise Invalid(str(exc), fields={"ip": "invalid"}) from exc


def stream_service_rotate_check_key(*, service: StreamService) -> str:
    """Give the service a new token check key (its check URL changes) and return it.

    Services that shared the old key (one streamer serving them) get the same new key, so they keep
    sharing one URL. The old URL stops accepting tokens at once in this process and within
    `check_urls.SNAPSHOT_SECONDS` in the others: update the streamer's configuration first.
    """
    key = new_check_key()
    with transaction.atomic():
        StreamService.objects.filter(client_id=service.client_id, check_key=service.check_key).update(check_key=key)
        StreamService.objects.filter(pk=service.pk).update(check_key=key)
        # update() sends no signal; drop the copy now and again at commit (a load in between read the old key)
        check_urls.invalidate()
        transaction.on_commit(check_urls.invalidate)
    service.check_key = key
    return key
