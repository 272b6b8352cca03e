"""The widgets' public pages: the embed script (`api/get/<id>`), the framed page (`api/show/<id>`) and,
with DEBUG, a demo host page. The channel list and the guide are read-only pages of this module; the
types with forms (registration, personal account, payment form) have a module each in `pages/`,
posted back to the same address under `security.check_form`.

Framing: `api/show` answers `Content-Security-Policy: frame-ancestors` from the widget's allowed
hostnames and is exempt from the project's `X-Frame-Options: DENY` (only these views are). A request
whose Referer or Origin names another host is refused with a page that says so (403).
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from tvmiddleware.models import ActionOrigin
from tvmiddleware.services.actions import acting_from

from .assets import asset
from .models import BUILT_TYPES, FORM_TYPES, Widget, WidgetType
from .pages import account, payment, registration
from .rendering import (  # noqa: F401 (host_allowed, embedding_host: the widgets' tests read them here)
    WIDGET_LANGUAGES, BadParameter, embedding_host, frame_ancestors, host_allowed, message, page, served_widget,
    widget_language,
)
from .selectors import channel_groups, guide_channels, guide_day

CONTAINER_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]{0,99}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TARIFF_IDS_RE = re.compile(r"^\d{1,10}(,\d{1,10}){0,49}$")
MAX_QUERY = 100
# The page of each type with forms: `(request, widget) -> HttpResponse`, for GET and its POSTs.
FORM_PAGES = {WidgetType.REGISTRATION: registration.render, WidgetType.PERSONAL_ACCOUNT: account.render,
              WidgetType.PAYMENT_FORM: payment.render}
# Parameters of the embed code handed on to the framed page, per type (the others are ignored).
PASSED_ON = {
    WidgetType.CHANNEL_LIST: ("lang",), WidgetType.TV_GUIDE: ("lang", "tariff_id"),
    WidgetType.REGISTRATION: ("lang",), WidgetType.PERSONAL_ACCOUNT: ("lang",),
    WidgetType.PAYMENT_FORM: ("lang", "amount", "customer_id", "order_id", "payment_type"),
}


def _read_tariff_ids(request: HttpRequest) -> list[int] | None:
    raw = request.GET.get("tariff_id", "").strip().replace(" ", "")
    if not raw:
        return None
    if not TARIFF_IDS_RE.match(raw):
        raise BadParameter(_("tariff_id is a comma-separated list of tariff ids (at most 50)."))
    return [int(part) for part in raw.split(",")]


# --- the embed script ------------------------------------------------------------------------------

def _js_value(value: Any) -> str:
    """A JSON literal safe inside a script (no closing tags, no line separators)."""
    return (json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def embed_script(*, show_url: str, origin: str, container_id: str, public_id: str, title: str) -> str:
    return (asset("embed.js").strip()
            .replace("__CONTAINER__", _js_value(container_id)).replace("__SRC__", _js_value(show_url))
            .replace("__ORIGIN__", _js_value(origin)).replace("__ID__", _js_value(public_id))
            .replace("__TITLE__", _js_value(title)))


@require_GET
def embed(request: HttpRequest, public_id: str) -> HttpResponse:
    """`/widgets/api/get/<id>?container_id=...`: a script rendering the widget's iframe into that element."""
    widget, problem = served_widget(public_id)
    if widget is None:
        return HttpResponse(f"/* {problem} */\n", status=404, content_type="text/javascript; charset=utf-8")
    container_id = request.GET.get("container_id", "widget-content")
    if not CONTAINER_ID_RE.match(container_id):
        return HttpResponseBadRequest("container_id is the id of an element: a letter, then up to 99 letters, "
                                      "digits, _ : . or -.", content_type="text/plain; charset=utf-8")
    params = {name: request.GET[name][:300] for name in PASSED_ON[widget.type] if request.GET.get(name)}
    show_url = request.build_absolute_uri(reverse("widgets:show", args=[widget.public_id]))
    if params:
        show_url += "?" + urlencode(params)
    parts = urlsplit(show_url)
    with translation.override(widget_language(request, widget)):
        title = widget.name or str(WidgetType(widget.type).label)
    script = embed_script(show_url=show_url, origin=f"{parts.scheme}://{parts.netloc}", container_id=container_id,
                          public_id=widget.public_id, title=title)
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the framed page --------------------------------------------------------------------------------

