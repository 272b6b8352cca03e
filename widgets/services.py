"""Writing widgets: one validation of a widget (hostnames, CSS URL, the type's settings) and its saves."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
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
    WidgetType.PAYMENT_FORM: {
        "merchant_type": (str, "", None),
        "min_amount": (Decimal, "1.00", None),
        "max_amount": (Decimal, "100000.00", None),
        "preset_amounts": (list, [], None),
        "return_url": (str, "", None),
        "language": (str, "", None),
    },
    WidgetType.PERSONAL_ACCOUNT: {
        "account_page_url": (str, "", None),
        "allow_new_accounts": (bool, True, None),
        "language": (str, "", None),
    },
    WidgetType.REGISTRATION: {
        "contact": (str, "email", None),
        "policy_url": (str, "", None),
        "offer_url": (str, "", None),
        "account_page_url": (str, "", None),
        "language": (str, "", None),
    },
}


# The payment form's amounts: plain decimals (at most two places) up to the payments' own maximum.
MAX_PAYMENT = Decimal("1000000.00")
MAX_PRESETS = 6
MERCHANT_TYPE_RE = re.compile(r"^[a-z0-9_]{0,16}$")


def _clean_amount(name: str, value: Any) -> str:
    """A payment form amount as text ("500.00"); ValidationError otherwise."""
    text = str(value).strip() if isinstance(value, (int, float, str)) and not isinstance(value, bool) else ""
    try:
        amount = Decimal(text) if re.fullmatch(r"\d{1,7}(\.\d{1,2})?", text) else None
    except InvalidOperation:
        amount = None
    if amount is None or not Decimal("0.01") <= amount <= MAX_PAYMENT:
        raise ValidationError({"settings": f"{name} is an amount from 0.01 to {MAX_PAYMENT} (e.g. \"500.00\")."})
    return str(amount.quantize(Decimal("0.01")))


def _clean_payment_settings(cleaned: dict[str, Any]) -> None:
    """The payment form's own settings, in place: amounts as text, the gateway name, the return URL."""
    if not isinstance(cleaned["merchant_type"], str) or not MERCHANT_TYPE_RE.match(cleaned["merchant_type"]):
        raise ValidationError({"settings": "merchant_type is \"\" (the operator's default gateway) or a merchant type "
                                           "such as \"payture\" or \"null\"."})
    for name in ("min_amount", "max_amount"):
        cleaned[name] = _clean_amount(name, cleaned[name])
    if Decimal(cleaned["min_amount"]) > Decimal(cleaned["max_amount"]):
        raise ValidationError({"settings": "min_amount is at most max_amount."})
    presets = cleaned["preset_amounts"]
    if not isinstance(presets, list) or len(presets) > MAX_PRESETS:
        raise ValidationError({"settings": f"preset_amounts is a list of at most {MAX_PRESETS} amounts."})
    cleaned["preset_amounts"] = [_clean_amount("preset_amounts", value) for value in presets]
    if any(not Decimal(cleaned["min_amount"]) <= Decimal(v) <= Decimal(cleaned["max_amount"])
           for v in cleaned["preset_amounts"]):
        raise ValidationError({"settings": "preset_amounts are between min_amount and max_amount."})
    url = cleaned["return_url"]
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
    except ValueError:
        parts = None
    if parts is None or len(url) > 500 or (url and (parts.scheme not in ("http", "https") or not parts.netloc
                                                    or not url.isprintable() or " " in url)):
        raise ValidationError({"settings": "return_url is \"\" (the gateway's own) or an http(s) address."})


REGISTRATION_CONTACTS = ("email", "phone", "email_or_phone")


def _clean_registration_settings(cleaned: dict[str, Any]) -> None:
    """The registration widget's own settings: how visitors are reached, and the operator's pages."""
    if cleaned["contact"] not in REGISTRATION_CONTACTS:
        raise ValidationError({"settings": "contact is \"email\", \"phone\" or \"email_or_phone\"."})
    for name in ("policy_url", "offer_url", "account_page_url"):
        url = cleaned[name]
        if not isinstance(url, str) or len(url) > 500 or (url and (urlsplit(url).scheme not in ("http", "https")
                                                                   or not urlsplit(url).netloc)):
            raise ValidationError({"settings": f"{name} is \"\" (none) or an http(s) address."})


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
    if widget_type == WidgetType.PAYMENT_FORM:
        _clean_payment_settings(cleaned)
    if widget_type == WidgetType.REGISTRATION:
        _clean_registration_settings(cleaned)
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
