"""A fake Irdeto CAS on loopback: a SOAP 1.1 server that speaks the repository's WSDL
(`irdeto/wsdl/irdeto_cas.wsdl`) and keeps subscribers, paired devices and entitlements in memory.

What it checks, as a CAS head-end would:
- POST to its endpoint path only, `Content-Type: text/xml`, a `SOAPAction` naming the operation
  of the body, a well-formed SOAP 1.1 envelope whose body element is valid against the WSDL's
  schema (anything else: a `soap:Client` fault with INVALID_REQUEST);
- the business rules the WSDL documents: unknown subscriber, subscriber exists, device paired
  with another subscriber (with its owner), device not paired, unknown product (when `products`
  is set), unknown entitlement, dates with a time zone and an end after the start.

Failure modes for the tests: `unavailable` (HTTP 503 with an HTML page, as a proxy in front of a
dead CAS answers), `delay` (seconds before each answer: timeouts), `go_down()` / `come_back()`
(the port refuses connections), `restart(keep_state=...)` (a CAS that lost or kept its data),
`fault_next` (operation → fault code, once). Every request that reached the CAS logic is recorded
in `calls` as (operation, parameters).
"""
from __future__ import annotations

import copy
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

WSDL_PATH = Path(__file__).resolve().parents[2] / "irdeto" / "wsdl" / "irdeto_cas.wsdl"
NS = "urn:tvmiddleware:irdeto:cas:1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSD = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
ENDPOINT = "/CasManagementService"
OPERATIONS = ("CreateSubscriber", "GetSubscriber", "PairDevice", "UnpairDevice", "AddEntitlement",
              "RemoveEntitlement")

_parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


def _load_schema() -> etree.XMLSchema:
    wsdl = etree.parse(str(WSDL_PATH), _parser)
    schema = wsdl.find(f"{{{WSDL_NS}}}types/{{{XSD}}}schema")
    return etree.XMLSchema(etree.ElementTree(copy.deepcopy(schema)))


SCHEMA = _load_schema()


class CasFault(Exception):
    def __init__(self, code: str, message: str, *, owner: str = "", client: bool = True) -> None:
        super().__init__(message)
        self.code, self.message, self.owner, self.client = code, message, owner, client


@dataclass
class Device:
    device_type: str
    entitlements: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)


@dataclass
class Subscriber:
    customer_id: str
    nationality: str
    region_tag: str
    devices: dict[str, Device] = field(default_factory=dict)


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CasFault("INVALID_REQUEST", f"not a date and time: {text!r}") from None
    if value.tzinfo is None:
        raise CasFault("INVALID_REQUEST", f"a date without a time zone: {text!r}")
    return value.astimezone(timezone.utc)


