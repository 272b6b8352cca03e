"""The OpenAPI 3 document of the device, Billing, Content and Streaming APIs, generated from the routes.

Every routed view declared with `apikit.device.device_method` or `apikit.signed.signed_method` carries
its `MethodSpec` (`view.api_spec`): its parameters, its named error codes and its answer. This module
walks the URL configuration and writes one operation per route and HTTP method from those
declarations, so the document cannot drift from the code. Routes with a protocol of their own (the
token check streaming servers call, the health check, a receipt page) are described by a
`PlainOperation` that the interface layer hands in (`apis.schema`).

The Smarty-compatible APIs answer HTTP 200 with the outcome in the body: `error` 0 and the method's
fields, or a non-zero `error`, an `error_message` and, for a bad parameter, `error_fields`. Each
operation's 200 answer is therefore `oneOf` a success (the declared fields) and a failure whose
`error` is one of the codes that method can answer, each code named and explained in the description.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import jsonschema
from django.urls import URLPattern, URLResolver, get_resolver

from common.readers import Id

from .device import Auth
from .signed import GLOBAL_ERRORS, SignedAPI
from .spec import ErrorCode, MethodSpec, Param, as_schema

OPENAPI_VERSION = "3.0.3"

# Where each API lives (path prefixes, without the leading slash) and the tag its operations carry.
API_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tvmiddleware/api/", "device"),
    ("billing/api/", "billing"),
    ("content/api/", "content"),
    ("streaming/api/", "streaming"),
)

TAGS = [
    {"name": "device", "description": "Device API (`/tvmiddleware/api/`): set-top boxes, apps and websites. "
                                      "Session methods take the `authkey` that `login/` answers."},
    {"name": "billing", "description": "Billing API (`/billing/api/`): the operator's billing manages customers, "
                                       "accounts, tariffs and money. Signed with the Billing API key."},
    {"name": "content", "description": "Content API (`/content/api/`): content managers' scripts edit the "
                                       "catalogue. Signed with the Content API key."},
    {"name": "streaming", "description": "Streaming API (`/streaming/api/`): the token check streaming servers "
                                         "call, and maintenance windows. Signed with the Streaming API key."},
]

_SIGNATURE_HOW = (
    "The request's parameters (query and form together, `client_id` included, `signature` excluded) sorted by "
    "name and then value, joined as `name:value;`, followed by the operator's {key}; the MD5 hex digest of the "
    "base64 of those UTF-8 bytes. Sent as the `signature` parameter; compared in constant time.")

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "deviceSession": {"type": "apiKey", "in": "query", "name": "authkey",
                      "description": "The session key `login/` answers (also accepted as a form field)."},
    "deviceSessionCookie": {"type": "apiKey", "in": "cookie", "name": "authkey",
                            "description": "The session key as a cookie, for web players."},
    "deviceApiKey": {"type": "apiKey", "in": "query", "name": "api_key",
                     "description": "The operator's device API key, with `client_id`."},
    "billingSignature": {"type": "apiKey", "in": "query", "name": "signature",
                         "description": _SIGNATURE_HOW.format(key="Billing API key")},
    "contentSignature": {"type": "apiKey", "in": "query", "name": "signature",
                         "description": _SIGNATURE_HOW.format(key="Content API key")},
    "streamingSignature": {"type": "apiKey", "in": "query", "name": "signature",
                           "description": _SIGNATURE_HOW.format(key="Streaming API key")},
}

_SIGNED_SCHEMES = {SignedAPI.BILLING: "billingSignature", SignedAPI.CONTENT: "contentSignature",
                   SignedAPI.STREAMING: "streamingSignature"}


@dataclass(frozen=True)
class PlainResponse:
    description: str
    content_type: str = "application/json"
    schema: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # name -> description


@dataclass(frozen=True)
class PlainOperation:
    """A route with a protocol of its own, described by hand (no `MethodSpec`)."""

    summary: str
    description: str = ""
    methods: tuple[str, ...] = ("GET",)
    params: tuple[Param, ...] = ()
    path_params: dict[str, str] = field(default_factory=dict)  # name -> description
    responses: dict[int, PlainResponse] = field(default_factory=dict)


def documented(doc: PlainOperation) -> Callable[[Callable], Callable]:
    """Describe a view with a protocol of its own on the view itself (for apps above this layer)."""
    def decorate(view: Callable) -> Callable:
        view.api_doc = doc  # type: ignore[attr-defined]
        return view
    return decorate


def plain_doc(view: Callable, plain: dict[Callable, PlainOperation]) -> PlainOperation | None:
    return getattr(view, "api_doc", None) or plain.get(view)


@dataclass(frozen=True)
class Route:
    path: str  # OpenAPI template: /tvmiddleware/api/streamservice/{check_key}/token/check/
    view: Callable
    tag: str


# --- walking the routes ----------------------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _template(pattern: Any) -> str:
    """A route's pattern (`path()` or `re_path()`) as an OpenAPI path template piece."""
    text = str(pattern)
    if text.startswith("^"):
        text = _NAMED_GROUP.sub(r"{\1}", text[1:])
        text = text.removesuffix("\\Z").removesuffix("$")
        return text
    return _CONVERTER.sub(r"{\1}", text)


