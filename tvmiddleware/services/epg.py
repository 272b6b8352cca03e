"""Importing the programme guide (EPG) from XMLTV feeds.

An operator registers an `EpgSource` (usually the URL of an XMLTV feed, plain or gzipped). Each
import creates or renames the source's EPG channels by their XMLTV channel id (`EpgChannel.ext_id`)
and, for every EPG channel in the file, makes the guide between the file's first programme start
and last programme end exactly what the file says: programmes in that window that the file no
longer has are removed, changed ones are updated in place (their ids stay, so viewing positions and
the apps' programme ids survive a daily re-import), new ones are created. Each EPG channel is written
in its own transaction; re-importing the same file changes nothing.

Which line-up channel shows which EPG channel is the operator's choice (`Channel.epg_channel`).
As a convenience, a channel that has none is linked automatically when its `url_prefix` or its
name equals (ignoring case and surrounding spaces) the XMLTV id or a display-name of exactly one
imported EPG channel; a match on the XMLTV id by `url_prefix` wins over the others. Channels the
operator has linked are never changed.

Security: the file is parsed with defusedxml, streaming. Entity declarations and external entities
are refused (no "billion laughs", no XXE). A bare `<!DOCTYPE tv SYSTEM "xmltv.dtd">`, which nearly
every XMLTV feed carries, is accepted: it declares nothing and is never fetched. The file is parsed
completely before anything is written, so a broken file changes nothing.

Scale: an operator's feed (1,000 channels × 7 days, ~250,000 programmes, ~150 MB) is read as a
stream (a download goes to a temporary file, gzip is unpacked on the fly) and its programmes are
spooled to a temporary SQLite file on disk, then written one EPG channel at a time, so memory does
not grow with the file. `benchmarks/epg_import.py` measures it.
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import sqlite3
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterator
from xml.etree.ElementTree import Element, ParseError

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tvmiddleware.models import Channel, Client, EpgChannel, EpgProgram, EpgSource
from tvmiddleware.selectors.guide_cache import guide_changed

from common.errors import Invalid

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024  # after decompression
FETCH_TIMEOUT = (10, 120)  # connect, read (seconds)

_NAME = EpgProgram._meta.get_field("name").max_length
_CATEGORY = EpgProgram._meta.get_field("category").max_length
_PREVIEW = EpgProgram._meta.get_field("preview_url").max_length
_EXT_ID = EpgChannel._meta.get_field("ext_id").max_length
_CHANNEL_NAME = EpgChannel._meta.get_field("name").max_length
_TIME_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$")
_UPDATED_FIELDS = ("end_time", "name", "description", "category", "preview_url", "rating", "meta")


class EpgImportError(Invalid):
    """The feed could not be read (broken XML, forbidden constructs, too large, unreachable)."""

    code = "epg_import_error"


def max_bytes() -> int:
    return int(getattr(settings, "TVMIDDLEWARE_EPG_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- parsing -------------------------------------------------------------------------------------------

@dataclass
class Programme:
    """One `<programme>` of the file; `end` None until filled from the next programme."""

    begin: datetime
    end: datetime | None
    name: str
    description: str = ""
    category: str = ""
    preview_url: str = ""
    rating: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {"end_time": self.end, "name": self.name, "description": self.description, "category": self.category,
                "preview_url": self.preview_url, "rating": self.rating, "meta": self.meta}


class Feed:
    """What an XMLTV file says: channels (id → display names) in memory, their programmes spooled to a
    temporary SQLite file (one EPG channel is read back at a time). Close it (or use it as a context
    manager) to delete the file."""

    _BATCH = 5000

    def __init__(self) -> None:
        self.channels: dict[str, list[str]] = {}
        self.skipped = 0
        self.programme_count = 0
        handle, self._path = tempfile.mkstemp(prefix="epg-", suffix=".sqlite3")
        os.close(handle)
        self._db = sqlite3.connect(self._path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE programme (channel TEXT, begin INTEGER, seq INTEGER, end INTEGER, data TEXT)")
        self._pending: list[tuple] = []

    def add(self, channel: str, programme: Programme) -> None:
        self.programme_count += 1
        data = json.dumps([programme.name, programme.description, programme.category, programme.preview_url,
                           programme.rating, programme.meta], ensure_ascii=False)
        self._pending.append((channel, _epoch(programme.begin), self.programme_count,
                              _epoch(programme.end) if programme.end is not None else None, data))
        if len(self._pending) >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO programme VALUES (?, ?, ?, ?, ?)", self._pending)
            self._pending = []

    def finish(self) -> None:
        """The whole file is read: index the spool for reading back by channel."""
        self._flush()
        self._db.execute("CREATE INDEX by_channel ON programme (channel, begin, seq)")
        self._db.commit()

    def channel_ids(self) -> list[str]:
        """Every channel the file declares or has programmes for, sorted."""
        with_programmes = {row[0] for row in self._db.execute("SELECT DISTINCT channel FROM programme")}
        return sorted(set(self.channels) | with_programmes)

    def programmes(self, channel: str) -> list[Programme]:
        """One channel's programmes in the file's order of start (ties in the file's order)."""
        rows = self._db.execute("SELECT begin, end, data FROM programme WHERE channel = ? ORDER BY begin, seq",
                                (channel,))
        found = []
        for begin, end, data in rows:
            name, description, category, preview_url, rating, meta = json.loads(data)
            found.append(Programme(begin=_moment(begin), end=_moment(end) if end is not None else None, name=name,
                                   description=description, category=category, preview_url=preview_url,
                                   rating=rating, meta=meta))
        return found

    def close(self) -> None:
        self._db.close()
        try:
            os.unlink(self._path)
        except OSError:
            pass

    def __enter__(self) -> "Feed":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=dt_timezone.utc)


