"""The one class that talks to Payture: InPay (`/apim/`) and the eWallet subset (`/vwapi/`).

Wire facts (also in docs/payments.md, "Payture wire facts"):
- requests are form POSTs; InPay calls carry the terminal `Key` (eWallet: `VWID`) and, for Init,
  Pay and Refund, a `Data` string `Name=value;Name=value` that is URL-encoded as a whole (a `;`
  inside a value is sent as `%3B`);
- amounts on the wire are minor units (kopecks, integers);
- answers are one XML element named after the method, e.g. `<PayStatus Success="True"
  OrderId=".." State="Charged" Amount="10000"/>`, or `Success="False" ErrCode=".."`, where
  `ErrCode="NONE"` means "not decided yet". Parsing is tolerant: attribute names in any case and
  order, surrounding whitespace, an XML declaration or not; defusedxml refuses entity tricks.

eWallet subset used here: `Init` with `SessionType=Pay` (pay and bind the card) or `Add` (bind
only), `Pay` with a `CardId` (merchant-initiated charge of a saved card), `PayStatus`, `GetList`
(cards) and `Remove`. Customers' wallet logins and passwords are derived by the gateway class.

Logs carry the method, the order id, the outcome and the time, never keys, passwords or `Data`.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from billing.payment_gateway import GatewayRefusal

logger = logging.getLogger("payments.payture")

CONNECT_TIMEOUT = 5.0


class PaytureUnavailable(GatewayRefusal):
    """Payture could not be asked (network error, timeout, HTTP error, unreadable answer): the
    outcome of the call is unknown."""

    def __init__(self, message: str) -> None:
        super().__init__(3, message)


@dataclass
class PaytureAnswer:
    """One parsed answer: the element name, `Success`, `ErrCode` and every attribute (lower-cased
    names), plus the child elements' attributes (GetList items)."""

    tag: str
    success: bool
    err_code: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, str]] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.attrs.get(name.lower(), default)

    @property
    def pending(self) -> bool:
        return not self.success and self.err_code.upper() == "NONE"


def parse_answer(text: str | bytes) -> PaytureAnswer:
    """Parse a Payture XML answer tolerantly (see the module doc). Raises ValueError when it is not XML."""
    from xml.etree.ElementTree import ParseError

    from defusedxml.ElementTree import fromstring

    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.strip().lstrip("\ufeff")
    if not text:
        raise ValueError("empty answer")
    try:
        root = fromstring(text)
    except (ParseError, Exception) as exc:  # defusedxml raises its own for forbidden constructs
        raise ValueError(f"not XML: {type(exc).__name__}") from exc
    attrs = {k.strip().lower(): (v or "").strip() for k, v in root.attrib.items()}
    items = [{k.strip().lower(): (v or "").strip() for k, v in child.attrib.items()} for child in root]
    return PaytureAnswer(tag=root.tag.strip(), success=attrs.get("success", "").lower() == "true",
                         err_code=attrs.get("errcode", ""), attrs=attrs, items=items)


def encode_data(pairs: dict[str, Any]) -> str:
    """`Name=value;Name=value` (the whole string is URL-encoded by the form encoding)."""
    return ";".join(f"{k}={str(v).replace(';', '%3B')}" for k, v in pairs.items() if v is not None and v != "")


