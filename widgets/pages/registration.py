"""The registration widget: a visitor signs up on the operator's site (docs/widgets.md, "Registration").

GET shows the sign-up form: first name (optional), e-mail address and/or mobile number as the
widget's `contact` setting says, consent to the operator's policy and offer, a captcha. Its POSTs,
each under the widget's form token (`base.posted_form`) with the step as the token's purpose:

- `register`: counted per caller address first (SIGNUPS_PER_HOUR), then the form and its captcha are
  checked and a code is sent (widgets/registration.py); the code step's page carries the pending
  sign-up's id signed in a hidden field (`signup`), so no cookie is needed;
- `confirm`: the code and an optional password create the customer and the first account; the
  login and the password are shown on that one answer and never again (the page is not stored);
- `resend`: a fresh code for the same pending sign-up.
"""
from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField
from captcha.models import CaptchaStore
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from ..models import RegistrationCode, Widget
from ..registration import (
    EMAIL, MAX_TRIES, PASSWORD_RE, PHONE, RegistrationRefused, contact_kind, normal_contact, phone_valid,
    registration_confirm, registration_resend, registration_start,
)
from ..rendering import message
from ..security import FORM_TOKEN_SECONDS, limited
from .base import PageState, posted_form, private_page

SIGNUP_FIELD = "signup"
_SIGNUP_SALT = "widgets.registration.signup"
SIGNUPS_PER_HOUR = 10  # sign-up forms sent per caller address
CONFIRMS_PER_HOUR = 60  # codes typed (and resends asked) per caller address
STEPS = ("register", "confirm", "resend")


