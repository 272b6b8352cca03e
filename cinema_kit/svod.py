"""The adapter of the assumed SVOD partner contract, configured by attributes (Start and PREMIER use it).

Neither Start nor PREMIER publishes its partner API; this adapter implements the assumed contract of
`cinema_kit.svod_client` (users, subscribe, unsubscribe, status) and `cinema_kit.feeds` (catalogue
feed in JSON or XML), and is ready for the partner's specification: only the client and the feed
parser would change, not the hooks, the import or the configuration. A cinema app subclasses
`GenericSvodPartnerAPI` (its name, its genre map, its own extras) and registers it.

Operator's setup (per cinema, in "API integration with external systems"):
  - the cinema's API class (e.g. `cinema_start_api_client`); the catalogue tariff (the hidden tariff
    that lists the partner's titles in the apps);
  - attributes:
      api_url                base URL of the partner API (required)
      api_token | api_key    the partner's secret, sent as a Bearer token (one of them is required)
      service_id             the partner's id of the SVOD package (required)
      tariff_id              id of the middleware tariff that *is* the SVOD subscription (required):
                             assigning it subscribes the customer at the partner, removing it
                             unsubscribes them
      additional_tariff_ids  ids of mixed tariffs (channels + this cinema), comma separated: holding
                             any of them also keeps the partner subscription (MEGOGO's spelling
                             `additional_tariffs_ids` is accepted too)
      feed_url               the catalogue feed (default `{api_url}/catalogue`)
      feed_format            `json` or `xml` (default: the cinema's default below)
      feed_fields            field renames, `title=name,poster=image` (see `cinema_kit.feeds`)
      feed_item_tag          element name of a title in an XML feed (default `item`)
      timeout                seconds per call (default 15)
      partner_id             the operator's id at the cinema, for apps playing with the cinema's SDK
                             (`video/url`'s `ext_partner_id`; optional)
      app_api_key            a key the cinema issues for apps, not the server secret (`ext_apikey`;
                             optional)
  - the cinema's `*_sync_content` command from cron imports the catalogue (incrementally).

Imported titles get the catalogue tariff and the SVOD tariffs (`tariff_id`, `additional_tariff_ids`),
so they are listed in the apps and open to the SVOD subscribers.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urljoin, urlsplit

from tvmiddleware.models import Customer, Tariff
from tvmiddleware.plugins import ExternalSystemAPI, PluginError

from . import feeds
from .catalogue import TitleRecord, import_catalogue
from .svod_client import SvodPartnerClient
from .http import parse_timeout, timeout_problem, url_problem
from .subscriptions import holds_any, parse_tariff_ids, tariff_ids_problem

if TYPE_CHECKING:
    from tvmiddleware.models import Account, DomainEvent

logger = logging.getLogger("cinema_kit.svod")

FEED_FORMATS = ("json", "xml")
MAX_FEED_PAGES = 10_000
ADDITIONAL_TARIFFS_KEYS = ("additional_tariff_ids", "additional_tariffs_ids")


class GenericSvodPartnerAPI(ExternalSystemAPI):
    """An SVOD online cinema behind the assumed partner contract (see the module docstring)."""

    verbose_name = "Generic SVOD partner"
    # The tariff hooks reconcile the partner with what the customer holds now.
    hooks_converge_in_any_order = True
    #: Name used in logs and messages.
    partner_name = "svod_partner"
    #: Feed format when the `feed_format` attribute is empty.
    default_feed_format = "json"

    def __init__(self, external_system) -> None:
        super().__init__(external_system)
        self._partner: SvodPartnerClient | None = None

    # --- configuration --------------------------------------------------------------------------
    @classmethod
    def validate_attributes(cls, attributes: dict[str, str]) -> dict[str, str]:
        problems: dict[str, str] = {}
        if message := url_problem(attributes.get("api_url", ""), required=True):
            problems["api_url"] = message
        if not (attributes.get("api_token", "").strip() or attributes.get("api_key", "").strip()):
            problems["api_token"] = "Required: the partner's secret (api_token or api_key)."
        if not attributes.get("service_id", "").strip():
            problems["service_id"] = "Required: the partner's id of the SVOD package."
        if message := tariff_ids_problem(attributes.get("tariff_id", ""), required=True):
            problems["tariff_id"] = message
        for key in ADDITIONAL_TARIFFS_KEYS:
            if message := tariff_ids_problem(attributes.get(key, ""), required=False, many=True):
                problems[key] = message
        if message := url_problem(attributes.get("feed_url", ""), required=False):
            problems["feed_url"] = message
        feed_format = attributes.get("feed_format", "").strip().lower()
        if feed_format and feed_format not in FEED_FORMATS:
            problems["feed_format"] = "json or xml."
        try:
            feeds.parse_field_map(attributes.get("feed_fields", ""))
        except ValueError as exc:
            problems["feed_fields"] = str(exc)
        if message := timeout_problem(attributes.get("timeout", "")):
            problems["timeout"] = message
        return problems

    @property
    def svod_tariff_ids(self) -> list[int]:
        """The tariffs whose holders are subscribed at the partner."""
        return parse_tariff_ids(self.attribute("tariff_id"), *(self.attribute(k) for k in ADDITIONAL_TARIFFS_KEYS))

    @property
    def partner(self) -> SvodPartnerClient:
        if self._partner is None:
            self._partner = SvodPartnerClient(
                partner=self.partner_name, system_id=self.external_system.pk,
                api_url=self.attribute("api_url").strip(),
                token=(self.attribute("api_token") or self.attribute("api_key")).strip(),
                service_id=self.attribute("service_id").strip(), timeout=parse_timeout(self.attribute("timeout")))
        return self._partner

    # --- playback in the cinema's own player ----------------------------------------------------
    def video_playback_credentials(self, *, account: "Account", video, device: str = "") -> dict[str, str]:
        """The operator's id at the cinema and the key it issues for apps (attributes `partner_id`,
        `app_api_key`). The assumed contract has no per-subscriber token: `ext_auth_token` stays empty."""
        return {"ext_partner_id": self.attribute("partner_id").strip(),
                "ext_apikey": self.attribute("app_api_key").strip()}

    # --- SVOD -----------------------------------------------------------------------------------
    def on_tariff_assigned(self, event: "DomainEvent") -> None:
        self._on_tariff_event(event)

    def on_tariff_removed(self, event: "DomainEvent") -> None:
        self._on_tariff_event(event)

    def _on_tariff_event(self, event: "DomainEvent") -> None:
        if event.payload.get("tariff_id") not in self.svod_tariff_ids:
            return  # not this cinema's tariff: nothing to tell the partner
        self.reconcile(customer_id=event.payload["customer_id"])

    def process_account(self, *, account: "Account") -> None:
        """Periodic check: the partner agrees with what the account's customer holds."""
        self.reconcile(customer_id=account.customer_id)

    @staticmethod
    def user_id(customer_id: int) -> str:
        """How a customer is named at the partner."""
        return str(customer_id)

    def reconcile(self, *, customer_id: int) -> str:
        """Make the partner's subscription match the customer's SVOD tariffs now (idempotent).

        Returns "subscribed", "unsubscribed" or "unchanged".
        """
        if not Customer.objects.for_client(self.client_id).filter(pk=customer_id).exists():
            return "unchanged"  # deleted since the event: nothing left to tell
        wanted = holds_any(client_id=self.client_id, customer_id=customer_id, tariff_ids=self.svod_tariff_ids)
        user = self.user_id(customer_id)
        state = self.partner.status(user)
        if wanted and not state.active:
            self.partner.create_user(user)
            self.partner.subscribe(user)
            logger.info("%s system=%s customer=%s subscribed", self.partner_name, self.external_system.pk,
                        customer_id)
            return "subscribed"
        if not wanted and state.active:
            self.partner.unsubscribe(user)
            logger.info("%s system=%s customer=%s unsubscribed", self.partner_name, self.external_system.pk,
                        customer_id)
            return "unsubscribed"
        return "unchanged"

    @property
    def client_id(self) -> int:
        return self.external_system.client_id

    # --- catalogue --------------------------------------------------------------------------------
    @property
    def feed_url(self) -> str:
        return self.attribute("feed_url").strip() or f"{self.attribute('api_url').strip().rstrip('/')}/catalogue"

    @property
    def feed_format(self) -> str:
        value = self.attribute("feed_format").strip().lower()
        return value if value in FEED_FORMATS else self.default_feed_format

    def catalogue_tariffs(self) -> list[Tariff]:
        """The catalogue tariff and the SVOD tariffs, as far as they exist at this operator."""
        ids = set(self.svod_tariff_ids)
        if self.external_system.tariff_id:
            ids.add(self.external_system.tariff_id)
        return list(Tariff.objects.for_client(self.client_id).filter(pk__in=ids))

    def iter_titles(self) -> Iterator[TitleRecord]:
        """Every title of the partner's feed (all pages of a JSON feed; an XML feed is one document)."""
        fields = feeds.parse_field_map(self.attribute("feed_fields"))
        url = self.feed_url
        if self.feed_format == "xml":
            tag = self.attribute("feed_item_tag").strip() or "item"
            for item in feeds.xml_items(self.partner.fetch(url), item_tag=tag):
                yield feeds.title_from_item(item, fields)
            return
        origin = urlsplit(url)[:2]
        seen = {url}
        for _ in range(MAX_FEED_PAGES):
            items, next_url = feeds.json_page(self.partner.fetch(url))
            for item in items:
                yield feeds.title_from_item(item, fields)
            if not next_url:
                return
            next_url = urljoin(url, next_url)
            if urlsplit(next_url)[:2] != origin:  # never send the token to another host
                raise PluginError(f"{self.partner_name}: the feed's next page is on another host")
            if next_url in seen:
                raise PluginError(f"{self.partner_name}: the feed's pages loop")
            seen.add(next_url)
            url = next_url
        raise PluginError(f"{self.partner_name}: the feed has more than {MAX_FEED_PAGES} pages")

    def genre_map(self, titles: list[TitleRecord]) -> dict[str, int]:
        """Partner genre id → the operator's genre id, for the import (`import_catalogue(genre_map=)`).

        None by default (genres matched by name); a cinema with an admin-edited map overrides it.
        """
        return {}

    def sync_catalogue(self, **options: Any) -> dict[str, int]:
        """Fetch the whole feed, then import it (see `cinema_kit.catalogue`)."""
        titles = list(self.iter_titles())  # all pages first: a feed failing half-way changes nothing
        return import_catalogue(system=self.external_system, titles=titles, tariffs=self.catalogue_tariffs(),
                                genre_map=self.genre_map(titles)).as_dict()
