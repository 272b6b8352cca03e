"""Moving one operator between databases of this middleware: `operator_export` / `operator_import`.

The archive (format `tvmw-operator`, version 1) is gzip'd JSON lines, written and read as a stream:

1. a header: format, version, the source installation and operator, the export time, and for every
   model its row count and the sum of each decimal column (balances, ledger amounts...);
2. the shared reference rows the operator's rows point to, matched on import by natural key
   (`REFERENCE`): device types by `system_name`, permission groups by name, permissions by
   (app label, model, codename) — never copied over an existing row;
3. the operator's own rows, model by model in foreign-key order (parents first): a line naming the
   model and its columns, then one JSON array per row;
4. an end line with the number of rows (a cut archive is refused).

Which models belong to the operator is found from the app registry, not listed: every model with a
foreign key `client` to `tvmiddleware.Client`, every model that reaches such a model through a
non-null foreign key (child rows, many-to-many tables), and the operator's staff users
(`auth.User` with an `OperatorProfile` of the operator) with their group links. A plugin app's
models are included as soon as it is installed. `NEVER_EXPORTED` lists what is left out (sessions,
attempt counters, one-time codes, the event outbox...); a model that points at the operator's rows
and is neither owned nor listed stops the export (so no new model is dropped silently).

Import: one transaction (all or nothing), rows written with bulk_create/bulk_update in batches.
A row keeps its source id when the target does not use it, and gets a new one otherwise; foreign
keys follow through `ImportedRow` (migration_tools.models), which also makes a second import of the
same operator update its rows instead of adding copies (unchanged rows are not written at all).
Signals and services are bypassed by the bulk writes: what they would keep is carried in the
archive (the ledger with `balance_before/after` and the customers' balances move together), and
the caches that derive from the rows are renewed after commit (`_renew_caches`).
"""
from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import gzip
import io
import json
import sys
import uuid
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DatabaseError, connections, models, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.duration import duration_iso_string

from migration_tools.models import ImportedRow, Installation, OperatorImport

FORMAT = "tvmw-operator"
VERSION = 1
BATCH = 2000
# Parent models with fewer rows than this keep their id map in memory during an import; larger
# ones (customers, accounts...) are looked up batch by batch, so memory stays flat.
CACHED_MAP_ROWS = 20000
# Rows written between two refreshes of PostgreSQL's planner statistics during an import.
ANALYZE_EVERY = 50000

# Shared reference data: matched in the target by natural key, created there only when missing.
REFERENCE = ("tvmiddleware.DeviceType", "auth.Group", "auth.Permission")

# Never exported: login sessions and one-time secrets (devices and panel users sign in again),
# counters and caches, the delivery outbox, locks, scheduled jobs, and this app's own bookkeeping.
NEVER_EXPORTED = {
    "sessions.Session", "admin.LogEntry", "contenttypes.ContentType", "captcha.CaptchaStore",
    "axes.AccessAttempt", "axes.AccessAttemptExpiration", "axes.AccessFailureLog", "axes.AccessLog",
    "auth.Group_permissions",
    "tvmiddleware.AttemptCounter", "tvmiddleware.ScheduledJob", "tvmiddleware.AuthKey",
    "tvmiddleware.QrLogin", "tvmiddleware.VerificationCode", "tvmiddleware.PhoneVerification",
    "tvmiddleware.DomainEvent", "tvmiddleware.EventDelivery",
    "widgets.WidgetSession", "megogo.SyncLease",
    "migration_tools.Installation", "migration_tools.ImportedRow", "migration_tools.OperatorImport",
}


# Ids kept in plain integer columns (not foreign keys) that name the operator's rows: remapped like
# foreign keys. A target is a model label, or (discriminating column, {its value: label or labels}).
# A value the archive cannot map is kept where the column is required (a ledger row of a deleted
# customer keeps its customer id) and cleared where it may be empty.
SOFT_REFERENCES: dict[str, dict[str, Any]] = {
    "billing.CustomerTransaction": {"customer_ref": "tvmiddleware.Customer"},
    "tvmiddleware.AccountProfile": {"profile_type_id": "tvmiddleware.ProfileType"},
    "tvmiddleware.ContentPosition": {
        "content_id": ("content_type", {"program": "tvmiddleware.EpgProgram", "video": "tvmiddleware.Video",
                                        "channel": "tvmiddleware.Channel"}),
        # A video's asset is a file or an episode of that video.
        "asset_id": ("content_type", {"video": ("tvmiddleware.VideoFile", "tvmiddleware.Episode")}),
    },
}


def _soft_targets(label: str) -> set[str]:
    targets: set[str] = set()
    for target in SOFT_REFERENCES.get(label, {}).values():
        if isinstance(target, str):
            targets.add(target)
        else:
            for value in target[1].values():
                targets.update([value] if isinstance(value, str) else value)
    return targets


# --- which models, in which order -------------------------------------------------------------------

@dataclass
class ModelPlan:
    model: type[models.Model]
    path: str  # lookup from the model to the operator's id, e.g. "client" or "message__client"

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows(self, client_id: int, using: str) -> models.QuerySet:
        return self.model._base_manager.using(using).filter(**{self.path: client_id})


def _fks(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one or f.one_to_one
            and f.concrete]


