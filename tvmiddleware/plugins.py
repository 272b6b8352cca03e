"""The plugin registry for external-system API classes, and the base class plugins implement.

A plugin app (an online cinema, a CAS, a billing integration...) declares its class in its AppConfig
(`tvmiddleware.plugin_apps.PluginAppConfig.api_classes`), which registers it in `ready()`:

    from tvmiddleware.plugins import ExternalSystemAPI

    class PartnerAPI(ExternalSystemAPI):
        def on_tariff_assigned(self, event): ...

    class PartnerConfig(PluginAppConfig):
        def api_classes(self):
            return {"partner_api_client": PartnerAPI}

An operator then configures an `ExternalSystem` with that API class and its attributes. Domain
events of the operator are delivered to every enabled external system whose class overrides the
matching hook (see `tvmiddleware.events`). The core never imports plugin apps.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from .models import Account, Customer, DomainEvent, ExternalSystem, Video, VideoFile


#: Image fields of the device API's title rows that `ExternalSystemAPI.video_images` may fill.
VIDEO_IMAGE_FIELDS = ("thumbnail_small", "thumbnail_big", "vertical_poster", "horizontal_poster",
                      "screenshot_big", "screenshot_b_big", "logo", "ad_banner")


class PluginError(Exception):
    """A plugin could not do what was asked (partner down, refused...). Deliveries are retried."""


class ExternalSystemAPI:
    """Base class of every external-system integration.

    Event hooks receive the `DomainEvent`; its `payload` carries the ids and snapshots listed in
    `tvmiddleware.events.EventName`. A hook that raises is retried with backoff; a hook must be
    idempotent, since a delivery interrupted after the partner acted is repeated.
    Hooks a class does not override are not subscribed: no delivery rows are made for them.
    """

    #: Human name shown in the admin's API class choices.
    verbose_name: str = ""

    #: True when every hook makes the partner match the customer's *current* state (re-derived from
    #: the database), so deliveries converge whatever their order. Otherwise (the default: hooks that
    #: replay the change they report) the outbox applies one customer's deliveries to this system in
    #: order: a later one waits while an earlier one is pending (see `tvmiddleware.events`).
    hooks_converge_in_any_order: bool = False

    def __init__(self, external_system: "ExternalSystem") -> None:
        self.external_system = external_system
        self.client = external_system.client
        self._attributes: dict[str, str] | None = None

    # --- configuration --------------------------------------------------------------------------
    @property
    def attributes(self) -> dict[str, str]:
        if self._attributes is None:
            self._attributes = self.external_system.attribute_map()
        return self._attributes

    def attribute(self, key: str, default: str = "") -> str:
        return self.attributes.get(key, default)

    @classmethod
    def validate_attributes(cls, attributes: dict[str, str]) -> dict[str, str]:
        """Return {key: message} for attributes that are missing or wrong (shown in the admin)."""
        return {}

    # --- domain event hooks ---------------------------------------------------------------------
    def on_tariff_assigned(self, event: "DomainEvent") -> None:
        """A customer got a tariff (payload: customer_id, tariff_id, subscription_id)."""

    def on_tariff_removed(self, event: "DomainEvent") -> None:
        """A customer lost a tariff (payload: customer_id, tariff_id, subscription_id)."""

    def on_account_status_changed(self, event: "DomainEvent") -> None:
        """An account was activated, deactivated or blocked
        (payload: account_id, customer_id, active, status_reason, old_active, old_status_reason)."""

    def on_device_added(self, event: "DomainEvent") -> None:
        """A device was bound (payload: device_id, account_id, device_uid, device_type, serial_number)."""

    def on_device_removed(self, event: "DomainEvent") -> None:
        """A device was unbound (payload: account_id, device_uid, device_type, serial_number)."""

    def on_video_purchased(self, event: "DomainEvent") -> None:
        """A customer bought or rented a title (payload: customer_id, video_id, transaction_id, ...)."""

    def on_purchase_refund_due(self, event: "DomainEvent") -> None:
        """This integration (a billing) owes a refund of a purchase charge that could not be completed
        and whose first refund failed (payload: customer_id, video_id, price, kind, purchase_key,
        purchase_number, reason). Addressed to the one billing that charged; retried until it answers."""

    # --- calls made by the middleware -----------------------------------------------------------
    def sync_catalogue(self, **options: Any) -> dict[str, int]:
        """Import or refresh this system's catalogue; returns counters for the summary line."""
        raise NotImplementedError(f"{type(self).__name__} has no catalogue")

    def get_video_url(self, *, account: "Account", video: "Video", file: "VideoFile | None" = None,
                      device: str = "") -> str:
        """A playable URL of a title this system serves."""
        raise NotImplementedError(f"{type(self).__name__} serves no videos")

    def video_playback_credentials(self, *, account: "Account", video: "Video", device: str = "") -> dict[str, str]:
        """What an app needs to play this system's title with the cinema's own player or SDK, handed out
        by `video/url` beside the stream: `ext_partner_id`, `ext_auth_token` (the subscriber's token at
        the cinema), `ext_apikey` (a key meant for apps). Never a server-side secret. Raise
        `PluginError` when the cinema cannot be reached: the stream is still answered, without them."""
        return {}

    def purchase_video(self, *, account: "Account | None", video: "Video", price: Any,
                       customer: "Customer | None" = None, kind: str = "buy", **options: Any) -> dict[str, Any]:
        """Buy a title at the partner, when the partner sells it (TVOD): `kind` "buy" or "rent".
        `video_purchase` calls it after the ledger debit and refunds when it raises `PluginError`."""
        raise NotImplementedError(f"{type(self).__name__} sells no videos")

    def process_account(self, *, account: "Account") -> None:
        """Periodic check of one account, called by `check_accounts`."""

    # --- catalogue presentation -----------------------------------------------------------------
    @classmethod
    def video_images(cls, videos: "list[Video]") -> dict[int, dict[str, str]]:
        """Images of this system's titles for the device API's title rows (video/list, video/detail,
        selections, a person's titles), in one batch for a whole page: {video id: {field: url}}.

        Fields are those of `VIDEO_IMAGE_FIELDS`; a URL may be site-relative (a storage URL, made
        absolute by the API). A title or field left out keeps the core's own image (the title's
        cover). Called with the page's titles of every integration using this class (the class, not
        an instance: no attributes are read), so it must cost at most a constant number of queries.
        """
        return {}

    # --- subscription introspection -------------------------------------------------------------
    @classmethod
    def handles(cls, hook_name: str) -> bool:
        """True when the class overrides `hook_name` (so it subscribes to that event)."""
        own = getattr(cls, hook_name, None)
        base = getattr(ExternalSystemAPI, hook_name, None)
        # Class-method hooks are bound anew on every attribute access: compare the functions.
        own, base = getattr(own, "__func__", own), getattr(base, "__func__", base)
        return own is not None and own is not base