def parse_xmltv_time(value: str) -> datetime:
    """`20261125190000 +0300` (seconds, minutes and the offset are optional; no offset = UTC) → aware UTC."""
    match = _TIME_RE.match(value.strip())
    if match is None:
        raise ValueError(f"bad XMLTV time {value!r}")
    year, month, day, hour, minute, second, offset = match.groups()
    naive = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    tz = dt_timezone.utc
    if offset and offset not in ("Z", "UTC", "GMT"):
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= timedelta(hours=24) or int(digits[2:]) >= 60:
            raise ValueError(f"bad UTC offset {offset!r}")
        tz = dt_timezone(delta if offset[0] == "+" else -delta)
    return naive.replace(tzinfo=tz).astimezone(dt_timezone.utc)


class _LimitedReader(io.RawIOBase):
    """Reads a feed (unpacking gzip, detected by its magic bytes, on the fly) and refuses more than
    the import limit; unreadable gzip becomes an EpgImportError."""

    def __init__(self, raw: BinaryIO) -> None:
        self._limit = max_bytes()
        self._read = 0
        head = raw.read(2)
        raw.seek(0)
        self._gzipped = head == GZIP_MAGIC
        self._stream: BinaryIO = gzip.GzipFile(fileobj=raw) if self._gzipped else raw  # type: ignore[assignment]

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = self._limit + 1 - self._read if size is None or size < 0 else min(size, self._limit + 1 - self._read)
        try:
            chunk = self._stream.read(max(want, 1))
        except (OSError, EOFError, zlib.error) as exc:
            raise EpgImportError(f"The EPG file is not valid gzip: {exc}") from exc
        self._read += len(chunk)
        if self._read > self._limit:
            if self._gzipped:
                raise EpgImportError(f"The EPG file unpacks to more than {self._limit} bytes.")
            raise EpgImportError(f"The EPG file is larger than {self._limit} bytes.")
        return chunk

    def readinto(self, buffer) -> int:
        chunk = self.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