def operator_models() -> list[ModelPlan]:
    """The operator's models in dependency order (a parent before the rows that point to it)."""
    from tvmiddleware.models import Client

    user_model = get_user_model()
    paths: dict[type[models.Model], str] = {Client: "pk", user_model: "operator_profile__client"}
    candidates = [m for m in apps.get_models(include_auto_created=True)
                  if m._meta.label not in NEVER_EXPORTED and m._meta.label not in REFERENCE
                  and not m._meta.proxy and m._meta.managed]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in paths:
                continue
            path = _owner_path(model, paths, Client)
            if path:
                paths[model] = path
                changed = True
    owned = set(paths)
    for model in candidates:
        if model in owned:
            continue
        for f in _fks(model):
            if f.related_model in owned:
                raise ImproperlyConfigured(
                    f"{model._meta.label} points at the operator's {f.related_model._meta.label} but is neither "
                    f"exported nor in migration_tools.operator_transfer.NEVER_EXPORTED")
    ordered = _topological(owned)
    ordered.remove(Client)  # no dependencies: the operator first, so an archive reads from the top
    return [ModelPlan(m, paths[m]) for m in [Client, *ordered]]


def _owner_path(model: type[models.Model], paths: dict, client_model: type[models.Model]) -> str | None:
    fks = _fks(model)
    for f in fks:
        if f.name == "client" and f.related_model is client_model:
            return "client"
    for f in fks:
        if not f.null and f.related_model in paths and f.related_model is not model:
            parent = paths[f.related_model]
            return f.name if parent == "pk" else f"{f.name}__{parent}"
    return None


def _topological(owned: set[type[models.Model]]) -> list[type[models.Model]]:
    order = {m: i for i, m in enumerate(apps.get_models(include_auto_created=True))}
    by_label = {m._meta.label: m for m in owned}
    deps = {m: {f.related_model for f in _fks(m) if f.related_model in owned and f.related_model is not m}
            | {by_label[t] for t in _soft_targets(m._meta.label) if t in by_label}
            for m in owned}
    result: list[type[models.Model]] = []
    done: set[type[models.Model]] = set()
    while len(result) < len(owned):
        ready = sorted((m for m in owned if m not in done and deps[m] <= done), key=order.__getitem__)
        if not ready:
            cycle = ", ".join(sorted(m._meta.label for m in owned if m not in done))
            raise ImproperlyConfigured(f"the operator's models have a foreign-key cycle: {cycle}")
        result.extend(ready)
        done.update(ready)
    return result


def _decimal_fields(model: type[models.Model]) -> dict[str, int]:
    """Decimal columns (money, ratings) and their decimal places: summed in the verification."""
    return {f.attname: f.decimal_places for f in model._meta.concrete_fields if isinstance(f, models.DecimalField)}


def measure(plan: ModelPlan, client_id: int, using: str) -> dict[str, Any]:
    """Row count and decimal sums of one model for one operator (the verification figures)."""
    qs = plan.rows(client_id, using)
    places = _decimal_fields(plan.model)
    aggregates: dict[str, Any] = {"_count": Count("pk")}
    for name in places:
        aggregates[name] = Sum(name)
    values = qs.aggregate(**aggregates)
    return {"count": values.pop("_count"),
            "sums": {k: str(decimal.Decimal(v or 0).quantize(decimal.Decimal(1).scaleb(-places[k])))
                     for k, v in values.items()}}


# --- values --------------------------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot store {type(value).__name__} in an archive")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_encode, ensure_ascii=False, separators=(",", ":"))


def installation_id(using: str = "default") -> str:
    row = Installation.objects.using(using).order_by("pk").first()
    if row is None:
        row = Installation.objects.using(using).create()
    return str(row.uuid)


# --- export ----------------------------------------------------------------------------------------------

@dataclass
class ExportResult:
    header: dict
    rows: int


def export_operator(client_id: int, out_path: str, *, using: str = "default",
                    progress: Callable[[str, int], Any] | None = None) -> ExportResult:
    """Write the operator's archive to `out_path`; one consistent snapshot of the database."""
    from tvmiddleware.models import Client

    client = Client.objects.using(using).filter(pk=client_id).first()
    if client is None:
        raise CommandError(f"no operator with id {client_id} in database '{using}'")
    plans = operator_models()
    installation = installation_id(using)
    total = 0
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for the counts and every table read after them.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        header = {
            "format": FORMAT, "version": VERSION, "installation": installation,
            "operator": {"id": client.pk, "name": client.name},
            "exported_at": timezone.now().isoformat(),
            "models": [{"model": p.label, **measure(p, client_id, using)} for p in plans],
        }
        with gzip.open(out_path, "wt", encoding="utf-8", compresslevel=3) as out:
            out.write(_dumps(header) + "\n")
            for label, fields, rows in _reference_sections(client_id, plans, using):
                out.write(_dumps({"reference": label, "fields": fields}) + "\n")
                for row in rows:
                    out.write(_dumps(row) + "\n")
            counts = {m["model"]: m["count"] for m in header["models"]}
            for plan in plans:
                names = [f.attname for f in plan.model._meta.concrete_fields]
                out.write(_dumps({"model": plan.label, "fields": names}) + "\n")
                bar = progress(plan.label, counts[plan.label]) if progress else None
                written = 0
                rows_qs = plan.rows(client_id, using).order_by("pk").values_list(*names)
                for row in rows_qs.iterator(chunk_size=BATCH):
                    out.write(_dumps(row) + "\n")
                    written += 1
                    if bar is not None and written % 500 == 0:
                        bar.update(500)
                if bar is not None:
                    bar.update(written % 500)
                    bar.close()
                if written != counts[plan.label]:  # the snapshot is consistent; this is a bug guard
                    raise CommandError(f"{plan.label}: counted {counts[plan.label]} rows, wrote {written}")
                total += written
            out.write(_dumps({"end": True, "rows": total}) + "\n")
    return ExportResult(header=header, rows=total)


