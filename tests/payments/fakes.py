"""A fake Payture on loopback: InPay (`/apim/`) and the eWallet subset (`/vwapi/`) the middleware
uses, served by one threaded HTTP/1.1 server, answering XML as Payture does.

What it checks and does, as the real one would:
- `apim/Init` needs the terminal `Key` and a `Data` string (`SessionType=Pay;OrderId=..;Amount=<minor
  units>;IP=..;Url=..;TemplateTag=..`); a wrong key is `ACCESS_DENIED`, a bad amount or missing field
  `WRONG_PARAMS`, an order id used before `DUPLICATE_ORDER_ID`. It answers
  `<Init Success="True" OrderId=".." Amount=".." SessionId=".."/>`.
- The payment page `GET /apim/Pay?SessionId=..` shows a form; requesting it with `Card=<PAN>` (what
  the form posts) pays: the card decides the outcome (`CARDS`), the order's state changes, and the
  fake POSTs the notification form (`Notification`, `OrderId`, `Amount`, `Success`, `ErrCode`...) to
  `notify_url` over real HTTP, as Payture does (synchronously, so a test knows it has arrived).
- `PayStatus` / `GetState` (Key, OrderId): `Success="True" State=".." Amount=".."` for decided
  orders, `Success="False" ErrCode="NONE"` while undecided (New, 3DS), `ErrCode=<code>` for a
  rejected one, `ORDER_NOT_FOUND`.
- `Charge` (two-step completion) and `Refund` check the terminal `Password`; a refund needs a
  charged order and at most the charged amount.
- eWallet: `vwapi/Init` (`SessionType=Pay` pays and binds the card to the user's wallet, `Add` only
  binds; users are registered on first use with their `VWUserPsw`), the page `vwapi/Pay|Add`,
  `vwapi/Pay` with `CardId` (merchant-initiated charge: the card's PAN decides), `vwapi/PayStatus`,
  `vwapi/GetList`, `vwapi/Remove`. A wrong wallet password is `ACCESS_DENIED`.

Failure injection: `fail_next[method] = "ERRCODE"` (the next call of that method refuses with the
code), `down` (HTTP 503), `hang` (seconds to sleep before answering: client timeouts), `garbage`
(an HTML error page instead of XML), `delay` (every answer, for benchmarks), `lowercase_attrs`
(attribute names lower-cased and in reverse order, to exercise tolerant parsing).
No Django here: the benchmark can run the fake in its own process.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import quoteattr

import requests

PAY_KEY = "MerchantPay"
ADD_KEY = "MerchantAdd"
PASSWORD = "terminal-secret"

#: PAN → (state after paying, ErrCode). Anything else is refused as WRONG_CARD_INFO.
CARDS = {
    "4111111111111111": ("Charged", ""),
    "5555555555554444": ("Charged", ""),
    "4000000000000002": ("Rejected", "AMOUNT_EXCEED"),        # insufficient funds
    "4000000000000069": ("Rejected", "ISSUER_CARD_FAIL"),
    "4000000000003063": ("PreAuthorized3DS", "NONE"),         # stuck in 3DS: stays pending
}
SUCCESS_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
THREE_DS_CARD = "4000000000003063"


def parse_data(text: str) -> dict[str, str]:
    """`Name=value;Name=value` (already URL-decoded by the form decoding)."""
    pairs = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if sep and name.strip():
            pairs[name.strip()] = unquote(value)
    return pairs


def mask(pan: str) -> str:
    return f"{pan[:6]}{'x' * (len(pan) - 10)}{pan[-4:]}"


@dataclass
class Order:
    order_id: str
    amount: int
    key: str
    state: str = "New"
    err_code: str = ""
    session_id: str = ""
    url: str = ""
    ip: str = ""
    template: str = ""
    login: str = ""               # eWallet user when the order belongs to a wallet session
    refunded: int = 0
    pan: str = ""


@dataclass
class Card:
    card_id: str
    pan: str
    exp: str = "12/30"
    active: bool = True


@dataclass
class Wallet:
    password: str
    cards: dict[str, Card] = field(default_factory=dict)


class FakePayture:
    """State and behaviour of the fake gateway (see the module doc)."""

    def __init__(self, *, pay_key: str = PAY_KEY, add_key: str = ADD_KEY, password: str = PASSWORD,
                 notify_url: str = "", delay: float = 0.0) -> None:
        self.pay_key, self.add_key, self.password = pay_key, add_key, password
        self.notify_url = notify_url
        self.delay = delay
        self.lock = threading.RLock()
        self.orders: dict[str, Order] = {}
        self.sessions: dict[str, tuple[str, str]] = {}   # session id → (kind "pay"/"add", order id or login)
        self.wallets: dict[str, Wallet] = {}
        self.requests: Counter[str] = Counter()
        self.notifications: list[tuple[str, int, str]] = []  # (order id, HTTP status, body) delivered
        self.fail_next: dict[str, str] = {}
        self.down = False
        self.hang = 0.0
        self.garbage = False
        self.lowercase_attrs = False
        self.server: ThreadingHTTPServer | None = None
        self.http = requests.Session()

    # --- serving ---------------------------------------------------------------------------------
    def start(self) -> "FakePayture":
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-payture", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self.http.close()

    @property
    def host(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # --- answers ---------------------------------------------------------------------------------
    def xml(self, tag: str, attrs: dict[str, Any], items: list[dict[str, Any]] | None = None) -> bytes:
        pairs = [(k, v) for k, v in attrs.items() if v is not None]
        if self.lowercase_attrs:
            pairs = [(k.lower(), v) for k, v in reversed(pairs)]
        head = f"<{tag} " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in pairs)
        if not items:
            return f'<?xml version="1.0" encoding="utf-8"?>\n{head}/>'.encode()
        inner = "".join("<Item " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in item.items()) + "/>"
                        for item in items)
        return f"{head}>{inner}</{tag}>".encode()

    def refuse(self, tag: str, code: str, **attrs: Any) -> bytes:
        return self.xml(tag, {"Success": "False", **attrs, "ErrCode": code})

    def injected(self, method: str) -> str:
        with self.lock:
            return self.fail_next.pop(method, "")

    # --- InPay -------------------------------------------------------------------------------------
    def init(self, form: dict[str, str], *, wallet: bool) -> bytes:
        key = form.get("VWID" if wallet else "Key", "")
        data = parse_data(form.get("DATA" if wallet else "Data", ""))
        session_type = data.get("SessionType", "")
        expected = self.add_key if (wallet and session_type == "Add") else self.pay_key
        if not secrets.compare_digest(key, expected):
            return self.refuse("Init", "ACCESS_DENIED")
        code = self.injected("Init")
        if code:
            return self.refuse("Init", code)
        if session_type not in ("Pay", "Add") or (not wallet and session_type != "Pay") or not data.get("IP"):
            return self.refuse("Init", "WRONG_PARAMS")
        with self.lock:
            login = ""
            if wallet:
                login = data.get("VWUserLgn", "")
                password = data.get("VWUserPsw", "")
                if not login or not password:
                    return self.refuse("Init", "WRONG_PARAMS")
                user = self.wallets.setdefault(login, Wallet(password=password))
                if not secrets.compare_digest(user.password, password):
                    return self.refuse("Init", "ACCESS_DENIED")
            session_id = secrets.token_hex(16)
            if session_type == "Add":
                self.sessions[session_id] = ("add", login)
                return self.xml("Init", {"Success": "True", "SessionId": session_id})
            order_id, amount = data.get("OrderId", ""), data.get("Amount", "")
            if not order_id or not amount.isdigit() or int(amount) <= 0:
                return self.refuse("Init", "WRONG_PARAMS", OrderId=order_id)
            if order_id in self.orders:
                return self.refuse("Init", "DUPLICATE_ORDER_ID", OrderId=order_id)
            self.orders[order_id] = Order(order_id=order_id, amount=int(amount), key=key, session_id=session_id,
                                          url=data.get("Url", ""), ip=data["IP"], template=data.get("TemplateTag", ""),
                                          login=login)
            self.sessions[session_id] = ("pay", order_id)
        return self.xml("Init", {"Success": "True", "OrderId": order_id, "Amount": amount, "SessionId": session_id})

    def page(self, session_id: str, pan: str) -> tuple[int, bytes]:
        """The hosted page: without a card, the form; with one, the payment (and the notification)."""
        with self.lock:
            session = self.sessions.get(session_id)
        if session is None:
            return 404, b"<html><body>Session not found or expired</body></html>"
        kind, ref = session
        if not pan:
            return 200, (f'<html><body><form method="post"><input name="SessionId" value="{session_id}">'
                         '<input name="Card"><button>Pay</button></form></body></html>').encode()
        state, err = CARDS.get(pan, ("Rejected", "WRONG_CARD_INFO"))
        with self.lock:
            if kind == "add":
                card = self._bind(ref, pan) if state == "Charged" else None
                return 200, f"<html><body>Card {'added' if card else 'refused'}</body></html>".encode()
            order = self.orders[ref]
            if order.state not in ("New", "PreAuthorized3DS"):
                return 200, f"<html><body>Order already {order.state}</body></html>".encode()
            order.state, order.err_code, order.pan = state, err, pan
            if state == "Charged" and order.login:
                self._bind(order.login, pan)
        if state != "PreAuthorized3DS":
            self.notify(ref)
        return 200, f"<html><body>Payment {state}. <a href={quoteattr(order.url)}>Back</a></body></html>".encode()

    def _bind(self, login: str, pan: str) -> Card:
        wallet = self.wallets[login]
        for card in wallet.cards.values():
            if card.pan == pan and card.active:
                return card
        card = Card(card_id=secrets.token_hex(8), pan=pan)
        wallet.cards[card.card_id] = card
        return card

    def notification_form(self, order_id: str) -> dict[str, str]:
        with self.lock:
            order = self.orders[order_id]
            ok = order.state == "Charged"
            return {"Notification": "EngineChargeSuccess" if ok else "EngineChargeFail",
                    "OrderId": order.order_id, "MerchantContract": order.key, "Amount": str(order.amount),
                    "Success": "True" if ok else "False", "ErrCode": order.err_code or "NONE",
                    "TransactionDate": time.strftime("%Y-%m-%dT%H:%M:%S")}

    def notify(self, order_id: str) -> int:
        """POST the order's notification to `notify_url` (also used by tests to replay one)."""
        if not self.notify_url:
            return 0
        try:
            response = self.http.post(self.notify_url, data=self.notification_form(order_id), timeout=30)
            status, body = response.status_code, response.text[:200]
        except requests.RequestException as exc:
            status, body = 0, type(exc).__name__
        with self.lock:
            self.notifications.append((order_id, status, body))
        return status

    def set_state(self, order_id: str, state: str, err_code: str = "") -> None:
        """Change an order behind the middleware's back (a payment made while a notification was lost)."""
        with self.lock:
            order = self.orders[order_id]
            order.state, order.err_code = state, err_code

    def status(self, tag: str, order_id: str) -> bytes:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                return self.refuse(tag, "ORDER_NOT_FOUND", OrderId=order_id)
            if order.state in ("New", "PreAuthorized3DS"):
                return self.refuse(tag, "NONE", OrderId=order_id, State=order.state)
            if order.state in ("Rejected", "Error"):
                return self.refuse(tag, order.err_code or "ISSUER_FAIL", OrderId=order_id, State=order.state)
            attrs = {"Success": "True", "OrderId": order_id, "Amount": order.amount - order.refunded,
                     "State": order.state}
            if tag == "GetState":
                attrs.update({"Forwarded": "False", "MerchantContract": order.key, "RRN": "0" * 12})
            return self.xml(tag, attrs)

    def apim(self, method: str, form: dict[str, str]) -> bytes:
        if method == "Init":
            return self.init(form, wallet=False)
        if method in ("PayStatus", "GetState"):
            if not secrets.compare_digest(form.get("Key", ""), self.pay_key):
                return self.refuse(method, "ACCESS_DENIED")
            code = self.injected(method)
            if code:
                return self.refuse(method, code, OrderId=form.get("OrderId", ""))
            return self.status(method, form.get("OrderId", ""))
        if method in ("Charge", "Refund"):
            data = parse_data(form.get("Data", "")) if form.get("Data") else form
            if not secrets.compare_digest(form.get("Key", ""), self.pay_key) or not secrets.compare_digest(
                    data.get("Password", ""), self.password):
                return self.refuse(method, "ACCESS_DENIED")
            code = self.injected(method)
            order_id, amount = data.get("OrderId", ""), data.get("Amount", "")
            if code:
                return self.refuse(method, code, OrderId=order_id)
            with self.lock:
                order = self.orders.get(order_id)
                if order is None:
                    return self.refuse(method, "ORDER_NOT_FOUND", OrderId=order_id)
                if not amount.isdigit():
                    return self.refuse(method, "WRONG_PARAMS", OrderId=order_id)
                if method == "Charge":
                    if order.state != "Authorized":
                        return self.refuse(method, "ILLEGAL_ORDER_STATE", OrderId=order_id)
                    order.state = "Charged"
                    return self.xml(method, {"Success": "True", "OrderId": order_id, "Amount": order.amount})
                if order.state != "Charged":
                    return self.refuse(method, "ILLEGAL_ORDER_STATE", OrderId=order_id)
                if int(amount) > order.amount - order.refunded:
                    return self.refuse(method, "AMOUNT_ERROR", OrderId=order_id)
                order.refunded += int(amount)
                if order.refunded == order.amount:
                    order.state = "Refunded"
                return self.xml(method, {"Success": "True", "OrderId": order_id,
                                         "NewAmount": order.amount - order.refunded})
        return self.refuse(method, "WRONG_PARAMS")

    # --- eWallet -----------------------------------------------------------------------------------
    def _user(self, data: dict[str, str]) -> tuple[Wallet | None, str]:
        login, password = data.get("VWUserLgn", ""), data.get("VWUserPsw", "")
        wallet = self.wallets.get(login)
        if wallet is None:
            return None, "USER_NOT_FOUND"
        if not secrets.compare_digest(wallet.password, password):
            return None, "ACCESS_DENIED"
        return wallet, ""

    def vwapi(self, method: str, form: dict[str, str]) -> bytes:
        if method == "Init":
            return self.init(form, wallet=True)
        vwid = form.get("VWID", "")
        if not (secrets.compare_digest(vwid, self.pay_key) or secrets.compare_digest(vwid, self.add_key)):
            return self.refuse(method, "ACCESS_DENIED")
        data = parse_data(form.get("DATA", ""))
        code = self.injected(f"vwapi/{method}")
        if code:
            return self.refuse(method, code, OrderId=data.get("OrderId"))
        if method == "PayStatus":
            return self.status("PayStatus", data.get("OrderId", ""))
        with self.lock:
            wallet, problem = self._user(data)
            if wallet is None:
                return self.refuse(method, problem, VWUserLgn=data.get("VWUserLgn", ""))
            login = data["VWUserLgn"]
            if method == "GetList":
                items = [{"CardName": mask(c.pan), "CardId": c.card_id, "CardHolder": "CARD HOLDER",
                          "Status": "IsActive", "NoCVV": "True", "Expired": "False", "ExpDate": c.exp}
                         for c in wallet.cards.values() if c.active]
                return self.xml("GetList", {"Success": "True", "VWUserLgn": login}, items)
            card = wallet.cards.get(data.get("CardId", ""))
            if method == "Remove":
                if card is None or not card.active:
                    return self.refuse(method, "CARD_NOT_FOUND", VWUserLgn=login)
                card.active = False
                return self.xml("Remove", {"Success": "True", "VWUserLgn": login, "CardId": card.card_id})
            if method == "Pay":
                if vwid != self.pay_key:
                    return self.refuse(method, "ACCESS_DENIED")
                order_id, amount = data.get("OrderId", ""), data.get("Amount", "")
                if card is None or not card.active:
                    return self.refuse(method, "CARD_NOT_FOUND", OrderId=order_id)
                if not order_id or not amount.isdigit() or int(amount) <= 0:
                    return self.refuse(method, "WRONG_PARAMS", OrderId=order_id)
                if order_id in self.orders:
                    return self.refuse(method, "DUPLICATE_ORDER_ID", OrderId=order_id)
                state, err = CARDS.get(card.pan, ("Rejected", "WRONG_CARD_INFO"))
                self.orders[order_id] = Order(order_id=order_id, amount=int(amount), key=vwid, state=state,
                                              err_code=err, login=login, pan=card.pan, ip=data.get("IP", ""))
                if state != "Charged":
                    return self.refuse(method, err, OrderId=order_id)
                return self.xml("Pay", {"VWUserLgn": login, "OrderId": order_id, "Success": "True",
                                        "Amount": amount})
        return self.refuse(method, "WRONG_PARAMS")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the listen backlog: must be set before the socket listens


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    fake: FakePayture

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/xml; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _form(self) -> dict[str, str]:
        parts = urlsplit(self.path)
        form = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            form.update(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True))
        return form

    def _handle(self) -> None:
        fake = self.fake
        form = self._form()
        path = urlsplit(self.path).path
        is_page = path in ("/apim/Pay", "/vwapi/Add") or (path == "/vwapi/Pay" and "SessionId" in form)
        with fake.lock:
            fake.requests[f"{path} (page)" if is_page else path] += 1
        if fake.delay:
            time.sleep(fake.delay)
        if fake.hang:
            time.sleep(fake.hang)
        if fake.down:
            self._send(503, b"<html><body>Service Unavailable</body></html>", "text/html")
            return
        if fake.garbage:
            self._send(200, b"<html><body>Internal error</body", "text/html")
            return
        if is_page:
            status, body = fake.page(form.get("SessionId", ""), form.get("Card", ""))
            self._send(status, body, "text/html; charset=utf-8")
        elif path.startswith("/apim/"):
            self._send(200, fake.apim(path[len("/apim/"):], form))
        elif path.startswith("/vwapi/"):
            self._send(200, fake.vwapi(path[len("/vwapi/"):], form))
        else:
            self._send(404, b"<html><body>Not found</body></html>", "text/html")

    do_GET = _handle  # noqa: N815
    do_POST = _handle  # noqa: N815


def serve_forever(delay: float, notify_url: str, port_queue: Any, stop_event: Any) -> None:
    """Run a fake in this process (a benchmark's child process) until `stop_event`."""
    fake = FakePayture(delay=delay, notify_url=notify_url).start()
    port_queue.put(fake.host)
    stop_event.wait()
    fake.stop()