class SignUpForm(forms.Form):
    firstname = forms.CharField(label=gettext_lazy("First name"), required=False, max_length=100)
    contact = forms.CharField(max_length=254)
    consent = forms.BooleanField(error_messages={"required": gettext_lazy("Agree to continue.")})
    captcha = CaptchaField(error_messages={"invalid": gettext_lazy("The letters do not match the picture; "
                                                                   "type the letters of the new one.")})

    def __init__(self, *args: Any, mode: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode

    def clean_contact(self) -> tuple[str, str]:
        raw = self.cleaned_data["contact"].strip()
        kind = EMAIL if self.mode == EMAIL else PHONE if self.mode == PHONE else contact_kind(raw)
        value = normal_contact(kind, raw)
        if kind == EMAIL:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(_("Enter a valid e-mail address.")) from None
        elif not phone_valid(value):
            raise ValidationError(_("Enter a mobile number with its country code, e.g. +7 912 000 11 22.")
                                  if self.mode == PHONE else
                                  _("Enter an e-mail address or a mobile number with its country code."))
        return kind, value


class ConfirmForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Confirmation code"), max_length=20)
    password = forms.CharField(label=gettext_lazy("Password"), required=False, max_length=64, strip=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "").strip()
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError(_("The code is 6 digits."))
        return code

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password and not PASSWORD_RE.match(password):
            raise ValidationError(_("6 to 64 characters: Latin letters, digits and signs, no spaces."))
        return password


def signup_token(widget: Widget, row: RegistrationCode) -> str:
    return signing.dumps([widget.public_id, row.public_id], salt=_SIGNUP_SALT, compress=False)


def signup_of(request: HttpRequest, widget: Widget) -> RegistrationCode | None:
    """The pending sign-up the POST names (signed for this widget), or None."""
    try:
        public_id, row_id = signing.loads(request.POST.get(SIGNUP_FIELD, ""), salt=_SIGNUP_SALT,
                                          max_age=FORM_TOKEN_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if public_id != widget.public_id or not isinstance(row_id, str):
        return None
    return RegistrationCode.objects.for_client(widget.client_id).filter(widget=widget, public_id=row_id).first()


# --- pages -----------------------------------------------------------------------------------------

def _contact_field(mode: str) -> dict[str, str]:
    if mode == EMAIL:
        return {"label": _("E-mail"), "type": "email", "autocomplete": "email", "inputmode": "email"}
    if mode == PHONE:
        return {"label": _("Mobile number"), "type": "tel", "autocomplete": "tel", "inputmode": "tel"}
    return {"label": _("E-mail or mobile number"), "type": "text", "autocomplete": "email", "inputmode": "email"}


def _form_page(state: PageState, form: SignUpForm | None = None, *, notice: str = "", status: int = 200) -> HttpResponse:
    settings = state.widget.settings
    mode = settings.get("contact", "email")
    key = CaptchaStore.generate_key()
    return private_page(state, "widgets/registration.html", {
        "step": "register", "title": state.widget.name or _("Registration"), "form": form,
        "contact_field": _contact_field(mode), "notice": notice, "hidden": state.hidden("register"),
        "captcha_key": key, "captcha_image": reverse("captcha-image", args=[key]),
        "policy_url": settings.get("policy_url", ""), "offer_url": settings.get("offer_url", ""),
    }, status=status)


def _code_page(state: PageState, row: RegistrationCode, form: ConfirmForm | None = None, *, notice: str = "",
               success: str = "", status: int = 200) -> HttpResponse:
    signed = signup_token(state.widget, row)
    return private_page(state, "widgets/registration_code.html", {
        "step": "confirm", "title": state.widget.name or _("Registration"), "form": form, "notice": notice,
        "success": success, "row": row, "email": row.kind == EMAIL,
        "hidden": {**state.hidden("confirm"), SIGNUP_FIELD: signed},
        "resend_hidden": {**state.hidden("resend"), SIGNUP_FIELD: signed},
    }, status=status)


def _start_again(state: PageState, text: str, *, status: int) -> HttpResponse:
    return private_page(state, "widgets/registration_done.html", {
        "title": state.widget.name or _("Registration"), "problem": text, "start_url": state.url(),
    }, status=status)


def render(request: HttpRequest, widget: Widget) -> HttpResponse:
    state = PageState(request, widget, None, "")
    if request.method != "POST":
        return _form_page(state)
    step = request.POST.get("step", "")
    if step not in STEPS:
        return message(request, _("Form refused"), _("This form is not one of the widget's."), status=400)
    refused = posted_form(state, step)
    if refused is not None:
        return refused
    if step == "register":
        return _register(state)
    row = signup_of(request, widget)
    if row is None:
        return message(request, _("Form refused"),
                       _("This sign-up is not known here; reload the page and start again."), status=403)
    if limited(request, widget, "register-confirm", limit=CONFIRMS_PER_HOUR, window=3600):
        return _code_page(state, row, notice=_("Too many attempts from your network; try again in an hour."),
                          status=429)
    return _resend(state, row) if step == "resend" else _confirm(state, row)


def _register(state: PageState) -> HttpResponse:
    request, widget = state.request, state.widget
    if limited(request, widget, "register", limit=SIGNUPS_PER_HOUR, window=3600):
        return _form_page(state, notice=_("Too many sign-ups from your network; try again in an hour."), status=429)
    form = SignUpForm(request.POST, mode=widget.settings.get("contact", "email"))
    if not form.is_valid():
        return _form_page(state, form, notice=_("Check the marked fields."), status=400)
    kind, target = form.cleaned_data["contact"]
    try:
        row = registration_start(request, widget=widget, kind=kind, target=target,
                                 firstname=form.cleaned_data["firstname"].strip())
    except RegistrationRefused as refusal:
        if refusal.reason == "already_registered":
            return _form_page(state, form, notice=_("An account with these details already exists: log in, or "
                                                    "reset the password if you forgot it."), status=409)
        if refusal.reason == "too_often":
            return _form_page(state, form, notice=_("Too many codes were sent to this address; try again in an "
                                                    "hour."), status=429)
        return _form_page(state, form, notice=_("The code could not be sent; try again later."))
    return _code_page(state, row)


def _confirm(state: PageState, row: RegistrationCode) -> HttpResponse:
    form = ConfirmForm(state.request.POST)
    if not form.is_valid():
        return _code_page(state, row, form, notice=_("Check the marked fields."), status=400)
    try:
        account, password = registration_confirm(widget=state.widget, row=row, code=form.cleaned_data["code"],
                                                 password=form.cleaned_data["password"])
    except RegistrationRefused as refusal:
        return _confirm_refused(state, row, form, refusal.reason)
    return private_page(state, "widgets/registration_done.html", {
        "title": state.widget.name or _("Registration"), "abonement": account.abonement, "password": password,
        "account_page_url": state.widget.settings.get("account_page_url", ""),
    })


def _confirm_refused(state: PageState, row: RegistrationCode, form: ConfirmForm, reason: str) -> HttpResponse:
    if reason == "wrong_code":
        row.refresh_from_db()
        left = max(MAX_TRIES - row.attempts, 0)
        form.add_error("code", _("Wrong code. Tries left: %(left)d.") % {"left": left})
        return _code_page(state, row, form, notice=_("Check the marked fields."), status=400)
    if reason == "already_registered":
        return _start_again(state, _("An account with these details already exists: log in, or reset the "
                                     "password if you forgot it."), status=409)
    texts = {
        "expired": _("The code has expired. Start again to get a new one."),
        "spent": _("Too many wrong codes. Start again to get a new one."),
        "used": _("This sign-up is already complete or was replaced by a newer one."),
    }
    return _start_again(state, texts.get(reason, texts["used"]), status=400)


def _resend(state: PageState, row: RegistrationCode) -> HttpResponse:
    try:
        row = registration_resend(state.request, widget=state.widget, row=row)
    except RegistrationRefused as refusal:
        if refusal.reason == "used":
            return _start_again(state, _("This sign-up is already complete or was replaced by a newer one."),
                                status=400)
        texts = {"awaited": _("A code was sent less than a minute ago; wait a little before asking again."),
                 "too_often": _("Too many codes were sent to this address; try again in an hour."),
                 "not_sent": _("The code could not be sent; try again later.")}
        return _code_page(state, row, notice=texts.get(refusal.reason, texts["not_sent"]),
                          status=429 if refusal.reason in ("awaited", "too_often") else 200)
    return _code_page(state, row, success=_("A new code was sent."))
