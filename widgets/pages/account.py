"""The personal-account widget: a subscriber logs in with the abonement and password of any of their
logins and sees their balance, logins, devices, tariffs (take one, drop one), profile and payments, and
pays (docs/widgets.md, "Personal account").

One address (`api/show/<id>`) answers everything: GET shows a view (`?view=...`, the session key in
`ws`), POST carries `action` — the form's purpose, which its token names — and passes `posted_form`
before anything is read. Every write goes through the domain's services inside the widget's origin
(widgets/views.py `show`), so the subscriber action log names this widget.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.payment_gateway import GatewayNotConfigured, GatewayRefusal, provider
from billing.services import InsufficientFunds
from billing.subscriptions import (
    BasicTariffTaken, TariffAlreadyConnected, TariffUnavailable, tariffs_subscribe,
)
from common.client_address import client_ip
from common.errors import Conflict, Invalid, LimitReached, NotFound, ServiceError
from common.money import MoneyError, read_money
from tvmiddleware.models import AccountDevice, Customer
from tvmiddleware.services.accounts import account_create
from tvmiddleware.services.actions import record
from tvmiddleware.services.customers import customer_modify
from tvmiddleware.services.devices import device_unbind
from tvmiddleware.services.login import LoginReason, LoginRefused, credentials_check
from tvmiddleware.services.tariffs import BasicTariffKept, TariffNotConnected, TariffNotUnsubscribable, tariffs_unsubscribe

from .. import security
from ..account import balance_of, customer_accounts, customer_devices, ledger_page, tariff_rows
from ..models import Widget
from ..rendering import message
from .base import PageState, posted_form, private_page

VIEWS = ("overview", "tariffs", "accounts", "devices", "payments", "profile")
ACTIONS = ("login", "logout", "subscribe", "unsubscribe", "unbind", "create_account", "profile", "pay")
CAPTCHA_AFTER = 3          # failed login attempts from one address ...
CAPTCHA_WINDOW = 15 * 60   # ... in this many seconds; past them every login needs the captcha
HISTORY_PER_PAGE = 20
MAX_HISTORY_PAGE = 10_000
PAY_MINIMUM = Decimal("1.00")
PAY_MAXIMUM = Decimal("100000.00")


def _view_labels() -> list[tuple[str, str]]:
    return [("overview", _("Overview")), ("tariffs", _("Tariffs")), ("accounts", _("Accounts")),
            ("devices", _("Devices")), ("payments", _("Payments")), ("profile", _("Profile"))]


def _source_labels() -> dict[str, str]:
    """What a ledger row was, in the visitor's language (billing.models.TransactionSource)."""
    return {"api": _("Payment"), "manual": _("Correction by the operator"), "payment": _("Payment"),
            "purchase": _("Video purchase"), "charge": _("Tariff charge"), "activation": _("Tariff activation"),
            "reversal": _("Reversal"), "promo": _("Promo code")}


# --- forms -----------------------------------------------------------------------------------------

class LoginForm(forms.Form):
    abonement = forms.CharField(label=gettext_lazy("Account number"), max_length=32,
                                validators=[RegexValidator(r"^[0-9]+$", gettext_lazy("Digits only."))])
    password = forms.CharField(label=gettext_lazy("Password"), max_length=128, strip=False,
                               widget=forms.PasswordInput)

    def __init__(self, *args: Any, with_captcha: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_captcha:
            attrs = {"class": "tvmw-input", "autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}
            if self.is_bound and self.data.get("captcha_1") is not None:  # a wrong answer: its message tied to it
                attrs["aria-describedby"] = "id_captcha_1-error"
            self.fields["captcha"] = CaptchaField(
                widget=CaptchaTextInput(attrs=attrs),
                label=gettext_lazy("Letters in the picture"),
                error_messages={"invalid": gettext_lazy("The letters do not match the picture; try the new one.")})


PHONE_RE = r"^\+?[0-9][0-9 ()-]{4,30}$"


class ProfileForm(forms.Form):
    firstname = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    lastname = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254, required=False)
    mobile_phone_number = forms.CharField(
        label=gettext_lazy("Mobile phone"), max_length=32, required=False,
        validators=[RegexValidator(PHONE_RE, gettext_lazy("A phone number: digits, optionally starting with +."))])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("firstname") or cleaned.get("lastname")):
            self.add_error("firstname", _("Give a first or a last name."))
        return cleaned


class PayForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=20)

    def clean_amount(self) -> Decimal:
        raw = self.cleaned_data["amount"].strip().replace(",", ".")
        try:
            amount = read_money(raw, positive=True)
        except MoneyError:
            raise forms.ValidationError(_("An amount such as 100 or 99.50.")) from None
        if not PAY_MINIMUM <= amount <= PAY_MAXIMUM:
            raise forms.ValidationError(_("From %(low)s to %(high)s.") % {"low": PAY_MINIMUM, "high": PAY_MAXIMUM})
        return amount


