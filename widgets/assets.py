"""The widgets' own CSS and scripts, read once from `static/widgets/` and inlined into the pages (one
request per widget; no framework). The files are also served as static files for reference."""
from __future__ import annotations

import functools
import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static" / "widgets"


@functools.cache
def asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def gzipped_size(text: str) -> int:
    return len(gzip.compress(text.encode("utf-8"), compresslevel=9))