class PluginRegistry:
    """Name → API class. Names are what `ExternalSystem.api_class` stores."""

    def __init__(self) -> None:
        self._classes: dict[str, type[ExternalSystemAPI]] = {}

    def register(self, name: str, cls: type[ExternalSystemAPI]) -> type[ExternalSystemAPI]:
        if not (isinstance(cls, type) and issubclass(cls, ExternalSystemAPI)):
            raise TypeError(f"{cls!r} must subclass ExternalSystemAPI")
        existing = self._classes.get(name)
        if existing is not None and existing is not cls:
            raise ValueError(f"API class name {name!r} is already registered by {existing.__module__}")
        self._classes[name] = cls
        return cls

    def unregister(self, name: str) -> None:
        self._classes.pop(name, None)

    def get(self, name: str) -> type[ExternalSystemAPI]:
        try:
            return self._classes[name]
        except KeyError:
            raise PluginError(f"API class {name!r} is not installed") from None

    def names(self) -> list[str]:
        return sorted(self._classes)

    def choices(self) -> list[tuple[str, str]]:
        return [(name, self._classes[name].verbose_name or name) for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())


registry = PluginRegistry()


def register(name: str, cls: type[ExternalSystemAPI]) -> type[ExternalSystemAPI]:
    """Register an external-system API class under `name` (call from `AppConfig.ready()`)."""
    return registry.register(name, cls)


def implementation(system: "ExternalSystem | None", hook: str) -> ExternalSystemAPI | None:
    """The plugin of an enabled, installed integration whose API class implements `hook` (e.g. a
    video's `external_system` and "get_video_url" or "purchase_video"); None otherwise."""
    if system is None or not system.enabled or system.api_class not in registry:
        return None
    if not registry.get(system.api_class).handles(hook):
        return None
    return system.get_api()