# --- the page --------------------------------------------------------------------------------------

def render(request: HttpRequest, widget: Widget) -> HttpResponse:
    session, key = security.session_of(request, widget)
    if session is not None and session.account.client_id != widget.client_id:  # never: sessions are per widget
        session, key = None, ""
    state = PageState(request, widget, session, key)
    # A key that names no live session (ended, expired, idle, another widget's): its cookie is cleared.
    dead: str | None | bool = None if session is None and security.session_key_of(request) else False
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return message(request, _("Wrong form"), _("This form is not one of the personal account's."), status=400)
        if action == "login":  # the login form is the anonymous page's, whatever cookie came along
            state = PageState(request, widget, None, "")
        refused = posted_form(state, action)
        if refused is not None:
            if session is None and action != "login" and request.POST.get(security.SESSION_PARAM):
                # The session ended (idle, expired, logged out elsewhere) while the page was open.
                return _login_page(state, notice=_("Your session has ended. Please log in again."), cookie=dead)
            return refused
        if action == "login":
            return _login(state)
        if session is None:
            return _login_page(state, notice=_("Please log in."), cookie=dead)
        return _ACTIONS[action](state)
    if session is None:
        if request.GET.get(security.SESSION_PARAM):
            return _login_page(state, notice=_("Your session has ended. Please log in again."), cookie=dead)
        return _login_page(state, cookie=dead)
    view = request.GET.get("view", "overview")
    if view not in VIEWS:
        return message(request, _("Wrong address"), _("There is no such page in the personal account."), status=400)
    return _account_page(state, view)


# --- logging in and out ----------------------------------------------------------------------------

def _login_attempt(state: PageState) -> security.Attempt:
    """Count this login attempt from the caller's address before anything is checked (a success gives
    it back, so only failures count); `over` past CAPTCHA_AFTER in the window: the captcha is asked."""
    return security.count_attempt(state.request, state.widget, "account-login", limit=CAPTCHA_AFTER,
                                  window=CAPTCHA_WINDOW)


def _login_page(state: PageState, *, form: LoginForm | None = None, notice: str = "", error: str = "",
                status: int = 200, cookie: str | None | bool = False) -> HttpResponse:
    return private_page(state, "widgets/account_login.html", {
        "title": state.widget.name or _("Personal account"), "form": form or LoginForm(),
        "hidden": state.hidden("login"), "action_url": state.url(), "notice": notice, "error": error,
    }, status=status, cookie=cookie)


def _login(state: PageState) -> HttpResponse:
    request = state.request
    attempt = _login_attempt(state)
    with_captcha = attempt.over
    form = LoginForm(request.POST, with_captcha=with_captcha)
    if not form.is_valid():
        error = (_("Too many attempts from your network: please also type the letters in the picture.")
                 if "captcha" in form.errors else _("Please correct the marked fields."))
        return _login_page(state, form=form, error=error, status=400)
    try:
        account = credentials_check(client=state.widget.client, abonement=form.cleaned_data["abonement"],
                                    password=form.cleaned_data["password"], ip=client_ip(request))
    except LoginRefused as refusal:
        if refusal.reason == LoginReason.RATE_LIMITED:
            text, status = _("Too many failed logins. Please wait a few minutes and try again."), 429
        else:
            text, status = _("The account number or the password is wrong."), 401
        return _login_page(state, form=LoginForm(initial={"abonement": form.cleaned_data["abonement"]},
                                                 with_captcha=with_captcha), error=text, status=status)
    attempt.give_back()  # a household logging in and out is never asked for the captcha
    session, key = security.session_start(request, state.widget, account)
    logged_in = PageState(request, state.widget, session, key)
    return _account_page(logged_in, "overview", cookie=key)


def _logout(state: PageState) -> HttpResponse:
    security.session_end(state.session)
    record("logged_out", customer=state.session.account.customer, account=state.session.account)
    anonymous = PageState(state.request, state.widget, None, "")
    return _login_page(anonymous, notice=_("You have logged out."), cookie=None)


# --- the account's pages ---------------------------------------------------------------------------

def _customer(state: PageState) -> Customer:
    return state.session.account.customer