@csrf_exempt  # the forms carry their own token (security.check_form): Django's needs a cookie
@require_http_methods(["GET", "HEAD", "POST"])
@xframe_options_exempt
def show(request: HttpRequest, public_id: str) -> HttpResponse:
    """`/widgets/api/show/<id>`: the widget itself, framed by the operator's site."""
    widget, problem = served_widget(public_id)
    with translation.override(widget_language(request, widget)):
        if widget is None:
            return message(request, _("Widget not found"), problem, status=404)
        embedder = embedding_host(request)
        if embedder is not None and not host_allowed(*embedder, widget.hostnames):
            return message(request, _("Not allowed on this site"),
                           _("This widget may only be shown on the operator's own website."), status=403)
        if widget.type in FORM_TYPES:
            with acting_from(ActionOrigin.WIDGET, widget_id=widget.public_id, request=request):
                return FORM_PAGES[widget.type](request, widget)
        if request.method == "POST":
            return message(request, _("Wrong address"), _("This widget has no form to send."), status=405)
        try:
            if widget.type == WidgetType.TV_GUIDE:
                context, template = _guide_context(request, widget), "widgets/tv_guide.html"
            else:
                context, template = _channel_list_context(request, widget), "widgets/channel_list.html"
        except BadParameter as error:
            return message(request, _("Wrong address"), str(error), status=400)
        context.update(widget=widget, lang=translation.get_language())
        return page(request, template, context, frame=frame_ancestors(widget))


def _channel_list_context(request: HttpRequest, widget: Widget) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise BadParameter(_("The search is at most %(count)d characters.") % {"count": MAX_QUERY})
    groups = channel_groups(client=widget.client)
    if query:
        needle = query.casefold()
        for group in groups:
            group.channels = [c for c in group.channels if needle in c["name"].casefold()]
        groups = [group for group in groups if group.channels]
    shown = len({c["id"] for group in groups for c in group.channels})
    return {"groups": groups, "q": query, "shown": shown, "settings": widget.settings,
            "title": widget.name or _("Channel list"), "search_js": asset("channel_list.js"),
            "lang_param": request.GET.get("lang", "") if request.GET.get("lang") in WIDGET_LANGUAGES else ""}


def _guide_context(request: HttpRequest, widget: Widget) -> dict[str, Any]:
    tariff_ids = _read_tariff_ids(request)
    now = timezone.now()
    today = timezone.localdate(now)
    days = [today + timedelta(days=offset)
            for offset in range(-widget.settings.get("days_back", 2), widget.settings.get("days_ahead", 3) + 1)]
    raw_day = request.GET.get("day", "")
    day = today
    if raw_day:
        try:
            day = date.fromisoformat(raw_day) if DAY_RE.match(raw_day) else None
        except ValueError:
            day = None
        if day not in days:
            raise BadParameter(_("day is one of the guide's days, from %(first)s to %(last)s (YYYY-MM-DD).")
                               % {"first": days[0].isoformat(), "last": days[-1].isoformat()})
    every_channel = guide_channels(client=widget.client, tariff_ids=tariff_ids)
    per_page = widget.settings.get("channels_per_page", 20)
    pages = max(1, -(-len(every_channel) // per_page))
    raw_page = request.GET.get("page", "1")
    if not (raw_page.isascii() and raw_page.isdigit() and 1 <= int(raw_page) <= pages):
        raise BadParameter(_("page is a number from 1 to %(pages)d.") % {"pages": pages})
    page = int(raw_page)
    shown = every_channel[(page - 1) * per_page:page * per_page]
    channels = guide_day(client=widget.client, channels=shown, day=day, now=now)
    keep = {name: request.GET[name] for name in ("tariff_id", "lang") if request.GET.get(name)}

    def link(**changes: Any) -> str:
        return "?" + urlencode({**keep, "day": day.isoformat(), "page": page, **changes})

    return {
        "channels": channels, "settings": widget.settings, "title": widget.name or _("TV guide"),
        "days": [{"date": d, "query": link(day=d.isoformat()), "selected": d == day,
                  "offset": (d - today).days} for d in days],
        "day": day, "guide_js": asset("tv_guide.js"), "page": page, "pages": pages,
        "previous_page": link(page=page - 1) if page > 1 else "",
        "next_page": link(page=page + 1) if page < pages else "",
    }


def demo_page(request: HttpRequest) -> HttpResponse:
    """With DEBUG: a host page embedding the demo operator's widgets with the documented snippet."""
    if not settings.DEBUG:
        raise Http404("The demo host page is served only with DEBUG on.")
    widgets = list(Widget.objects.filter(enabled=True, type__in=BUILT_TYPES).select_related("client")
                   .order_by("client_id", "id")[:20])
    # Served from one loopback name, the widgets come from the other: the page shows a real cross-origin embed.
    host = request.get_host()
    name, _sep, port = host.partition(":")
    other = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(name, name)
    base = f"{request.scheme}://{other}{_sep}{port}"
    return render(request, "widgets/demo.html", {"widgets": widgets, "base": base})
