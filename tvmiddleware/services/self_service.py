"""What a subscriber changes about their account and customer card from the app: the password, the
PIN, the profile, the interface template, their name and contacts, their devices; and the PIN sent
to their phone.

Guessable secrets (the current password, the current PIN) are counted per account before they are
checked, like login attempts (`tvmiddleware.counters`): past the limit the check is not even made.
"""
from __future__ import annotations

import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tvmiddleware import counters
from tvmiddleware.models import (
    Account, AccountDevice, AccountProfile, CodePurpose, Customer, InterfaceTemplate, NotifyChannel, ProfileType,
)
from tvmiddleware.notify import DeliveryFailed, deliver
from tvmiddleware.selectors.self_service import self_service_settings
from common.errors import Conflict, Invalid, NotFound, ServiceError

from .accounts import account_modify
from .customers import customer_modify
from .devices_admin import device_release
from .verification import CodeRefused, code_check, code_send, live_code

__all__ = [
    "CodeRefused", "PasswordChangeRefused", "PhoneConfirmation", "PhoneInvalid", "PhoneTaken",
    "PinNotSent", "ProfileTypeNotFound", "SmsFailed", "TemplateNotFound", "account_password_change",
    "account_pin_change", "account_pin_send_by_sms", "account_profile_set", "account_template_set",
    "customer_contacts_set", "customer_device_delete",
]

PASSWORD_MIN_LENGTH = 4
PASSWORD_MAX_LENGTH = 64
PIN_MAX_LENGTH = 16  # Account.parent_code
PROFILE_NAME_MAX_LENGTH = 100  # AccountProfile.name
NAME_MAX_LENGTH = 100  # Customer.firstname / lastname
PHONE_DIGITS = re.compile(r"^\+?[0-9]{10,15}$")


def _guess_window() -> tuple[int, int]:
    """(wrong guesses of a current password or PIN allowed per account, window seconds)."""
    return (getattr(settings, "TVMIDDLEWARE_SECRET_GUESSES_PER_ACCOUNT", 10),
            getattr(settings, "TVMIDDLEWARE_LOGIN_FAILURE_WINDOW_SECONDS", 600))


def _count_guess(kind: str, account: Account) -> counters.Hit | None:
    """Count a guess before checking it; None past the limit (that guess is not counted)."""
    limit, window = _guess_window()
    hit = counters.hit(f"tvmw:{kind}-guess:{account.client_id}:{account.pk}", window=window)
    if hit.count > limit:
        counters.give_back(hit)
        return None
    return hit


# --- password -----------------------------------------------------------------------------------------

class PasswordChangeRefused(ServiceError):
    """The current password is wrong, or too many wrong ones were tried lately."""

    code = "password_change_refused"