def _walk(patterns: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Callable]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + _template(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + _template(pattern.pattern), pattern.callback


def api_routes(urlconf: str | None = None) -> list[Route]:
    """Every routed path of the four APIs, in routing order."""
    routes = []
    for path, view in _walk(get_resolver(urlconf).url_patterns):
        tag = next((tag for prefix, tag in API_PREFIXES if path.startswith(prefix)), None)
        if tag is not None:
            routes.append(Route(path="/" + path, view=view, tag=tag))
    return routes


# --- operations ---------------------------------------------------------------------------------------------------

def method_errors(view: Callable) -> list[ErrorCode]:
    """Every code a declared method can answer: the framework's own (authentication, signature, service
    errors), the method's, its parameters' and its invalid-parameter code."""
    spec: MethodSpec = view.api_spec
    framework = GLOBAL_ERRORS if hasattr(view, "signed_api") else getattr(view, "auth_errors", ())
    codes: list[ErrorCode] = []
    seen: set[tuple[int, str]] = set()
    own = (spec.invalid_param, *spec.errors, *(param.error for param in spec.params))
    for code in (*framework, *(code for code in own if code is not None)):
        key = (int(code), code.name)
        if key not in seen:  # two names for one number are both listed: each tells a different story
            seen.add(key)
            codes.append(code)
    return codes


def _param_schema(param: Param) -> dict[str, Any]:
    schema = dict(param.reader.schema())
    default = param.default
    if isinstance(default, (int, str)) and not isinstance(default, bool) and default != "":
        if jsonschema.Draft4Validator(schema).is_valid(default):  # a default the reader would refuse is no default
            schema.setdefault("default", default)
    return schema


def _param_description(param: Param) -> str:
    parts = [param.description] if param.description else []
    if param.error is not None:
        parts.append(f"Missing or malformed: error {int(param.error)} ({param.error.name}).")
    return " ".join(parts)


def _framework_params(view: Callable) -> list[Param]:
    """Parameters the decorator reads before the method's own: the operator's `client_id`."""
    auth = getattr(view, "device_auth", None)
    if hasattr(view, "signed_api") or auth in (Auth.API_KEY, Auth.CLIENT):
        return [Param("client_id", Id(), required=True, description="The operator's id.")]
    return [Param("client_id", Id(), description="The operator's id (optional with a session).")]


def _security(view: Callable) -> list[dict[str, list]]:
    if hasattr(view, "signed_api"):
        return [{_SIGNED_SCHEMES[view.signed_api]: []}]
    auth = getattr(view, "device_auth", None)
    if auth is Auth.SESSION:
        return [{"deviceSession": []}, {"deviceSessionCookie": []}]
    if auth is Auth.API_KEY:
        return [{"deviceApiKey": []}]
    return []


def _answer_schema(view: Callable, codes: list[ErrorCode]) -> dict[str, Any]:
    spec: MethodSpec = view.api_spec
    success = as_schema(spec.response) if spec.response is not None else {"type": "object", "properties": {}}
    success = {**success, "properties": {**success.get("properties", {}),
                                         "error": {"type": "integer", "enum": [0]},
                                         "error_message": {"type": "string"}}}
    success["required"] = sorted({*success.get("required", ()), "error"})
    numbers = sorted({int(code) for code in codes if int(code) != 0})
    failure = {
        "type": "object",
        "properties": {
            "error": {"type": "integer", "enum": numbers},
            "error_message": {"type": "string"},
            "error_fields": {"type": "object", "additionalProperties": {"type": "string"},
                             "description": "For a bad parameter: its name and what is wrong with it."},
        },
        "required": ["error", "error_message"],
    }
    return {"oneOf": [success, failure]}


def _codes_table(codes: list[ErrorCode]) -> str:
    if not codes:
        return ""
    lines = ["", "", "| error | name | meaning |", "|---|---|---|"]
    lines += [f"| {int(code)} | `{code.name}` | {code.meaning} |" for code in codes]
    return "\n".join(lines)


def _operation_id(path: str, http_method: str) -> str:
    words = re.sub(r"[^0-9A-Za-z{}]+", "_", path).strip("_").replace("{", "by_").replace("}", "")
    return f"{http_method.lower()}_{words}" + ("" if path.endswith("/") else "_noslash")


def _path_parameters(path: str, descriptions: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1,
                                                                        "pattern": "^[^/]+$"},
             "description": (descriptions or {}).get(name, "")}
            for name in re.findall(r"{(\w+)}", path)]


