"""`rest_billing`: an operator billing that speaks a small JSON-over-HTTP contract.

Configuration (attributes of the `ExternalSystem`):
  api_url     base URL, e.g. `https://billing.example.net/api/v1` (required, http or https)
  api_token   secret sent as `Authorization: Bearer <api_token>` (required; never logged)
  timeout     seconds to wait for an answer (default 10)
  bill_purchases                  "1": video purchases are billed by this billing
  ignore_customer_balance_check   "1": the product's name for the same switch

The contract the operator's billing implements. Customers are identified by the middleware
customer's `ext_id` (its id in the operator's billing), tariffs by the tariff's `ext_id`; both are
URL-quoted as path segments. Bodies are JSON; money is a decimal string with a dot ("12.50").

  GET    {api_url}/customers/{ext_id}
         200 {"ext_id": "C1", "status": "active" | "debt" | "blocked", "balance": "12.50"}
         404 the billing does not know the customer
  GET    {api_url}/customers/{ext_id}/balance
         200 {"balance": "12.50", "currency": "RUB"}
  POST   {api_url}/customers
         {"ext_id": "" | "C1", "abonement": "100001", "firstname": "", "lastname": "",
          "mobile_phone_number": ""}
         201 {"ext_id": "C1"}                           (register_account)
  POST   {api_url}/customers/{ext_id}/subscriptions
         {"tariff_ext_id": "T1", "subscription_id": 7}
         201 opened; 200 or 409 already open (success: the call is idempotent)
         402 the balance does not cover it; 404 unknown customer or tariff
  DELETE {api_url}/customers/{ext_id}/subscriptions/{tariff_ext_id}
         204 closed; 404 not open (success: idempotent)
  GET    {api_url}/customers/{ext_id}/payments?from=YYYY-MM-DD&to=YYYY-MM-DD
         200 {"payments": [{"id": "P1", "amount": "10.00", "created_at": "<ISO 8601>", "comment": ""}]}
  POST   {api_url}/customers/{ext_id}/purchases
         {"purchase_key": "...", "video_id": 5, "video_ext_id": "", "kind": "buy" | "rent", "price": "30.00"}
         201 {"id": "B1"}; 200 the same purchase_key was billed before (idempotent); 402 no money
  DELETE {api_url}/customers/{ext_id}/purchases/{purchase_key}
         204 the charge of that purchase was given back; 404 nothing billed under that key (success:
         idempotent). Sent when the online cinema selling the title refused it after the charge.

  401 means the token was refused; any 5xx, a malformed answer or no answer within `timeout` is a
  failure of the partner (`PluginError`): the outbox retries tariff changes, `check_accounts` tries
  again on its next run. GET and DELETE are retried twice on connection errors and 502/503/504.

Tariff changes reach the billing through the domain-event hooks (`on_tariff_assigned`,
`on_tariff_removed`), delivered from the outbox after commit. A hook does not replay the change it
reports: it sends the customer's *current* state of that tariff (open subscription in the middleware:
POST, none: DELETE; both idempotent), so a stale `tariff.removed` retried after a later
`tariff.assigned` cannot close at the billing what the middleware holds open (the outbox also keeps
one customer's deliveries to the billing in order). A tariff without `ext_id` is not
billed externally and is skipped; a customer without `ext_id` cannot be named to the billing, so the
delivery fails visibly (fix the customer, then retry it from the admin).
`process_account` aligns an account with the billing's customer status: "debt" blocks it with
status DEBT, "blocked" with BLOCK, "active" lifts a DEBT block (other blocks stay).
"""
from __future__ import annotations

import logging
import time
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import requests
from django.utils.dateparse import parse_datetime
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tvmiddleware.models import AccountStatus, Customer, TariffSubscription
from common.money import MoneyError, read_money

from .plugins import Authorization, BillingPluginBase, BillingRefused, ExternalPayment, PluginError, truthy

if TYPE_CHECKING:
    from tvmiddleware.models import Account, DomainEvent, Tariff, TariffSubscription, Video

logger = logging.getLogger("billing.rest_plugin")

DEFAULT_TIMEOUT = 10.0
STATUS_AUTHORIZATION = {
    "active": Authorization(allowed=True),
    "debt": Authorization(allowed=False, status_reason=AccountStatus.DEBT, message="debt in the operator's billing"),
    "blocked": Authorization(allowed=False, status_reason=AccountStatus.BLOCK,
                             message="blocked in the operator's billing"),
}