def _reference_sections(client_id: int, plans: list[ModelPlan], using: str) -> Iterator[tuple[str, list, Iterable]]:
    from tvmiddleware.models import DeviceType

    dt_fields = [f.attname for f in DeviceType._meta.concrete_fields]
    yield "tvmiddleware.DeviceType", dt_fields, DeviceType.objects.using(using).order_by("pk").values_list(*dt_fields)
    user_model = get_user_model()
    staff = user_model._base_manager.using(using).filter(operator_profile__client=client_id)
    groups = Group.objects.using(using).filter(user__in=staff).distinct().order_by("pk")
    yield "auth.Group", ["id", "name"], groups.values_list("id", "name")
    perms = (Permission.objects.using(using)
             .filter(models.Q(group__in=groups) | models.Q(user__in=staff)).distinct().order_by("pk"))
    yield ("auth.Permission", ["id", "app_label", "model", "codename"],
           perms.values_list("id", "content_type__app_label", "content_type__model", "codename"))
    group_perms = Group.permissions.through.objects.using(using).filter(group__in=groups).order_by("pk")
    yield "auth.Group_permissions", ["group_id", "permission_id"], group_perms.values_list("group_id", "permission_id")


# --- reading an archive ---------------------------------------------------------------------------------

class ArchiveReader:
    """Lines of an archive, decoded one at a time; every fault becomes a one-line CommandError."""

    def __init__(self, path: str):
        self.path = path

    def lines(self) -> Iterator[Any]:
        try:
            with gzip.open(self.path, "rt", encoding="utf-8") as src:
                for number, line in enumerate(src, 1):
                    try:
                        yield json.loads(line)
                    except ValueError:
                        raise CommandError(f"{self.path}: line {number} is not valid JSON (corrupt archive)") from None
        except FileNotFoundError:
            raise CommandError(f"{self.path}: no such file") from None
        except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
            raise CommandError(f"{self.path}: not a readable operator archive ({exc.__class__.__name__}: {exc})") from None

    def header(self) -> dict:
        for line in self.lines():
            return check_header(line, self.path)
        raise CommandError(f"{self.path}: empty archive")

    def verify(self) -> dict:
        """Read the whole archive once (before anything is written): complete, and as counted."""
        lines = self.lines()
        header = check_header(next(lines, None), self.path)
        expected = {m["model"]: m["count"] for m in header["models"]}
        seen: dict[str, int] = defaultdict(int)
        section = None
        total = 0
        ended = False
        for line in lines:
            if ended:
                raise CommandError(f"{self.path}: data after the end line (corrupt archive)")
            if isinstance(line, dict):
                if line.get("end"):
                    if line.get("rows") != total:
                        raise CommandError(f"{self.path}: the end line counts {line.get('rows')} rows, "
                                           f"the archive holds {total}")
                    ended = True
                    continue
                section = line.get("model")
                if section is not None and section not in expected:
                    raise CommandError(f"{self.path}: rows of {section}, which the header does not list")
                continue
            if not isinstance(line, list):
                raise CommandError(f"{self.path}: unexpected line (corrupt archive)")
            if section is not None:
                seen[section] += 1
                total += 1
        if not ended:
            raise CommandError(f"{self.path}: the archive is cut short (no end line)")
        for label, count in expected.items():
            if seen.get(label, 0) != count:
                raise CommandError(f"{self.path}: {label} has {seen.get(label, 0)} rows, the header says {count}")
        return header


def check_header(line: Any, path: str) -> dict:
    if not isinstance(line, dict) or line.get("format") != FORMAT:
        raise CommandError(f"{path}: not an operator archive (format is not '{FORMAT}')")
    if line.get("version") != VERSION:
        raise CommandError(f"{path}: archive format version {line.get('version')!r} is not supported "
                           f"(this middleware reads version {VERSION})")
    for key in ("installation", "operator", "exported_at", "models"):
        if key not in line:
            raise CommandError(f"{path}: the header has no '{key}'")
    return line


# --- import ----------------------------------------------------------------------------------------------

class _Rollback(Exception):
    pass


@dataclass
class ModelOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass
class ImportResult:
    header: dict
    target_client_id: int
    outcomes: dict[str, ModelOutcome] = field(default_factory=dict)
    verification: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def matches(self) -> bool:
        return all(row["match"] for row in self.verification)


