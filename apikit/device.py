"""How a device API method is declared: authentication, parameters, errors, rendering.

    @device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
                   params=(Param("cid", Id(), required=True),), response=Obj(id=INT, name=STR))
    def channel_detail(request, ctx: DeviceContext):
        channel = ...(ctx.args.cid)
        return ok(id=channel.pk, ...)

`Auth.SESSION` methods need an `authkey` (parameter or cookie) and answer `error: 403` without a
valid one. `Auth.API_KEY` methods (noauth/*, login, register, portal settings) need `client_id` +
`api_key`. `Auth.CLIENT` methods need only `client_id`. A `ParamError` becomes the method's documented
"invalid parameter" error (or the parameter's own code); a `ServiceError` not handled by the view
becomes `error: 1`. The declaration (`apikit.spec`) also documents the method in the OpenAPI document.
"""
from __future__ import annotations

import functools
import hmac
import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.views.decorators.csrf import csrf_exempt

from common.client_address import client_ip
from tvmiddleware.models import Account, ActionOrigin, Client, Customer, DeviceType, ResponseFormat
from common.errors import ServiceError
from tvmiddleware.services.actions import acting_from
from tvmiddleware.services.sessions import SessionInfo, session_resolve

from common.params import ParamError, Params

from .spec import Args, ErrorCode, Obj, Param, method_spec
from .device_responses import NOT_AUTHORIZED, SERVICE_ERROR, error
from .xml import as_xml

logger = logging.getLogger("apis.device")


class SessionGone(Exception):
    """The session's account no longer exists: answered like a missing session."""


NO_ARGS = Args({}, set())


class Auth(Enum):
    CLIENT = "client"  # client_id only
    API_KEY = "api_key"
    SESSION = "session"


@dataclass
class DeviceContext:
    """Everything a method knows about the caller."""

    request: HttpRequest
    params: Params
    client: Client
    session: SessionInfo | None = None
    authkey: str = ""
    args: Args = field(default_factory=lambda: NO_ARGS)
    _cache: dict = field(default_factory=dict)

    @property
    def ip(self) -> str | None:
        return client_ip(self.request)

    @cached_property
    def account(self) -> Account:
        assert self.session is not None
        account = Account.objects.select_related("customer").filter(pk=self.session.account_id).first()
        if account is None:  # removed while a cached session still named it
            raise SessionGone()
        return account

    @cached_property
    def account_ref(self) -> Account:
        """The session's account by identity only (id, operator, customer), without a query: for
        code that needs no more (access checks, stream tokens). Any other field is read from the
        database when first used."""
        assert self.session is not None
        account = Account.from_db(Account.objects.db, ["id", "client_id", "customer_id"],
                                  [self.session.account_id, self.session.client_id, self.session.customer_id])
        account.client = self.client
        return account

    @property
    def customer(self) -> Customer:
        return self.account.customer

    @cached_property
    def device_type(self) -> DeviceType | None:
        name = self.params.str("device", max_length=64) if "device" in self.params else ""
        if not name and self.session is not None:
            name = self.session.device_type
        return device_type_by_name(name) if name else None


_device_types: dict[str, DeviceType | None] = {}


def device_type_by_name(system_name: str) -> DeviceType | None:
    """Device types are shared reference data: looked up once per process."""
    if system_name not in _device_types:
        if len(_device_types) > 1000:
            _device_types.clear()
        _device_types[system_name] = DeviceType.objects.filter(system_name=system_name).first()
    return _device_types[system_name]


_clients: dict[int, tuple[float, Client | None]] = {}


def client_by_id(client_id: int | None) -> Client | None:
    """Operators change rarely; keep them per process for a minute."""
    import time

    if client_id is None:
        return None
    now = time.monotonic()
    hit = _clients.get(client_id)
    if hit is None or now - hit[0] > 60:
        if len(_clients) > 1000:
            _clients.clear()
        hit = (now, Client.objects.filter(pk=client_id, enabled=True).first())
        _clients[client_id] = hit
    return hit[1]


def api_key_matches(client: Client, api_key: str) -> bool:
    return bool(api_key) and hmac.compare_digest(client.api_key.encode(), api_key.encode("utf-8", "replace"))