def to_minor(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_minor(value: str) -> Decimal | None:
    try:
        return (Decimal(int(value.strip())) / 100).quantize(Decimal("0.01"))
    except (ValueError, AttributeError, ArithmeticError):
        return None


_local = threading.local()


def _session() -> requests.Session:
    """One HTTP session (connection pool) per thread, shared by every merchant."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = "tvmiddleware-payments/1"
        _local.session = session
    return session


class PaytureClient:
    """Calls of one Payture merchant. Thread-safe (per-thread HTTP sessions)."""

    def __init__(self, *, host: str, pay_key: str, add_key: str = "", password: str = "",
                 timeout: float = 15.0) -> None:
        self.host = host.rstrip("/")
        self.pay_key = pay_key
        self.add_key = add_key
        self.password = password
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)

    # --- transport --------------------------------------------------------------------------------
    def call(self, path: str, form: dict[str, str], *, label: str, order_id: str = "") -> PaytureAnswer:
        """POST a form to `{host}{path}` and parse the XML answer. Never retried here: Init and Pay are
        not idempotent; status calls are repeated by their callers (notifications, reconciliation)."""
        started = time.perf_counter()
        try:
            response = _session().post(f"{self.host}{path}", data=form, timeout=self.timeout)
        except requests.Timeout:
            self._log(logging.WARNING, label, order_id, "timed out", started)
            raise PaytureUnavailable(f"Payture {label}: timed out") from None
        except requests.RequestException as exc:
            self._log(logging.WARNING, label, order_id, f"connection failed ({type(exc).__name__})", started)
            raise PaytureUnavailable(f"Payture {label}: connection failed") from None
        if response.status_code != 200:
            self._log(logging.WARNING, label, order_id, f"HTTP {response.status_code}", started)
            raise PaytureUnavailable(f"Payture {label}: HTTP {response.status_code}")
        try:
            answer = parse_answer(response.content)
        except ValueError as exc:
            self._log(logging.WARNING, label, order_id, f"unreadable answer ({exc})", started)
            raise PaytureUnavailable(f"Payture {label}: unreadable answer") from None
        outcome = "ok" if answer.success else f"ErrCode={answer.err_code or '?'}"
        state = answer.get("State")
        self._log(logging.INFO, label, order_id, f"{outcome}{' State=' + state if state else ''}", started)
        return answer

    @staticmethod
    def _log(level: int, label: str, order_id: str, outcome: str, started: float) -> None:
        logger.log(level, "payture %s order=%s -> %s (%.0f ms)", label, order_id or "-", outcome,
                   (time.perf_counter() - started) * 1000)

    # --- InPay ------------------------------------------------------------------------------------
    def init(self, *, order_id: str, amount_minor: int, ip: str, url: str = "", template_tag: str = "",
             extra: dict[str, Any] | None = None) -> PaytureAnswer:
        data = {"SessionType": "Pay", "OrderId": order_id, "Amount": amount_minor, "IP": ip or "127.0.0.1",
                "Url": url, "TemplateTag": template_tag, **(extra or {})}
        return self.call("/apim/Init", {"Key": self.pay_key, "Data": encode_data(data)}, label="Init",
                         order_id=order_id)

    def pay_url(self, session_id: str) -> str:
        return f"{self.host}/apim/Pay?SessionId={quote(session_id)}"

    def pay_status(self, order_id: str) -> PaytureAnswer:
        return self.call("/apim/PayStatus", {"Key": self.pay_key, "OrderId": order_id}, label="PayStatus",
                         order_id=order_id)

    def get_state(self, order_id: str) -> PaytureAnswer:
        return self.call("/apim/GetState", {"Key": self.pay_key, "OrderId": order_id}, label="GetState",
                         order_id=order_id)

    def charge(self, order_id: str, amount_minor: int) -> PaytureAnswer:
        """Complete a two-step (authorised) payment."""
        return self.call("/apim/Charge", {"Key": self.pay_key, "OrderId": order_id, "Password": self.password,
                                          "Amount": str(amount_minor)}, label="Charge", order_id=order_id)

    def refund(self, order_id: str, amount_minor: int) -> PaytureAnswer:
        data = {"Password": self.password, "OrderId": order_id, "Amount": amount_minor}
        return self.call("/apim/Refund", {"Key": self.pay_key, "Data": encode_data(data)}, label="Refund",
                         order_id=order_id)

    # --- eWallet ----------------------------------------------------------------------------------
    def wallet_init(self, *, session_type: str, login: str, wallet_password: str, ip: str, order_id: str = "",
                    amount_minor: int | None = None, url: str = "", template_tag: str = "") -> PaytureAnswer:
        """Open an eWallet page session: `Pay` (pay and bind the card, the "Pay" terminal) or `Add`
        (bind a card only, the "Add" terminal)."""
        data = {"SessionType": session_type, "VWUserLgn": login, "VWUserPsw": wallet_password,
                "IP": ip or "127.0.0.1", "OrderId": order_id or None, "Amount": amount_minor, "Url": url,
                "TemplateTag": template_tag}
        vwid = self.pay_key if session_type == "Pay" else self.add_key
        return self.call("/vwapi/Init", {"VWID": vwid, "DATA": encode_data(data)}, label=f"vwapi Init {session_type}",
                         order_id=order_id)

    def wallet_page_url(self, session_id: str, session_type: str = "Pay") -> str:
        page = "Pay" if session_type == "Pay" else "Add"
        return f"{self.host}/vwapi/{page}?SessionId={quote(session_id)}"

    def wallet_pay(self, *, login: str, wallet_password: str, card_id: str, order_id: str, amount_minor: int,
                   ip: str = "") -> PaytureAnswer:
        """Charge a saved card without the customer (merchant-initiated, no CVV)."""
        data = {"VWUserLgn": login, "VWUserPsw": wallet_password, "CardId": card_id, "OrderId": order_id,
                "Amount": amount_minor, "IP": ip or "127.0.0.1"}
        return self.call("/vwapi/Pay", {"VWID": self.pay_key, "DATA": encode_data(data)}, label="vwapi Pay",
                         order_id=order_id)

    def wallet_pay_status(self, order_id: str) -> PaytureAnswer:
        return self.call("/vwapi/PayStatus", {"VWID": self.pay_key, "DATA": encode_data({"OrderId": order_id})},
                         label="vwapi PayStatus", order_id=order_id)

    def wallet_cards(self, *, login: str, wallet_password: str) -> PaytureAnswer:
        data = {"VWUserLgn": login, "VWUserPsw": wallet_password}
        return self.call("/vwapi/GetList", {"VWID": self.add_key or self.pay_key, "DATA": encode_data(data)},
                         label="vwapi GetList")

    def wallet_remove(self, *, login: str, wallet_password: str, card_id: str) -> PaytureAnswer:
        data = {"VWUserLgn": login, "VWUserPsw": wallet_password, "CardId": card_id}
        return self.call("/vwapi/Remove", {"VWID": self.add_key or self.pay_key, "DATA": encode_data(data)},
                         label="vwapi Remove")