class _IdMap:
    """Source id → target id per model, through ImportedRow; small models kept in memory."""

    def __init__(self, source: str, using: str, counts: dict[str, int]):
        self.source = source
        self.using = using
        self.counts = counts
        self.memory: dict[str, dict[int, int]] = {}
        self.fixed: dict[str, dict[int, int]] = {}  # reference models: matched by natural key

    def _qs(self, label: str):
        return ImportedRow.objects.using(self.using).filter(source=self.source, model=label)

    def resolve(self, label: str, source_pks: Iterable[int]) -> dict[int, int]:
        if label in self.fixed:
            return self.fixed[label]
        wanted = {pk for pk in source_pks if pk is not None}
        if self.counts.get(label, 0) <= CACHED_MAP_ROWS:
            if label not in self.memory:
                self.memory[label] = dict(self._qs(label).values_list("source_pk", "target_pk"))
            return self.memory[label]
        if not wanted:
            return {}
        found: dict[int, int] = {}
        pks = list(wanted)
        for start in range(0, len(pks), 5000):
            found.update(self._qs(label).filter(source_pk__in=pks[start:start + 5000])
                         .values_list("source_pk", "target_pk"))
        return found

    def record(self, label: str, pairs: list[tuple[int, int]]) -> None:
        connection = connections[self.using]
        if connection.vendor == "postgresql":
            columns = [[self.source] * len(pairs), [label] * len(pairs), [s for s, _ in pairs], [t for _, t in pairs]]
            _copy_rows(connection, ImportedRow._meta.db_table, ["source", "model", "source_pk", "target_pk"],
                       [_copy_text] * 4, columns)
        else:
            ImportedRow.objects.using(self.using).bulk_create(
                [ImportedRow(source=self.source, model=label, source_pk=s, target_pk=t) for s, t in pairs],
                batch_size=BATCH)
        if label in self.memory:
            self.memory[label].update(pairs)


def import_operator(path: str, *, using: str = "default", dry_run: bool = False,
                    progress: Callable[[str, int], Any] | None = None) -> ImportResult:
    """Import an archive in one transaction; the verification must match or nothing is kept."""
    reader = ArchiveReader(path)
    header = reader.verify()
    try:
        connections[using].ensure_connection()
    except Exception as exc:
        raise CommandError(f"database '{using}' is unreachable: {exc.__class__.__name__}") from None
    source = f"{header['installation']}:{header['operator']['id']}"
    exported_at = datetime.datetime.fromisoformat(header["exported_at"])
    try:
        previous = OperatorImport.objects.using(using).filter(source=source).first()
    except DatabaseError as exc:
        raise CommandError(f"database '{using}' is not ready for imports ({exc.__class__.__name__}): "
                           f"run `manage.py migrate` there first") from None
    if previous is not None and previous.exported_at > exported_at:
        raise CommandError(f"this archive was exported at {exported_at.isoformat()}, before the one already "
                           f"imported ({previous.exported_at.isoformat()}): refusing to go back")
    _check_models(header, path)
    result = ImportResult(header=header, target_client_id=0, dry_run=dry_run)
    try:
        with transaction.atomic(using=using):
            importer = _Importer(header, source, using, result, progress)
            importer.run(reader)
            importer.delete_gone()
            _verify(header, using, result)
            if not result.matches:
                raise _Rollback()
            OperatorImport.objects.using(using).update_or_create(
                source=source, defaults={"source_name": header["operator"]["name"][:200],
                                         "target_client_id": result.target_client_id,
                                         "exported_at": exported_at, "imported_at": timezone.now()})
            OperatorImport.objects.using(using).filter(source=source).update(runs=models.F("runs") + 1)
            if dry_run:
                raise _Rollback()
            _renew_caches(result.target_client_id, using)
    except _Rollback:
        pass
    return result


def _check_models(header: dict, path: str) -> None:
    """Every model and column of the archive exists here (checked before writing)."""
    known = {p.label: p for p in operator_models()}
    for entry in header["models"]:
        if entry["model"] not in known:
            raise CommandError(f"{path}: {entry['model']} is not a model of this installation's operators "
                               f"(an app missing here, or a newer version exported it)")


