"""`tvzavr_api_client`: the tvzavr online cinema (DEPRECATED — the service has closed).

Kept working as the product documentation describes it (section 5.5.2), for operators that still
have it configured. Setup, in "API integration with external systems":
  - API class `tvzavr_api_client`; the catalogue tariff: a hidden tariff that is attached to every
    imported title so that the titles are listed in the apps;
  - attributes (all required):
      tvzavr_tariff_id        tvzavr's id of the operator's SVOD package (given by tvzavr)
      plf                     the operator's platform id at tvzavr (given by tvzavr)
      secret                  the signing secret (given by tvzavr; never sent, never logged)
      subscription_tariff_id  id of the middleware tariff that *is* the tvzavr subscription:
                              assigning it subscribes the customer at tvzavr, removing it
                              unsubscribes them; it is also attached to imported titles, which it opens
    optional: api_url (default https://api.tvzavr.ru), cats (catalogue filter), page_size (100),
    renew_ahead_days (3), timeout (15);
  - `manage.py tvzavr_sync_content` from cron imports the catalogue incrementally;
  - `manage.py tvzavr_renew_subscriptions` from cron extends tvzavr subscriptions of customers who
    still hold the subscription tariff (the product documentation ties this to `check_accounts`;
    see `tvzavr.renewals`).

A tvzavr subscription runs until a paid-until date: each time it is opened or renewed it is
extended by the subscription tariff's period (30 days for a tariff without a period).
"""
from __future__ import annotations

import logging
import warnings
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cinema_kit.catalogue import import_catalogue
from cinema_kit.http import parse_timeout, timeout_problem, url_problem
from cinema_kit.subscriptions import holds_any, parse_tariff_ids, tariff_ids_problem
from tvmiddleware.models import Customer, Tariff
from tvmiddleware.plugins import ExternalSystemAPI

from .catalogue import title_from_clip
from .client import TvzavrClient
from .models import TvzavrSubscription

if TYPE_CHECKING:
    from tvmiddleware.models import Account, DomainEvent

logger = logging.getLogger("tvzavr")

API_CLASS = "tvzavr_api_client"
DEPRECATION = "tvzavr has closed: the tvzavr_api_client integration is deprecated and kept only as documented."
DEFAULT_PERIOD_DAYS = 30
DEFAULT_RENEW_AHEAD_DAYS = 3
DEFAULT_PAGE_SIZE = 100


def _int_problem(value: str, low: int, high: int) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit() and low <= int(value) <= high:
        return None
    return f"A whole number from {low} to {high}."


def _int(value: str, default: int, low: int, high: int) -> int:
    return int(value) if _int_problem(value, low, high) is None and value.strip() else default