def _account_page(state: PageState, view: str, *, notice: str = "", error: str = "", status: int = 200,
                  cookie: str | None | bool = False, **extra: Any) -> HttpResponse:
    customer = _customer(state)
    context: dict[str, Any] = {
        "title": state.widget.name or _("Personal account"), "view": view, "customer": customer,
        "account": state.session.account, "balance": balance_of(customer), "notice": notice, "error": error,
        "nav": [{"view": name, "label": label, "url": state.url(view=name), "current": name == view}
                for name, label in _view_labels()],
        "logout_hidden": state.hidden("logout"), "action_url": state.url(view=view),
        "pay_url": state.url(view="payments") + "#pay", "allow_new_accounts": _allow_new_accounts(state.widget),
        "account_page_url": state.widget.settings.get("account_page_url", ""),
    }
    if view in ("overview", "tariffs"):
        rows = tariff_rows(customer)
        context["held"] = [row for row in rows if row["is_assigned"]]
        context["offered"] = [row for row in rows if not row["is_assigned"]]
        context["subscribe_hidden"] = state.hidden("subscribe")
        context["unsubscribe_hidden"] = state.hidden("unsubscribe")
    if view in ("overview", "accounts"):
        context["accounts"] = customer_accounts(customer)
        context["create_hidden"] = state.hidden("create_account")
    if view == "devices":
        context["devices"] = customer_devices(customer)
        context["unbind_hidden"] = state.hidden("unbind")
    if view == "payments":
        number = extra.pop("history_page", None) or _history_page_number(state.request)
        if number is None:
            return message(state.request, _("Wrong address"),
                           _("page is a number from 1 to %(pages)d.") % {"pages": MAX_HISTORY_PAGE}, status=400)
        history = ledger_page(customer, number=number, per_page=HISTORY_PER_PAGE)
        labels = _source_labels()
        for row in history.rows:
            row.source_label = labels.get(row.source, row.get_source_display())
        context["history"] = history
        context["previous_page"] = state.url(view="payments", page=number - 1) if number > 1 else ""
        context["next_page"] = state.url(view="payments", page=number + 1) if history.has_next else ""
        context["pay_form"] = extra.pop("pay_form", None) or PayForm()
        paid = _paid_amount(state.request)
        if paid is not None and not notice:
            context["notice"] = _("Paid %(amount)s. Thank you!") % {"amount": paid}
        context["pay_hidden"] = state.hidden("pay")
        context["payments_available"] = provider() is not None
    if view == "profile":
        context["profile_form"] = extra.pop("profile_form", None) or ProfileForm(initial={
            "firstname": customer.firstname, "lastname": customer.lastname, "email": customer.email,
            "mobile_phone_number": customer.mobile_phone_number})
        context["profile_hidden"] = state.hidden("profile")
    context.update(extra)
    return private_page(state, "widgets/account.html", context, status=status, cookie=cookie)


def _paid_amount(request: HttpRequest) -> Decimal | None:
    """The amount a payment settled at once credited (`&paid=` of the page `_pay` sends the visitor to)."""
    try:
        return read_money(request.GET["paid"][:20], positive=True) if request.GET.get("paid") else None
    except MoneyError:
        return None


def _history_page_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("page", "1")
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_HISTORY_PAGE:
        return int(raw)
    return None


def _allow_new_accounts(widget: Widget) -> bool:
    return bool(widget.settings.get("allow_new_accounts", True))


def _posted_id(state: PageState, name: str) -> int | None:
    raw = state.request.POST.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31 else None


# --- tariffs ---------------------------------------------------------------------------------------

def _subscribe(state: PageState) -> HttpResponse:
    tariff_id = _posted_id(state, "tariff_id")
    if tariff_id is None:
        return _account_page(state, "tariffs", error=_("Choose a tariff."), status=400)
    customer = _customer(state)
    try:
        subscriptions = tariffs_subscribe(customer=customer, tariff_ids=[tariff_id], account=state.session.account)
    except InsufficientFunds:
        return _account_page(state, "tariffs", status=409, insufficient=True,
                             error=_("Your balance does not cover this tariff. Top it up, then take the tariff."))
    except TariffUnavailable:
        return _account_page(state, "tariffs", status=404, error=_("This tariff is not available."))
    except TariffAlreadyConnected:
        return _account_page(state, "tariffs", status=409, error=_("You already have this tariff."))
    except BasicTariffTaken:
        return _account_page(state, "tariffs", status=409,
                             error=_("You already have a basic tariff; only one can be connected."))
    except ServiceError:
        return _account_page(state, "tariffs", status=409, error=_("The tariff could not be connected."))
    names = ", ".join(s.tariff.name for s in subscriptions)
    return _account_page(state, "tariffs", notice=_("Connected: %(names)s.") % {"names": names})