def password_problem(password: str) -> str | None:
    """Why a new account password is not acceptable, or None."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return f"The password must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long."
    if any(ch.isspace() or not ch.isprintable() for ch in password):
        return "The password must not contain spaces or control characters."
    return None


def account_password_change(*, account: Account, old_password: str, new_password: str) -> Account:
    """The subscriber replaces their password, proving they know the current one. Raises `Invalid`
    for an unacceptable new password, `PasswordChangeRefused` for a wrong current one (and, without
    checking, once too many wrong ones were tried)."""
    problem = password_problem(new_password)
    if problem:
        raise Invalid(problem, fields={"new_password": "invalid"})
    hit = _count_guess("password", account)
    if hit is None:
        raise PasswordChangeRefused("Too many wrong passwords; try again later.")
    if not account.check_password(old_password):
        raise PasswordChangeRefused("The current password is wrong.")
    counters.give_back(hit)
    return account_modify(account=account, password=new_password)


# --- PIN ------------------------------------------------------------------------------------------------

def account_pin_change(*, account: Account, old_pin: str, new_pin: str) -> Account:
    """The subscriber replaces the PIN of parental control; with a PIN set, the current one must be
    given. Raises `Invalid` whose `fields` map `old_pin` / `new_pin` to what is wrong with each."""
    problems: dict[str, str] = {}
    if not (new_pin.isascii() and new_pin.isdigit()) or len(new_pin) > PIN_MAX_LENGTH:
        problems["new_pin"] = f"The new PIN must be 1 to {PIN_MAX_LENGTH} digits."
    if account.parent_code:
        if not old_pin:
            problems["old_pin"] = "The current PIN is required."
        elif not problems:
            hit = _count_guess("pin", account)
            if hit is None:
                problems["old_pin"] = "Too many wrong PINs; try again later."
            elif not hmac.compare_digest(account.parent_code.encode(), old_pin.encode()):
                problems["old_pin"] = "The current PIN is wrong."
            else:
                counters.give_back(hit)
    if problems:
        raise Invalid("; ".join(problems.values()), fields=problems)
    return account_modify(account=account, parent_code=new_pin)


class PinNotSent(ServiceError):
    """Why the PIN was not sent by SMS: `reason` is no_phone, no_pin, too_often, daily_limit or failed."""

    code = "pin_not_sent"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def account_pin_send_by_sms(*, account: Account) -> None:
    """Send the account's PIN to the customer's mobile number by SMS, at most once within the operator's
    interval and so many times a day (`SelfServiceSettings`); an SMS that could not be sent does not count."""
    customer = account.customer
    if not customer.mobile_phone_number.strip():
        raise PinNotSent("no_phone", "The customer has no mobile number.")
    if not account.parent_code:
        raise PinNotSent("no_pin", "The account has no PIN.")
    options = self_service_settings(account.client_id)
    hits = []
    interval = options.pin_sms_interval_seconds
    if interval:
        hit = counters.hit(f"tvmw:pin-sms:interval:{account.pk}", window=interval)
        hits.append(hit)
        if hit.count > 1:
            _give_back(hits)
            raise PinNotSent("too_often", "An SMS with the PIN was sent moments ago; try again later.")
    hit = counters.hit(f"tvmw:pin-sms:day:{account.pk}", window=86400)
    hits.append(hit)
    if hit.count > options.pin_sms_per_day:
        _give_back(hits)
        raise PinNotSent("daily_limit", "The daily number of SMS with the PIN is reached.")
    try:
        deliver(NotifyChannel.SMS, to=customer.mobile_phone_number, subject="PIN",
                text=f"Your TV PIN: {account.parent_code}")
    except DeliveryFailed as exc:
        _give_back(hits)
        raise PinNotSent("failed", exc.message) from exc


def _give_back(hits: list[counters.Hit]) -> None:
    for hit in hits:
        counters.give_back(hit)


# --- profile and template --------------------------------------------------------------------------------

class ProfileTypeNotFound(NotFound):
    code = "profile_type_not_found"


@transaction.atomic
def account_profile_set(*, account: Account, profile_type_id: int, name: str) -> AccountProfile:
    """Name the account's viewer profile and choose its kind among the operator's."""
    if not ProfileType.objects.for_client(account.client_id).filter(pk=profile_type_id).exists():
        raise ProfileTypeNotFound("No such profile type.", fields={"profile_id": "not found"})
    name = name.strip()
    if not name or len(name) > PROFILE_NAME_MAX_LENGTH:
        raise Invalid(f"The name must be 1 to {PROFILE_NAME_MAX_LENGTH} characters.", fields={"name": "invalid"})
    profile, _ = AccountProfile.objects.select_for_update().get_or_create(
        account=account, defaults={"client_id": account.client_id, "profile_type_id": profile_type_id, "name": name})
    profile.profile_type_id, profile.name = profile_type_id, name
    profile.save(update_fields=["profile_type_id", "name", "updated_at"])
    return profile


class TemplateNotFound(NotFound):
    code = "template_not_found"


def account_template_set(*, account: Account, template_id: int | None = None,
                         system_name: str | None = None) -> InterfaceTemplate:
    """Choose the account's app interface among the operator's enabled templates (by id, which wins,
    or by system name); the login answer's `template` names it from then on."""
    templates = InterfaceTemplate.objects.for_client(account.client_id).filter(enabled=True)
    if template_id is not None:
        template = templates.filter(pk=template_id).first()
    elif system_name:
        template = templates.filter(system_name=system_name).first()
    else:
        template = None
    if template is None:
        raise TemplateNotFound("Template not found.")
    account_modify(account=account, template=template.system_name)
    return template


# --- customer card -------------------------------------------------------------------------------------------

class PhoneTaken(Conflict):
    code = "phone_taken"


