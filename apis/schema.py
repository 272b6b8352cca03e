"""`/api/schema/`: the OpenAPI 3 document of the device, Billing, Content and Streaming APIs.

The document is generated from the routed methods' declarations (`apikit.openapi`); the few routes
with a protocol of their own are described here, beside the interfaces that route them. Served as
JSON, or YAML with `?format=yaml`; `/api/schema/ui/` (Swagger UI) and `/api/schema/redoc/` (ReDoc)
browse it, with their assets served by this installation (no CDN).
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable

import yaml
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apikit.openapi import PlainOperation, PlainResponse, build_document
from apikit.spec import Param
from common.readers import Text
from tvmiddleware.streaming import views as streaming_views

from . import health

_TOKEN_ANSWER = {"type": "object", "properties": {"error": {"type": "integer", "enum": [0, 1, 2, 3]}},
                 "required": ["error"]}

_TOKEN_CHECK = PlainOperation(
    summary="Check a viewer's stream token (called by the streaming server)",
    description=(
        "Flussonic `auth_backend`, Cesbo Astra, nginx `auth_request` and nginx-rtmp `on_play` call it before "
        "(and while) they serve a viewer. HTTP 200 with `{\"error\": 0}` allows, with `X-AuthDuration`, "
        "`X-UserId` and `X-Max-Sessions`; HTTP 403 denies with the reason: 1 expired, malformed or no longer "
        "allowed, 2 issued for other content, 3 issued for another IP. HTTP 503 when the database is "
        "unreachable: streamers keep open sessions and refuse new ones. The keyed URL accepts only tokens "
        "of its own stream service. Unknown parameters are ignored."),
    methods=("GET", "POST"),
    params=(
        Param("token", Text(max_length=2048), description="The stream token from the stream URL."),
        Param("name", Text(max_length=2048), description="The stream name the viewer asked for."),
        Param("ip", Text(max_length=2048), description="The viewer's IP address (Flussonic, nginx)."),
        Param("addr", Text(max_length=2048), description="The viewer's IP address (nginx-rtmp)."),
        Param("qs", Text(max_length=2048), description="The viewer's query string (Flussonic)."),
    ),
    path_params={"check_key": "The stream service's check key (its own check URL)."},
    responses={
        200: PlainResponse("Allowed.", schema=_TOKEN_ANSWER, headers={
            "X-AuthDuration": "Seconds the streamer may keep the decision.",
            "X-UserId": "The viewer's account id.",
            "X-Max-Sessions": "Concurrent sessions allowed, when limited."}),
        403: PlainResponse("Denied; `error` tells why.", schema=_TOKEN_ANSWER),
        503: PlainResponse("The database is unreachable.", schema=_TOKEN_ANSWER),
    },
)

_HEALTH = PlainOperation(
    summary="Is this node alive, and how loaded is it",
    description=("Checks the database and the cache. Without the database `alive` is 0 and the status 503 "
                 "(load balancers take the node out); without the cache the node still serves: `degraded` 1."),
    responses={
        200: PlainResponse("Alive.", schema={"type": "object", "properties": {
            "error": {"type": "integer", "enum": [0]}, "alive": {"type": "integer", "enum": [0, 1]},
            "degraded": {"type": "integer", "enum": [0, 1]}, "usage": {"type": "number"},
            "connection_errors": {"type": "array", "items": {"type": "string"}},
            "reserved_server_addresses": {"type": "array", "items": {"type": "string"}}},
            "required": ["error", "alive", "degraded", "usage", "connection_errors"]}),
        503: PlainResponse("The database is unreachable (`alive` 0)."),
    },
)

_PING = PlainOperation(
    summary="Liveness ping",
    description="Answers `{\"error\": 0}` touching neither the database nor the cache.",
    responses={200: PlainResponse("Alive.", schema={"type": "object", "properties": {
        "error": {"type": "integer", "enum": [0]}}, "required": ["error"]})},
)

# The core's routes whose protocol is not the Smarty answer shape, described by hand (plugins describe
# theirs on the view: `apikit.openapi.documented`).
PLAIN_OPERATIONS: dict[Callable, PlainOperation] = {
    streaming_views.token_check: _TOKEN_CHECK,
    streaming_views.ping: _PING,
    health.health_check: _HEALTH,
}

DESCRIPTION = """\
The device, Billing, Content and Streaming APIs of this middleware, compatible with Microimpuls
Smarty's published APIs. Every method accepts its parameters in the query string (GET) or as a form
(POST). Answers are HTTP 200 with `error` 0 and the method's fields, or a non-zero `error`, an
`error_message` and, for a bad parameter, `error_fields`; each method's description lists the codes
it can answer. Generated from the methods' declarations: what is here is what the code reads.
"""


@lru_cache(maxsize=4)
def api_document(urlconf: str | None = None) -> dict[str, Any]:
    """Routes are fixed once the process has started: the document is built once."""
    meta = getattr(settings, "SPECTACULAR_SETTINGS", {})
    return build_document(PLAIN_OPERATIONS, title=f"{meta.get('TITLE', 'TV middleware')} APIs",
                          version=meta.get("VERSION", "0"), description=DESCRIPTION, urlconf=urlconf)


@lru_cache(maxsize=4)
def _rendered(urlconf: str | None, as_yaml: bool) -> bytes:
    document = api_document(urlconf)
    if as_yaml:
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


@require_GET
def schema(request: HttpRequest) -> HttpResponse:
    as_yaml = request.GET.get("format") == "yaml"
    return HttpResponse(_rendered(getattr(request, "urlconf", None), as_yaml),
                        content_type="application/yaml; charset=utf-8" if as_yaml else "application/json")