def _time_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeIrdeto:
    """State and behaviour of the fake CAS (see the module doc)."""

    def __init__(self, *, products: set[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.subscribers: dict[str, Subscriber] = {}
        self.products = products  # None: any product id is known
        self.unavailable = False
        self.delay = 0.0
        self.fault_next: dict[str, str] = {}
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.rejected: list[str] = []  # requests refused as malformed (should stay empty)
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.connections: set[socket.socket] = set()

    # --- serving ---------------------------------------------------------------------------------
    def start(self) -> "FakeIrdeto":
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="fake-irdeto", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open (keep-alive) connections, as a CAS that went away does."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        with self.lock:
            connections, self.connections = self.connections, set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def go_down(self) -> None:
        """The CAS is gone: connections to its port are refused."""
        self.stop()

    def come_back(self) -> None:
        """The CAS listens again on the same port, with the data it had."""
        if self.server is None:
            self.start()

    def restart(self, *, keep_state: bool = True) -> None:
        """Stop and start again on the same port; `keep_state=False` is a CAS that lost its data."""
        self.stop()
        if not keep_state:
            with self.lock:
                self.subscribers.clear()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{ENDPOINT}"

    # --- what tests look at ----------------------------------------------------------------------
    def state(self, customer_id: str) -> dict[str, dict[str, Any]] | None:
        """{device id: {"type": ..., "entitlements": {product: (start, end)}}} of a subscriber, or None."""
        with self.lock:
            subscriber = self.subscribers.get(customer_id)
            if subscriber is None:
                return None
            return {device_id: {"type": device.device_type, "entitlements": dict(device.entitlements)}
                    for device_id, device in subscriber.devices.items()}

    def entitlements(self, customer_id: str) -> set[tuple[str, str]]:
        """(device id, product id) pairs the subscriber holds."""
        state = self.state(customer_id) or {}
        return {(d, p) for d, device in state.items() for p in device["entitlements"]}

    def operations(self) -> list[str]:
        with self.lock:
            return [name for name, _ in self.calls]

    # --- the CAS ---------------------------------------------------------------------------------
    def _subscriber(self, customer_id: str) -> Subscriber:
        subscriber = self.subscribers.get(customer_id)
        if subscriber is None:
            raise CasFault("UNKNOWN_SUBSCRIBER", f"no subscriber {customer_id}")
        return subscriber

    def _owner(self, device_id: str) -> str | None:
        for subscriber in self.subscribers.values():
            if device_id in subscriber.devices:
                return subscriber.customer_id
        return None

    def _paired(self, subscriber: Subscriber, device_id: str) -> Device:
        device = subscriber.devices.get(device_id)
        if device is None:
            raise CasFault("UNKNOWN_DEVICE", f"device {device_id} is not paired with {subscriber.customer_id}")
        return device

    def handle(self, operation: str, p: dict[str, str]) -> etree._Element:
        """Run one operation on the state; returns the response body element."""
        injected = self.fault_next.pop(operation, None)
        if injected:
            raise CasFault(injected, "injected fault", client=injected != "INTERNAL_ERROR")
        if operation == "CreateSubscriber":
            if p["customerId"] in self.subscribers:
                raise CasFault("SUBSCRIBER_EXISTS", f"subscriber {p['customerId']} exists")
            self.subscribers[p["customerId"]] = Subscriber(p["customerId"], p["nationality"], p["regionTag"])
            return _result("CreateSubscriberResponse")
        subscriber = self._subscriber(p["customerId"])
        if operation == "GetSubscriber":
            return _subscriber_element(subscriber)
        if operation == "PairDevice":
            owner = self._owner(p["deviceId"])
            if owner is not None and owner != subscriber.customer_id:
                raise CasFault("DEVICE_PAIRED_ELSEWHERE", f"device {p['deviceId']} is paired with {owner}",
                               owner=owner)
            device = subscriber.devices.setdefault(p["deviceId"], Device(p["deviceType"]))
            device.device_type = p["deviceType"]
            return _result("PairDeviceResponse")
        if operation == "UnpairDevice":
            self._paired(subscriber, p["deviceId"])
            del subscriber.devices[p["deviceId"]]  # its entitlements end with it
            return _result("UnpairDeviceResponse")
        device = self._paired(subscriber, p["deviceId"])
        if operation == "AddEntitlement":
            if self.products is not None and p["productId"] not in self.products:
                raise CasFault("UNKNOWN_PRODUCT", f"no product {p['productId']}")
            start, end = _parse_time(p["startDate"]), _parse_time(p["endDate"])
            if end <= start:
                raise CasFault("INVALID_REQUEST", "endDate must be after startDate")
            device.entitlements[p["productId"]] = (start, end)
            return _result("AddEntitlementResponse")
        if operation == "RemoveEntitlement":
            if device.entitlements.pop(p["productId"], None) is None:
                raise CasFault("UNKNOWN_ENTITLEMENT", f"device {p['deviceId']} holds no {p['productId']}")
            return _result("RemoveEntitlementResponse")
        raise CasFault("INVALID_REQUEST", f"unknown operation {operation}")


# --- SOAP ----------------------------------------------------------------------------------------------

def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _result(name: str, status: str = "OK") -> etree._Element:
    element = etree.Element(_q(name), nsmap={"cas": NS})
    etree.SubElement(element, _q("status")).text = status
    return element


def _subscriber_element(subscriber: Subscriber) -> etree._Element:
    response = etree.Element(_q("GetSubscriberResponse"), nsmap={"cas": NS})
    node = etree.SubElement(response, _q("subscriber"))
    etree.SubElement(node, _q("customerId")).text = subscriber.customer_id
    etree.SubElement(node, _q("nationality")).text = subscriber.nationality
    etree.SubElement(node, _q("regionTag")).text = subscriber.region_tag
    for device_id, device in sorted(subscriber.devices.items()):
        d = etree.SubElement(node, _q("device"))
        etree.SubElement(d, _q("deviceId")).text = device_id
        etree.SubElement(d, _q("deviceType")).text = device.device_type
        for product_id, (start, end) in sorted(device.entitlements.items()):
            e = etree.SubElement(d, _q("entitlement"))
            etree.SubElement(e, _q("productId")).text = product_id
            etree.SubElement(e, _q("startDate")).text = _time_text(start)
            etree.SubElement(e, _q("endDate")).text = _time_text(end)
    return response


def _envelope(body_child: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    body.append(body_child)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _fault(fault: CasFault) -> bytes:
    element = etree.Element(f"{{{SOAP_ENV}}}Fault", nsmap={"soap": SOAP_ENV})
    etree.SubElement(element, "faultcode").text = "soap:Client" if fault.client else "soap:Server"
    etree.SubElement(element, "faultstring").text = fault.message
    detail = etree.SubElement(element, "detail")
    cas = etree.SubElement(detail, _q("CasFault"), nsmap={"cas": NS})
    etree.SubElement(cas, _q("code")).text = fault.code
    etree.SubElement(cas, _q("message")).text = fault.message
    if fault.owner:
        etree.SubElement(cas, _q("ownerCustomerId")).text = fault.owner
    return _envelope(element)


def _valid(element: etree._Element) -> str | None:
    """None when the element is valid against the WSDL's schema, else the first error."""
    if SCHEMA.validate(etree.ElementTree(copy.deepcopy(element))):
        return None
    return str(SCHEMA.error_log.last_error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stalls
    fake: FakeIrdeto

    def setup(self) -> None:
        super().setup()
        with self.fake.lock:
            self.fake.connections.add(self.connection)

    def finish(self) -> None:
        with self.fake.lock:
            self.fake.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/xml; charset=utf-8") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up waiting (timeout tests)
            pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path == f"{ENDPOINT}?wsdl":
            self._send(200, WSDL_PATH.read_bytes())
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if fake.delay:
            time.sleep(fake.delay)
        if fake.unavailable:
            self._send(503, b"503 Service Unavailable", "text/plain")
            return
        if self.path != ENDPOINT:
            self._send(404, b"not found", "text/plain")
            return
        try:
            operation, params = self._parse(raw)
        except CasFault as fault:
            with fake.lock:
                fake.rejected.append(fault.message)
            self._send(500, _fault(fault))
            return
        with fake.lock:
            fake.calls.append((operation, params))
            try:
                body = fake.handle(operation, params)
            except CasFault as fault:
                self._send(500, _fault(fault))
                return
        problem = _valid(body)
        assert problem is None, f"the fake's own {operation} answer is invalid: {problem}"
        self._send(200, _envelope(body))

    def _parse(self, raw: bytes) -> tuple[str, dict[str, str]]:
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("text/xml"):
            raise CasFault("INVALID_REQUEST", f"SOAP 1.1 needs Content-Type text/xml, not {content_type!r}")
        try:
            envelope = etree.fromstring(raw, _parser)
        except etree.XMLSyntaxError as exc:
            raise CasFault("INVALID_REQUEST", f"malformed XML: {exc}") from None
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        if envelope.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or len(body) != 1:
            raise CasFault("INVALID_REQUEST", "not a SOAP 1.1 envelope with one body element")
        element = body[0]
        operation = etree.QName(element).localname
        if etree.QName(element).namespace != NS or operation not in OPERATIONS:
            raise CasFault("INVALID_REQUEST", f"unknown operation {element.tag}")
        action = (self.headers.get("SOAPAction") or "").strip('"')
        if action != f"{NS}#{operation}":
            raise CasFault("INVALID_REQUEST", f"SOAPAction {action!r} does not name {operation}")
        problem = _valid(element)
        if problem is not None:
            raise CasFault("INVALID_REQUEST", f"invalid {operation}: {problem}")
        return operation, {etree.QName(child).localname: (child.text or "") for child in element}
