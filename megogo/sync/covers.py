"""Covers of MEGOGO titles: the downloaded poster and the thumbnails the device API serves.

`Video.cover` keeps the poster as MEGOGO sent it (`vertical_poster`); `MegogoTitle.thumbnail_big`
and `thumbnail_small` are JPEG thumbnails that fit `THUMBNAIL_SIZES` (`thumbnail_big`,
`thumbnail_small` of video/list and video/detail). Files are named after the title and a hash of
the cover address, so a changed cover gets new files and an unchanged one is never fetched again.
"""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger("megogo.sync")

THUMBNAIL_SIZES = {"big": (300, 450), "small": (150, 225)}
JPEG_QUALITY = 82
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


class CoverError(Exception):
    """The cover could not be downloaded or is not an image."""


@dataclass(frozen=True)
class StoredCover:
    ext_id: str
    url: str
    cover: str
    big: str
    small: str


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def make_thumbnails(data: bytes) -> tuple[str, dict[str, bytes]]:
    """(extension of the original, {"big": jpeg, "small": jpeg}). JPEG posters are decoded at a
    reduced scale when much larger than the big thumbnail (cheap), then resized."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            extension = FORMATS.get(source.format or "")
            if extension is None:
                raise CoverError(f"unsupported image format {source.format!r}")
            source.draft("RGB", THUMBNAIL_SIZES["big"])
            image = source.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CoverError(f"not an image: {exc}") from exc
    image.thumbnail(THUMBNAIL_SIZES["big"], Image.Resampling.BILINEAR, reducing_gap=2.0)
    big = _jpeg(image)
    image.thumbnail(THUMBNAIL_SIZES["small"], Image.Resampling.BILINEAR, reducing_gap=2.0)
    return extension, {"big": big, "small": _jpeg(image)}


def cover_names(system_id: int, ext_id: str, url: str, extension: str) -> dict[str, str]:
    tag = hashlib.md5(url.encode("utf-8")).hexdigest()[:10]
    safe = "".join(ch for ch in ext_id if ch.isalnum() or ch in "-_")[:40] or "x"
    base = f"covers/megogo/{system_id}/{safe}-{tag}"
    return {"cover": f"{base}.{extension}", "big": f"{base}_big.jpg", "small": f"{base}_small.jpg"}


def store_cover(system_id: int, ext_id: str, url: str, data: bytes) -> StoredCover:
    """Write the poster and its thumbnails; returns the storage names."""
    extension, thumbnails = make_thumbnails(data)
    names = cover_names(system_id, ext_id, url, extension)
    saved = {
        "cover": _save(names["cover"], data),
        "big": _save(names["big"], thumbnails["big"]),
        "small": _save(names["small"], thumbnails["small"]),
    }
    return StoredCover(ext_id=ext_id, url=url, **saved)


def _save(name: str, data: bytes) -> str:
    if default_storage.exists(name):  # left by a run that stopped before recording it
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def delete_files(names: list[str]) -> None:
    """Best effort removal of replaced covers."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError as exc:
            logger.warning("megogo: could not delete old cover %s: %s", name, exc)