def _with_params(operation: dict[str, Any], http_method: str, params: list[Param], path: str,
                 path_descriptions: dict[str, str] | None = None) -> dict[str, Any]:
    """GET carries the parameters in the query; POST as a form (the APIs read both)."""
    operation["parameters"] = _path_parameters(path, path_descriptions)
    if http_method == "POST" and params:
        properties = {param.name: {**_param_schema(param), "description": _param_description(param)}
                      for param in params}
        required = [param.name for param in params if param.required]
        form = {"type": "object", "properties": properties, **({"required": required} if required else {})}
        operation["requestBody"] = {"required": bool(required),
                                    "content": {"application/x-www-form-urlencoded": {"schema": form}}}
    else:
        operation["parameters"] += [{"name": param.name, "in": "query", "required": param.required,
                                     "schema": _param_schema(param), "description": _param_description(param)}
                                    for param in params]
    return operation


def declared_operation(route: Route, http_method: str) -> dict[str, Any]:
    view = route.view
    spec: MethodSpec = view.api_spec
    codes = method_errors(view)
    own = {param.name for param in spec.params}
    params = [param for param in _framework_params(view) if param.name not in own] + list(spec.params)
    operation = {
        "tags": [route.tag],
        "operationId": _operation_id(route.path, http_method),
        "summary": spec.summary or view.__name__.replace("_", " "),
        "description": (spec.description + _codes_table(codes)).strip(),
        "security": _security(view),
        "responses": {"200": {
            "description": "The outcome: `error` 0 and the method's fields, or an error code of the table.",
            "content": {"application/json": {"schema": _answer_schema(view, codes)}},
        }},
    }
    return _with_params(operation, http_method, params, route.path)


def plain_operation(route: Route, doc: PlainOperation, http_method: str) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, answer in doc.responses.items():
        entry: dict[str, Any] = {"description": answer.description}
        if answer.content_type:
            entry["content"] = {answer.content_type: {"schema": answer.schema}}
        if answer.headers:
            entry["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                for name, text in answer.headers.items()}
        responses[str(status)] = entry
    operation = {"tags": [route.tag], "operationId": _operation_id(route.path, http_method),
                 "summary": doc.summary, "description": doc.description, "security": [], "responses": responses}
    return _with_params(operation, http_method, list(doc.params), route.path, doc.path_params)


def undocumented(routes: Iterable[Route], plain: dict[Callable, PlainOperation]) -> list[str]:
    """Routes of the four APIs that neither declare a spec nor have a plain description."""
    return [route.path for route in routes if not hasattr(route.view, "api_spec") and plain_doc(route.view, plain) is None]


def build_document(plain: dict[Callable, PlainOperation], *, title: str, version: str, description: str,
                   urlconf: str | None = None) -> dict[str, Any]:
    """The whole document. A route without a declaration is an error: the route-coverage check."""
    routes = api_routes(urlconf)
    missing = undocumented(routes, plain)
    if missing:
        raise LookupError(f"routes without a declaration or a plain description: {missing}")
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if route.path in paths:  # routed twice: the first route serves it
            continue
        doc = plain_doc(route.view, plain)
        methods = doc.methods if doc is not None else getattr(route.view, "http_methods", ("GET", "POST"))
        item: dict[str, Any] = {}
        for http_method in methods:
            if http_method == "HEAD":
                continue
            item[http_method.lower()] = (plain_operation(route, doc, http_method) if doc is not None
                                         else declared_operation(route, http_method))
        paths[route.path] = item
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": "/"}],
        "tags": TAGS,
        "paths": paths,
        "components": {"securitySchemes": SECURITY_SCHEMES},
    }
