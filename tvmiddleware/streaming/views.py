"""The token check streaming servers call before (and while) they serve a viewer.

Each stream service has its own check URL (`check_urls`): a streamer configured with it accepts only
tokens issued for that service, so a token of another operator (or another of the operator's
services) is refused even when the stream names match. The shared URL without a key is Smarty's and
works for single-operator installations.

One code path for every peer (docs/streaming.md, "Configuring the streaming servers"):
- Flussonic `auth_backend`: GET with `token`, `name`, `ip`, `proto`, `request_type`, `session_id`...;
  reads the status and the X-AuthDuration / X-UserId / X-Max-Sessions headers;
- Cesbo Astra: GET with the viewer's own query string (so `token`) and the viewer's IP in `X-Real-IP`;
- nginx `auth_request`: GET with `token`, `name`, `ip` put in the query by the config (the original
  request line also arrives in `X-Original-URI`, a fallback for configs that do not pass `token`);
- nginx-rtmp `on_play`: POST form with `name`, `addr` (viewer IP), `call=play` and the viewer's args.
Unknown parameters are ignored. The answer is `{"error": N}` with the reference's codes; HTTP 200
allows, 403 denies. Infrastructure failures answer 503, which Flussonic treats as "keep the open
sessions, refuse new ones".
"""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, unquote_plus

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from common import client_address

from . import access, check_urls, tokens
from .conf import conf

logger = logging.getLogger(__name__)

_BODIES = {code: json.dumps({"error": code}).encode() for code in (0, 1, 2, 3)}
_MAX_PARAM_LENGTH = 2048


def _json(code: int, status: int) -> HttpResponse:
    return HttpResponse(_BODIES[code], status=status, content_type="application/json")


def _deny(code: int) -> HttpResponse:
    return _json(code, 403)


def _allow(state: access.AccountAccess) -> HttpResponse:
    response = _json(tokens.VALID, 200)
    response["X-AuthDuration"] = str(conf().auth_duration)
    response["X-UserId"] = str(state.account_id)
    if state.max_sessions > 0:
        response["X-Max-Sessions"] = str(state.max_sessions)
    return response


# The only parameters the check reads; streamers send a dozen more (proto, session_id, qs...).
_WANTED = frozenset({"token", "name", "ip", "addr", "qs"})
Params = dict[str, str]


def _unquote(value: str) -> str:
    if not value.isascii():  # WSGI hands raw bytes over as latin-1 text
        try:
            value = value.encode("latin-1").decode("utf-8", "replace")
        except UnicodeEncodeError:
            pass
    return unquote_plus(value) if ("%" in value or "+" in value) else value


def _query_params(query_string: str) -> Params:
    """The parameters we read, straight from the query string (last value wins, as in QueryDict).

    Building a full QueryDict of everything a streamer sends costs more than checking the token.
    """
    found: Params = {}
    for pair in query_string.split("&"):
        key, _, value = pair.partition("=")
        if key in _WANTED:
            found[key] = _unquote(value)
    return found


def _form_params(request: HttpRequest) -> Params:
    """nginx-rtmp's POST form; empty when the body cannot be parsed (the query may still do)."""
    try:
        form = request.POST
        return {key: form[key] for key in _WANTED if key in form}
    except Exception:  # malformed multipart, body too large, bad encoding
        return {}


def _params(request: HttpRequest) -> Params:
    """Parameters from the query, then (for POST) from the form; empty values count as absent."""
    params = _query_params(request.META.get("QUERY_STRING", ""))
    if request.method == "POST":
        params = {**_form_params(request), **{k: v for k, v in params.items() if v}}
    return {key: value[:_MAX_PARAM_LENGTH] for key, value in params.items() if value}


def _token_from_query_string(query_string: str | None) -> str | None:
    if not query_string:
        return None
    values = parse_qs(query_string[:_MAX_PARAM_LENGTH * 4]).get("token")
    return values[-1] if values else None


def _token(request: HttpRequest, params: Params) -> str | None:
    """`token` from the query or form; else from Flussonic's `qs` (the viewer's query string) or
    from nginx's `X-Original-URI`."""
    return (params.get("token")
            or _token_from_query_string(params.get("qs"))
            or _token_from_query_string(request.META.get("HTTP_X_ORIGINAL_URI", "").partition("?")[2]))


def _viewer_ip(request: HttpRequest, params: Params) -> str | None:
    """The viewer's address a token's IP binding is checked against.

    A configured streaming server (`STREAMER_ADDRESSES`) reports the viewer's address (`ip`, `addr`,
    or Astra's `X-Real-IP`); that claim is believed from those hosts only. Anyone else asking about
    a token is treated as the viewer itself: its own address is checked, so a token bound to an IP
    is never usable by someone who merely claims that IP.
    """
    if not client_address.from_streamer(request):
        # No usable address of its own: nothing to vouch for it, so a bound token must fail.
        return client_address.client_ip(request) or "unknown"
    claimed = params.get("ip") or params.get("addr") or request.META.get("HTTP_X_REAL_IP")
    if not claimed:
        return None
    address = client_address.parse_address(claimed)
    # A malformed claim must still fail a bound token rather than skip the binding.
    return str(address) if address is not None else claimed[:64]


def _decide(request: HttpRequest, accept: check_urls.Acceptor | None) -> HttpResponse:
    """`accept` is what the called check URL may accept (None: nothing, an unknown or closed URL)."""
    if accept is None:
        return _deny(tokens.EXPIRED)
    params = _params(request)
    token = _token(request, params)
    if not token:
        return _deny(tokens.EXPIRED)
    check = tokens.verify(token, name=params.get("name"), ip=_viewer_ip(request, params), accept=accept)
    if not check.ok:
        return _deny(check.error)
    state = access.account_state(check.account_id)
    if state.client_id != check.client_id or not access.state_allows(state, check.kind, check.content_id):
        return _deny(tokens.EXPIRED)  # revoked: blocked account, tariff removed, rental ended
    return _allow(state)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def token_check(request: HttpRequest, check_key: str | None = None) -> HttpResponse:
    """StreamServiceTokenCheck: 200 `{"error": 0}` lets the viewer play, 403 `{"error": N}` does not.

    With `check_key` (a stream service's own check URL) only tokens issued for the services holding
    that key are accepted; without it (Smarty's shared URL) see `check_urls.shared_acceptor`.
    """
    return check_token(request, check_key)


def check_token(request: HttpRequest, check_key: str | None) -> HttpResponse:
    """The token check's answer; reads only `request.META` and `request.method` (and `request.POST`
    for a POST). Also called for GET and HEAD by the WSGI fast path (`fast_path.py`)."""
    try:
        accept = check_urls.shared_acceptor() if check_key is None else check_urls.service_acceptor(check_key)
        return _decide(request, accept)
    except DatabaseError:
        logger.exception("token check: database unavailable")
        return _json(tokens.EXPIRED, 503)
    except Exception:  # never a 500 page for a streamer; deny and leave a trace
        logger.exception("token check failed unexpectedly")
        return _deny(tokens.EXPIRED)


@require_http_methods(["GET", "HEAD"])
def ping(request: HttpRequest) -> HttpResponse:
    """Liveness ping for load balancers and benchmarks: answers `{"error": 0}` touching neither the
    database nor the cache (the health check at /tvmiddleware/api/health/check/ tests both)."""
    return _json(tokens.VALID, 200)
