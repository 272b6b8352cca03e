"""Writing widgets: one validation of a widget (hostnames, CSS URL, the type's settings) and its saves."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from tvmiddleware.models import Client

from .models import BUILT_TYPES, Widget, WidgetType

MAX_HOSTNAMES = 20
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOSTNAME_RE = re.compile(rf"^(?:\*\.)?{_LABEL}(?:\.{_LABEL})*(?::(?P<port>[0-9]{{1,5}}))?$")
LANGUAGES = ("", "en", "ru")

# Each built type's settings: name -> (kind, default, bounds). Unknown names are refused.
SETTINGS_SCHEMA: dict[str, dict[str, tuple[type, Any, tuple[int, int] | None]]] = {
    WidgetType.CHANNEL_LIST: {
        "show_logos": (bool, True, None),
        "show_search": (bool, True, None),
        "language": (str, "", None),
    },
    WidgetType.TV_GUIDE: {
        "days_back": (int, 2, (0, 14)),
        "days_ahead": (int, 3, (0, 14)),
        "channels_per_page": (int, 20, (5, 100)),
        "show_logos": (bool, True, None),
        "language": (str, "", None),
    },
    WidgetType.PERSONAL_ACCOUNT: {
        "account_page_url": (str, "", None),
        "allow_new_accounts": (bool, True, None),
        "language": (str, "", None),
    },
}


def parse_hostnames(text: str) -> list[str]:
    """The allowed hostnames of a widget's setting, lower-cased; ValidationError names a bad one."""
    names = [line.strip().lower() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]
    if not names:
        raise ValidationError({"allowed_hostnames": "Name at least one site (hostname) allowed to embed the widget."})
    if len(names) > MAX_HOSTNAMES:
        raise ValidationError({"allowed_hostnames": f"At most {MAX_HOSTNAMES} hostnames."})
    for name in names:
        match = HOSTNAME_RE.match(name) if len(name) <= 260 else None
        if match is None or (match["port"] and not 0 < int(match["port"]) < 65536):
            raise ValidationError({"allowed_hostnames": f"Not a hostname: {name[:80]!r} (write example.com, "
                                                        "*.example.com or example.com:8443, without http://)."})
    return names


def clean_settings(widget_type: str, raw: Any) -> dict[str, Any]:
    """The type's settings with defaults filled in; ValidationError names what is wrong."""
    schema = SETTINGS_SCHEMA.get(widget_type)
    if schema is None:
        raise ValidationError({"type": "This widget type is not available yet."})
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"settings": "Settings are a JSON object, e.g. {\"show_logos\": true}."})
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        raise ValidationError({"settings": f"Unknown settings for this type: {', '.join(map(str, unknown))[:200]} "
                                           f"(known: {', '.join(schema)})."})
    cleaned: dict[str, Any] = {}
    for name, (kind, default, bounds) in schema.items():
        value = raw.get(name, default)
        if kind is bool and not isinstance(value, bool):
            raise ValidationError({"settings": f"{name} is true or false."})
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)
                            or (bounds and not bounds[0] <= value <= bounds[1])):
            raise ValidationError({"settings": f"{name} is a whole number from {bounds[0]} to {bounds[1]}."})
        if name == "language" and value not in LANGUAGES:
            raise ValidationError({"settings": "language is \"\" (the visitor's browser), \"en\" or \"ru\"."})
        cleaned[name] = value
    if widget_type == WidgetType.PERSONAL_ACCOUNT:
        url = cleaned["account_page_url"]
        try:
            parts = urlsplit(url) if isinstance(url, str) else None
        except ValueError:
            parts = None
        if parts is None or len(url) > 500 or (url and (parts.scheme not in ("http", "https") or not parts.netloc
                                                        or not url.isprintable() or " " in url)):
            raise ValidationError({"settings": "account_page_url is \"\" or the http(s) address of the personal "
                                               "account's page on your site."})
    return cleaned


def clean_css_url(url: str) -> str:
    url = (url or "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise ValidationError({"css_url": "An http or https address of a style sheet."})
    return url


def clean_widget(widget: Widget) -> None:
    """Validate a widget in place (normalised hostnames and settings)."""
    widget.allowed_hostnames = "\n".join(parse_hostnames(widget.allowed_hostnames))
    widget.css_url = clean_css_url(widget.css_url)
    if widget.type not in BUILT_TYPES:
        raise ValidationError({"type": "This widget type is not available yet."})
    widget.settings = clean_settings(widget.type, widget.settings)


@transaction.atomic
def widget_save(*, widget: Widget) -> Widget:
    """Validate and save a widget (the panel's add and change)."""
    clean_widget(widget)
    widget.save()
    return widget


def widget_create(*, client: Client, name: str, type: str, allowed_hostnames: str, css_url: str = "",
                  enabled: bool = True, settings: dict[str, Any] | None = None) -> Widget:
    return widget_save(widget=Widget(client=client, name=name, type=type, allowed_hostnames=allowed_hostnames,
                                     css_url=css_url, enabled=enabled, settings=settings or {}))