def _unsubscribe(state: PageState) -> HttpResponse:
    tariff_id = _posted_id(state, "tariff_id")
    if tariff_id is None:
        return _account_page(state, "tariffs", error=_("Choose a tariff."), status=400)
    try:
        closed = tariffs_unsubscribe(customer=_customer(state), tariff_ids=[tariff_id])
    except TariffNotConnected:
        return _account_page(state, "tariffs", status=404, error=_("You do not have this tariff."))
    except BasicTariffKept:
        return _account_page(state, "tariffs", status=409,
                             error=_("The basic tariff cannot be disconnected here; contact your operator."))
    except TariffNotUnsubscribable:
        return _account_page(state, "tariffs", status=409,
                             error=_("This tariff cannot be disconnected here; contact your operator."))
    except ServiceError:
        return _account_page(state, "tariffs", status=409, error=_("The tariff could not be disconnected."))
    names = ", ".join(s.tariff.name for s in closed)
    return _account_page(state, "tariffs", notice=_("Disconnected: %(names)s.") % {"names": names})


# --- logins and devices ----------------------------------------------------------------------------

def _create_account(state: PageState) -> HttpResponse:
    if not _allow_new_accounts(state.widget):
        return _account_page(state, "accounts", status=403,
                             error=_("New accounts are not created here; contact your operator."))
    customer = _customer(state)
    try:
        account, password = account_create(client=state.widget.client, customer=customer)
    except (Conflict, Invalid, LimitReached):
        return _account_page(state, "accounts", status=409, error=_("The account could not be created; try again."))
    return _account_page(state, "accounts", notice=_("The new account is ready. Write its password down: it is "
                                                     "shown only once."),
                         created={"abonement": account.abonement, "password": password})


def _unbind(state: PageState) -> HttpResponse:
    device_id = _posted_id(state, "device_id")
    customer = _customer(state)
    device = (AccountDevice.objects.for_client(state.widget.client).filter(pk=device_id, account__customer=customer)
              .select_related("account", "device_type").first() if device_id else None)
    if device is None:
        return _account_page(state, "devices", status=404, error=_("There is no such device on your accounts."))
    try:
        device_unbind(device=device)
    except (NotFound, Conflict, Invalid):
        return _account_page(state, "devices", status=409, error=_("The device could not be removed."))
    record("device_unbound", customer=customer, account=device.account, device_uid=device.device_uid)
    return _account_page(state, "devices", notice=_("The device was removed."))


# --- profile ---------------------------------------------------------------------------------------

def _profile(state: PageState) -> HttpResponse:
    form = ProfileForm(state.request.POST)
    if not form.is_valid():
        return _account_page(state, "profile", status=400, profile_form=form,
                             error=_("Please correct the marked fields."))
    customer = _customer(state)
    try:
        customer_modify(customer=customer, **form.cleaned_data)
    except (Invalid, Conflict):
        customer.refresh_from_db()
        return _account_page(state, "profile", status=400, profile_form=form,
                             error=_("The profile could not be saved."))
    return _account_page(state, "profile", notice=_("Your profile is saved."))


# --- paying ----------------------------------------------------------------------------------------

def _pay(state: PageState) -> HttpResponse:
    form = PayForm(state.request.POST)
    if not form.is_valid():
        return _account_page(state, "payments", status=400, pay_form=form, error=_("Please correct the amount."))
    gateway = provider()
    if gateway is None:
        return _account_page(state, "payments", status=503, pay_form=form,
                             error=_("Payments are not available now; please try later."))
    customer = _customer(state)
    amount = form.cleaned_data["amount"]
    try:
        started = gateway.payment_create(client=state.widget.client, customer=customer, amount=amount,
                                         account=state.session.account, ip=client_ip(state.request) or "",
                                         return_url=state.widget.settings.get("account_page_url", ""),
                                         source="widget")
    except GatewayNotConfigured:
        return _account_page(state, "payments", status=503, pay_form=form,
                             error=_("Payments are not available now; please try later."))
    except GatewayRefusal:
        return _account_page(state, "payments", status=502, pay_form=form,
                             error=_("The payment could not be started; please try again later."))
    if started.get("state") == "succeeded":
        # Settled at once (the null gateway): to the payments page by GET, so reloading it pays nothing again.
        response = HttpResponseRedirect(state.url(view="payments", paid=str(amount)), status=303)
        response["Cache-Control"] = "no-store"
        return response
    redirect_url = started.get("redirect_url") or ""
    if not redirect_url.startswith(("https://", "http://")):
        return _account_page(state, "payments", notice=_("The payment is being processed; the balance is updated "
                                                         "when it is confirmed."))
    return private_page(state, "widgets/account_pay_redirect.html", {
        "title": _("Payment"), "redirect_url": redirect_url, "amount": amount, "back_url": state.url(view="payments"),
    })


_ACTIONS = {"logout": _logout, "subscribe": _subscribe, "unsubscribe": _unsubscribe, "unbind": _unbind,
            "create_account": _create_account, "profile": _profile, "pay": _pay}
