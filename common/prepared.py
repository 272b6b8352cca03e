"""Hot read queries, built with the ORM once per process and then run with new values.

Building and compiling a queryset costs the ORM 0.3-0.7 ms of CPU; sending the SQL costs 0.04 ms.
The device API runs a handful of fixed-shape queries on every request (the account's flags, its
tariffs, a channel, the access snapshot...), so their SQL is worth keeping:

    _flags = PreparedQuery(lambda account_id, client_id: AccountChannelSetting.objects
                           .for_client(client_id).filter(account_id=account_id).values_list(...))
    rows = _flags(account_id=7, client_id=1)        # list of tuples, as list(queryset) gives

How: the first call builds the queryset with a distinct stand-in for every argument, lets Django
compile it, and notes where each stand-in landed among the SQL parameters. Later calls put their
values there (adapted as Django adapts them), run the SQL and pass the rows through the converters
Django chose. The first run of a plan is checked against the plain queryset's own result; any doubt
(a value Django transformed, an argument of another type, a mismatch) keeps that query on the plain
ORM path for good. Arguments: int, str, aware datetime, or a list of up to MAX_LIST_LENGTH ints (one
plan per length); a call with anything else simply runs the queryset.
The queryset must be a `values()` / `values_list()` one; slice it for `first()`.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesIterable, ValuesListIterable

logger = logging.getLogger(__name__)

# Longer lists keep the ORM path: one plan per length would pile up, and the ORM's share is small there.
MAX_LIST_LENGTH = 64
_INT_BASE = 7_315_000_000_000
_TIME_BASE = datetime(2991, 3, 5, 7, 11, 13, tzinfo=UTC)


@dataclass(frozen=True)
class _Plan:
    alias: str
    sql: str
    params: tuple
    slots: tuple[tuple[int, str, int | None, str], ...]  # (position, argument, index in a list, kind)
    converters: tuple  # ((position, (converter, ...), expression), ...)
    col_count: int
    shape: str  # "values" | "values_list" | "flat"
    names: tuple[str, ...]


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self._plans: dict[tuple, _Plan | None] = {}
        self._lock = threading.Lock()

    def __call__(self, **arguments: Any) -> list:
        signature = _signature(arguments)
        if signature is None:
            return list(self.build(**arguments))
        queryset = None
        key = (connections["default"].vendor, signature)
        if key not in self._plans:
            queryset = self.build(**arguments)
            with self._lock:
                if key not in self._plans:
                    self._plans[key] = _make_plan(self.build, arguments, queryset)
            plan = self._plans[key]
            result = list(queryset)  # the first run of a plan is the ORM's own, and the check of the plan
            if plan is not None and _run(plan, arguments) != result:
                logger.warning("prepared query disagrees with the ORM; using the ORM for it: %s", plan.sql)
                self._plans[key] = None
            return result
        plan = self._plans[key]
        if plan is None:
            return list(self.build(**arguments))
        return _run(plan, arguments)


def _signature(arguments: dict[str, Any]) -> tuple | None:
    parts = []
    for name, value in sorted(arguments.items()):
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            parts.append((name, "int"))
        elif isinstance(value, str):
            parts.append((name, "str"))
        elif isinstance(value, datetime) and value.tzinfo is not None:
            parts.append((name, "datetime"))
        elif isinstance(value, list) and len(value) <= MAX_LIST_LENGTH \
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            parts.append((name, f"ints:{len(value)}"))
        else:
            return None
    return tuple(parts)


def _stand_ins(arguments: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    counter = 0
    for name, value in sorted(arguments.items()):
        if isinstance(value, list):
            result[name] = [_INT_BASE + counter + i for i in range(len(value))]
            counter += len(value)
        elif isinstance(value, int):
            result[name] = _INT_BASE + counter
        elif isinstance(value, str):
            result[name] = f"\u2063tvmw-prepared-{counter}\u2063"
        else:
            result[name] = _TIME_BASE + timedelta(microseconds=counter)
        counter += 1
    return result


def _adapt(value: Any, connection) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _make_plan(build: Callable[..., QuerySet], arguments: dict[str, Any], real: QuerySet) -> _Plan | None:
    try:
        stand_ins = _stand_ins(arguments)
        queryset = build(**stand_ins)
        iterable = queryset._iterable_class
        if iterable is ValuesIterable:
            shape = "values"
        elif iterable is FlatValuesListIterable:
            shape = "flat"
        elif iterable is ValuesListIterable:
            shape = "values_list"
        else:
            return None
        alias = queryset.db
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        wanted: dict[Any, tuple[str, int | None, str]] = {}
        for name, value in stand_ins.items():
            if isinstance(value, list):
                for index, item in enumerate(value):
                    wanted[item] = (name, index, "int")
            else:
                kind = "datetime" if isinstance(value, datetime) else type(value).__name__
                wanted[_adapt(value, connection)] = (name, None, kind)
        slots = []
        found = set()
        for position, param in enumerate(params):
            if isinstance(param, (int, str, datetime)) and not isinstance(param, bool) and param in wanted:
                name, index, kind = wanted[param]
                slots.append((position, name, index, kind))
                found.add(param)
        if found != set(wanted):  # an argument was transformed or dropped: not safe to substitute
            return None
        query = queryset.query
        names = tuple(query.selected) if query.selected else (
            *query.extra_select, *query.values_select, *query.annotation_select)
        fields = [column[0] for column in compiler.select[:compiler.col_count]]
        converters = tuple((position, tuple(convs), expression)
                           for position, (convs, expression) in compiler.get_converters(fields).items())
        return _Plan(alias=alias, sql=sql, params=tuple(params), slots=tuple(slots), converters=converters,
                     col_count=compiler.col_count, shape=shape, names=names)
    except EmptyResultSet:  # e.g. `__in=[]`: Django answers it without SQL
        return None
    except Exception:  # never fatal: the query simply stays on the ORM path
        logger.warning("could not prepare a query; using the ORM for it", exc_info=True)
        return None


def _run(plan: _Plan, arguments: dict[str, Any]) -> list:
    connection = connections[plan.alias]
    params = list(plan.params)
    for position, name, index, kind in plan.slots:
        value = arguments[name] if index is None else arguments[name][index]
        params[position] = _adapt(value, connection) if kind == "datetime" else value
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        rows = cursor.fetchall()
    count = plan.col_count
    if plan.converters:
        converted = []
        for row in rows:
            row = list(row[:count])
            for position, convs, expression in plan.converters:
                value = row[position]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[position] = value
            converted.append(row)
        rows = converted
    if plan.shape == "flat":
        return [row[0] for row in rows]
    if plan.shape == "values":
        return [dict(zip(plan.names, row)) for row in rows]
    return [tuple(row[:count]) for row in rows]
