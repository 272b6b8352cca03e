"""Filling a stream service's URL mask (`$token`, `$prefix`, `$cid`, `$flpbt`, `$flpdur`, `$file`, `$vid`).

A mask is written by the operator, e.g. `http://host/$cid/video-$flpbt-$flpdur.m3u8?token=$token`.
Variables are found by the same pattern the model validates masks with, so `$cid` never eats the
start of a longer name, and a value is never scanned again (a `$` inside a value stays literal).
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from tvmiddleware.models import StreamService
from tvmiddleware.models.streaming import VARIABLE_RE, URL_MASK_VARIABLES

# Path-like values given by the operator (a stream name may be `sport/hd`, a file `films/a.mp4`)
# keep their slashes; everything else is one opaque segment.
_SAFE_PATH = "/-._~"
_SAFE_SEGMENT = "-._~"


def _encode(value: object, *, keep_slashes: bool) -> str:
    if value is None:
        return ""
    return quote(str(value), safe=_SAFE_PATH if keep_slashes else _SAFE_SEGMENT)


def fill_mask(mask: str, values: dict[str, object]) -> str:
    """Replace each known `$name` in `mask` by its already URL-safe value ("" when not given)."""

    def replace(match) -> str:
        name = match.group(1)
        if name not in URL_MASK_VARIABLES:
            return match.group(0)  # not ours (and refused by the mask validator): leave as written
        return str(values.get(name, ""))

    return VARIABLE_RE.sub(replace, mask)


def build_url(
    service: StreamService,
    *,
    token: str,
    prefix: str = "",
    cid: str | int = "",
    flpbt: int | None = None,
    flpdur: int | str | None = None,
    file: str = "",
    vid: str | int = "",
) -> str:
    """The playable URL of `service` for one piece of content.

    `flpbt` is the archive start (UTC unix seconds); `flpdur` its duration in seconds, or "now" for
    paused live TV (Flussonic's `archive-<from>-now`).
    """
    return fill_mask(service.url_mask, {
        "token": _encode(token, keep_slashes=False),
        "prefix": _encode(prefix, keep_slashes=True),
        "cid": _encode(cid, keep_slashes=False),
        "flpbt": _encode(flpbt, keep_slashes=False),
        "flpdur": _encode(flpdur, keep_slashes=False),
        "file": _encode(file, keep_slashes=True),
        "vid": _encode(vid, keep_slashes=False),
    })


def stream_name_variable(mask: str) -> str:
    """Which channel variable, `prefix` or `cid`, names the stream in a mask's URL: the first of them
    in its path (`http://host/$cid/video-$flpbt-$flpdur.m3u8` → "cid"). Streamers report that path
    segment as the stream's `name`, so a token is bound to it. "prefix" when the path has neither."""
    try:
        path = urlsplit(mask).path
    except ValueError:
        path = mask
    for match in VARIABLE_RE.finditer(path):
        if match.group(1) in ("prefix", "cid"):
            return match.group(1)
    return "prefix"