def _session() -> requests.Session:
    session = requests.Session()
    retry = Retry(total=2, connect=2, read=2, backoff_factor=0.2, status_forcelist=(502, 503, 504),
                  allowed_methods=frozenset({"GET", "DELETE"}), raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class RestBillingPlugin(BillingPluginBase):
    """The operator's billing behind the REST contract of this module."""

    verbose_name = "REST billing (customers, subscriptions, balance)"

    def __init__(self, external_system) -> None:
        super().__init__(external_system)
        self._http: requests.Session | None = None
        self._customers: dict[str, dict[str, Any]] = {}  # per instance: one check_accounts run

    # --- configuration --------------------------------------------------------------------------
    @classmethod
    def validate_attributes(cls, attributes: dict[str, str]) -> dict[str, str]:
        problems = {}
        url = attributes.get("api_url", "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems["api_url"] = "Required: the billing's base URL (http:// or https://)."
        if not attributes.get("api_token", "").strip():
            problems["api_token"] = "Required: the token sent as a Bearer header."
        timeout = attributes.get("timeout", "").strip()
        if timeout:
            try:
                if not 0 < float(timeout) <= 120:
                    raise ValueError
            except ValueError:
                problems["timeout"] = "Seconds, a number above 0 and at most 120."
        return problems

    @property
    def api_url(self) -> str:
        return self.attribute("api_url").strip().rstrip("/")

    @property
    def api_token(self) -> str:
        return self.attribute("api_token").strip()

    @property
    def timeout(self) -> float:
        try:
            return float(self.attribute("timeout") or DEFAULT_TIMEOUT)
        except ValueError:
            return DEFAULT_TIMEOUT

    @property
    def bills_purchases_externally(self) -> bool:  # type: ignore[override]
        return truthy(self.attribute("bill_purchases"))

    # --- HTTP -----------------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, json: dict | None = None, params: dict | None = None,
                 success: tuple[int, ...] = (200, 201, 204)) -> tuple[int, Any]:
        """Call the billing; returns (status, decoded JSON or None). Maps failures to exceptions."""
        if not self.api_url or not self.api_token:
            raise PluginError(f"integration #{self.external_system.pk}: api_url and api_token are required")
        if self._http is None:
            self._http = _session()
        url = self.api_url + path
        started = time.monotonic()
        try:
            response = self._http.request(
                method, url, json=json, params=params, timeout=self.timeout,
                headers={"Authorization": f"Bearer {self.api_token}", "Accept": "application/json"},
            )
        except requests.RequestException as exc:
            logger.warning("rest_billing system=%s %s %s failed after %.0f ms: %s", self.external_system.pk,
                           method, path, (time.monotonic() - started) * 1000, type(exc).__name__)
            raise PluginError(f"billing unreachable: {type(exc).__name__}") from exc
        status = response.status_code
        logger.info("rest_billing system=%s %s %s -> %s in %.0f ms", self.external_system.pk, method, path,
                    status, (time.monotonic() - started) * 1000)
        if status in success:
            return status, _json(response)
        if status == 401:
            raise PluginError("the billing refused the api_token (401)")
        if status == 402:
            raise BillingRefused("the balance in the operator's billing does not cover it",
                                 reason="insufficient_funds")
        if status == 404:
            raise BillingRefused("unknown to the operator's billing", reason="not_found")
        if 400 <= status < 500:
            raise BillingRefused(f"the billing refused the request ({status})")
        raise PluginError(f"the billing failed ({status})")

    @staticmethod
    def _customer_path(ext_id: str) -> str:
        return f"/customers/{quote(ext_id, safe='')}"

    # --- customers and status -------------------------------------------------------------------
    def customer_record(self, ext_id: str, *, fresh: bool = False) -> dict[str, Any]:
        """The billing's record of a customer (cached for the life of this plugin instance)."""
        if fresh or ext_id not in self._customers:
            _, body = self._request("GET", self._customer_path(ext_id))
            if not isinstance(body, dict) or "status" not in body:
                raise PluginError("malformed customer record from the billing")
            self._customers[ext_id] = body
        return self._customers[ext_id]

    def authorize_account(self, *, account: "Account") -> Authorization:
        ext_id = account.customer.ext_id
        if not ext_id:
            return Authorization(allowed=True, message="not linked to the operator's billing")
        try:
            record = self.customer_record(ext_id, fresh=True)
        except BillingRefused as exc:
            if exc.reason == "not_found":
                return Authorization(allowed=False, status_reason=AccountStatus.INACTIVE,
                                     message="unknown to the operator's billing")
            raise
        return _authorization(record)

    def process_account(self, *, account: "Account") -> str | None:
        """Align the account with the billing's customer status (one GET per customer and run)."""
        ext_id = account.customer.ext_id
        if not ext_id:
            return None
        try:
            record = self.customer_record(ext_id)
        except BillingRefused as exc:
            if exc.reason != "not_found":
                raise
            logger.warning("rest_billing system=%s: customer %s (ext_id %r) is unknown to the billing; "
                           "account %s left as it is", self.external_system.pk, account.customer_id, ext_id,
                           account.pk)
            return None
        return self.apply_authorization(account=account, authorization=_authorization(record))

    def get_balance(self, *, customer: Customer) -> Decimal | None:
        if not customer.ext_id:
            return None
        _, body = self._request("GET", self._customer_path(customer.ext_id) + "/balance")
        return _decimal((body or {}).get("balance"), "balance")

    def list_payments(self, *, customer: Customer, date_from: date | None = None,
                      date_to: date | None = None) -> list[ExternalPayment]:
        if not customer.ext_id:
            return []
        params = {k: v.isoformat() for k, v in (("from", date_from), ("to", date_to)) if v is not None}
        _, body = self._request("GET", self._customer_path(customer.ext_id) + "/payments", params=params)
        rows = (body or {}).get("payments")
        if not isinstance(rows, list):
            raise PluginError("malformed payment list from the billing")
        payments = [ExternalPayment(ext_id=str(row.get("id", "")), amount=_decimal(row.get("amount"), "amount"),
                                    created_at=parse_datetime(str(row.get("created_at") or "")),
                                    comment=str(row.get("comment") or "")) for row in rows]
        return sorted(payments, key=lambda p: (p.created_at is not None, p.created_at), reverse=True)

    def register_account(self, *, customer: Customer, account: "Account | None" = None,
                         **details: Any) -> dict[str, Any]:
        body = {"ext_id": customer.ext_id, "abonement": account.abonement if account else "",
                "firstname": customer.firstname, "lastname": customer.lastname,
                "mobile_phone_number": customer.mobile_phone_number, **details}
        _, answer = self._request("POST", "/customers", json=body, success=(200, 201))
        if not isinstance(answer, dict) or not answer.get("ext_id"):
            raise PluginError("the billing did not return the customer's ext_id")
        return answer

    # --- subscriptions --------------------------------------------------------------------------
    def open_subscription(self, *, customer_ext_id: str, tariff_ext_id: str, subscription_id: int | None) -> None:
        self._request("POST", self._customer_path(customer_ext_id) + "/subscriptions",
                      json={"tariff_ext_id": tariff_ext_id, "subscription_id": subscription_id},
                      success=(200, 201, 409))

    def close_subscription(self, *, customer_ext_id: str, tariff_ext_id: str) -> None:
        try:
            self._request("DELETE", f"{self._customer_path(customer_ext_id)}/subscriptions/"
                                    f"{quote(tariff_ext_id, safe='')}")
        except BillingRefused as exc:
            if exc.reason != "not_found":  # not open there: already what we want
                raise

    def assign_tariff(self, *, customer: Customer, tariff: "Tariff",
                      subscription: "TariffSubscription | None" = None) -> None:
        if tariff.ext_id:
            self.open_subscription(customer_ext_id=_require_ext_id(customer), tariff_ext_id=tariff.ext_id,
                                   subscription_id=subscription.pk if subscription else None)

    def unassign_tariff(self, *, customer: Customer, tariff: "Tariff",
                        subscription: "TariffSubscription | None" = None) -> None:
        if tariff.ext_id:
            self.close_subscription(customer_ext_id=_require_ext_id(customer), tariff_ext_id=tariff.ext_id)

    def on_tariff_assigned(self, event: "DomainEvent") -> None:
        self._send_current_state(event, opened=True)

    def on_tariff_removed(self, event: "DomainEvent") -> None:
        self._send_current_state(event, opened=False)

    def _send_current_state(self, event: "DomainEvent", *, opened: bool) -> None:
        """Make the billing's subscription match what the middleware holds now for the event's customer
        and tariff. `opened` (the change the event reports) only decides for an event that does not
        name its tariff (written before events carried `tariff_id`)."""
        target = self._event_target(event)
        if target is None:
            return
        payload = event.payload
        if payload.get("tariff_id") is not None and payload.get("customer_id") is not None:
            current = TariffSubscription.objects.for_client(self.client).filter(
                customer_id=payload["customer_id"], tariff_id=payload["tariff_id"], is_closed=False,
            ).order_by("-pk").values_list("pk", flat=True).first()
            if (current is not None) != opened:
                logger.info("rest_billing system=%s: event %s (%s) is no longer the customer's state; sending "
                            "the current one (%s)", self.external_system.pk, event.pk, event.name,
                            "open" if current is not None else "closed")
            opened, subscription_id = current is not None, current
        else:
            subscription_id = payload.get("subscription_id")
        if opened:
            self.open_subscription(customer_ext_id=target[0], tariff_ext_id=target[1],
                                   subscription_id=subscription_id)
        else:
            self.close_subscription(customer_ext_id=target[0], tariff_ext_id=target[1])

    def _event_target(self, event: "DomainEvent") -> tuple[str, str] | None:
        """(customer ext_id, tariff ext_id) of a tariff event, or None when it is not for the billing."""
        payload = event.payload
        tariff_ext_id = str(payload.get("tariff_ext_id") or "")
        if not tariff_ext_id:
            return None  # a tariff the operator's billing does not know (system or catalogue tariff)
        customer_ext_id = payload.get("customer_ext_id")
        if not customer_ext_id:
            customer = Customer.objects.for_client(self.client).filter(pk=payload.get("customer_id")).first()
            if customer is None:
                logger.warning("rest_billing system=%s: event %s: customer %s no longer exists and the event "
                               "does not name its ext_id; nothing sent", self.external_system.pk, event.pk,
                               payload.get("customer_id"))
                return None
            customer_ext_id = _require_ext_id(customer)
        return str(customer_ext_id), tariff_ext_id

    # --- purchases ------------------------------------------------------------------------------
    def charge_purchase(self, *, account: "Account | None", video: "Video", price: Any,
                        customer: Customer | None = None, kind: str = "buy",
                        purchase_key: str = "") -> dict[str, Any]:
        customer = customer or (account.customer if account is not None else None)
        if customer is None:
            raise PluginError("charge_purchase needs the customer")
        _, answer = self._request(
            "POST", self._customer_path(_require_ext_id(customer)) + "/purchases", success=(200, 201),
            json={"purchase_key": purchase_key, "video_id": video.pk, "video_ext_id": video.ext_id,
                  "kind": kind, "price": f"{Decimal(price):.2f}"},
        )
        return answer if isinstance(answer, dict) else {}

    def refund_purchase(self, *, customer: Customer, video: "Video", price: Any, kind: str = "buy",
                        purchase_key: str = "", answer: dict[str, Any] | None = None, reason: str = "") -> bool:
        if not purchase_key:
            return False
        path = f"{self._customer_path(_require_ext_id(customer))}/purchases/{quote(purchase_key, safe='')}"
        try:
            self._request("DELETE", path, success=(200, 204))
        except BillingRefused as exc:
            if exc.reason != "not_found":
                raise
        return True


def _json(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise PluginError("the billing answered with something that is not JSON") from exc


def _decimal(value: Any, name: str) -> Decimal:
    """An amount the billing answered: a JSON number or a string holding a plain decimal with at most
    two decimals, within what a balance column holds (a float is read by its shortest text)."""
    text = repr(value) if isinstance(value, float) else value
    try:
        return read_money(text, negative=True)
    except MoneyError as exc:
        raise PluginError(f"malformed {name} from the billing ({exc.problem}): {str(value)[:40]!r}") from None


def _authorization(record: dict[str, Any]) -> Authorization:
    status = str(record.get("status", "")).strip().lower()
    if status not in STATUS_AUTHORIZATION:
        raise PluginError(f"unknown customer status from the billing: {status!r}")
    return STATUS_AUTHORIZATION[status]


def _require_ext_id(customer: Customer) -> str:
    if not customer.ext_id:
        raise PluginError(f"customer #{customer.pk} has no ext_id: the operator's billing cannot be told "
                          "about it (set the ext_id, then retry)")
    return customer.ext_id
