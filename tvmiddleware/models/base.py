"""Tenant scoping shared by every operator-owned model."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from .clients import Client


class TenantQuerySet(models.QuerySet):
    """Every read of tenant data goes through `for_client` (or `for_user` in the operator panel)."""

    def for_client(self, client: "Client | int") -> "TenantQuerySet":
        client_id = client if isinstance(client, int) else client.pk
        return self.filter(client_id=client_id)

    def for_user(self, user: Any) -> "TenantQuerySet":
        """Rows an operator-panel user may see: all for superusers, their client's for staff."""
        if user.is_superuser:
            return self
        client_id = staff_client_id(user)
        if client_id is None:
            return self.none()
        return self.for_client(client_id)


def staff_client_id(user: Any) -> int | None:
    """The client (operator) a staff user works for, or None."""
    profile = getattr(user, "operator_profile", None) if user.is_authenticated else None
    return profile.client_id if profile is not None else None


class TenantModel(models.Model):
    """A row that belongs to exactly one operator (client)."""

    client = models.ForeignKey("tvmiddleware.Client", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
