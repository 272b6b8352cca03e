"""The payment form widget (Smarty's "payment form"; docs/widgets.md, "Payment form").

Who pays for whom comes from the embed URL (handed on to this page, `views.PASSED_ON`):
- `order_id`: a payment created earlier (the `payment_id` of the device API's payment/create). The
  visitor sees its amount and whom it is for (a first name's initial) and pays it; `amount` and
  `customer_id` are ignored. Already paid: the page says so. Another operator's: not found.
- `customer_id` (the customer's id, as in the Billing API) and/or `amount`: the visitor confirms or
  types the amount and, without a customer, names the account (abonement) to pay for; a second page
  shows whom the money goes to (the account and a first name's initial) before paying.
- `payment_type`: the gateway (a merchant type of the operator); else the widget's `merchant_type`
  setting; else the operator's default merchant.

Paying goes through the payment seam (`billing.payment_gateway.provider()`): a hosted payment page
(Payture refuses to be framed) is opened by the visitor's click on a `target=_top` link or in a new
tab; a gateway that settles at once (the null gateway) credits the balance there and then. The
payment's start is in the subscriber action log with the widget as origin (`payment_started`).

No login is needed. Every lookup of a payment or a customer (by order, customer id or abonement) is
counted per caller address (`security.limited`) before it is made; every POST passes `posted_form`.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from billing.payment_gateway import GatewayNotConfigured, GatewayRefusal, provider
from common.client_address import client_ip
from common.errors import NotFound
from tvmiddleware.models import Account, Customer
from tvmiddleware.selectors import account_get, customer_get

from ..models import Widget
from ..rendering import message
from ..security import limited, session_of
from .base import PageState, posted_form, private_page

TEMPLATE = "widgets/payment.html"
AMOUNT_RE = re.compile(r"^\d{1,9}(?:[.,]\d{1,2})?$")
ORDER_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
CUSTOMER_ID_RE = re.compile(r"^\d{1,10}$")
PAYMENT_TYPE_RE = re.compile(r"^[a-z0-9_]{1,16}$")
ABONEMENT_RE = re.compile(r"^\d{1,32}$")
# Lookups of payments and customers per caller address: enough to pay a few times, not to enumerate.
LOOKUP_LIMIT = 30
LOOKUP_WINDOW = 600
STEPS = ("details", "pay", "order")


class Refused(Exception):
    """A page answering the request in place of the form: (title, text, status)."""

    def __init__(self, title: str, text: str, status: int) -> None:
        super().__init__(text)
        self.title, self.text, self.status = title, text, status


def initial(customer: Customer) -> str:
    """What a payer sees of whom they pay for: the first name's initial ("A."), else nothing."""
    name = (customer.firstname or "").strip()
    return f"{name[0].upper()}." if name else ""


