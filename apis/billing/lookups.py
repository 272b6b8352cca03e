"""What the Billing API's views share: finding the operator's customers, accounts and tariffs from the
declared parameters, paging, and `Refusal`, an answer with a documented code raised from anywhere
in a view (rendered by `@refusals`, which every method wears under `@signed_method`).

Lookups go through `for_client(ctx.client)`: another operator's id is answered exactly like an
unknown one, with the method's "not found" code. The parameters they read are declared by the
methods with `customer_params` / `account_params` / `tariff_params` (the same names, readers and
codes everywhere).
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from apikit.signed import SignedContext, fail
from apikit.spec import Args, ErrorCode, Param
from common.errors import NotFound, ServiceError
from common.money import CENT, PRICE_MAX
from common.params import MAX_INT, ParamError
from common.readers import Id, Int, Text
from tvmiddleware.models import Account, Customer, Tariff
from tvmiddleware.selectors import account_get

MAX_PRICE = PRICE_MAX + CENT  # prices are DecimalField(12, 2): an amount must stay below this
MAX_EXT_ID = 128  # the billing's ids of customers, tariffs and transactions
MAX_LIMIT = 100
MAX_PAGE = 1_000_000


# --- refusals ----------------------------------------------------------------------------------------------

class Refusal(Exception):
    """Answer the request with a documented error `code` (raised from lookups and views, rendered by
    `@refusals`)."""

    def __init__(self, code: ErrorCode, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


def refusals(view: Callable[[HttpRequest, SignedContext], HttpResponse]) -> Callable:
    """Put under `@signed_method`: a `Refusal` becomes `{"error": code, "error_message", "error_fields"}`."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, ctx: SignedContext, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, ctx, *args, **kwargs)
        except Refusal as refusal:
            return fail(refusal.code, refusal.message, fields=refusal.fields)

    return wrapper


@contextmanager
def refusing(*codes: tuple[type[ServiceError], ErrorCode]) -> Iterator[None]:
    """Turn a service's refusal into the method's code: the first matching class wins (others pass on
    to the framework, which answers the method's validation code)."""
    try:
        yield
    except ServiceError as exc:
        for kind, code in codes:
            if isinstance(exc, kind):
                raise Refusal(code, exc.message, exc.fields or None) from exc
        raise


# --- paging ------------------------------------------------------------------------------------------------

PAGE_PARAMS = (
    Param("limit", Int(min_value=1, max_value=MAX_INT), default=MAX_LIMIT,
          description=f"rows per page, 1–{MAX_LIMIT} (larger values are cut to {MAX_LIMIT})"),
    Param("page", Int(min_value=1, max_value=MAX_PAGE), default=1, description="page number, from 1"),
)


def page_slice(args: Args) -> slice:
    """The declared `limit` (capped at 100) and `page` as a slice."""
    limit = min(args.limit, MAX_LIMIT)
    return slice((args.page - 1) * limit, args.page * limit)


# --- customers ---------------------------------------------------------------------------------------------

def customer_params(code: ErrorCode, *, id_name: str = "customer_id", ext_name: str | None = "ext_id") -> tuple[Param, ...]:
    """The customer's id and the billing's ext_id; a malformed one answers `code` (as an unknown one)."""
    params = [Param(id_name, Id(), error=code, description="the customer's id")]
    if ext_name:
        params.append(Param(ext_name, Text(MAX_EXT_ID), error=code,
                            description="the billing's id of the customer (wins over the id)"))
    return tuple(params)


def _text(args: Args, name: str | None) -> str:
    return str(args.get(name) or "").strip() if name else ""


def customer_from(ctx: SignedContext, *, code: ErrorCode, id_name: str = "customer_id",
                  ext_name: str | None = "ext_id", queryset: QuerySet[Customer] | None = None) -> Customer:
    """The operator's customer named by our id or by the billing's ext_id (ext_id wins when both are
    given; `ext_name=None`: by id only). Missing, unknown and other operators' customers answer `code`."""
    customer_id = ctx.args.get(id_name)
    ext_id = _text(ctx.args, ext_name)
    if customer_id is None and not ext_id:
        names = f"{id_name} or {ext_name}" if ext_name else id_name
        raise Refusal(code, f"{names} is required.", {id_name: "required"})
    queryset = (queryset if queryset is not None else Customer.objects.all()).for_client(ctx.client)
    found = queryset.filter(ext_id=ext_id).first() if ext_id else queryset.filter(pk=customer_id).first()
    if found is None:
        raise Refusal(code, "Customer not found.", {ext_name if ext_id else id_name: "not found"})
    return found


# --- tariffs -----------------------------------------------------------------------------------------------

def tariff_params(code: ErrorCode | None, *, names: tuple[str, ...] = ("tariff_id", "vtariff_id"),
                  ext_name: str | None = "tariff_ext_id") -> tuple[Param, ...]:
    """The tariff's id (`vtariff_id`: also a tariff id, there are no virtual tariffs) and its ext_id;
    a malformed one answers `code` (None: the method's validation code)."""
    params = [Param(name, Id(), error=code, description="the tariff's id") for name in names]
    if ext_name:
        params.append(Param(ext_name, Text(MAX_EXT_ID), error=code, description="the billing's id of the tariff"))
    return tuple(params)


def tariff_from(ctx: SignedContext, *, code: ErrorCode, names: tuple[str, ...] = ("tariff_id", "vtariff_id"),
                ext_name: str | None = "tariff_ext_id") -> Tariff:
    """The operator's tariff by the first id given (`names`) or by its ext_id. Missing, unknown and
    other operators' tariffs answer `code`."""
    queryset = Tariff.objects.for_client(ctx.client)
    for name in names:
        tariff_id = ctx.args.get(name)
        if tariff_id is not None:
            found = queryset.filter(pk=tariff_id).first()
            if found is None:
                raise Refusal(code, "Tariff not found.", {name: "not found"})
            return found
    ext_id = _text(ctx.args, ext_name)
    if ext_id:
        found = queryset.filter(ext_id=ext_id).first()
        if found is None:
            raise Refusal(code, "Tariff not found.", {ext_name: "not found"})
        return found
    raise Refusal(code, f"{' or '.join((*names, *([ext_name] if ext_name else [])))} is required.",
                  {names[0]: "required"})


# --- accounts ----------------------------------------------------------------------------------------------

ABONEMENT_MAX = 64


def account_params(code: ErrorCode | None = None) -> tuple[Param, ...]:
    """`account_id` or `abonement` (the login); a malformed one answers `code` (None: the method's
    validation code)."""
    return (Param("account_id", Id(), error=code, description="the account's id"),
            Param("abonement", Text(ABONEMENT_MAX), error=code, description="the account's login (abonement)"))


def account_from(ctx: SignedContext, *, not_found: ErrorCode) -> Account:
    """The account named by `account_id` or `abonement` (one of them is required: the method's
    validation code without either)."""
    account_id = ctx.args.account_id
    abonement = _text(ctx.args, "abonement")
    if account_id is None and not abonement:
        raise ParamError("account_id", "required (or abonement)")
    try:
        return account_get(client=ctx.client, account_id=account_id, abonement=abonement or None)
    except NotFound:
        raise Refusal(not_found, "Account not found.") from None
