"""MEGOGO collections → the operator's selections of imported titles.

Each collection MEGOGO lists (`collections`, members from `video/collection?id=`) becomes a
`Selection` of this integration (`ext_id` = collection id) holding the imported titles in
MEGOGO's order; a selection is rewritten only when its titles changed. The TVOD collection is a
technical list, not a shelf, and is skipped. Selections of collections MEGOGO no longer lists are
disabled (an operator can also disable one by hand; the sync does not enable it again).
"""
from __future__ import annotations

from django.db import transaction

from tvmiddleware.models import ExternalSystem, Selection, SelectionItem

from ..client import MegogoClient
from ..models import MegogoTitle


def collection_ids(data: dict) -> list[str]:
    for key in ("video_list", "videos", "items", "video_ids"):
        if isinstance(data.get(key), list):
            return [str(item.get("id") if isinstance(item, dict) else item) for item in data[key]
                    if (item.get("id") if isinstance(item, dict) else item) not in (None, "")]
    return []


def sync_selections(client: MegogoClient, system: ExternalSystem, *, skip_ids: set[str]) -> int:
    """Create or refresh the selections; returns how many collections are mirrored."""
    data = client.collections()
    collections = data.get("collections") or data.get("items") or []
    existing = {s.ext_id: s for s in Selection.objects.for_client(system.client_id).filter(external_system=system)}
    mirrored = set()
    for sort, collection in enumerate(c for c in collections if isinstance(c, dict)):
        cid = str(collection.get("id") or "")
        if not cid or cid in skip_ids:
            continue
        ext_ids = collection_ids(client.collection(cid))
        by_ext = dict(MegogoTitle.objects.filter(external_system=system, ext_id__in=ext_ids)
                      .values_list("ext_id", "video_id"))
        video_ids = list(dict.fromkeys(by_ext[e] for e in ext_ids if e in by_ext))
        name = str(collection.get("title") or collection.get("name") or f"MEGOGO {cid}")[:200]
        selection = existing.get(cid)
        if selection is None:
            selection = Selection.objects.create(client_id=system.client_id, external_system=system, ext_id=cid,
                                                 name=name, sort=sort)
        elif selection.name != name:
            selection.name = name
            selection.save(update_fields=["name"])
        have = list(SelectionItem.objects.filter(selection=selection).order_by("sort", "id")
                    .values_list("video_id", flat=True))
        if have != video_ids:
            with transaction.atomic():  # starts with a write: no read-to-write upgrade on SQLite
                SelectionItem.objects.filter(selection=selection).delete()
                SelectionItem.objects.bulk_create([SelectionItem(selection=selection, video_id=vid, sort=i)
                                                   for i, vid in enumerate(video_ids)])
        mirrored.add(cid)
    gone = [s.pk for ext_id, s in existing.items() if ext_id not in mirrored and s.enabled]
    if gone:
        Selection.objects.filter(pk__in=gone).update(enabled=False)
    return len(mirrored)