def device_method(*, auth: Auth = Auth.SESSION, invalid_param_error: int = 1, bad_key_error: int = NOT_AUTHORIZED,
                  methods: tuple[str, ...] = ("GET", "POST"), params: Iterable[Param] = (),
                  errors: Iterable[ErrorCode] = (), response: Obj | None = None) -> Callable:
    """`wrapper.api_spec` is the method's declaration; `wrapper.auth_errors` the codes the framework
    itself answers besides the spec's invalid-parameter code: the authentication refusal
    (`NOT_AUTHORIZED` for session methods, else `bad_key_error`) and `SERVICE_ERROR`."""
    invalid_param_error = _as_code(invalid_param_error, "INVALID_PARAM", "A parameter is missing or malformed.")
    bad_key_error = _as_code(bad_key_error, "BAD_KEY", "Wrong client_id or api_key.")
    auth_errors = (NOT_AUTHORIZED if auth is Auth.SESSION else bad_key_error, SERVICE_ERROR)

    def decorate(view: Callable[[HttpRequest, DeviceContext], HttpResponse]) -> Callable:
        spec = method_spec(view, params=params, errors=errors, response=response, invalid_param=invalid_param_error)
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return error(invalid_param_error, f"Method {request.method} is not allowed.")
            params = Params(request)
            ctx: DeviceContext | None = None
            try:
                params.check_characters()  # before the session or key is looked up with them
                found = _authenticate(request, params, auth, bad_key_error)
                if isinstance(found, HttpResponse):
                    response = found
                else:
                    ctx = found
                    if spec.params:
                        ctx.args = spec.read(params)
                    with acting_from(ActionOrigin.DEVICE_API, request=request):
                        response = view(request, ctx, *args, **kwargs)
            except ParamError as exc:
                response = error(exc.code if exc.code is not None else invalid_param_error, str(exc),
                                 error_fields={exc.name: exc.problem})
            except ServiceError as exc:
                response = error(SERVICE_ERROR, exc.message)
            except SessionGone:
                response = error(NOT_AUTHORIZED, "Authorization required.")
            return as_xml(response) if _wants_xml(params, ctx) else response
        wrapper.device_auth = auth  # type: ignore[attr-defined]
        wrapper.api_spec = spec  # type: ignore[attr-defined]
        wrapper.auth_errors = auth_errors  # type: ignore[attr-defined]
        wrapper.http_methods = methods  # type: ignore[attr-defined]
        return wrapper
    return decorate


def _as_code(code: int, name: str, meaning: str) -> ErrorCode:
    return code if isinstance(code, ErrorCode) else ErrorCode(code, name, meaning)


def _wants_xml(params: Params, ctx: DeviceContext | None) -> bool:
    """The requesting device's type answers in XML (the `device` parameter, else the session's type)."""
    try:
        device_type = ctx.device_type if ctx is not None else (
            device_type_by_name(params.str("device", max_length=64)) if "device" in params else None)
    except ParamError:
        return False
    return device_type is not None and device_type.response_format == ResponseFormat.XML


def _authenticate(request: HttpRequest, params: Params, auth: Auth, bad_key_error: int) -> DeviceContext | HttpResponse:
    try:
        client_id = params.int("client_id", min_value=1)
    except ParamError:
        client_id = None
    if auth is Auth.SESSION:
        authkey = str(params.get("authkey") or request.COOKIES.get("authkey", ""))
        session = session_resolve(authkey) if authkey else None
        if session is None or (client_id is not None and client_id != session.client_id):
            return error(NOT_AUTHORIZED, "Authorization required.")
        client = client_by_id(session.client_id)
        if client is None:
            return error(NOT_AUTHORIZED, "Authorization required.")
        return DeviceContext(request=request, params=params, client=client, session=session, authkey=authkey)
    client = client_by_id(client_id)
    if auth is Auth.API_KEY:
        if client is None or not api_key_matches(client, params.str("api_key", max_length=256)):
            return error(bad_key_error, "Wrong client_id or api_key.")
    elif client is None:
        return error(bad_key_error, "Wrong client_id.")
    return DeviceContext(request=request, params=params, client=client)