@contextmanager
def _opened(data: bytes | str | Path) -> Iterator[BinaryIO]:
    """Bytes (small feeds, tests) or a file's path (downloads, `import_epg --file`)."""
    if isinstance(data, (bytes, bytearray)):
        yield io.BytesIO(bytes(data))
        return
    try:
        file = open(data, "rb")
    except OSError as exc:
        raise EpgImportError(f"The EPG file cannot be read: {exc.strerror}.") from exc
    with file:
        yield file


def _text(element: Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _texts(element: Element, tag: str) -> list[str]:
    return [(child.text or "").strip() for child in element.findall(tag) if (child.text or "").strip()]


def _rating(element: Element) -> int | None:
    for rating in element.findall("rating"):
        digits = re.match(r"\d+", _text(rating, "value"))
        if digits and len(digits.group()) <= 2:
            return int(digits.group())
    return None


def _meta(element: Element) -> dict[str, Any]:
    """The programme's details as the device API's `meta` names them, from the XMLTV elements that
    carry them; a detail the guide lacks is left out (apps show what is there)."""
    meta: dict[str, Any] = {}
    if sub_title := _text(element, "sub-title"):
        meta["extra_name"] = sub_title
    titles = _texts(element, "title")
    if len(titles) > 1 and titles[1] != titles[0]:
        meta["name_orig"] = titles[1]  # the same title in a second language (XMLTV lists one per lang)
    if year := re.match(r"\d{4}", _text(element, "date")):
        meta["year"] = year.group()
    if genres := _texts(element, "category"):
        meta["genres"] = genres
    if countries := _texts(element, "country"):
        meta["countries"] = countries
    if tags := _texts(element, "keyword"):
        meta["tags"] = tags
    credits = element.find("credits")
    if credits is not None:
        people = {role: _texts(credits, role) for role in ("actor", "director", "composer", "producer")}
        if people := {role: names for role, names in people.items() if names}:
            meta["participants"] = people
    if previews := _image_urls(element):
        meta["previews"] = previews
    if element.find("live") is not None:
        meta["live"] = True
    meta.update(_movie_db_ids(element))
    return meta


def _image_urls(element: Element) -> list[str]:
    """Every http(s) picture of the programme: `<icon src>` and XMLTV 1.1's `<image>`, in order, once."""
    urls = [(icon.get("src") or "").strip() for icon in element.findall("icon")]
    urls += [(image.text or "").strip() for image in element.findall("image")]
    return list(dict.fromkeys(url for url in urls if url.startswith(("http://", "https://")) and len(url) <= 500))


_KINOPOISK_ID = re.compile(r"kinopoisk\.ru/(?:film|series)/(\d+)")


def _movie_db_ids(element: Element) -> dict[str, str]:
    """The title's movie-database ratings (`imdb`, `kinopoisk`: XMLTV `<star-rating system=...>`,
    "7.5/10" kept as "7.5") and its Kinopoisk id (`<episode-num system="kinopoisk">` or a link to
    its page in `<url>`)."""
    found: dict[str, str] = {}
    for rating in element.findall("star-rating"):
        system = (rating.get("system") or "").lower()
        key = "imdb" if "imdb" in system else "kinopoisk" if "kinopoisk" in system else None
        if key and key not in found and (value := re.match(r"\d+(?:[.,]\d+)?", _text(rating, "value"))):
            found[key] = value.group().replace(",", ".")
    for number in element.findall("episode-num"):
        if "kinopoisk" in (number.get("system") or "").lower() and (number.text or "").strip().isdigit():
            found.setdefault("kinopoisk_id", (number.text or "").strip())
    for url in element.findall("url"):
        if match := _KINOPOISK_ID.search(url.text or ""):
            found.setdefault("kinopoisk_id", match.group(1))
    return {key: value[:20] for key, value in found.items()}


def _programme(element: Element) -> tuple[str, Programme] | None:
    """A `<programme>` element, or None when it lacks what a guide entry needs."""
    channel = (element.get("channel") or "").strip()
    name = _text(element, "title")
    if not channel or len(channel) > _EXT_ID or not name:
        return None
    try:
        begin = parse_xmltv_time(element.get("start") or "")
        end = parse_xmltv_time(element.get("stop")) if element.get("stop") else None
    except ValueError:
        return None
    icon = element.find("icon")
    preview = (icon.get("src") or "").strip() if icon is not None else ""
    if not preview.startswith(("http://", "https://")) or len(preview) > _PREVIEW:
        preview = ""
    categories = _texts(element, "category")
    return channel, Programme(begin=begin, end=end, name=name[:_NAME], description=_text(element, "desc"),
                              category=categories[0][:_CATEGORY] if categories else "", preview_url=preview,
                              rating=_rating(element), meta=_meta(element))


def parse_xmltv(data: bytes | str | Path) -> Feed:
    """Read a whole XMLTV file (bytes or a path; gzip detected by its magic bytes), streaming, into a
    spooled `Feed` (close it). Raises EpgImportError, having kept nothing, when the file is broken."""
    feed = Feed()
    try:
        with _opened(data) as raw:
            _read_into(feed, _LimitedReader(raw))
        feed.finish()
    except BaseException:
        feed.close()
        raise
    return feed


def _read_into(feed: Feed, stream: BinaryIO) -> None:
    depth = 0
    root: Element | None = None
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=False,
                                        forbid_entities=True, forbid_external=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if element.tag != "tv":
                        raise EpgImportError(f"Not an XMLTV file: the root element is <{element.tag}>, not <tv>.")
                continue
            depth -= 1
            if depth != 1:
                continue
            if element.tag == "channel":
                ext_id = (element.get("id") or "").strip()
                if ext_id and len(ext_id) <= _EXT_ID:
                    feed.channels.setdefault(ext_id, _texts(element, "display-name"))
            elif element.tag == "programme":
                parsed = _programme(element)
                if parsed is None:
                    feed.skipped += 1
                else:
                    feed.add(*parsed)
            assert root is not None
            root.clear()  # processed children are not kept: memory stays flat on big feeds
    except ParseError as exc:
        raise EpgImportError(f"The EPG file is not well-formed XML: {exc}.") from exc
    except DefusedXmlException as exc:
        raise EpgImportError(f"The EPG file uses a forbidden XML construct: {exc!r}.") from exc
    if root is None:
        raise EpgImportError("The EPG file is empty.")


def _clean(programmes: list[Programme]) -> tuple[list[Programme], int]:
    """Sorted, without programmes that end before they begin or repeat a start time; a missing end is
    the next programme's start (the last one, without an end, is dropped). Returns the programmes and
    how many were dropped."""
    valid = sorted((p for p in programmes if p.end is None or p.end > p.begin), key=lambda p: p.begin)
    kept: list[Programme] = []
    for programme in valid:
        if kept and kept[-1].begin == programme.begin:
            continue
        kept.append(programme)
    for programme, following in zip(kept, kept[1:] + [None]):
        if programme.end is None and following is not None:
            programme.end = following.begin
    kept = [p for p in kept if p.end is not None]
    return kept, len(programmes) - len(kept)


# --- writing -------------------------------------------------------------------------------------------

@dataclass
class ImportSummary:
    source_id: int
    channels: int = 0
    programmes_created: int = 0
    programmes_updated: int = 0
    programmes_removed: int = 0
    skipped: int = 0
    channels_linked: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _replace_window(epg_channel: EpgChannel, programmes: list[Programme]) -> tuple[int, int, int]:
    """Make the guide of one EPG channel between the first start and the last end equal `programmes`.
    Returns (created, updated, removed)."""
    if not programmes:
        return 0, 0, 0
    window_start = programmes[0].begin
    window_end = max(p.end for p in programmes if p.end is not None)
    existing = list(EpgProgram.objects.filter(epg_channel=epg_channel, begin_time__lt=window_end,
                                              end_time__gt=window_start).order_by("begin_time", "id"))
    by_begin: dict[datetime, EpgProgram] = {}
    stale: list[int] = []
    for row in existing:
        if row.begin_time in by_begin:
            stale.append(row.pk)
        else:
            by_begin[row.begin_time] = row
    to_create: list[EpgProgram] = []
    to_update: list[EpgProgram] = []
    for programme in programmes:
        row = by_begin.pop(programme.begin, None)
        if row is None:
            to_create.append(EpgProgram(client_id=epg_channel.client_id, epg_channel=epg_channel,
                                        begin_time=programme.begin, **programme.values()))
            continue
        changed = False
        for name, value in programme.values().items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if changed:
            to_update.append(row)
    stale.extend(row.pk for row in by_begin.values())
    if stale:
        EpgProgram.objects.filter(pk__in=stale).delete()
    if to_update:
        EpgProgram.objects.bulk_update(to_update, list(_UPDATED_FIELDS), batch_size=500)
    if to_create:
        EpgProgram.objects.bulk_create(to_create, batch_size=1000)
    return len(to_create), len(to_update), len(stale)


def _norm(value: str) -> str:
    return value.strip().casefold()


def _link_channels(client_id: int, epg_channels: list[EpgChannel], names: dict[int, list[str]]) -> int:
    """Give unlinked line-up channels the EPG channel whose XMLTV id or display-name they match."""
    by_ext_id: dict[str, set[int]] = {}
    by_any: dict[str, set[int]] = {}
    for epg_channel in epg_channels:
        by_ext_id.setdefault(_norm(epg_channel.ext_id), set()).add(epg_channel.pk)
        for key in {_norm(epg_channel.ext_id), *(_norm(n) for n in names.get(epg_channel.pk, []))}:
            if key:
                by_any.setdefault(key, set()).add(epg_channel.pk)
    linked = 0
    now = timezone.now()
    for channel in Channel.objects.for_client(client_id).filter(epg_channel__isnull=True).only("id", "name",
                                                                                                 "url_prefix"):
        prefix, name = _norm(channel.url_prefix), _norm(channel.name)
        candidates = by_ext_id.get(prefix, set()) if prefix else set()
        if not candidates:
            candidates = by_any.get(prefix, set()) | by_any.get(name, set())
        if len(candidates) == 1:
            Channel.objects.filter(pk=channel.pk, epg_channel__isnull=True).update(
                epg_channel_id=next(iter(candidates)), updated_at=now)
            linked += 1
    return linked


def epg_import_xmltv(*, source: EpgSource, data: bytes | str | Path) -> dict[str, int]:
    """Import an XMLTV file (bytes or a file's path, plain or gzipped) into the guide of the source's
    operator.

    Raises EpgImportError before writing anything when the file cannot be read. Programmes that lack
    a channel, a title or a valid start/stop are skipped and counted. Returns the counts:
    channels, programmes_created, programmes_updated, programmes_removed, skipped, channels_linked.
    An unchanged file writes no programme and no channel (only the source's `last_import_at`).
    """
    with parse_xmltv(data) as feed:
        summary = _write_feed(source, feed)
    source.last_import_at = timezone.now()
    source.save(update_fields=["last_import_at"])
    logger.info("EPG import of source %s: %s", source.pk, summary.as_dict())
    return summary.as_dict()


def _write_feed(source: EpgSource, feed: Feed) -> ImportSummary:
    summary = ImportSummary(source_id=source.pk, skipped=feed.skipped)
    known = {c.ext_id: c for c in EpgChannel.objects.for_client(source.client_id).filter(source=source)}
    touched: list[EpgChannel] = []
    names: dict[int, list[str]] = {}
    for ext_id in feed.channel_ids():
        display_names = feed.channels.get(ext_id) or []
        programmes, dropped = _clean(feed.programmes(ext_id))
        summary.skipped += dropped
        with transaction.atomic():
            epg_channel = _upsert_channel(source, known.get(ext_id), ext_id, display_names)
            # Two imports of one source at once write one channel after the other, not interleaved.
            EpgChannel.objects.select_for_update().filter(pk=epg_channel.pk).first()
            created, updated, removed = _replace_window(epg_channel, programmes)
            if created or updated:
                guide_changed()  # bulk writes send no signals: the per-process guide copies must go
        summary.channels += 1
        summary.programmes_created += created
        summary.programmes_updated += updated
        summary.programmes_removed += removed
        touched.append(epg_channel)
        names[epg_channel.pk] = display_names
    summary.channels_linked = _link_channels(source.client_id, touched, names)
    return summary


def _upsert_channel(source: EpgSource, current: EpgChannel | None, ext_id: str, display_names: list[str]) -> EpgChannel:
    name = (display_names[0] if display_names else ext_id)[:_CHANNEL_NAME]
    if current is None:
        current, _ = EpgChannel.objects.get_or_create(client_id=source.client_id, source=source, ext_id=ext_id,
                                                      defaults={"name": name})
    if current.name != name:
        current.name = name
        current.save(update_fields=["name"])
    return current


# --- sources -------------------------------------------------------------------------------------------

def epg_source_for_url(*, client: Client, url: str, name: str = "") -> EpgSource:
    """The operator's XMLTV source for a feed URL, registered on first use."""
    source = EpgSource.objects.for_client(client).filter(url=url).order_by("id").first()
    if source is None:
        source = EpgSource.objects.create(client=client, url=url, name=(name or url)[:200], format="xmltv")
    elif name and source.name != name:
        source.name = name[:200]
        source.save(update_fields=["name"])
    return source


@contextmanager
def epg_downloaded(url: str, *, timeout: tuple[float, float] = FETCH_TIMEOUT) -> Iterator[Path]:
    """Download a feed to a temporary file (deleted afterwards), refusing bodies larger than the
    import limit. Raises EpgImportError."""
    limit = max_bytes()
    handle, name = tempfile.mkstemp(prefix="epg-", suffix=".xmltv")
    try:
        with os.fdopen(handle, "wb") as file:
            try:
                with requests.get(url, timeout=timeout, stream=True,
                                  headers={"Accept-Encoding": "identity"}) as response:
                    if response.status_code != 200:
                        raise EpgImportError(f"The EPG feed answered HTTP {response.status_code}.")
                    size = 0
                    for chunk in response.iter_content(chunk_size=1 << 16):
                        size += len(chunk)
                        if size > limit:
                            raise EpgImportError(f"The EPG feed is larger than {limit} bytes.")
                        file.write(chunk)
            except requests.RequestException as exc:
                raise EpgImportError(f"The EPG feed could not be downloaded: {exc.__class__.__name__}.") from exc
        yield Path(name)
    finally:
        try:
            os.unlink(name)
        except OSError:
            pass


def import_all_sources(*, client: Client | None = None) -> list[dict[str, Any]]:
    """Fetch and import every enabled source that has a URL (of one operator, or of all): what a
    periodic job runs. A failing feed is logged and does not stop the others."""
    sources = EpgSource.objects.filter(enabled=True).exclude(url="").order_by("client_id", "id")
    if client is not None:
        sources = sources.filter(client=client)
    results: list[dict[str, Any]] = []
    for source in sources:
        try:
            with epg_downloaded(source.url) as path:
                results.append(epg_import_xmltv(source=source, data=path))
        except EpgImportError as exc:
            logger.warning("EPG import of source %s failed: %s", source.pk, exc.message)
            results.append({"source_id": source.pk, "error": exc.message})
    return results