class TvzavrAPI(ExternalSystemAPI):
    """tvzavr: catalogue sync and SVOD subscriptions (deprecated: the service has closed)."""

    verbose_name = "tvzavr, tvzavr_api_client (deprecated: service closed)"
    # The tariff hooks reconcile tvzavr with the customer's current subscription tariff.
    hooks_converge_in_any_order = True

    def __init__(self, external_system) -> None:
        super().__init__(external_system)
        self._tvzavr: TvzavrClient | None = None

    # --- configuration --------------------------------------------------------------------------
    @classmethod
    def validate_attributes(cls, attributes: dict[str, str]) -> dict[str, str]:
        """Required attributes of section 5.5.2.1; saving still works, with a deprecation warning."""
        warnings.warn(DEPRECATION, DeprecationWarning, stacklevel=2)
        logger.warning(DEPRECATION)
        problems: dict[str, str] = {}
        for key in ("tvzavr_tariff_id", "plf", "secret"):
            if not attributes.get(key, "").strip():
                problems[key] = "Required: the value given by tvzavr."
        if message := tariff_ids_problem(attributes.get("subscription_tariff_id", ""), required=True):
            problems["subscription_tariff_id"] = message
        if message := url_problem(attributes.get("api_url", ""), required=False):
            problems["api_url"] = message
        if message := _int_problem(attributes.get("page_size", ""), 1, 1000):
            problems["page_size"] = message
        if message := _int_problem(attributes.get("renew_ahead_days", ""), 0, 60):
            problems["renew_ahead_days"] = message
        if message := timeout_problem(attributes.get("timeout", "")):
            problems["timeout"] = message
        return problems

    @property
    def tvzavr(self) -> TvzavrClient:
        if self._tvzavr is None:
            self._tvzavr = TvzavrClient(api_url=self.attribute("api_url").strip(), plf=self.attribute("plf").strip(),
                                        secret=self.attribute("secret").strip(),
                                        timeout=parse_timeout(self.attribute("timeout")),
                                        system_id=self.external_system.pk)
        return self._tvzavr

    @property
    def client_id(self) -> int:
        return self.external_system.client_id

    @property
    def subscription_tariff_id(self) -> int | None:
        ids = parse_tariff_ids(self.attribute("subscription_tariff_id"))
        return ids[0] if ids else None

    @property
    def tvzavr_tariff(self) -> str:
        return self.attribute("tvzavr_tariff_id").strip()

    @property
    def renew_ahead(self) -> timedelta:
        return timedelta(days=_int(self.attribute("renew_ahead_days"), DEFAULT_RENEW_AHEAD_DAYS, 0, 60))

    def period(self) -> timedelta:
        """How far one opening or renewal extends the subscription: the SVOD tariff's period."""
        days = (Tariff.objects.for_client(self.client_id).filter(pk=self.subscription_tariff_id)
                .values_list("period", flat=True).first())
        return timedelta(days=days or DEFAULT_PERIOD_DAYS)

    # --- catalogue --------------------------------------------------------------------------------
    def catalogue_tariffs(self) -> list[Tariff]:
        """The catalogue tariff (lists the titles) and the subscription tariff (opens them)."""
        ids = {i for i in (self.external_system.tariff_id, self.subscription_tariff_id) if i}
        return list(Tariff.objects.for_client(self.client_id).filter(pk__in=ids))

    def sync_catalogue(self, **options: Any) -> dict[str, int]:
        """Fetch every page of the catalogue, then import it incrementally (`cinema_kit.catalogue`)."""
        genre_names = self.tvzavr.genres()
        page_size = _int(self.attribute("page_size"), DEFAULT_PAGE_SIZE, 1, 1000)
        titles = [title_from_clip(item, genre_names)
                  for item in self.tvzavr.iter_catalogue(page_size=page_size, cats=self.attribute("cats").strip())]
        return import_catalogue(system=self.external_system, titles=titles, tariffs=self.catalogue_tariffs()).as_dict()

    # --- SVOD -----------------------------------------------------------------------------------
    def on_tariff_assigned(self, event: "DomainEvent") -> None:
        self._on_tariff_event(event)

    def on_tariff_removed(self, event: "DomainEvent") -> None:
        self._on_tariff_event(event)

    def _on_tariff_event(self, event: "DomainEvent") -> None:
        tariff_id = self.subscription_tariff_id
        if tariff_id is None or event.payload.get("tariff_id") != tariff_id:
            return  # not the subscription tariff: nothing to tell tvzavr
        self.reconcile(customer_id=event.payload["customer_id"])

    def process_account(self, *, account: "Account") -> None:
        """The periodic check of one account: tvzavr agrees with its customer's subscription tariff,
        and a subscription near its paid-until date is renewed."""
        self.reconcile(customer_id=account.customer_id)

    def reconcile(self, *, customer_id: int, now: datetime | None = None) -> str:
        """Make tvzavr match what the customer holds now; renew a subscription near its end.

        Idempotent and safe to repeat (it asks tvzavr's status first). Returns "subscribed",
        "renewed", "unsubscribed" or "unchanged".
        """
        now = now or timezone.now()
        if not Customer.objects.for_client(self.client_id).filter(pk=customer_id).exists():
            return "unchanged"  # deleted since: the mirror row went with it
        wanted = holds_any(client_id=self.client_id, customer_id=customer_id,
                           tariff_ids=[t for t in [self.subscription_tariff_id] if t])
        user, tariff = str(customer_id), self.tvzavr_tariff
        state = self.tvzavr.status(user=user, tariff=tariff)
        outcome = "unchanged"
        if wanted and not (state.active and state.until and state.until > now + self.renew_ahead):
            start = max(state.until, now) if state.active and state.until else now
            self.tvzavr.create_user(user)
            renewed = state.active
            state = self.tvzavr.subscribe(user=user, tariff=tariff, until=start + self.period())
            outcome = "renewed" if renewed else "subscribed"
        elif not wanted and state.active:
            state = self.tvzavr.unsubscribe(user=user, tariff=tariff)
            outcome = "unsubscribed"
        self._remember(customer_id, active=state.active, until=state.until)
        if outcome != "unchanged":
            logger.info("tvzavr system=%s customer=%s %s until %s", self.external_system.pk, customer_id, outcome,
                        state.until)
        return outcome

    def _remember(self, customer_id: int, *, active: bool, until: datetime | None) -> None:
        values = {"client_id": self.client_id, "active": active, "paid_until": until}
        try:
            with transaction.atomic():
                TvzavrSubscription.objects.update_or_create(external_system=self.external_system,
                                                            customer_id=customer_id, defaults=values)
        except IntegrityError:  # a concurrent check created the row first
            TvzavrSubscription.objects.filter(external_system=self.external_system, customer_id=customer_id).update(
                active=active, paid_until=until, checked_at=timezone.now())
