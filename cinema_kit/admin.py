"""The operator panel's base pages for what the kit gives the cinemas (each cinema registers its own)."""
from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tvmiddleware.admin.base import TenantAdmin
from tvmiddleware.models import Genre

from .genres import PartnerGenreMap


class MappedFilter(admin.SimpleListFilter):
    title = "mapped"
    parameter_name = "mapped"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Mapped"), ("no", "Not mapped")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(genre__isnull=False)
        if self.value() == "no":
            return queryset.filter(genre__isnull=True)
        return queryset


class PartnerGenreMapAdmin(TenantAdmin):
    """The panel's page of a `PartnerGenreMap`: the partner's genres and the operator's genre each
    one gives its titles (edited in the list), filtered by mapped or not, searched by partner id and
    name, scoped to the staff user's operator (`TenantAdmin`). A change applies on the next sync.

    The columns come from the model (`genre_id_field`, `genre_name_field`) and `scope_columns` (e.g.
    the integration of a per-integration map). `synced_only`: rows come from the partner's genre list
    only (no adding; the partner's id and name are read-only).
    """

    scope_columns: ClassVar[list[str]] = []
    synced_only: ClassVar[bool] = False
    list_editable = ["genre"]
    actions = ["map_to_same_named_genres"]

    def __init__(self, model: type[PartnerGenreMap], admin_site: Any) -> None:
        partner = [model.genre_name_field, model.genre_id_field]
        self.list_display = [*partner, "genre", *self.scope_columns, "updated_at"]
        self.list_filter = [MappedFilter, *self.scope_columns]
        self.search_fields = partner
        self.fields = [*self.scope_columns, model.genre_id_field, model.genre_name_field, "genre"]
        if self.synced_only:
            self.readonly_fields = [*self.scope_columns, model.genre_id_field, model.genre_name_field]
        super().__init__(model, admin_site)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not self.synced_only and super().has_add_permission(request)

    @admin.action(description="Map to a genre of the same name (created if missing)")
    def map_to_same_named_genres(self, request: HttpRequest, queryset: QuerySet) -> None:
        name_field = self.model.genre_name_field
        mapped = 0
        for row in queryset.filter(genre__isnull=True).exclude(**{name_field: ""}):
            name = row.partner_genre_title
            genre = (Genre.objects.for_client(row.client_id).filter(name__iexact=name).first()
                     or Genre.objects.create(client_id=row.client_id, name=name[:100]))
            row.genre = genre
            row.save(update_fields=["genre", "updated_at"])
            mapped += 1
        self.message_user(request, f"{mapped} {self.model.partner_label} genre(s) mapped; titles get them on the "
                                   "next sync.", messages.SUCCESS)
