"""How a signed API method is declared (Billing, Content and Streaming APIs share it).

    @signed_method(api=SignedAPI.BILLING, params=(Param("account_id", Id(), required=True),),
                   errors=(ACCOUNT_NOT_FOUND,), response=Obj(id=INT, login=STR))
    def account_info(request, ctx: SignedContext):
        account = account_get(client=ctx.client, account_id=ctx.args.account_id)
        return ok(id=account.pk, ...)

Global errors: -1 unknown, -2 bad signature, -3 client not found. The declared parameters
(`apikit.spec`) are read before the view runs (`ctx.args`); a bad one becomes its own code or the
method's validation code, with `error_fields`. Every request is logged: method, client, outcome
and error — never the key, the signature or passwords.
"""
from __future__ import annotations

import functools
import json
import logging
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from common.params import ParamError, Params, request_pairs
from tvmiddleware.models import Client
from common.errors import ServiceError

from common.signature import signature_valid
from .spec import Args, ErrorCode, Obj, Param, method_spec

logger = logging.getLogger("apis.billing")

UNKNOWN_ERROR = ErrorCode(-1, "UNKNOWN_ERROR", "Unknown error, or a malformed parameter the method documents no code for.")
BAD_SIGNATURE = ErrorCode(-2, "BAD_SIGNATURE", "The signature does not match the parameters and the operator's key.")
CLIENT_NOT_FOUND = ErrorCode(-3, "CLIENT_NOT_FOUND", "No enabled operator with this client_id.")
GLOBAL_ERRORS = (UNKNOWN_ERROR, BAD_SIGNATURE, CLIENT_NOT_FOUND)


class SignedAPI(Enum):
    """Which of the operator's keys signs the API."""

    BILLING = "billing_api_key"
    CONTENT = "content_api_key"
    STREAMING = "streaming_api_key"


def ok(**fields) -> JsonResponse:
    return JsonResponse({**fields, "error": 0, "error_message": ""}, json_dumps_params={"ensure_ascii": False})


def fail(code: int, message: str, *, fields: dict | None = None, **extra) -> JsonResponse:
    body = {**extra, "error": code, "error_message": message}
    if fields is not None:
        body["error_fields"] = {name: str(problem) for name, problem in fields.items()}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@dataclass
class SignedContext:
    request: HttpRequest
    params: Params
    client: Client
    method: str
    args: Args = field(default_factory=lambda: Args({}, set()))


def signed_method(*, api: SignedAPI = SignedAPI.BILLING, validation_error: int = 2,
                  methods: tuple[str, ...] = ("GET", "POST"), params: Iterable[Param] = (),
                  errors: Iterable[ErrorCode] = (), response: Obj | None = None) -> Callable:
    """Authenticate by `client_id` + `signature`, parse, log, and map errors to the documented codes."""

    def decorate(view: Callable[[HttpRequest, SignedContext], HttpResponse]) -> Callable:
        name = view.__name__
        invalid = validation_error if isinstance(validation_error, ErrorCode) else ErrorCode(
            validation_error, "VALIDATION_ERROR", "A parameter is missing or malformed.")
        spec = method_spec(view, params=params, errors=errors, response=response, invalid_param=invalid)

        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            started = time.monotonic()
            client_id, response = _handle(request, view, name, api, spec, methods, args, kwargs)
            _log(name, client_id, response, started)
            return response

        wrapper.signed_api = api  # type: ignore[attr-defined]
        wrapper.api_spec = spec  # type: ignore[attr-defined]
        wrapper.http_methods = methods  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _handle(request, view, name, api, spec, methods, args, kwargs) -> tuple[int | None, HttpResponse]:
    if request.method not in methods:
        return None, fail(UNKNOWN_ERROR, f"HTTP method {request.method} is not allowed.")
    params = Params(request)
    try:
        client_id = params.int("client_id", required=True, min_value=1)
    except ParamError:
        return None, fail(CLIENT_NOT_FOUND, "Client not found.", fields={"client_id": "invalid"})
    client = Client.objects.filter(pk=client_id, enabled=True).first()
    if client is None:
        return client_id, fail(CLIENT_NOT_FOUND, "Client not found.")
    if not signature_valid(request_pairs(request), getattr(client, api.value), str(params.get("signature") or "")):
        return client_id, fail(BAD_SIGNATURE, "Bad signature.")
    ctx = SignedContext(request=request, params=params, client=client, method=name)
    try:
        params.check_characters()  # once for every method: no NUL or control character reaches one
        if spec.params:
            ctx.args = spec.read(params)
        return client_id, view(request, ctx, *args, **kwargs)
    except ParamError as exc:
        code = exc.code if exc.code is not None else spec.invalid_param
        return client_id, fail(code, str(exc), fields={exc.name: exc.problem})
    except ServiceError as exc:
        return client_id, fail(spec.invalid_param, exc.message, fields=exc.fields or None)


def _log(method: str, client_id: int | None, response: HttpResponse | None, started: float) -> None:
    code = None
    message = ""
    if isinstance(response, JsonResponse):
        try:
            body = json.loads(response.content)
            code, message = body.get("error"), body.get("error_message", "")
        except (ValueError, AttributeError):
            pass
    logger.info("api=%s client=%s error=%s status=%s ms=%.1f%s", method, client_id, code,
                getattr(response, "status_code", 500), (time.monotonic() - started) * 1000,
                f" message={message[:200]!r}" if code else "")
