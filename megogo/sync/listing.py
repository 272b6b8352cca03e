"""What MEGOGO's catalogue holds right now: one `Entry` per title, with a change digest.

Two sources:
- the client API (default): `video?category_id=&limit=&offset=` for every category that
  `configuration` lists, page by page;
- the catalogue XML feed `all_mgg.xml`, when the integration has `xml_url`: one streamed document.

The digest fingerprints everything the source says about the title (plus whether the title is in
the TVOD collection): when it is the same as last time, the title is not fetched again.
Entries are produced page by page, so memory does not grow with the catalogue.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from ..client import MegogoClient, MegogoError
from common.text import is_digits

PAGE_SIZE = 100


@dataclass(frozen=True)
class Entry:
    ext_id: str
    digest: str


def _digest(payload: bytes, in_tvod: bool) -> str:
    return hashlib.md5(payload + (b"|tvod" if in_tvod else b"")).hexdigest()


def _items(data: dict[str, Any]) -> list[dict]:
    for key in ("video_list", "videos", "items"):
        value = data.get(key)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict) and item.get("id") not in (None, "")]
    return []


class Listing:
    """Iterates the catalogue; `total` is known once the first pages were read (None for the feed)."""

    def __init__(self, client: MegogoClient, *, categories: list[str], tvod_ids: set[str] | None,
                 use_feed: bool = False, page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.categories = categories
        self.tvod_ids = tvod_ids or set()
        self.use_feed = use_feed
        self.page_size = page_size
        self.total: int | None = None
        self._first_pages: dict[str, dict] = {}

    def start(self) -> None:
        """Read the first page of every category (gives `total`)."""
        if self.use_feed:
            return
        if not self.categories:
            raise MegogoError("MEGOGO configuration lists no video categories")
        total = 0
        for category in self.categories:
            page = self.client.video_page(category_id=category, limit=self.page_size, offset=0)
            self._first_pages[category] = page
            count = page.get("total")
            total += int(count) if isinstance(count, (int, str)) and is_digits(str(count)) else len(_items(page))
        self.total = total

    def __iter__(self) -> Iterator[Entry]:
        if self.use_feed:
            for ext_id, _attrs, raw in self.client.iter_feed():
                if ext_id:
                    yield Entry(ext_id=ext_id, digest=_digest(raw, ext_id in self.tvod_ids))
            return
        for category in self.categories:
            offset = 0
            page = self._first_pages.pop(category, None)
            while True:
                if page is None:
                    page = self.client.video_page(category_id=category, limit=self.page_size, offset=offset)
                items = _items(page)
                for item in items:
                    ext_id = str(item["id"])
                    raw = json.dumps(item, sort_keys=True, ensure_ascii=False).encode("utf-8")
                    yield Entry(ext_id=ext_id, digest=_digest(raw, ext_id in self.tvod_ids))
                total = page.get("total")
                offset += self.page_size
                if len(items) < self.page_size or (is_digits(str(total)) and offset >= int(total)):
                    break
                page = None
