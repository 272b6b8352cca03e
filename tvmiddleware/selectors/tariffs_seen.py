"""The tariffs a subscriber sees, wherever they see them (the device API's customer/tariff/list and
customer/info, the personal-account widget): the ones they hold and the ones they could take."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from ..models import Tariff, TariffSubscription


@dataclass(frozen=True)
class SeenTariff:
    """A tariff as one subscriber sees it: with their open subscription to it, if any."""

    tariff: Tariff
    subscription: TariffSubscription | None

    @property
    def is_assigned(self) -> bool:
        return self.subscription is not None

    @property
    def price(self) -> Decimal:
        """What a period costs this subscriber (their subscription's price when they hold it)."""
        return self.subscription.effective_price if self.subscription else self.tariff.price

    @property
    def is_periodical(self) -> bool:
        return self.subscription.is_periodical if self.subscription else self.tariff.period > 0

    @property
    def may_be_dropped(self) -> bool:
        """The operator lets subscribers drop it themselves (basic tariffs never are: they are changed)."""
        return self.tariff.available_to_unsubscribe and not self.tariff.required


def tariffs_seen(*, client_id: int, customer_id: int, only_offered: bool = True,
                 with_counts: bool = False) -> list[SeenTariff]:
    """The customer's open subscriptions' tariffs and (`only_offered`) the enabled, not hidden ones, or
    (not `only_offered`) every tariff of the operator; basic ones first, then by name. `with_counts`
    annotates `channels_count` and `videos_count`. Two queries."""
    subscriptions = {s.tariff_id: s for s in TariffSubscription.objects.filter(customer_id=customer_id,
                                                                             is_closed=False)}
    tariffs = Tariff.objects.for_client(client_id)
    if with_counts:
        tariffs = tariffs.annotate(channels_count=Count("channels", distinct=True),
                                   videos_count=Count("videos", distinct=True))
    if only_offered:
        tariffs = tariffs.filter(Q(pk__in=list(subscriptions)) | Q(enabled=True, hidden=False))
    return [SeenTariff(tariff=tariff, subscription=subscriptions.get(tariff.pk))
            for tariff in tariffs.order_by("-basic_tariff_priority", "name")]
