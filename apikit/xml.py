"""XML answers for device types whose response format is XML (set per device type in the panel).

Some set-top boxes cannot parse JSON; the product answers them the same fields as XML. The document is
the JSON answer element for element: the object becomes `<response>`, each key a child element, a
list a sequence of `<item>` children, `null` an empty element, `true`/`false` 1/0. A key that is not
a valid XML name (a number, say) becomes `<item key="...">`.
"""
from __future__ import annotations

import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

CONTENT_TYPE = "application/xml; charset=utf-8"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Characters XML 1.0 cannot carry at all (control characters other than tab, newline, return).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Headers of the JSON answer that stay meaningful for the XML one.
_KEPT_HEADERS = ("ETag", "Last-Modified", "Cache-Control", "Vary", "Set-Cookie")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "1" if value else "0"
    return _ILLEGAL.sub("", str(value))


def _child(parent: Element, key: str) -> Element:
    if _NAME.match(key) and not key.lower().startswith("xml"):
        return SubElement(parent, key)
    return SubElement(parent, "item", key=_ILLEGAL.sub("", key))


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(_child(element, str(key)), item)
    elif isinstance(value, list):
        for item in value:
            _fill(SubElement(element, "item"), item)
    else:
        element.text = _text(value)


def render_xml(data: dict[str, Any]) -> bytes:
    root = Element("response")
    _fill(root, data)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def as_xml(response: HttpResponse) -> HttpResponse:
    """The XML form of a JSON device-API answer; anything else (redirects, 304, images) unchanged."""
    if not response.get("Content-Type", "").startswith("application/json") or response.streaming:
        return response
    xml = HttpResponse(render_xml(json.loads(response.content)), status=response.status_code,
                       content_type=CONTENT_TYPE)
    for header in _KEPT_HEADERS:
        if header in response.headers:
            xml.headers[header] = response.headers[header]
    xml.cookies = response.cookies
    return xml