class _Importer:
    def __init__(self, header: dict, source: str, using: str, result: ImportResult,
                 progress: Callable[[str, int], Any] | None):
        self.header = header
        self.using = using
        self.result = result
        self.progress = progress
        self.counts = {m["model"]: m["count"] for m in header["models"]}
        self.ids = _IdMap(source, using, self.counts)
        self.plans = {p.label: p for p in operator_models()}
        self.reference_rows: dict[str, list] = {}
        self.seen: dict[str, array] = {}  # the archive's ids per model, 8 bytes each (delete_gone)

    # The archive's sections, in order.
    def run(self, reader: ArchiveReader) -> None:
        lines = reader.lines()
        next(lines)  # header
        buffer: list[list] = []
        kind = label = None
        fields: list[str] = []
        for line in lines:
            if isinstance(line, dict):
                if kind is not None:
                    self._flush(kind, label, fields, buffer)
                    if kind == "model":
                        self._finish_model(label)
                buffer = []
                if line.get("end"):
                    break
                kind = "reference" if "reference" in line else "model"
                label = line.get("reference") or line.get("model")
                fields = line["fields"]
                if kind == "model":
                    self._start_model(label)
                continue
            buffer.append(line)
            if kind == "model" and len(buffer) >= BATCH:
                self._flush(kind, label, fields, buffer)
                buffer = []

    def _flush(self, kind: str, label: str, fields: list[str], rows: list[list]) -> None:
        if kind == "reference":
            self.reference_rows[label] = rows
            if label == "auth.Group_permissions":
                self._match_reference()
            return
        if rows:
            self._write_batch(label, fields, rows)

    # --- rows deleted at the source since an earlier import ---
    def delete_gone(self) -> None:
        """Rows an earlier import made from this operator that this (newer) archive no longer has were
        deleted at the source since: delete them here too, children first (the reverse of the
        dependency order, so a protected parent goes after the rows that held it). Only rows this
        source made are candidates (the mapping table); the target operator's own rows stay."""
        for label in reversed(list(self.plans)):
            if label == "tvmiddleware.Client" or label not in self.counts:
                continue  # the operator itself; a model this archive does not carry keeps its rows
            seen = array("q", sorted(self.seen.pop(label, array("q"))))
            gone: list[tuple[int, int]] = []
            for source_pk, target_pk in (self.ids._qs(label).order_by().values_list("source_pk", "target_pk")
                                         .iterator(chunk_size=5000)):
                at = bisect_left(seen, source_pk)
                if at == len(seen) or seen[at] != source_pk:
                    gone.append((source_pk, target_pk))
            if not gone:
                continue
            model = self.plans[label].model
            for start in range(0, len(gone), 1000):
                chunk = gone[start:start + 1000]
                model._base_manager.using(self.using).filter(pk__in=[t for _, t in chunk]).delete()
                self.ids._qs(label).filter(source_pk__in=[s for s, _ in chunk]).delete()
            self.ids.memory.pop(label, None)
            self.result.outcomes.setdefault(label, ModelOutcome()).deleted += len(gone)

    # --- shared reference rows ---
    def _match_reference(self) -> None:
        from tvmiddleware.models import DeviceType

        db = self.using
        dt_fields = None
        dt_map: dict[int, int] = {}
        rows = self.reference_rows.get("tvmiddleware.DeviceType", [])
        if rows:
            dt_fields = [f.attname for f in DeviceType._meta.concrete_fields]
            existing = dict(DeviceType.objects.using(db).values_list("system_name", "pk"))
            for row in rows:
                values = dict(zip(dt_fields, row))
                source_pk = values.pop("id")
                if values["system_name"] in existing:
                    dt_map[source_pk] = existing[values["system_name"]]
                else:
                    obj = DeviceType(**{k: DeviceType._meta.get_field(k).to_python(v) for k, v in values.items()})
                    obj.save(using=db)
                    dt_map[source_pk] = obj.pk
                    self.result.notes.append(f"device type {values['system_name']} created")
        self.ids.fixed["tvmiddleware.DeviceType"] = dt_map
        perm_map: dict[int, int] = {}
        for pk, app_label, model, codename in self.reference_rows.get("auth.Permission", []):
            target = (Permission.objects.using(db)
                      .filter(content_type__app_label=app_label, content_type__model=model, codename=codename)
                      .values_list("pk", flat=True).first())
            if target is None:
                self.result.notes.append(f"permission {app_label}.{codename} does not exist here: not granted")
            else:
                perm_map[pk] = target
        self.ids.fixed["auth.Permission"] = perm_map
        group_map: dict[int, int] = {}
        created_groups: set[int] = set()
        for pk, name in self.reference_rows.get("auth.Group", []):
            group, created = Group.objects.using(db).get_or_create(name=name)
            group_map[pk] = group.pk
            if created:
                created_groups.add(pk)
                self.result.notes.append(f"group {name!r} created")
        for group_pk, perm_pk in self.reference_rows.get("auth.Group_permissions", []):
            if group_pk in created_groups and perm_pk in perm_map:
                Group.permissions.through.objects.using(db).get_or_create(
                    group_id=group_map[group_pk], permission_id=perm_map[perm_pk])
        self.ids.fixed["auth.Group"] = group_map

    # --- the operator's rows ---
    def _start_model(self, label: str) -> None:
        plan = self.plans[label]
        self.result.outcomes[label] = ModelOutcome()
        self._bar = self.progress(label, self.counts.get(label, 0)) if self.progress else None
        self._deferred: list[tuple[int, str, int]] = []  # (source pk, attname, linked source pk)
        self._model = plan.model

    def _finish_model(self, label: str) -> None:
        model = self._model
        if self._deferred:
            by_field: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for row_pk, attname, source_value in self._deferred:
                by_field[attname].append((row_pk, source_value))
            for attname, pairs in by_field.items():
                mapping = self.ids.resolve(label, [s for pair in pairs for s in pair])
                objs = []
                for row_pk, source_value in pairs:
                    obj = model(pk=mapping[row_pk])
                    setattr(obj, attname, mapping.get(source_value))
                    objs.append(obj)
                model._base_manager.using(self.using).bulk_update(objs, [attname], batch_size=BATCH)
        _reset_sequence(model, self.using)
        if label == "tvmiddleware.Client":
            self.result.target_client_id = self.ids.resolve(label, [self.header["operator"]["id"]])[
                self.header["operator"]["id"]]
        if self._bar is not None:
            self._bar.close()

    def _write_batch(self, label: str, names: list[str], rows: list[list]) -> None:
        model = self._model
        db = self.using
        opts = model._meta
        try:
            fields = [opts.get_field(_field_name(model, n)) for n in names]
        except Exception:
            raise CommandError(f"{label}: the archive has a column this installation does not know") from None
        pk_index = next(i for i, f in enumerate(fields) if f.primary_key)
        if fields[pk_index].is_relation:
            raise CommandError(f"{label}: a primary key that is a foreign key is not supported")
        columns = [list(c) for c in zip(*rows)]
        # Foreign keys and plain id columns: source ids → target ids.
        for i, f in enumerate(fields):
            if f.is_relation:
                self._remap_column(label, f, columns[i], columns[pk_index])
        self._remap_soft(label, model, [f.attname for f in fields], columns)
        source_pks = columns[pk_index]
        self.seen.setdefault(label, array("q")).extend(source_pks)
        mapped = self.ids.resolve(label, source_pks)
        existing = {s: mapped[s] for s in source_pks if s in mapped}
        outcome = self.result.outcomes[label]
        if existing:
            self._update(label, fields, columns, source_pks, existing, pk_index, outcome)
        # Creates: the source id when it is free here, a new one otherwise.
        new_rows = [r for r in range(len(rows)) if source_pks[r] not in existing]
        if new_rows:
            new_columns = [[column[r] for r in new_rows] for column in columns]
            wanted = new_columns[pk_index]
            taken = set(model._base_manager.using(db).filter(pk__in=wanted).values_list("pk", flat=True))
            self._free_unique_values(label, fields, new_columns)
            copy = _copy_encoders(model, fields) if connections[db].vendor == "postgresql" else None
            if copy is not None:
                targets = self._ids_for(model, wanted, taken)
                new_columns[pk_index] = targets
                _copy_rows(connections[db], model._meta.db_table, [f.column for f in fields], copy, new_columns)
            else:
                targets = self._orm_create(model, fields, new_columns, pk_index, taken)
            self.ids.record(label, list(zip(wanted, targets)))
            outcome.created += len(new_rows)
            self._analyze_when_grown(model, len(new_rows))
        if self._bar is not None:
            self._bar.update(len(rows))

    def _analyze_when_grown(self, model: type[models.Model], added: int) -> None:
        """PostgreSQL plans the id lookups from table statistics, which a large import makes stale within
        its own transaction (a sequential scan per batch on a table believed empty): refresh them."""
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            return
        self._grown = getattr(self, "_grown", 0) + added
        if self._grown < ANALYZE_EVERY:
            return
        self._grown = 0
        with connection.cursor() as cursor:
            for table in (model._meta.db_table, ImportedRow._meta.db_table):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

    def _ids_for(self, model: type[models.Model], wanted: list[int], taken: set[int]) -> list[int]:
        """PostgreSQL: the source id where free, the next ones of the table's sequence for the others."""
        _reset_sequence(model, self.using)
        count = sum(1 for pk in wanted if pk in taken)
        fresh: Iterator[int] = iter(())
        if count:
            table = model._meta.db_table
            with connections[self.using].cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                               [table, model._meta.pk.column, count])
                fresh = iter([row[0] for row in cursor.fetchall()])
        targets = [next(fresh) if pk in taken else pk for pk in wanted]
        return targets

    def _orm_create(self, model: type[models.Model], fields: list[models.Field], columns: list[list],
                    pk_index: int, taken: set[int]) -> list[int]:
        """Other databases: bulk_create (the timestamps kept as exported); returns the ids given."""
        python = _to_python(fields, columns)
        keep, fresh = [], []
        for r in range(len(columns[pk_index])):
            values = {f.attname: python[i][r] for i, f in enumerate(fields)}
            if columns[pk_index][r] in taken:
                values[model._meta.pk.attname] = None
                fresh.append(model(**values))
            else:
                keep.append(model(**values))
        manager = model._base_manager.using(self.using)
        with _stored_timestamps(model):
            if keep:
                manager.bulk_create(keep, batch_size=BATCH)
            if fresh:
                _reset_sequence(model, self.using)
                manager.bulk_create(fresh, batch_size=BATCH)
        if any(o.pk is None for o in fresh):  # a backend that returns no ids
            raise CommandError(f"{model._meta.label}: the database returned no ids for new rows")
        by_position = iter(keep), iter(fresh)
        return [next(by_position[1]).pk if pk in taken else next(by_position[0]).pk for pk in columns[pk_index]]

    def _update(self, label: str, fields: list[models.Field], columns: list[list], source_pks: list,
                existing: dict[int, int], pk_index: int, outcome: ModelOutcome) -> None:
        """Rows imported before: only those whose values differ are written."""
        model = self._model
        python = _to_python(fields, columns)
        attnames = [f.attname for f in fields]
        current = {row[pk_index]: row for row in model._base_manager.using(self.using)
                   .filter(pk__in=list(existing.values())).values_list(*attnames)}
        kept = self._renewed_unique_values(fields, python, source_pks, existing, current)
        changed = []
        for r, source_pk in enumerate(source_pks):
            if source_pk not in existing:
                continue
            target_pk = existing[source_pk]
            now = current.get(target_pk)
            if now is None:
                raise CommandError(f"{label} {source_pk}: imported before as {target_pk}, which is gone here")
            values = [python[i][r] for i in range(len(fields))]
            values[pk_index] = target_pk
            for i in kept.get(source_pk, ()):
                values[i] = now[i]
            if list(now) == values:
                outcome.unchanged += 1
                continue
            changed.append(model(**dict(zip(attnames, values))))
        if changed:
            update_fields = [f.attname for f in fields if not f.primary_key]
            model._base_manager.using(self.using).bulk_update(changed, update_fields, batch_size=500)
            outcome.updated += len(changed)

    def _remap_column(self, label: str, f: models.Field, values: list, source_pks: list) -> None:
        target_label = f.related_model._meta.label
        self_link = f.related_model is self._model
        mapping = self.ids.resolve(target_label, values)
        dropped = 0
        for r, value in enumerate(values):
            if value is None:
                continue
            target = mapping.get(value)
            if target is None and self_link:
                # A link to a row of the same model not written yet: linked after the model is done.
                self._deferred.append((source_pks[r], f.attname, value))
                values[r] = None
                continue
            if target is None:
                if not f.null:
                    raise CommandError(f"{label}: {f.name} points at {target_label} {value}, which the archive does "
                                       f"not hold and this database cannot match")
                dropped += 1
            values[r] = target
        if dropped:
            self.result.notes.append(f"{label}.{f.name}: {dropped} link(s) to rows outside the operator cleared")

    def _remap_soft(self, label: str, model: type[models.Model], attnames: list[str], columns: list[list]) -> None:
        """Plain integer columns naming the operator's rows (SOFT_REFERENCES) follow the remapping."""
        for attname, target in SOFT_REFERENCES.get(label, {}).items():
            if attname not in attnames:
                continue
            index = attnames.index(attname)
            values = columns[index]
            nullable = model._meta.get_field(_field_name(model, attname)).null
            if isinstance(target, str):
                kinds = [(target,)] * len(values)
            else:
                kind_values = columns[attnames.index(target[0])]
                kinds = []
                for kind in kind_values:
                    labels = target[1].get(kind, ())
                    kinds.append((labels,) if isinstance(labels, str) else tuple(labels))
            maps = {}
            for candidates in set(kinds):
                for candidate in candidates:
                    if candidate not in maps:
                        wanted = [v for v, k in zip(values, kinds) if candidate in k]
                        maps[candidate] = self.ids.resolve(candidate, wanted)
            for r, value in enumerate(values):
                if value is None:
                    continue
                found = [maps[c][value] for c in kinds[r] if value in maps[c]]
                if len(found) > 1:
                    found = [self._asset_of_video(kinds[r], found, columns[attnames.index("content_id")][r])]
                if found:
                    values[r] = found[0]
                elif nullable:
                    values[r] = None

    def _asset_of_video(self, candidates: tuple, targets: list[int], video_id: int) -> int:
        """Both a file and an episode had the asset's id at the source: the one of this video here."""
        for candidate, target in zip(candidates, targets):
            model = apps.get_model(candidate)
            if model._base_manager.using(self.using).filter(pk=target, video_id=video_id).exists():
                return target
        return targets[0]

    def _renewed_unique_values(self, fields: list[models.Field], columns: list[list], source_pks: list,
                               existing: dict[int, int], current: dict[int, tuple]) -> dict[int, list[int]]:
        """Unique columns given a new value at the first import (used here by another row) keep it."""
        kept: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(fields):
            if not f.unique or f.primary_key or f.is_relation:
                continue
            differing = {}
            for r, source_pk in enumerate(source_pks):
                target_pk = existing.get(source_pk)
                if target_pk is not None and target_pk in current and current[target_pk][i] != columns[i][r]:
                    differing[source_pk] = columns[i][r]
            if not differing:
                continue
            used = dict(self._model._base_manager.using(self.using)
                        .filter(**{f"{f.attname}__in": list(differing.values())}).values_list(f.attname, "pk"))
            for source_pk, value in differing.items():
                if value in used and used[value] != existing[source_pk]:
                    kept[source_pk].append(i)
        return kept

    def _free_unique_values(self, label: str, fields: list[models.Field], columns: list[list]) -> None:
        """Globally unique columns (public ids, order ids, usernames) already used here get new values."""
        model = self._model
        user_model = get_user_model()
        for i, f in enumerate(fields):
            if not f.unique or f.primary_key or f.is_relation:
                continue
            values = [v for v in columns[i] if v not in (None, "")]
            if not values:
                continue
            used = {str(v) for v in model._base_manager.using(self.using).filter(**{f"{f.attname}__in": values})
                    .values_list(f.attname, flat=True)}
            if not used:
                continue
            renewed = 0
            for r, value in enumerate(columns[i]):
                if value is None or str(value) not in used:
                    continue
                if model is user_model and f.attname == "username":
                    n = 2
                    while user_model._base_manager.using(self.using).filter(username=f"{value}-{n}").exists():
                        n += 1
                    columns[i][r] = f"{value}-{n}"
                    self.result.notes.append(f"staff user {value!r} exists here: imported as {columns[i][r]!r}")
                elif callable(f.default):
                    columns[i][r] = f.get_default()
                    renewed += 1
                else:
                    raise CommandError(f"{label}.{f.name}: a value of the archive is already used here by a row "
                                       f"of another operator")
            if renewed:
                self.result.notes.append(f"{label}.{f.name}: {renewed} value(s) already used here were renewed")


