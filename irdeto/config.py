"""Settings of one Irdeto integration: the deployment's `IRDETO_*` settings, overridden per operator
by the attributes of its "API integration with external systems" (`irdeto_api_client`).

Attributes (all optional):
- `host`: the CAS SOAP endpoint address (default `IRDETO_HOST`);
- `nationality`: subscriber nationality sent when a subscriber is created (default `IRDETO_NATIONALITY`, 'ENG');
- `region_tag`: subscriber region tag (default `IRDETO_REGION_TAG`, 'MO');
- `timeout`: seconds to wait for the CAS to connect and answer each call (default `IRDETO_TIMEOUT`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_WSDL = Path(__file__).resolve().parent / "wsdl" / "irdeto_cas.wsdl"
DEFAULT_HOST = "http://127.0.0.1:80"
DEFAULT_NATIONALITY = "ENG"
DEFAULT_REGION_TAG = "MO"
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 300.0

KNOWN_ATTRIBUTES = frozenset({"host", "nationality", "region_tag", "timeout"})

_NATIONALITY = re.compile(r"^[A-Za-z]{2,8}$")
_REGION_TAG = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


@dataclass(frozen=True)
class IrdetoSettings:
    """Where and how to reach the CAS, and what new subscribers are created with."""

    host: str
    nationality: str
    region_tag: str
    timeout: float
    wsdl: str


def _timeout(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_TIMEOUT else None


def defaults() -> IrdetoSettings:
    """The deployment's settings (`IRDETO_HOST`, `IRDETO_NATIONALITY`, `IRDETO_REGION_TAG`,
    `IRDETO_TIMEOUT`, `IRDETO_WSDL`)."""
    return IrdetoSettings(
        host=str(getattr(settings, "IRDETO_HOST", "") or DEFAULT_HOST),
        nationality=str(getattr(settings, "IRDETO_NATIONALITY", "") or DEFAULT_NATIONALITY),
        region_tag=str(getattr(settings, "IRDETO_REGION_TAG", "") or DEFAULT_REGION_TAG),
        timeout=_timeout(str(getattr(settings, "IRDETO_TIMEOUT", ""))) or DEFAULT_TIMEOUT,
        wsdl=str(getattr(settings, "IRDETO_WSDL", "") or DEFAULT_WSDL),
    )


def parse(attributes: dict[str, str]) -> IrdetoSettings:
    """The settings of an integration: its attributes over the deployment's (invalid values ignored;
    the admin refuses them, see `validate`)."""
    base = defaults()
    get = lambda key: (attributes.get(key) or "").strip()  # noqa: E731
    host = get("host")
    return IrdetoSettings(
        host=host if host and _url_problem(host) is None else base.host,
        nationality=get("nationality").upper() if _NATIONALITY.match(get("nationality")) else base.nationality,
        region_tag=get("region_tag") if _REGION_TAG.match(get("region_tag")) else base.region_tag,
        timeout=_timeout(get("timeout")) or base.timeout,
        wsdl=base.wsdl,
    )


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Must be an http:// or https:// address of the CAS SOAP API, e.g. http://10.0.0.5:8080/CasManagement."
    try:
        parts.port
    except ValueError:
        return "The port is not a number between 0 and 65535."
    return None


def validate(attributes: dict[str, str]) -> dict[str, str]:
    """{attribute: message} for what is unknown or malformed (the admin shows them)."""
    get = lambda key: (attributes.get(key) or "").strip()  # noqa: E731
    problems: dict[str, str] = {}
    for key in sorted(set(attributes) - KNOWN_ATTRIBUTES):
        problems[key] = ("Unknown Irdeto attribute (check the spelling); known: "
                         + ", ".join(sorted(KNOWN_ATTRIBUTES)) + ".")
    if get("host") and (message := _url_problem(get("host"))):
        problems["host"] = message
    if get("nationality") and not _NATIONALITY.match(get("nationality")):
        problems["nationality"] = "2 to 8 letters, e.g. ENG (the default is the IRDETO_NATIONALITY setting)."
    if get("region_tag") and not _REGION_TAG.match(get("region_tag")):
        problems["region_tag"] = ("Up to 32 letters, digits, '_', '.' or '-', e.g. MO "
                                  "(the default is the IRDETO_REGION_TAG setting).")
    if get("timeout") and _timeout(get("timeout")) is None:
        problems["timeout"] = f"Seconds, a number above 0 and at most {MAX_TIMEOUT:g} (e.g. 10 or 2.5)."
    return problems