class PhoneInvalid(Invalid):
    code = "phone_invalid"


class PhoneConfirmation(ServiceError):
    """The new mobile number waits for its code: `sent` is True when one was sent by this request."""

    code = "phone_confirmation"

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class SmsFailed(ServiceError):
    code = "sms_failed"


def normal_phone(value: str) -> str:
    """A mobile number as stored: digits with an optional leading +, separators dropped."""
    return re.sub(r"[\s\-().]", "", value)


def customer_contacts_set(*, customer: Customer, changes: dict[str, str], code: str = "") -> Customer:
    """The subscriber corrects their name, e-mail and mobile number (`changes` holds only what they sent;
    an empty value clears the field).

    Raises `Invalid` whose `fields` map each bad field to a list of messages, `PhoneInvalid`, `PhoneTaken`
    (another customer of the operator has the number). Where the operator confirms new numbers, a new
    number is kept only with the code sent to it: `PhoneConfirmation` (sent now, or waiting),
    `CodeRefused` (wrong or expired code), `SmsFailed`; nothing is saved until then."""
    problems: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name in ("firstname", "lastname"):
        if name in changes:
            value = changes[name].strip()
            if len(value) > NAME_MAX_LENGTH:
                problems[name] = [f"At most {NAME_MAX_LENGTH} characters."]
            cleaned[name] = value
    if "email" in changes:
        email = changes["email"].strip()
        if email:
            try:
                if len(email) > 254:
                    raise ValidationError("too long")
                validate_email(email)
            except ValidationError:
                problems["email"] = ["Enter a valid e-mail address."]
        cleaned["email"] = email
    if problems:
        raise Invalid("The customer's data are not valid.", fields=problems)
    phone_changed = False
    if "mobile_phone_number" in changes:
        phone = normal_phone(changes["mobile_phone_number"].strip())
        if phone and not PHONE_DIGITS.match(phone):
            raise PhoneInvalid("The mobile number is not valid.", fields={"mobile_phone_number": ["Not a number."]})
        phone_changed = phone != customer.mobile_phone_number
        if phone and phone_changed and (Customer.objects.for_client(customer.client_id)
                                        .filter(mobile_phone_number=phone).exclude(pk=customer.pk).exists()):
            raise PhoneTaken("The mobile number belongs to another subscriber.",
                             fields={"mobile_phone_number": ["Already in use."]})
        cleaned["mobile_phone_number"] = phone
        if phone and phone_changed and self_service_settings(customer.client_id).confirm_phone_change:
            _confirm_phone(customer, phone, code)
    if not cleaned:
        return customer
    if not any((cleaned.get(name, getattr(customer, name)) for name in ("firstname", "middlename", "lastname",
                                                                          "comment"))):
        raise Invalid("A name is required.", fields={"firstname": ["A name is required."]})
    return customer_modify(customer=customer, **cleaned)


def _confirm_phone(customer: Customer, phone: str, code: str) -> None:
    if code:
        code_check(client_id=customer.client_id, customer=customer, purpose=CodePurpose.PHONE_CHANGE,
                   target=phone, code=code)
        return
    if live_code(client_id=customer.client_id, customer=customer, purpose=CodePurpose.PHONE_CHANGE, target=phone):
        raise PhoneConfirmation("A code was sent to the new number; send it back as `code`.", sent=False)
    try:
        code_send(client_id=customer.client_id, customer=customer, purpose=CodePurpose.PHONE_CHANGE, target=phone,
                  channel=NotifyChannel.SMS, address=phone, subject="Mobile number",
                  text="Your confirmation code: {code}")
    except DeliveryFailed as exc:
        raise SmsFailed(exc.message) from exc
    raise PhoneConfirmation("A code was sent to the new number; send it back as `code`.", sent=True)




# --- devices -------------------------------------------------------------------------------------------------

def customer_device_delete(*, customer: Customer, device_id: int) -> None:
    """The subscriber unbinds one of the devices of their accounts; its sessions end."""
    device = (AccountDevice.objects.for_client(customer.client_id).select_related("account", "device_type")
              .filter(pk=device_id, account__customer_id=customer.pk).first())
    if device is None:
        raise NotFound("Device not found.")
    device_release(device=device)