def read_amount(raw: str, settings: dict[str, Any]) -> tuple[Decimal | None, str]:
    """(amount, "") or (None, why not): a plain number with at most two decimals within the widget's bounds."""
    raw = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None, _("Enter the amount.")
    if len(raw) > 20 or not AMOUNT_RE.match(raw):
        return None, _("Enter the amount as a number, e.g. 500 or 500.50.")
    try:
        amount = Decimal(raw.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None, _("Enter the amount as a number, e.g. 500 or 500.50.")
    low, high = Decimal(settings.get("min_amount", "1.00")), Decimal(settings.get("max_amount", "100000.00"))
    if amount < low:
        return None, _("The amount is at least %(amount)s.") % {"amount": low}
    if amount > high:
        return None, _("The amount is at most %(amount)s.") % {"amount": high}
    return amount, ""


class Payer:
    """Whom a payment is for: the customer, the account named (if any) and what the page may show."""

    def __init__(self, customer: Customer, account: Account | None = None, abonement: str = "") -> None:
        self.customer = customer
        self.account = account
        self.abonement = abonement
        self.initial = initial(customer)


class PaymentPage:
    """One request to the payment form."""

    def __init__(self, request: HttpRequest, widget: Widget) -> None:
        session, key = session_of(request, widget)
        self.request = request
        self.widget = widget
        self.settings = widget.settings or {}
        self.state = PageState(request, widget, session, key)
        self.gateway = provider()

    # --- the link's parameters -------------------------------------------------------------------

    def _lookup_allowed(self) -> None:
        if limited(self.request, self.widget, "payment_lookup", limit=LOOKUP_LIMIT, window=LOOKUP_WINDOW):
            raise Refused(_("Too many attempts"),
                          _("Too many lookups from your address. Please wait a few minutes and try again."), 429)

    def _wrong(self, text: str) -> Refused:
        return Refused(_("Wrong address"), text, 400)

    def read_link(self) -> None:
        """The embed URL's parameters, each checked (a bad one is a 400 page)."""
        get = self.request.GET
        self.order_id = get.get("order_id", "").strip()
        if self.order_id and not ORDER_ID_RE.match(self.order_id):
            raise self._wrong(_("order_id is the payment's number (letters, digits, at most 64)."))
        self.customer_id = "" if self.order_id else get.get("customer_id", "").strip()
        if self.customer_id and not CUSTOMER_ID_RE.match(self.customer_id):
            raise self._wrong(_("customer_id is the customer's number."))
        self.link_amount = "" if self.order_id else get.get("amount", "").strip()[:30]
        payment_type = get.get("payment_type", "").strip()
        if payment_type and not PAYMENT_TYPE_RE.match(payment_type):
            raise self._wrong(_("payment_type names a payment method of the operator (e.g. payture)."))
        self.payment_type = payment_type
        methods_of = getattr(self.gateway, "payment_methods", None) if self.gateway is not None else None
        methods = methods_of(client=self.widget.client) if methods_of else []
        if not methods:
            raise Refused(_("Payments are not available"),
                          _("The operator has not set up online payments yet."), 503)
        wanted = payment_type or self.settings.get("merchant_type", "")
        if wanted and wanted not in {method["merchant_type"] for method in methods}:
            raise Refused(_("Payment method not available"),
                          _("This payment method is not available. Please use the operator's payment form "
                            "without it or ask the operator."), 400)
        self.merchant_type = wanted
        chosen = [m for m in methods if (m["merchant_type"] == wanted if wanted else m["default"])]
        self.method_name = chosen[0]["name"] if chosen else ""

    def link_params(self) -> dict[str, str]:
        params = {"order_id": self.order_id, "customer_id": self.customer_id, "amount": self.link_amount,
                  "payment_type": self.payment_type}
        return {name: value for name, value in params.items() if value}

    # --- whom the payment is for ---------------------------------------------------------------

    def linked_payer(self) -> Payer | None:
        """The customer of the link's `customer_id`, else the visitor logged in on this widget, else None."""
        if self.customer_id:
            self._lookup_allowed()
            try:
                return Payer(customer_get(client=self.widget.client, customer_id=self.customer_id))
            except NotFound:
                raise Refused(_("Customer not found"),
                              _("There is no such customer. Check the payment link."), 404) from None
        if self.state.session is not None:
            account = self.state.session.account
            return Payer(account.customer, account, account.abonement)
        return None

    def payer_by_abonement(self, raw: str) -> tuple[Payer | None, str]:
        abonement = (raw or "").strip()
        if not abonement:
            return None, _("Enter the account number.")
        if not ABONEMENT_RE.match(abonement):
            return None, _("The account number is digits only.")
        self._lookup_allowed()
        try:
            account = account_get(client=self.widget.client, abonement=abonement)
        except NotFound:
            return None, _("There is no account with this number. Check it and try again.")
        return Payer(account.customer, account, abonement), ""

    # --- pages ---------------------------------------------------------------------------------

    def page(self, view: str, *, status: int = 200, **context: Any) -> HttpResponse:
        step_purpose = {"form": "details", "confirm": "pay", "order": "order"}.get(view, "")
        return private_page(self.state, TEMPLATE, {
            "title": self.widget.name or _("Payment"), "view": view, "step": step_purpose,
            "hidden": self.state.hidden(f"payment_{step_purpose}") if step_purpose else {},
            "action": self.state.url(**self.link_params()), "method_name": self.method_name,
            "presets": self.settings.get("preset_amounts", []), **context,
        }, status=status)

    def form(self, *, amount: str = "", abonement: str = "", errors: dict[str, str] | None = None,
             payer: Payer | None = None, status: int = 200) -> HttpResponse:
        return self.page("form", status=status, amount=amount, abonement=abonement, errors=errors or {},
                         payer=payer, min_amount=self.settings.get("min_amount", "1.00"),
                         max_amount=self.settings.get("max_amount", "100000.00"))

    def confirm(self, amount: Decimal, payer: Payer) -> HttpResponse:
        change = self.state.url(**{**self.link_params(), "amount": str(amount), "change": "1"})
        return self.page("confirm", amount=amount, payer=payer, change_url=change)

    # --- the flow --------------------------------------------------------------------------------

    def answer(self) -> HttpResponse:
        if self.request.method == "POST":
            # The form check comes first: only our own form of this step gets any further.
            step = self.request.POST.get("step", "")
            refused = posted_form(self.state, f"payment_{step if step in STEPS else 'unknown'}")
            if refused is not None:
                return refused
            self.read_link()
            if step == "order":
                return self.pay_order()
            return self.details(final=step == "pay")
        self.read_link()
        if self.order_id:
            return self.show_order()
        payer = self.linked_payer()
        if self.link_amount:
            amount, problem = read_amount(self.link_amount, self.settings)
            if problem:
                return self.form(amount=self.link_amount, errors={"amount": problem}, payer=payer, status=400)
            if payer is not None and self.request.GET.get("change") != "1":
                return self.confirm(amount, payer)
        return self.form(amount=self.link_amount, payer=payer)

    def details(self, *, final: bool) -> HttpResponse:
        """The visitor's amount and account: the confirmation page, or (final) the payment."""
        post = self.request.POST
        raw_amount = post.get("amount", "")[:30]
        amount, amount_problem = read_amount(raw_amount, self.settings)
        errors = {"amount": amount_problem} if amount_problem else {}
        payer = self.linked_payer()
        raw_abonement = post.get("abonement", "")[:40]
        if payer is None and not errors:
            payer, problem = self.payer_by_abonement(raw_abonement)
            if problem:
                errors["abonement"] = problem
        elif payer is None and not raw_abonement.strip():
            errors["abonement"] = _("Enter the account number.")
        if errors:
            return self.form(amount=raw_amount, abonement=raw_abonement.strip(), errors=errors, payer=payer,
                             status=400)
        if not final:
            return self.confirm(amount, payer)
        return self.start(amount, payer)

    def _return_url(self) -> str:
        return self.settings.get("return_url", "")

    def start(self, amount: Decimal, payer: Payer) -> HttpResponse:
        try:
            started = self.gateway.payment_create(
                client=self.widget.client, customer=payer.customer, amount=amount, merchant_type=self.merchant_type,
                account=payer.account, return_url=self._return_url(), ip=client_ip(self.request) or "",
                source="widget")
        except GatewayRefusal as exc:
            return self.refusal(exc)
        return self.outcome(started, amount, payer.customer.pk)

    def show_order(self) -> HttpResponse:
        self._lookup_allowed()
        order = self._order()
        if order["state"] == "paid" and self.request.GET.get("paid") == "1":
            return self.paid(order["amount"], order["customer_id"])  # just paid here (outcome's 303)
        if order["state"] in ("paid", "refunded"):
            return self.page("paid_before", amount=order["amount"])
        return self.page("order", amount=order["amount"], order=order)

    def _order(self) -> dict[str, Any]:
        find = getattr(self.gateway, "payment_for_order", None)
        order = find(client=self.widget.client, order_id=self.order_id) if find else None
        if order is None:
            raise Refused(_("Payment not found"),
                          _("There is no such payment. Check the payment link or ask the operator."), 404)
        return order

    def pay_order(self) -> HttpResponse:
        self._lookup_allowed()
        order = self._order()
        if order["state"] in ("paid", "refunded"):
            return self.page("paid_before", amount=order["amount"])
        try:
            started = self.gateway.payment_resume(client=self.widget.client, order_id=self.order_id,
                                                  return_url=self._return_url(), ip=client_ip(self.request) or "",
                                                  source="widget")
        except GatewayRefusal as exc:
            return self.refusal(exc)
        return self.outcome(started, order["amount"], order["customer_id"])

    def paid(self, amount: Decimal, customer_id: int) -> HttpResponse:
        """"Paid" (and the new balance, to a visitor logged in on the widget paying for themselves)."""
        balance = None
        session = self.state.session
        if session is not None and session.account.customer_id == customer_id:
            balance = Customer.objects.for_client(self.widget.client).only("balance").get(pk=customer_id).balance
        return self.page("paid", amount=amount, balance=balance)

    def outcome(self, started: dict[str, Any], amount: Decimal, customer_id: int) -> HttpResponse:
        if started.get("state") == "succeeded":
            # Sent on to the paid order's page (303): reloading it shows the payment, never pays again.
            response = HttpResponseRedirect(self.state.url(order_id=started["payment_id"], paid="1"))
            response.status_code = 303
            response["Cache-Control"] = "no-store"
            return response
        if started.get("redirect_url"):
            return self.page("redirect", amount=amount, redirect_url=started["redirect_url"])
        return self.page("failed", amount=amount, status=402)

    def refusal(self, exc: GatewayRefusal) -> HttpResponse:
        if isinstance(exc, GatewayNotConfigured):
            raise Refused(_("Payment method not available"),
                          _("This payment method is not set up by the operator. Please try another one or "
                            "ask the operator."), 503)
        if exc.code in (2, 3):
            raise Refused(_("Payment service unavailable"),
                          _("The payment service did not answer. Please try again in a few minutes."), 502)
        if exc.code == 4:
            raise Refused(_("Payment refused"), _("The payment service refused these details. Check the amount "
                                                  "and try again."), 400)
        raise Refused(_("Payment refused"),
                      _("The payment was refused (code %(code)d). Please try another card or ask the operator.")
                      % {"code": exc.code}, 402)


def render(request: HttpRequest, widget: Widget) -> HttpResponse:
    page = PaymentPage(request, widget)
    try:
        return page.answer()
    except Refused as refused:
        return message(request, refused.title, refused.text, status=refused.status)
