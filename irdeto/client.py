"""The one class that talks to the Irdeto CAS: SOAP over zeep, with timeouts and plain results.

The WSDL is a file (`IRDETO_WSDL`, by default the stand-in `irdeto/wsdl/irdeto_cas.wsdl`), parsed
once per process; the service address comes from `IRDETO_HOST` (or the integration's `host`
attribute), not from the WSDL. To use the vendor's WSDL, map its names in `BINDING` and
`OPERATIONS` below (and, if its shapes differ, the few lines that read `GetSubscriber`).

Calls are not retried here: every change travels as a domain event that the outbox retries, and
the periodic `irdeto_resync` repairs the rest. Every failure is a `PluginError` subclass:
`IrdetoFault` when the CAS answered with a SOAP fault (its code kept), `IrdetoError` when it could
not be asked (connection refused, timeout, HTTP error, malformed answer).

Logs name the operation, the ids involved, the outcome and the time. No credentials pass here.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from typing import Any

import requests
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.helpers import serialize_object
from zeep.transports import Transport
from zeep.wsdl import Document

from tvmiddleware.plugins import PluginError

from .config import IrdetoSettings

logger = logging.getLogger("irdeto.client")

NAMESPACE = "urn:tvmiddleware:irdeto:cas:1"
BINDING = f"{{{NAMESPACE}}}CasManagementBinding"
# Our name → the WSDL operation that does it.
OPERATIONS = {
    "create_subscriber": "CreateSubscriber",
    "get_subscriber": "GetSubscriber",
    "pair_device": "PairDevice",
    "unpair_device": "UnpairDevice",
    "add_entitlement": "AddEntitlement",
    "remove_entitlement": "RemoveEntitlement",
}

# Fault codes (CasFault/code).
UNKNOWN_SUBSCRIBER = "UNKNOWN_SUBSCRIBER"
SUBSCRIBER_EXISTS = "SUBSCRIBER_EXISTS"
UNKNOWN_DEVICE = "UNKNOWN_DEVICE"
DEVICE_PAIRED_ELSEWHERE = "DEVICE_PAIRED_ELSEWHERE"
UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
UNKNOWN_ENTITLEMENT = "UNKNOWN_ENTITLEMENT"


class IrdetoError(PluginError):
    """The CAS could not be asked or gave no usable answer (the outbox retries)."""


class IrdetoFault(IrdetoError):
    """The CAS answered with a SOAP fault: `code` from its CasFault detail (or the SOAP faultcode)."""

    def __init__(self, message: str, *, code: str = "", owner: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.owner = owner


@dataclass(frozen=True)
class Period:
    """An entitlement's period at the CAS (UTC, whole seconds)."""

    start: datetime
    end: datetime


@dataclass
class CasDevice:
    device_type: str
    entitlements: dict[str, Period] = field(default_factory=dict)  # product id → period


@dataclass
class CasSubscriberState:
    """What the CAS holds for one subscriber."""

    customer_id: str
    nationality: str = ""
    region_tag: str = ""
    devices: dict[str, CasDevice] = field(default_factory=dict)  # device id → device


