"""Tariff packages and customers' subscriptions to them."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .base import TenantModel, Timestamped


class Tariff(TenantModel, Timestamped):
    """A package the operator sells: channels, videos and stream services it opens, and its price.

    `basic_tariff_priority` 1–10 makes it a basic tariff (a customer has at most one; higher wins
    where rules compare them), 0 makes it an additional one. `period` is the charging period in
    days (0 = a system tariff that is never charged).
    """

    name = models.CharField(max_length=200)
    ext_id = models.CharField("ID in operator billing", max_length=128, blank=True, default="")
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"),
                                validators=[MinValueValidator(Decimal("0"))])
    default_activation_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    period = models.PositiveIntegerField(default=30, help_text="Charging period in days; 0 = system tariff.")
    basic_tariff_priority = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(10)],
        help_text="1–10: basic tariff with this priority; 0: additional tariff.",
    )
    sessions_count = models.PositiveIntegerField(
        default=1, help_text="Concurrent sessions of additional devices."
    )
    basic_sessions_count = models.PositiveIntegerField(default=1, help_text="Bound basic devices.")
    ip_restriction = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    hidden = models.BooleanField(default=False, help_text="Not offered to subscribers in apps.")
    assigned_by_default = models.BooleanField(default=False)
    required = models.BooleanField(default=False, help_text="Cannot be unsubscribed by the subscriber.")
    available_for_inactive_accounts = models.BooleanField(default=False)
    available_everywhere = models.BooleanField(default=True)
    display_in_channels_widget = models.BooleanField(default=True)
    used_for_channel_list = models.BooleanField(default=True)
    used_for_video_list = models.BooleanField(default=True)
    used_for_radio_list = models.BooleanField(default=True)
    available_to_unsubscribe = models.BooleanField(default=True)

    channels = models.ManyToManyField("tvmiddleware.Channel", related_name="tariffs", blank=True)
    stream_services = models.ManyToManyField("tvmiddleware.StreamService", related_name="tariffs", blank=True)

    class Meta:
        ordering = ["-basic_tariff_priority", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "ext_id"],
                condition=~Q(ext_id=""),
                name="tariff_unique_ext_id_per_client",
                violation_error_message="A tariff with this ext_id already exists.",
            ),
            models.CheckConstraint(
                condition=Q(basic_tariff_priority__lte=10), name="tariff_priority_0_to_10"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="tariff_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_basic(self) -> bool:
        return self.basic_tariff_priority > 0

    @property
    def activation_price(self) -> Decimal:
        return self.default_activation_price or Decimal("0.00")

    def clean(self) -> None:
        # Open subscriptions store whether they are basic (the one-basic-tariff constraint needs it),
        # so a tariff cannot switch between basic and additional while customers hold it.
        if self.pk:
            previous = Tariff.objects.filter(pk=self.pk).values_list("basic_tariff_priority", flat=True).first()
            if previous is not None and (previous > 0) != self.is_basic:
                holders = self.subscriptions.filter(is_closed=False).count()
                if holders:
                    raise ValidationError(
                        {"basic_tariff_priority": f"{holders} customer(s) hold this tariff: remove it "
                                                  "from them before switching between basic and additional."}
                    )


class TariffSubscription(TenantModel):
    """A customer's subscription to a tariff. Open (`is_closed=False`) rows are the assigned tariffs.

    Closed rows are kept as history. `is_basic` is copied from the tariff when the row is created so
    the database can enforce one open basic tariff per customer.

    `end_date` means two things. For a periodical subscription it is "paid until": the built-in
    billing charges the next period when it is reached, and a customer who cannot pay goes to DEBT
    (`billing.modes`); the tariff keeps counting meanwhile. For a non-periodical one it is the end of
    a granted period: the tariff stops counting for access then (`tvmiddleware.streaming.access`),
    and `check_accounts` closes the row through `tariff_remove`, so plugins hear `tariff.removed`.
    """

    customer = models.ForeignKey("tvmiddleware.Customer", on_delete=models.CASCADE, related_name="subscriptions")
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="subscriptions")
    is_basic = models.BooleanField(default=False, editable=False)
    start_date = models.DateTimeField()
    end_date = models.DateTimeField(null=True, blank=True, help_text="Paid or granted until.")
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                help_text="Overrides the tariff price when set.")
    is_price_overridden = models.BooleanField(default=False)
    price_expiration = models.DateField(null=True, blank=True)
    is_periodical = models.BooleanField(default=True)
    is_closed = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    external_system = models.ForeignKey(
        "tvmiddleware.ExternalSystem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="api_config_id: the integration this subscription was made through.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "tariff"],
                condition=Q(is_closed=False),
                name="subscription_one_open_per_tariff",
                violation_error_message="The customer already has this tariff.",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_closed=False, is_basic=True),
                name="subscription_one_open_basic_per_customer",
                violation_error_message="The customer already has a basic tariff.",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "is_closed"]),
            # check_accounts' scan for open subscriptions whose end date has passed (granted periods
            # to close, `billing.modes.close_expired_grants`).
            models.Index(fields=["is_closed", "end_date"], name="subscription_closed_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.tariff}"

    @property
    def effective_price(self) -> Decimal:
        return self.price if self.price is not None else self.tariff.price