def _to_python(fields: list[models.Field], columns: list[list]) -> list[list]:
    """Archive values (JSON) as the fields' Python values."""
    result = []
    for f, column in zip(fields, columns):
        if f.is_relation:
            result.append(column)
        else:
            to_python = f.to_python
            result.append([None if v is None else to_python(v) for v in column])
    return result


# Stock Django fields whose archive value (JSON) is already the text PostgreSQL's COPY reads.
_COPY_AS_TEXT = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "CharField", "TextField",
    "SlugField", "EmailField", "URLField", "FileField", "FilePathField", "GenericIPAddressField", "DecimalField",
    "DateTimeField", "DateField", "TimeField", "UUIDField", "DurationField", "BooleanField", "ForeignKey",
    "OneToOneField", "IPAddressField",
}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_copy_cache: dict[tuple, list | None] = {}


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).translate(_COPY_ESCAPES)


def _copy_json(value: Any) -> str:
    return "\\N" if value is None else json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)


def _copy_binary(value: Any) -> str:
    if value is None:
        return "\\N"
    raw = bytes(value) if isinstance(value, (bytes, memoryview)) else base64.b64decode(value)
    return "\\\\x" + raw.hex()


def _copy_encoders(model: type[models.Model], fields: list[models.Field]) -> list | None:
    """How each column is written by COPY, or None when a field is not a stock one (then the ORM writes)."""
    key = (model, tuple(f.attname for f in fields))
    if key not in _copy_cache:
        encoders: list | None = []
        for f in fields:
            kind = f.get_internal_type()
            if not type(f).__module__.startswith("django."):
                encoders = None
                break
            if kind in _COPY_AS_TEXT:
                encoders.append(_copy_text)
            elif kind == "JSONField":
                encoders.append(_copy_json)
            elif kind == "BinaryField":
                encoders.append(_copy_binary)
            else:
                encoders = None
                break
        _copy_cache[key] = encoders
    return _copy_cache[key]