def utc_seconds(value: datetime) -> datetime:
    """A moment as the CAS keeps it: UTC, without fractions of a second."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_timezone.utc)
    return value.astimezone(dt_timezone.utc).replace(microsecond=0)


# --- the parsed WSDL, once per process (parsing is slow) --------------------------------------------

_documents: dict[str, Document] = {}
_documents_lock = threading.Lock()


def wsdl_document(path: str) -> Document:
    with _documents_lock:
        document = _documents.get(path)
        if document is None:
            document = Document(path, Transport(timeout=30), settings=Settings(strict=True))
            _documents[path] = document
        return document


class IrdetoClient:
    """SOAP calls of one Irdeto integration. One instance per thread (its HTTP session is its own)."""

    def __init__(self, config: IrdetoSettings) -> None:
        self.config = config
        self.transport = Transport(timeout=config.timeout, operation_timeout=config.timeout)
        self.transport.session.headers["User-Agent"] = "tvmiddleware-irdeto/1"
        client = Client(wsdl_document(config.wsdl), transport=self.transport)
        self.service = client.create_service(BINDING, config.host)

    def close(self) -> None:
        self.transport.session.close()

    # --- transport --------------------------------------------------------------------------------
    def _call(self, name: str, **params: Any) -> Any:
        operation = OPERATIONS[name]
        shown = {k: v for k, v in params.items() if k in ("customerId", "deviceId", "productId")}
        started = time.perf_counter()
        elapsed = lambda: (time.perf_counter() - started) * 1000  # noqa: E731
        try:
            result = getattr(self.service, operation)(**params)
        except Fault as fault:
            if fault.detail is not None and not hasattr(fault.detail, "iter"):
                # An error page that happens to be XML (a proxy's HTML), not a SOAP fault.
                reason = "an error answer that is not a SOAP fault"
                logger.warning("irdeto %s %s failed: %s (%.0f ms)", operation, shown, reason, elapsed())
                raise IrdetoError(f"Irdeto {operation} failed: {reason}") from None
            code, message, owner = _fault_detail(fault)
            log = logger.info if code in (UNKNOWN_SUBSCRIBER, SUBSCRIBER_EXISTS, UNKNOWN_DEVICE,
                                          UNKNOWN_ENTITLEMENT) else logger.warning
            log("irdeto %s %s -> fault %s (%.0f ms)", operation, shown, code, elapsed())
            raise IrdetoFault(f"Irdeto {operation}: {code}: {message}", code=code, owner=owner) from None
        except requests.Timeout:
            reason = "timed out"
        except requests.ConnectionError:
            reason = "connection failed"
        except requests.RequestException as exc:
            reason = type(exc).__name__
        except TransportError as exc:
            reason = f"HTTP {exc.status_code}"
        except ZeepError as exc:  # malformed answer, or a request the WSDL does not allow
            reason = f"{type(exc).__name__}: {exc}"[:300]
        else:
            logger.info("irdeto %s %s -> ok (%.0f ms)", operation, shown, elapsed())
            return result
        logger.warning("irdeto %s %s failed: %s (%.0f ms)", operation, shown, reason, elapsed())
        raise IrdetoError(f"Irdeto {operation} failed: {reason}")

    # --- operations -------------------------------------------------------------------------------
    def get_subscriber(self, customer_id: str) -> CasSubscriberState | None:
        """The subscriber with its devices and entitlements; None when the CAS does not know it."""
        try:
            result = self._call("get_subscriber", customerId=customer_id)
        except IrdetoFault as fault:
            if fault.code == UNKNOWN_SUBSCRIBER:
                return None
            raise
        data = serialize_object(result)
        if isinstance(data, dict) and "subscriber" in data and "customerId" not in data:
            data = data["subscriber"]
        if not isinstance(data, dict):
            raise IrdetoError("Irdeto GetSubscriber: unexpected answer")
        state = CasSubscriberState(customer_id=str(data.get("customerId") or customer_id),
                                   nationality=str(data.get("nationality") or ""),
                                   region_tag=str(data.get("regionTag") or ""))
        for device in data.get("device") or []:
            entitlements = {
                str(e["productId"]): Period(start=utc_seconds(e["startDate"]), end=utc_seconds(e["endDate"]))
                for e in device.get("entitlement") or []
            }
            state.devices[str(device["deviceId"])] = CasDevice(device_type=str(device.get("deviceType") or ""),
                                                               entitlements=entitlements)
        return state

    def create_subscriber(self, customer_id: str) -> None:
        """Create the subscriber with the integration's nationality and region (exists already: fine)."""
        try:
            self._call("create_subscriber", customerId=customer_id, nationality=self.config.nationality,
                       regionTag=self.config.region_tag)
        except IrdetoFault as fault:
            if fault.code != SUBSCRIBER_EXISTS:
                raise

    def pair_device(self, customer_id: str, device_id: str, device_type: str) -> None:
        self._call("pair_device", customerId=customer_id, deviceId=device_id, deviceType=device_type)

    def unpair_device(self, customer_id: str, device_id: str) -> None:
        """Release a device (its entitlements end with it); not paired with the subscriber: fine."""
        try:
            self._call("unpair_device", customerId=customer_id, deviceId=device_id)
        except IrdetoFault as fault:
            if fault.code != UNKNOWN_DEVICE:
                raise

    def add_entitlement(self, customer_id: str, device_id: str, product_id: str, period: Period) -> None:
        """Grant (or re-date) a product on a paired device."""
        self._call("add_entitlement", customerId=customer_id, deviceId=device_id, productId=product_id,
                   startDate=utc_seconds(period.start), endDate=utc_seconds(period.end))

    def remove_entitlement(self, customer_id: str, device_id: str, product_id: str) -> None:
        """End a product on a device; not held: fine."""
        try:
            self._call("remove_entitlement", customerId=customer_id, deviceId=device_id, productId=product_id)
        except IrdetoFault as fault:
            if fault.code not in (UNKNOWN_ENTITLEMENT, UNKNOWN_DEVICE):
                raise


def _fault_detail(fault: Fault) -> tuple[str, str, str]:
    """(code, message, owner) from a SOAP fault's CasFault detail; the faultcode when there is none."""
    code, message, owner = "", str(fault.message or ""), ""
    detail = fault.detail
    if detail is not None:
        for element in detail.iter():
            tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
            text = (element.text or "").strip()
            if tag == "code" and text:
                code = text
            elif tag == "message" and text:
                message = text
            elif tag == "ownerCustomerId" and text:
                owner = text
    if not code:
        code = str(fault.code or "FAULT").rsplit(":", 1)[-1]
    return code, message[:500], owner
