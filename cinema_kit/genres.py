"""A partner's genres mapped to the operator's genres: one map per cinema, edited in the operator panel.

The catalogue import lists every partner genre it meets in the cinema's map (`PartnerGenreMap`
subclass: a row per partner genre id, new rows unbound, names refreshed) and gives a title of a
bound partner genre the operator's genre of that row (`PartnerGenreMap.sync_partner_genres`).
An unbound row changes nothing: the cinema's import decides what such a title gets (MEGOGO: no
genre from it; the generic feed: the genre of the same name).

A concrete map keeps its own table and columns: it declares the partner genre's id and name columns
(`genre_id_field`, `genre_name_field`), how its rows are scoped (`scope`: per integration or per
operator) and its own `genre` help text (`operator_genre`). `cinema_kit.admin.PartnerGenreMapAdmin`
is the panel's page of such a map.
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping

from django.db import IntegrityError, models, transaction

from tvmiddleware.models import ExternalSystem, TenantModel


def operator_genre(help_text: str) -> models.ForeignKey:
    """The map row's operator genre (empty: unbound)."""
    return models.ForeignKey("tvmiddleware.Genre", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", help_text=help_text)


class PartnerGenreMap(TenantModel):
    """A partner genre and the operator's genre its titles get (abstract: each cinema has its table)."""

    partner_label: ClassVar[str] = "partner"  # in the panel's messages: "MEGOGO", "Start"
    genre_id_field: ClassVar[str] = "partner_genre_id"
    genre_name_field: ClassVar[str] = "partner_name"

    genre = operator_genre("Titles of this partner genre get this genre (applied on the next sync).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.partner_genre_title or self.partner_genre_key} → {self.genre or '—'}"

    @property
    def partner_genre_key(self) -> str:
        return getattr(self, self.genre_id_field)

    @property
    def partner_genre_title(self) -> str:
        return getattr(self, self.genre_name_field)

    @classmethod
    def scope(cls, system: ExternalSystem) -> dict[str, Any]:
        """The columns that place a row in the map of `system`'s cinema (default: its operator's map)."""
        return {"client_id": system.client_id}

    @classmethod
    def sync_partner_genres(cls, system: ExternalSystem, listed: Mapping[str, str]) -> dict[str, int]:
        """List the partner's genres `listed` ({partner genre id: name}) in the map of `system` (new
        ones unbound, changed names refreshed; ids and names cut to their columns) and return the
        bound ones: {partner genre id: operator genre id}, for the catalogue import."""
        id_field, name_field = cls.genre_id_field, cls.genre_name_field
        id_length = cls._meta.get_field(id_field).max_length
        name_length = cls._meta.get_field(name_field).max_length
        seen: dict[str, str] = {}
        for genre_id, name in listed.items():
            seen.setdefault(str(genre_id)[:id_length], str(name or "")[:name_length])
        scope = cls.scope(system)
        rows = {row.partner_genre_key: row for row in cls._default_manager.filter(**scope)}
        new = [cls(**{"client_id": system.client_id, **scope, id_field: gid, name_field: name})
               for gid, name in seen.items() if gid not in rows]
        renamed = []
        for gid, name in seen.items():
            if gid in rows and name and rows[gid].partner_genre_title != name:
                setattr(rows[gid], name_field, name)
                renamed.append(rows[gid])
        if new:
            try:
                with transaction.atomic():
                    cls._default_manager.bulk_create(new)
            except IntegrityError:  # a concurrent sync listed them first
                pass
        if renamed:
            cls._default_manager.bulk_update(renamed, [name_field])
        return {gid: row.genre_id for gid, row in rows.items() if row.genre_id}
