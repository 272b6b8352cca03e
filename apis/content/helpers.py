"""What every Content API view shares: the method decorator, which declares the method's parameters
(from its `Column` and extra-data maps too), the documented error codes, and pagination.

Codes (`apis/content/errors.py`; docs/signed-apis.md): 0 ok; 20 a parameter is missing or
malformed; 21 the data breaks a rule; 22 the database refused to save; 404 an object is unknown.
Method-specific codes (1..7) are answered by the views and declared by their methods.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from django.db import DatabaseError, models
from django.http import HttpRequest, HttpResponse

from apikit.signed import SignedAPI, SignedContext, fail, ok, signed_method
from apikit.spec import STR, Args, ErrorCode, Obj, Param
from common.errors import NotFound, ServiceError
from common.params import ParamError
from common.readers import (  # noqa: F401  (the views' readers, re-exported)
    LONG_TEXT, Choice, Day, Dec, Flag, Id, Int, IntList, Json, Moment, Reader, Text, Url,
)

from .errors import BAD_PARAMETER, INVALID, NOT_FOUND, SAVE_FAILED, SHARED

# Views take the framework's answers and context from here too, with the readers below.
__all__ = ["BAD_PARAMETER", "INVALID", "NOT_FOUND", "SAVE_FAILED", "SignedContext", "content_method", "fail", "ok"]
logger = logging.getLogger(__name__)

LANGS = tuple(f"_lang{n}" for n in range(1, 6))
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
IDS = IntList(max_items=1000)  # ids, repeated or comma separated
PAGE = (Param("page", Int(1, 10_000_000), default=1, description="Page number, from 1."),
        Param("limit", Int(1), default=DEFAULT_LIMIT, description="Rows per page; more than 100 are capped at 100."))


def content_method(view: Callable | None = None, *, columns: dict[str, "Column"] | None = None,
                   extra: dict[str, Reader] | None = None, required: Iterable[str] = (),
                   params: Iterable[Param] = (), errors: Iterable[ErrorCode] = (),
                   response: Obj | None = None) -> Callable:
    """A signed Content API method.

    Its parameters are `params`, then one per entry of `columns` (API parameter → model field) and
    of `extra` (kept in the object's extra data, `localized()` ones included) that `params` does not
    declare; `required` names the derived ones the method cannot do without. Service errors become
    the documented codes (NOT_FOUND, INVALID, SAVE_FAILED, declared on every method); `columns` names
    the API parameters behind model fields, so `error_fields` speak the caller's language."""
    declared = _declared(tuple(params), columns or {}, extra or {}, set(required))
    codes = (*errors, *(code for code in SHARED if code not in errors))

    def decorate(func: Callable[[HttpRequest, SignedContext], HttpResponse]) -> Callable:
        param_of = {column.field: name for name, column in (columns or {}).items()}

        @signed_method(api=SignedAPI.CONTENT, validation_error=BAD_PARAMETER, params=declared, errors=codes,
                       response=response)
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


def _declared(params: tuple[Param, ...], columns: dict[str, "Column"], extra: dict[str, Reader],
              required: set[str]) -> tuple[Param, ...]:
    names = {param.name for param in params}
    derived = [*((name, column.reader) for name, column in columns.items()), *extra.items()]
    unknown = required - {name for name, _ in derived}
    if unknown:
        raise ValueError(f"required parameters without a column or extra reader: {sorted(unknown)}")
    return params + tuple(Param(name, reader, required=name in required, description=_described(name, columns))
                          for name, reader in derived if name not in names)


def _described(name: str, columns: dict[str, "Column"]) -> str:
    base, _, lang = name.rpartition("_lang")
    if base and lang in {"1", "2", "3", "4", "5"}:
        return f"`{base}` in the operator's language {lang}."
    if name in columns:
        return columns[name].description or f"Stored as the object's `{columns[name].field}`."
    return "Kept with the object."


def _rename(fields: dict[str, Any], param_of: dict[str, str]) -> dict[str, Any]:
    return {param_of.get(name, name): problem for name, problem in fields.items()}


@dataclass(frozen=True)
class Column:
    """An API parameter stored in a model column (`field`)."""

    field: str
    reader: Reader
    description: str = ""


def read_columns(args: Args, columns: dict[str, Column]) -> dict[str, Any]:
    """{model field: value} of the parameters present."""
    return {column.field: args[name] for name, column in columns.items() if args[name] is not None}


def read_extra(args: Args, readers: dict[str, Reader]) -> dict[str, Any]:
    """{parameter: JSON-able value} of the parameters present, kept in the object's extra data."""
    return {name: reader.jsonable(args[name]) for name, reader in readers.items() if args[name] is not None}


def localized(*bases: str, reader: Reader = Text(1000)) -> dict[str, Reader]:
    """Readers of `<base>_lang1` .. `<base>_lang5` for each base."""
    return {base + suffix: reader for base in bases for suffix in LANGS}


def lang_fields(*bases: str, shape: Any = STR) -> dict[str, Any]:
    """Answer fields `<base>_lang1` .. `<base>_lang5` for each base."""
    return {base + suffix: shape for base in bases for suffix in LANGS}


def required(value: Any, name: str) -> Any:
    if value is None or value == "":
        raise ParamError(name, "required")
    return value


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


def page_params(args: Args) -> tuple[int, int]:
    """(page, limit) of a method declaring `PAGE`: larger limits are capped at 100 as the reference says."""
    return args.page, min(args.limit, MAX_LIMIT)


def paginate(queryset: models.QuerySet, page: int, limit: int) -> tuple[list, int]:
    """One page of rows and the total count (two queries, plus the queryset's prefetches)."""
    count = queryset.count()
    offset = (page - 1) * limit
    return (list(queryset[offset:offset + limit]) if offset < count else []), count


def not_supported(method: str, params: Iterable[Param] = ()) -> Callable:
    """A documented method this middleware does not implement yet: a clear refusal, never 404/500."""

    def view(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
        return fail(SAVE_FAILED, f"{method} is not supported by this middleware.")

    view.__name__ = view.__qualname__ = method  # the framework logs requests under this name
    view.__doc__ = f"{method}: not supported by this middleware (answers {int(SAVE_FAILED)}).\n\n" \
                   "Documented by the Content API reference; not implemented here yet."
    return content_method(view, params=params)
