"""What the operator import remembers between runs (docs/migration-tools.md).

`Installation` names this database for the archives exported from it. `ImportedRow` maps each row an
import created (source installation + source operator, model, source id) to the id it got here:
a second import of the same operator finds its rows through it and updates them instead of adding
copies. `OperatorImport` keeps one line per imported source operator (its target operator and the
time of the newest archive imported), so an older archive is refused.
"""
from __future__ import annotations

import uuid

from django.db import models


class Installation(models.Model):
    """The identity of this database in the archives it exports (one row, made on first export)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.uuid)


class OperatorImport(models.Model):
    """A source operator imported here: where it went and the newest archive taken."""

    source = models.CharField(max_length=80, unique=True, help_text="source installation uuid:operator id")
    source_name = models.CharField(max_length=200, blank=True, default="")
    target_client_id = models.BigIntegerField()
    exported_at = models.DateTimeField(help_text="When the newest imported archive was exported.")
    imported_at = models.DateTimeField()
    runs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.source} → operator {self.target_client_id}"


class ImportedRow(models.Model):
    """One row an operator import created: its id at the source and its id here."""

    source = models.CharField(max_length=80)
    model = models.CharField(max_length=100)
    source_pk = models.BigIntegerField()
    target_pk = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "model", "source_pk"],
                                               name="migration_tools_imported_row_unique")]

    def __str__(self) -> str:
        return f"{self.model} {self.source_pk} → {self.target_pk}"