def _copy_rows(connection, table: str, column_names: list[str], encoders: list, columns: list[list]) -> None:
    """PostgreSQL COPY of new rows: no per-row ORM work, timestamps and ids exactly as given."""
    buffer = io.StringIO()
    encoded = [[encode(v) for v in column] for encode, column in zip(encoders, columns)]
    for row in zip(*encoded):
        buffer.write("\t".join(row))
        buffer.write("\n")
    buffer.seek(0)
    quoted = ", ".join(connection.ops.quote_name(c) for c in column_names)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN", buffer)


@contextlib.contextmanager
def _stored_timestamps(model: type[models.Model]) -> Iterator[None]:
    """bulk_create stamps auto_now/auto_now_add columns with the current time: the archive's are kept."""
    flipped = [(f, f.auto_now, f.auto_now_add) for f in model._meta.concrete_fields
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for f, _, _ in flipped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in flipped:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _field_name(model: type[models.Model], attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    raise LookupError(attname)


def _reset_sequence(model: type[models.Model], using: str) -> None:
    """After rows were written with explicit ids, new rows (ours and the application's) get higher ids."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    statements = connection.ops.sequence_reset_sql(_NoStyle(), [model])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class _NoStyle:
    def __getattr__(self, name: str) -> Callable[[str], str]:
        return lambda text: text


def _verify(header: dict, using: str, result: ImportResult) -> None:
    plans = {p.label: p for p in operator_models()}
    for entry in header["models"]:
        plan = plans[entry["model"]]
        target = measure(plan, result.target_client_id, using)
        row = {"model": entry["model"], "source": entry["count"], "target": target["count"],
               "sums": [(name, entry["sums"].get(name), target["sums"].get(name)) for name in entry["sums"]]}
        row["match"] = (row["source"] == row["target"]
                        and all(decimal.Decimal(s or 0) == decimal.Decimal(t or 0) for _, s, t in row["sums"]))
        result.verification.append(row)


def _renew_caches(client_id: int, using: str) -> None:
    """Bulk writes send no signals: after commit, renew what the services would have renewed, for the
    whole operator (account by account in chunks read from the database, so memory stays flat)."""
    from tvmiddleware.models import Account
    from tvmiddleware.selectors import account_facts, device_commands
    from tvmiddleware.streaming import access, check_urls, reference

    def renew(chunk: list[int]) -> None:
        # Outside a transaction these renew at once (their on-commit half runs immediately too).
        account_facts.flags_changed(chunk)
        account_facts.positions_changed(chunk)
        account_facts.messages_changed(account_ids=chunk)
        device_commands.commands_changed(chunk)
        access.invalidate_accounts(chunk)

    def after_commit() -> None:
        reference.invalidate()
        check_urls.invalidate()
        account_facts.messages_changed(client_ids=[client_id])
        chunk: list[int] = []
        ids = Account.objects.using(using).filter(client_id=client_id).order_by().values_list("pk", flat=True)
        for pk in ids.iterator(chunk_size=5000):
            chunk.append(pk)
            if len(chunk) == 5000:
                renew(chunk)
                chunk = []
        if chunk:
            renew(chunk)

    transaction.on_commit(after_commit, using=using)


def progress_bar(disabled: bool) -> Callable[[str, int], Any] | None:
    """A tqdm bar per model on a terminal (stderr); none in cron logs or with --no-progress."""
    if disabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return lambda label, total: tqdm(total=total, desc=label, unit="row", file=sys.stderr, leave=False)
