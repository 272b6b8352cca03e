"""What every widget page shares: finding the served widget, the embedding check, the language, and
the framed page's response (its CSP `frame-ancestors` and headers)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .assets import asset
from .models import BUILT_TYPES, Widget
from .selectors import widget_for_public_id

WIDGET_LANGUAGES = ("en", "ru")


class BadParameter(Exception):
    pass


def served_widget(public_id: str) -> tuple[Widget | None, str]:
    widget = widget_for_public_id(public_id)
    if widget is None or widget.type not in BUILT_TYPES:
        return None, _("There is no such widget. Check the widget id in the embed code.")
    if not widget.enabled:
        return None, _("This widget is switched off by its operator.")
    return widget, ""


def host_allowed(host: str, port: int | None, patterns: list[str]) -> bool:
    """Whether a host (and port) matches one of the widget's hostnames as `frame-ancestors` would:
    `example.com` any port, `example.com:8443` that port, `*.example.com` its subdomains."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        name, _sep, want_port = pattern.partition(":")
        if want_port and port != int(want_port):
            continue
        if name.startswith("*.") and host.endswith(name[1:]) and host != name[2:]:
            return True
        if host == name:
            return True
    return False


def frame_ancestors(widget: Widget) -> str:
    sources = [name if ":" in name else f"{name}:*" for name in widget.hostnames]
    return "frame-ancestors " + (" ".join(sources) or "'none'")


def embedding_host(request: HttpRequest) -> tuple[str, int | None] | None:
    """The host named by the request's Origin, else Referer; None when neither names one, or when it
    names the middleware itself (the visitor moving within the widget: the guide's days, a search)."""
    for header in ("HTTP_ORIGIN", "HTTP_REFERER"):
        value = request.META.get(header, "")
        if not value or value == "null":
            continue
        try:
            parts = urlsplit(value)
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            return ("", None)  # a malformed header names no allowed host
        if parts.netloc.lower() == request.get_host().lower():
            return None
        return (parts.hostname or "", port)
    return None


def widget_language(request: HttpRequest, widget: Widget | None) -> str:
    wanted = request.GET.get("lang", "")
    if wanted in WIDGET_LANGUAGES:
        return wanted
    configured = (widget.settings or {}).get("language", "") if widget else ""
    if configured in WIDGET_LANGUAGES:
        return configured
    accepted = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for part in accepted.split(",")[:10]:
        code = part.split(";")[0].strip().lower()[:2]
        if code in WIDGET_LANGUAGES:
            return code
    return "en"


def page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200,
         frame: str = "frame-ancestors *", private: bool = False) -> HttpResponse:
    """The framed page. `private`: it shows a subscriber's data or a form (never stored by any cache)."""
    response = render(request, template, {"css": asset("widget.css"), "frame_js": asset("frame.js"), **context},
                      status=status)
    response["Content-Security-Policy"] = frame
    response["Cache-Control"] = "private, max-age=60" if status == 200 and not private else "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["Vary"] = "Accept-Language"  # the language may come from the browser
    response["X-Content-Type-Options"] = "nosniff"
    return response


def message(request: HttpRequest, title: str, text: str, *, status: int) -> HttpResponse:
    # Error pages hold no operator data: any site may frame them, so the visitor reads why.
    return page(request, "widgets/message.html", {"title": title, "text": text, "status": status}, status=status)
