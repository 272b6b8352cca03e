"""One declarative description of an API method: its parameters, its error codes, its answer.

Every method of the device, Billing, Content and Streaming APIs declares one `MethodSpec` through
its decorator (`apikit.device.device_method`, `apikit.signed.signed_method`):

    @signed_method(api=SignedAPI.BILLING, params=(
        Param("customer_id", Id(), required=True, error=CUSTOMER_NOT_FOUND),
        Param("amount", Money(positive=True), required=True),
    ), errors=(CUSTOMER_NOT_FOUND, INSUFFICIENT_FUNDS), response=Obj(id=INT, balance=MONEY))
    def customer_charge(request, ctx):
        customer = customer_get(ctx.client, ctx.args.customer_id)
        ...

The decorator reads the declared parameters before the view runs (`ctx.args`), answers a missing
or malformed one with the parameter's own error code (else the method's "invalid parameter" code)
and `error_fields`, and the same declaration generates the method's part of the OpenAPI document
(`apikit.openapi`). Error codes are `ErrorCode`s: ints with a name and a meaning, so views answer
`fail(CUSTOMER_NOT_FOUND, ...)` and the document lists what each code means.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from common.params import ParamError, Params
from common.readers import Reader


class ErrorCode(int):
    """An API error code with its constant's name and its meaning. Compares and serialises as the int."""

    name: str
    meaning: str

    def __new__(cls, code: int, name: str, meaning: str) -> "ErrorCode":
        obj = super().__new__(cls, code)
        obj.name = name
        obj.meaning = meaning
        return obj

    def __repr__(self) -> str:
        return f"{self.name}({int(self)})"

    def __str__(self) -> str:  # the number, as in an answer (int's own str() would use __repr__)
        return int.__repr__(self)

    def __reduce__(self):  # picklable (cached answers, worker processes)
        return ErrorCode, (int(self), self.name, self.meaning)


@dataclass(frozen=True)
class Param:
    """One request parameter (query string or form body; the APIs accept both)."""

    name: str
    reader: Reader
    required: bool = False
    default: Any = None
    description: str = ""
    error: ErrorCode | None = None  # answered when this parameter is missing or malformed

    def read(self, params: Params) -> Any:
        try:
            value = self.reader.read(params, self.name)
        except ParamError as exc:
            raise _with_code(exc, self.error) from None
        if value is None:
            if self.required:
                raise _with_code(ParamError(self.name, "required"), self.error)
            return self.default
        return value


def _with_code(exc: ParamError, code: ErrorCode | None) -> ParamError:
    if code is not None:
        exc.code = code
    return exc


class Args:
    """The parsed parameters of one request: `args.customer_id`, `args["name_lang1"]`, `"x" in args`
    (given, not defaulted)."""

    __slots__ = ("_values", "_given")

    def __init__(self, values: dict[str, Any], given: set[str]) -> None:
        self._values = values
        self._given = given

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"parameter {name!r} is not declared by this method") from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __contains__(self, name: str) -> bool:
        return name in self._given

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def given(self) -> dict[str, Any]:
        """The parameters the caller sent, with their parsed values."""
        return {name: self._values[name] for name in self._values if name in self._given}


# --- answers ------------------------------------------------------------------------------------------------
# Shapes of what a method answers (besides `error` and `error_message`), for the OpenAPI document and
# the test that checks answers against it. Scalars are OpenAPI schema fragments.

INT = {"type": "integer"}
STR = {"type": "string"}
FLAG = {"type": "integer", "enum": [0, 1]}
BOOL = {"type": "boolean"}
NUMBER = {"type": "number"}
MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
TIMESTAMP = {"type": "integer", "description": "Unix time, seconds"}
DATE = {"type": "string", "format": "date"}
ANY = {}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


@dataclass(frozen=True)
class Obj:
    """An object with these fields (more may be present: answers grow compatibly)."""

    fields: dict[str, Any]
    optional: frozenset[str] = frozenset()

    def __init__(self, optional: Iterable[str] = (), **fields: Any) -> None:
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "optional", frozenset(optional))

    def schema(self) -> dict[str, Any]:
        schema = {"type": "object", "properties": {name: as_schema(value) for name, value in self.fields.items()}}
        if required := sorted(set(self.fields) - self.optional):  # OpenAPI 3.0 wants a non-empty list or none
            schema["required"] = required
        return schema


@dataclass(frozen=True)
class ListOf:
    item: Any

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": as_schema(self.item)}


def as_schema(shape: Any) -> dict[str, Any]:
    return shape.schema() if hasattr(shape, "schema") else dict(shape)


@dataclass(frozen=True)
class MethodSpec:
    """Everything the document and the parser need to know about one method."""

    params: tuple[Param, ...] = ()
    errors: tuple[ErrorCode, ...] = ()
    response: Obj | None = None
    invalid_param: ErrorCode | None = None  # the method's code for a bad parameter without its own
    summary: str = ""
    description: str = ""
    _by_name: dict[str, Param] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [param.name for param in self.params]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"parameters declared twice: {sorted(duplicates)}")
        self._by_name.update({param.name: param for param in self.params})

    def read(self, params: Params) -> Args:
        """Every declared parameter, parsed; the first bad one raises `ParamError` (with `.code`
        when the parameter has its own error code)."""
        values: dict[str, Any] = {}
        given: set[str] = set()
        for param in self.params:
            values[param.name] = param.read(params)
            if param.name in params:
                given.add(param.name)
        return Args(values, given)

    def all_errors(self) -> list[ErrorCode]:
        """The method's codes, with the parameters' own and its invalid-parameter code, each once."""
        codes: dict[int, ErrorCode] = {}
        for code in (self.invalid_param, *self.errors, *(param.error for param in self.params)):
            if code is not None:
                codes.setdefault(int(code), code)
        return list(codes.values())


def method_spec(view: Any, *, params: Iterable[Param] = (), errors: Iterable[ErrorCode] = (),
                response: Obj | None = None, invalid_param: ErrorCode | None = None) -> MethodSpec:
    """The spec of a view: its declarations, and its docstring as summary (first line) and description."""
    doc = (view.__doc__ or "").strip()
    summary, _, description = doc.partition("\n")
    return MethodSpec(params=tuple(params), errors=tuple(errors), response=response, invalid_param=invalid_param,
                      summary=summary.strip(), description=description.strip())
