"""The streamers' token check served straight from WSGI, in front of Django's request handling.

Streaming servers call the token check for every viewer and again every AUTH_DURATION: it is the
busiest route of an installation. Its view (`views.token_check`) needs only the WSGI environ (query
string, peer address, a few headers), so GET and HEAD requests to its two URLs are answered here
without building a Django request, resolving the URL or running the middleware (none of which it
uses), by the same view functions and with the same answers. Everything else, and POST (nginx-rtmp's
form, which needs Django's body parsing), goes to Django.

The signals Django sends around every request (`request_started`, `request_finished`: closing
stale database connections, resetting the query log) are sent here too.

    application = TokenCheckFastPath(get_wsgi_application())      # settings/wsgi.py
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from django.core import signals
from django.http import HttpResponse

# Both mounts of the check (`/tvmiddleware/api/…` and `/streaming/api/…`), shared or per service —
# the same paths as the URLconf's routes (apis/tvmiddleware_urls.py, apis/streaming/urls.py).
_ROUTE = re.compile(r"/(?:tvmiddleware|streaming)/api/streamservice/(?:(?P<check_key>[^/]{1,128})/)?token/check/\Z")
_FAST_METHODS = frozenset({"GET", "HEAD"})


class _EnvironRequest:
    """What the token check reads of a request: `META` (the environ) and `method`."""

    __slots__ = ("META", "method")

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ
        self.method = environ["REQUEST_METHOD"]


def route_of(path: str) -> tuple[bool, str | None]:
    """(is a token check URL, its service key or None for the shared URL)."""
    match = _ROUTE.match(path)
    return (False, None) if match is None else (True, match.group("check_key"))


class TokenCheckFastPath:
    """WSGI middleware: token checks answered here, anything else passed to `app`."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in _FAST_METHODS:
            is_check, check_key = route_of(environ.get("PATH_INFO", ""))
            if is_check:
                return self._answer(environ, start_response, check_key)
        return self.app(environ, start_response)

    def _answer(self, environ: dict[str, Any], start_response: Callable, check_key: str | None) -> list[bytes]:
        from . import views  # after Django is set up (the WSGI application is built first)

        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            response: HttpResponse = views.check_token(_EnvironRequest(environ), check_key)
        finally:
            signals.request_finished.send(sender=self.__class__)
        content = response.content
        headers = list(response.items())
        headers.append(("Content-Length", str(len(content))))  # what CommonMiddleware adds on Django's path
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [content]
