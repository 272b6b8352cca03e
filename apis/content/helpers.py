"""What every Content API view shares: the method decorator with the documented error codes, typed
readers of the reference's parameter kinds, and pagination.

Codes (Smarty's Content API reference, every method; docs/signed-apis.md): 0 ok; 20 a parameter is
missing or malformed; 21 the data breaks a rule (duplicate ext_id, end before begin...); 22 the
database refused to save; 404 an object is unknown — another operator's ids included.
Method-specific codes (1..7) are answered by the views.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from django.db import DatabaseError, models
from django.http import HttpRequest, HttpResponse

from apikit.signed import SignedAPI, SignedContext, fail, ok, signed_method
from common.errors import NotFound, ServiceError
from common.params import ParamError, Params
from common.readers import (  # noqa: F401  (the views' readers, re-exported)
    LONG_TEXT, Choice, Day, Dec, Flag, Int, Json, Moment, Reader, Text, Url, parse_moment,
)

# Views take the framework's answers and context from here too, with the readers below.
__all__ = ["BAD_PARAMETER", "INVALID", "NOT_FOUND", "SAVE_FAILED", "SignedContext", "content_method", "fail", "ok"]
logger = logging.getLogger(__name__)

BAD_PARAMETER = 20
INVALID = 21
SAVE_FAILED = 22
NOT_FOUND = 404

LANGS = tuple(f"_lang{n}" for n in range(1, 6))
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def content_method(view: Callable | None = None, *, columns: dict[str, "Column"] | None = None) -> Callable:
    """A signed Content API method. Service errors become the documented codes; `columns` names
    the API parameters behind model fields, so `error_fields` speak the caller's language."""

    def decorate(func: Callable[[HttpRequest, SignedContext], HttpResponse]) -> Callable:
        param_of = {column.field: name for name, column in (columns or {}).items()}

        @signed_method(api=SignedAPI.CONTENT, validation_error=BAD_PARAMETER)
        @functools.wraps(func)
        def wrapper(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
            try:
                return func(request, ctx)
            except NotFound as exc:
                return fail(NOT_FOUND, exc.message, fields=_rename(exc.fields, param_of) or None)
            except ServiceError as exc:
                return fail(INVALID, exc.message, fields=_rename(exc.fields, param_of) or None)
            except DatabaseError:
                logger.warning("content api %s: database refused the write", func.__name__, exc_info=True)
                return fail(SAVE_FAILED, "The data could not be saved.")

        return wrapper

    return decorate(view) if view is not None else decorate


def _rename(fields: dict[str, Any], param_of: dict[str, str]) -> dict[str, Any]:
    return {param_of.get(name, name): problem for name, problem in fields.items()}


# Readers of the reference's parameter kinds are the common ones (`common.readers`).


@dataclass(frozen=True)
class Column:
    """An API parameter stored in a model column (`field`)."""

    field: str
    reader: Reader


def read_columns(params: Params, columns: dict[str, Column]) -> dict[str, Any]:
    """{model field: value} of the parameters present."""
    values = {}
    for name, column in columns.items():
        value = column.reader.read(params, name)
        if value is not None:
            values[column.field] = value
    return values


def read_extra(params: Params, readers: dict[str, Reader]) -> dict[str, Any]:
    """{parameter: JSON-able value} of the parameters present, kept in the object's extra data."""
    values = {}
    for name, reader in readers.items():
        value = reader.read(params, name)
        if value is not None:
            values[name] = reader.jsonable(value)
    return values


def localized(*bases: str, reader: Reader = Text(1000)) -> dict[str, Reader]:
    """Readers of `<base>_lang1` .. `<base>_lang5` for each base."""
    return {base + suffix: reader for base in bases for suffix in LANGS}


def required(value: Any, name: str) -> Any:
    if value is None or value == "":
        raise ParamError(name, "required")
    return value


def id_list(params: Params, name: str) -> list[int] | None:
    """Ids as repeated parameters or comma separated; None when absent."""
    if name not in params.raw():
        return None
    return list(dict.fromkeys(params.int_list(name, max_items=1000)))


# --- lookups ----------------------------------------------------------------------------------------------

def scoped_get(model: type[models.Model], client: Any, pk: int | None, *, field: str, **filters: Any) -> Any:
    """One of the operator's rows by id; unknown ids and other operators' ids answer 404 alike."""
    obj = None if pk is None else model.objects.for_client(client).filter(pk=pk, **filters).first()
    if obj is None:
        raise NotFound(f"{model._meta.verbose_name.capitalize()} not found.", fields={field: "unknown"})
    return obj


def scoped_many(model: type[models.Model], client: Any, ids: list[int] | None, *, field: str) -> list | None:
    """The operator's rows for a list of ids, in the given order (one query); any unknown id answers 404."""
    if ids is None:
        return None
    found = model.objects.for_client(client).in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise NotFound(f"Unknown {field}: {', '.join(map(str, missing[:20]))}.",
                       fields={field: "unknown id(s): " + ", ".join(map(str, missing[:20]))})
    return [found[pk] for pk in ids]


# --- rendering --------------------------------------------------------------------------------------------

def extra_of(obj: models.Model) -> dict[str, Any]:
    """The object's Content API extra data ({} when it has none)."""
    extra = getattr(obj, "extra", None)
    return extra.data if extra is not None else {}


def with_langs(data: dict[str, Any], *bases: str) -> dict[str, Any]:
    """`<base>_lang1..5` of each base from the extra data, "" when not set."""
    return {base + suffix: data.get(base + suffix, "") for base in bases for suffix in LANGS}


def file_url(request: HttpRequest, file: Any) -> str:
    return request.build_absolute_uri(file.url) if file else ""


def ids_of(rows: Iterable[models.Model]) -> list[int]:
    return [row.pk for row in rows]


def page_params(params: Params, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """(page, limit): page from 1; limit 1..100, larger values are capped at 100 as the reference says."""
    page = params.int("page", 1, min_value=1, max_value=10_000_000)
    limit = params.int("limit", default_limit, min_value=1)
    return page, min(limit, MAX_LIMIT)


def paginate(queryset: models.QuerySet, page: int, limit: int) -> tuple[list, int]:
    """One page of rows and the total count (two queries, plus the queryset's prefetches)."""
    count = queryset.count()
    offset = (page - 1) * limit
    return (list(queryset[offset:offset + limit]) if offset < count else []), count


def not_supported(method: str) -> Callable:
    """A documented method this middleware does not implement yet: a clear refusal, never 404/500."""

    def view(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
        return fail(SAVE_FAILED, f"{method} is not supported by this middleware.")

    view.__name__ = view.__qualname__ = method  # the framework logs requests under this name
    return content_method(view)
