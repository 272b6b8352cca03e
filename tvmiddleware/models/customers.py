"""Subscribers: customers (personal accounts), their logins (accounts) and bound devices."""
from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.hashers import check_password
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from .base import TenantModel, Timestamped
from .devices import DeviceGroup


class Gender(models.IntegerChoices):
    MALE = 0, "Male"
    FEMALE = 1, "Female"


class PaymentType(models.TextChoices):
    """How the customer usually pays (what the operator's invoices and reminders say)."""

    CASH = "cash", "Cash"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    CARD = "card", "Card"


class Customer(TenantModel, Timestamped):
    """A subscriber: the billing "personal account" that holds money and tariffs.

    `balance` is a cache of the ledger kept by `billing.services.transaction_create` under a row
    lock; nothing else writes it.
    """

    ext_id = models.CharField("ID in operator billing", max_length=128, blank=True, default="")
    firstname = models.CharField(max_length=100, blank=True, default="")
    middlename = models.CharField(max_length=100, blank=True, default="")
    lastname = models.CharField(max_length=100, blank=True, default="")
    birthdate = models.DateField(null=True, blank=True)
    gender = models.PositiveSmallIntegerField(choices=Gender.choices, null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    company_name = models.CharField(max_length=200, blank=True, default="")
    contract_number = models.CharField(max_length=64, blank=True, default="")
    dealer_id = models.CharField(max_length=64, blank=True, default="")

    mobile_phone_number = models.CharField(max_length=32, blank=True, default="", db_index=True)
    phone_number_1 = models.CharField(max_length=32, blank=True, default="")
    phone_number_2 = models.CharField(max_length=32, blank=True, default="")
    fax_phone_number = models.CharField(max_length=32, blank=True, default="")
    email = models.EmailField(blank=True, default="")

    passport_number = models.CharField(max_length=32, blank=True, default="")
    passport_series = models.CharField(max_length=32, blank=True, default="")
    passport_issue_date = models.DateField(null=True, blank=True)
    passport_issued_by = models.CharField(max_length=255, blank=True, default="")

    postal_address_country = models.CharField(max_length=100, blank=True, default="")
    postal_address_city = models.CharField(max_length=100, blank=True, default="")
    postal_address_street = models.CharField(max_length=200, blank=True, default="")
    postal_address_bld = models.CharField(max_length=32, blank=True, default="")
    postal_address_apt = models.CharField(max_length=32, blank=True, default="")
    postal_address_zip = models.CharField(max_length=16, blank=True, default="")
    billing_address_name = models.CharField(max_length=200, blank=True, default="",
                                            help_text="Whom invoices are addressed to.")
    billing_address_street = models.CharField(max_length=200, blank=True, default="")
    billing_address_bld = models.CharField(max_length=32, blank=True, default="")
    billing_address_apt = models.CharField(max_length=32, blank=True, default="")
    billing_address_zip = models.CharField(max_length=16, blank=True, default="")

    bank_account_blz = models.CharField(max_length=32, blank=True, default="")
    bank_account_bic = models.CharField(max_length=32, blank=True, default="")
    bank_account_number = models.CharField(max_length=64, blank=True, default="")
    bank_account_iban = models.CharField(max_length=64, blank=True, default="")
    bank_account_bank_name = models.CharField(max_length=200, blank=True, default="")
    bank_account_owner_name = models.CharField(max_length=200, blank=True, default="")

    send_sms = models.BooleanField(default=False)
    send_sms_messages = models.BooleanField(default=True)
    send_email_messages = models.BooleanField(default=True)
    autopayment_enabled = models.BooleanField(default=False)
    payment_type = models.CharField(max_length=16, choices=PaymentType.choices, blank=True, default="")
    meta = models.JSONField(default=dict, blank=True)

    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), editable=False)
    custom_billing_api = models.ForeignKey(
        "tvmiddleware.ExternalSystem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Billing integration for this customer, if not the client's default.",
    )
    tariffs = models.ManyToManyField(
        "tvmiddleware.Tariff",
        through="tvmiddleware.TariffSubscription",
        through_fields=("customer", "tariff"),
        related_name="customers",
        blank=True,
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "ext_id"],
                condition=~Q(ext_id=""),
                name="customer_unique_ext_id_per_client",
                violation_error_message="A customer with this ext_id already exists.",
            ),
        ]

    def __str__(self) -> str:
        name = " ".join(p for p in (self.lastname, self.firstname, self.middlename) if p)
        return name or self.comment[:40] or f"Customer #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        # The balance column belongs to the ledger (`billing.services` updates it under the customer's
        # row lock): saving a customer loaded earlier (an admin form, a profile edit) must never write
        # back a stale balance, so an update of an existing row leaves the column out.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [f.attname for f in self._meta.concrete_fields
                                       if not f.primary_key and f.attname != "balance"]
        super().save(*args, **kwargs)


class AccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    DEBT = "DEBT", "Blocked for debt"
    BLOCK = "BLOCK", "Blocked"
    INACTIVE = "INACTIVE", "Inactive"
    WAIT = "WAIT", "Waiting for activation"


numeric_validator = RegexValidator(r"^\d{1,32}$", "Digits only.")


class Account(TenantModel, Timestamped):
    """A login of a customer: what a set-top box or an app signs in with.

    `abonement` is the numeric login, unique within the operator. The password is stored hashed
    (see `tvmiddleware.hashers`); its plaintext is returned once, when the account is created.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="accounts")
    abonement = models.CharField(max_length=32, validators=[numeric_validator])
    password = models.CharField(max_length=256, editable=False)
    account_ext_id = models.CharField(max_length=128, blank=True, default="")
    active = models.BooleanField(default=True)
    status_reason = models.CharField(max_length=32, blank=True, default=AccountStatus.ACTIVE)
    last_active = models.DateTimeField(null=True, blank=True)

    auto_activation_period = models.PositiveIntegerField(default=0, help_text="Days after first login.")
    extension_date = models.DateField(null=True, blank=True, help_text="Next charge date.")
    activation_date = models.DateField(null=True, blank=True)
    deactivation_date = models.DateField(null=True, blank=True)

    allow_multiple_login = models.BooleanField(default=False)
    allow_login_by_abonement = models.BooleanField(default=False, help_text="Login without password.")
    allow_login_by_device_uid = models.BooleanField(default=True)
    allow_login_by_ip = models.BooleanField(default=False)
    subnets = models.TextField(
        blank=True, default="", help_text="IP networks allowed to log in, comma separated; empty = any."
    )
    allowed_device_groups = models.JSONField(
        default=list, blank=True, help_text="Device group ids allowed (0 STB, 1 Smart TV, 2 Mobile, 3 Other); empty = all."
    )
    parent_code = models.CharField(max_length=16, blank=True, default="", validators=[numeric_validator])
    use_timeshift = models.BooleanField(default=False)
    preferred_timeshift_offset = models.IntegerField(default=0)
    data_center = models.PositiveIntegerField(null=True, blank=True)
    template = models.CharField(max_length=64, blank=True, default="")
    option1 = models.CharField(max_length=255, blank=True, default="")
    option2 = models.CharField(max_length=255, blank=True, default="")
    option3 = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "abonement"],
                name="account_unique_abonement_per_client",
                violation_error_message="An account with this abonement already exists.",
            ),
            models.UniqueConstraint(
                fields=["client", "account_ext_id"],
                condition=~Q(account_ext_id=""),
                name="account_unique_ext_id_per_client",
                violation_error_message="An account with this account_ext_id already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.abonement

    def check_password(self, raw_password: str) -> bool:
        """Constant-time check of a typed password against the stored hash."""
        return bool(self.password) and check_password(raw_password, self.password)

    def allows_device_group(self, group: int) -> bool:
        return not self.allowed_device_groups or group in self.allowed_device_groups

    @property
    def is_blocked(self) -> bool:
        return not self.active


class AccountDevice(TenantModel):
    """A device bound to an account: its UID (often a MAC), type and serial.

    Basic devices are the account's own boxes (limited by the tariff's `basic_sessions_count`);
    additional devices are the rest (limited by `sessions_count`).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="devices")
    device_type = models.ForeignKey("tvmiddleware.DeviceType", on_delete=models.PROTECT, related_name="+")
    device_uid = models.CharField(max_length=128)
    serial_number = models.CharField(max_length=128, blank=True, default="")
    device_model = models.CharField(max_length=128, blank=True, default="")
    brand_name = models.CharField(max_length=128, blank=True, default="")
    is_basic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "device_uid"],
                name="device_unique_uid_per_client",
                violation_error_message="A device with this UID is already bound.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_type} {self.device_uid}"

    @property
    def group(self) -> int:
        return self.device_type.group if self.device_type_id else DeviceGroup.OTHER
