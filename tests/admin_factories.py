"""Rows of every model of the operator panel, staff users, and form data, for the admin tests.

`build_row(model, client)` makes one row of a registered model for an operator: the isolation tests
build one for each of two operators and check that staff of one never reach the other's.
The fixtures at the end (staff_client, superuser_client...) are loaded by the admin test modules
with `pytest_plugins`; the module holds no assertions, so it is not rewritten: PYTEST_DONT_REWRITE.
"""
from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any, Callable

import factory
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils import timezone

from billing.models import CustomerTransaction, PromoActivation, PromoCode
from billing.promo import promo_activate, promo_create
from cinema_start.models import StartDeviceStatistics, StartGenreMap
from billing.services import transaction_create
from irdeto.models import CasProduct, CasSubscriber
from megogo.models import GenreMapping, MegogoSubscriber, MegogoTitle, SyncLease
from payments.models import Merchant, Payment, SavedCard
from tests import factories
from tvmiddleware.models import (
    Account, AccountDevice, Actor, AuthKey, Channel, ChannelCategory, Client, Customer, DeliveryStatus, DeviceType,
    DomainEvent, EpgChannel, EpgProgram, EpgSource, Episode, EventDelivery, ExternalSystem, Genre, MaintenanceWindow,
    Message, MessageRead, OperatorProfile, PortalSetting, PriceCategory, ProgramBlocking, ProgrammeReminder,
    RadioStation, RecentChannel, Season, ChannelSort, ChannelSortItem,
    Selection, SelectionItem, StreamService, Tariff, TariffSubscription, Video, VideoFile, VideoPurchase,
)
from tvmiddleware.models import GuestBrowsing, ProviderBranding, VideoTrailer
from tvmiddleware.models import DrmProfile
from tvmiddleware.models import AccountProfile, InterfaceTemplate, SelfServiceSettings, VerificationCode
from tvmiddleware.models import VideoRating
from tvmiddleware.plugins import ExternalSystemAPI, registry
from tvmiddleware.services import tariff_assign
from tvmiddleware.services.catalogue import program_blocking_create, radio_create
from billing.purchases import video_purchase
from tvmiddleware.services.sessions import session_create
from tvmiddleware.services.staff import operator_staff_create
from tvmiddleware.models import DeviceCommand, OperatorCountry, ProfileType, QrLogin
from tvmiddleware.models import ActionOrigin, SubscriberAction
from tvmiddleware.models import BankAccount, Contract, Dealer
from tvmiddleware.services.actions import acting_from, record
from tvmiddleware.streaming.maintenance import maintenance_create
from tvzavr.models import TvzavrSubscription
from widgets.models import Widget
from widgets.services import widget_create

_usernames = itertools.count(1)


# --- factories the shared module lacks ----------------------------------------------------------------

class EpgSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EpgSource

    client = factory.SubFactory(factories.ClientFactory)
    name = factory.Sequence(lambda n: f"EPG source {n}")


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    client = factory.SubFactory(factories.ClientFactory)
    name = factory.Sequence(lambda n: f"Actor {n}")


class SeasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Season

    video = factory.SubFactory(factories.VideoFactory)
    client = factory.SelfAttribute("video.client")
    number = factory.Sequence(lambda n: n + 1)


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    video = factory.SubFactory(factories.VideoFactory)
    client = factory.SelfAttribute("video.client")
    number = factory.Sequence(lambda n: n + 1)


class VideoFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VideoFile

    video = factory.SubFactory(factories.VideoFactory)
    client = factory.SelfAttribute("video.client")
    path = factory.Sequence(lambda n: f"/vod/file{n}.mp4")


class SelectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Selection

    client = factory.SubFactory(factories.ClientFactory)
    name = factory.Sequence(lambda n: f"Selection {n}")


class DomainEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DomainEvent

    client = factory.SubFactory(factories.ClientFactory)
    name = "tariff.assigned"
    payload = factory.LazyFunction(dict)


class EventDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventDelivery

    event = factory.SubFactory(DomainEventFactory)
    client = factory.SelfAttribute("event.client")
    handler = factory.Sequence(lambda n: f"handler{n}")
    status = DeliveryStatus.FAILED
    attempts = 12
    next_attempt_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))
    last_error = "PluginError: partner down"


# --- one row of each registered model -----------------------------------------------------------------

def _subscription(client: Client) -> TariffSubscription:
    return tariff_assign(customer=factories.CustomerFactory(client=client),
                         tariff=factories.TariffFactory(client=client))


def _transaction(client: Client) -> CustomerTransaction:
    return transaction_create(client=client, customer=factories.CustomerFactory(client=client),
                              amount=Decimal("10.00"), ext_id=f"pay-{next(_usernames)}")


def _selection(client: Client) -> Selection:
    selection = SelectionFactory(client=client)
    SelectionItem.objects.create(selection=selection, video=factories.VideoFactory(client=client))
    return selection


def _channel_sort(client: Client) -> ChannelSort:
    channel_sort = ChannelSort.objects.create(client=client, name=f"Sort {next(_usernames)}")
    ChannelSortItem.objects.create(channel_sort=channel_sort, channel=factories.ChannelFactory(client=client))
    return channel_sort


def _dealer(client: Client) -> Dealer:
    dealer = Dealer.objects.create(client=client, name=f"Dealer {next(_usernames)}", comment="Berlin")
    dealer.customers.add(factories.CustomerFactory(client=client))
    return dealer


def _session(client: Client) -> AuthKey:
    device = factories.AccountDeviceFactory(account=factories.AccountFactory(
        customer=factories.CustomerFactory(client=client)))
    session, _authkey = session_create(account=device.account, device=device, device_type=device.device_type,
                                       device_uid=device.device_uid, is_basic_device=True, ip_address="10.0.0.7")
    return session


def _message(client: Client) -> Message:
    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client))
    message = Message.objects.create(client=client, account=account, subject=f"Notice {next(_usernames)}")
    MessageRead.objects.create(message=message, account=account)
    return message


def _reminder(client: Client) -> ProgrammeReminder:
    from tvmiddleware.services.account_settings import reminder_create

    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client))
    epg = factories.EpgChannelFactory(client=client)
    channel = factories.ChannelFactory(client=client, epg_channel=epg)
    programme = factories.EpgProgramFactory(epg_channel=epg)
    return reminder_create(account=account, channel_id=channel.pk, programme_id=programme.pk)


def _recent_channel(client: Client):
    from tvmiddleware.services.account_settings import channel_remember

    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client))
    return channel_remember(account=account, channel_id=factories.ChannelFactory(client=client).pk)


def _video_rating(client: Client):
    from tvmiddleware.services.vod_account import video_rate

    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client))
    video = factories.VideoFactory(client=client)
    video_rate(account=account, video=video, rating=7)
    return video.ratings.get()


def _purchase(client: Client) -> VideoPurchase:
    customer = factories.CustomerFactory(client=client)
    transaction_create(client=client, customer=customer, amount=Decimal("50.00"), ext_id=f"pay-{next(_usernames)}")
    video = factories.VideoFactory(client=client, price_category=PriceCategory.PURCHASE, price=Decimal("30.00"))
    return video_purchase(customer=customer, video=video, kind="buy")


def _subscriber_action(client: Client) -> SubscriberAction:
    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client))
    with acting_from(ActionOrigin.WIDGET, widget_id="w-account"):
        return record("logged_in", customer=account.customer, account=account)


def _radio(client: Client) -> RadioStation:
    return radio_create(client=client, name=f"Radio {next(_usernames)}",
                        tariffs=[factories.TariffFactory(client=client)], enabled=True)


def _drm_profile(client: Client) -> DrmProfile:
    profile = DrmProfile.objects.create(client=client, name="Widevine", type="widevine",
                                        license_url="https://license.example/widevine")
    profile.channels.add(factories.ChannelFactory(client=client))
    profile.stream_services.add(factories.StreamServiceFactory(client=client))
    return profile


def _maintenance(client: Client) -> MaintenanceWindow:
    channel = factories.ChannelFactory(client=client)
    now = timezone.now()
    return maintenance_create(client=client, prefixes=[channel.url_prefix], starts_at=now - datetime.timedelta(hours=1),
                              ends_at=now + datetime.timedelta(hours=1), comment="Server upgrade")


def _program_blocking(client: Client) -> ProgramBlocking:
    return program_blocking_create(program=factories.EpgProgramFactory(
        epg_channel=factories.EpgChannelFactory(client=client)), days=7)


def _promo_code(client: Client) -> PromoCode:
    code, = promo_create(client=client, amount=Decimal("10.00"), activation_limit=5)
    return code


def _promo_activation(client: Client) -> PromoActivation:
    return promo_activate(promo=_promo_code(client), customer=factories.CustomerFactory(client=client))


def _cas_product(client: Client) -> CasProduct:
    return CasProduct.objects.create(client=client, tariff=factories.TariffFactory(client=client),
                                     device_type=DeviceType.objects.get(system_name="mag"),
                                     product_id=f"P{next(_usernames)}")


def _cas_subscriber(client: Client) -> CasSubscriber:
    customer = factories.CustomerFactory(client=client)
    return CasSubscriber.objects.create(client=client, external_system=factories.ExternalSystemFactory(client=client),
                                        customer=customer, cas_customer_id=f"{client.pk}-{customer.pk}")


def _merchant(client: Client) -> Merchant:
    return Merchant.objects.get_or_create(client=client, merchant_type="null", defaults={"name": "Demo payments"})[0]


def _payment(client: Client) -> Payment:
    return Payment.objects.create(client=client, customer=factories.CustomerFactory(client=client),
                                  merchant=_merchant(client), merchant_type="null", amount=Decimal("10.00"))


def _saved_card(client: Client) -> SavedCard:
    return SavedCard.objects.create(client=client, customer=factories.CustomerFactory(client=client),
                                    merchant=_merchant(client), card_id=f"card{next(_usernames)}",
                                    masked_number="411111xxxxxx1111", expires_month=12, expires_year=2030)


def _genre_mapping(client: Client) -> GenreMapping:
    return GenreMapping.objects.create(client=client, external_system=factories.ExternalSystemFactory(client=client),
                                       megogo_genre_id=str(next(_usernames)), genre=factories.GenreFactory(client=client))


def _megogo_title(client: Client) -> MegogoTitle:
    return MegogoTitle.objects.create(client=client, external_system=factories.ExternalSystemFactory(client=client),
                                      ext_id=str(next(_usernames)), video=factories.VideoFactory(client=client))


def _megogo_subscriber(client: Client) -> MegogoSubscriber:
    return MegogoSubscriber.objects.create(client=client,
                                           external_system=factories.ExternalSystemFactory(client=client),
                                           customer=factories.CustomerFactory(client=client),
                                           identifier=f"m{next(_usernames)}")


def _tvzavr_subscription(client: Client) -> TvzavrSubscription:
    return TvzavrSubscription.objects.create(client=client,
                                             external_system=factories.ExternalSystemFactory(client=client),
                                             customer=factories.CustomerFactory(client=client))


def _start_genre_map(client: Client) -> StartGenreMap:
    return StartGenreMap.objects.create(client=client, partner_genre_id=str(next(_usernames)), partner_name="Drama",
                                        genre=factories.GenreFactory(client=client))


def _start_statistics(client: Client) -> StartDeviceStatistics:
    return StartDeviceStatistics.objects.create(client=client, device_type=DeviceType.objects.get(system_name="mag"),
                                                send_statistics=True)


def _axes_row(model: type[models.Model]) -> Callable[[Client], models.Model]:
    """Staff-login records of django-axes (superusers only): any row does."""
    def build(client: Client) -> models.Model:
        fields = {"username": f"user{next(_usernames)}", "ip_address": "203.0.113.7", "user_agent": "test",
                  "path_info": "/admin/login/", "attempt_time": timezone.now()}
        if model is AccessAttempt:
            fields.update(get_data="", post_data="", failures_since_start=1)
        return model.objects.create(**fields)
    return build


ROW_BUILDERS: dict[type[models.Model], Callable[[Client], models.Model]] = {
    Client: lambda client: client,
    OperatorProfile: lambda client: make_staff(client).operator_profile,
    DeviceType: lambda client: DeviceType.objects.get(system_name="mag"),  # shared by all operators
    Customer: lambda client: factories.CustomerFactory(client=client),
    Account: lambda client: factories.AccountFactory(customer=factories.CustomerFactory(client=client)),
    AccountDevice: lambda client: factories.AccountDeviceFactory(
        account=factories.AccountFactory(customer=factories.CustomerFactory(client=client))),
    Tariff: lambda client: factories.TariffFactory(client=client),
    TariffSubscription: _subscription,
    ChannelCategory: lambda client: factories.ChannelCategoryFactory(client=client),
    Channel: lambda client: factories.ChannelFactory(client=client),
    EpgSource: lambda client: EpgSourceFactory(client=client),
    EpgChannel: lambda client: factories.EpgChannelFactory(client=client),
    EpgProgram: lambda client: factories.EpgProgramFactory(epg_channel=factories.EpgChannelFactory(client=client)),
    StreamService: lambda client: factories.StreamServiceFactory(client=client),
    Genre: lambda client: factories.GenreFactory(client=client),
    Actor: lambda client: ActorFactory(client=client),
    Video: lambda client: factories.VideoFactory(client=client),
    Season: lambda client: SeasonFactory(video=factories.VideoFactory(client=client)),
    Episode: lambda client: EpisodeFactory(video=factories.VideoFactory(client=client)),
    VideoFile: lambda client: VideoFileFactory(video=factories.VideoFactory(client=client)),
    Selection: _selection,
    ChannelSort: _channel_sort,
    ExternalSystem: lambda client: factories.ExternalSystemFactory(client=client),
    DomainEvent: lambda client: DomainEventFactory(client=client),
    EventDelivery: lambda client: EventDeliveryFactory(event=DomainEventFactory(client=client)),
    CustomerTransaction: _transaction,
    AuthKey: _session,
    Message: _message,
    PortalSetting: lambda client: PortalSetting.objects.create(client=client, key="show_radio", value="1"),
    VideoPurchase: _purchase,
    ProgrammeReminder: _reminder,
    RecentChannel: _recent_channel,
    VideoRating: lambda client: _video_rating(client),
    RadioStation: _radio,
    SelfServiceSettings: lambda client: SelfServiceSettings.objects.create(client=client),
    InterfaceTemplate: lambda client: InterfaceTemplate.objects.create(client=client, name="Dark", system_name="dark"),
    AccountProfile: lambda client: AccountProfile.objects.create(
        client=client, account=factories.AccountFactory(customer=factories.CustomerFactory(client=client)), name="Kids"),
    VerificationCode: lambda client: VerificationCode.objects.create(
        client=client, customer=factories.CustomerFactory(client=client), purpose="reset_password",
        target="a@example.com", code_hash="md5$x$y", expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)),
    GuestBrowsing: lambda client: GuestBrowsing.objects.create(client=client, enabled=True),
    VideoTrailer: lambda client: VideoTrailer.objects.create(
        client=client, video=factories.VideoFactory(client=client), url="https://cdn.example.com/t.mp4"),
    ProviderBranding: lambda client: ProviderBranding.objects.create(
        client=client, external_system=factories.ExternalSystemFactory(client=client)),
    DrmProfile: _drm_profile,
    MaintenanceWindow: _maintenance,
    ProgramBlocking: _program_blocking,
    PromoCode: _promo_code,
    PromoActivation: _promo_activation,
    CasProduct: _cas_product,
    CasSubscriber: _cas_subscriber,
    Merchant: _merchant,
    Payment: _payment,
    SavedCard: _saved_card,
    Widget: lambda client: widget_create(client=client, name="Site channels", type="channel_list",
                                         allowed_hostnames="site.example"),
    GenreMapping: _genre_mapping,
    MegogoTitle: _megogo_title,
    MegogoSubscriber: _megogo_subscriber,
    SyncLease: lambda client: SyncLease.objects.create(
        external_system=factories.ExternalSystemFactory(client=client), last_summary="done"),
    TvzavrSubscription: _tvzavr_subscription,
    StartGenreMap: _start_genre_map,
    StartDeviceStatistics: _start_statistics,
    DeviceCommand: lambda client: DeviceCommand.objects.create(
        client=client, account=factories.AccountFactory(customer=factories.CustomerFactory(client=client)), type=2),
    QrLogin: lambda client: QrLogin.objects.create(
        client=client, token_hash=f"{next(_usernames):064d}", session_key_hash="0" * 64, login_code="123456",
        device_uid="TV-1", device_type=DeviceType.objects.get(system_name="mag"),
        expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)),
    ProfileType: lambda client: ProfileType.objects.create(client=client, name="Kids"),
    OperatorCountry: lambda client: OperatorCountry.objects.create(client=client, code="RU"),
    SubscriberAction: _subscriber_action,
    Dealer: _dealer,
    Contract: lambda client: Contract.objects.create(
        client=client, customer=factories.CustomerFactory(client=client), number=f"C-{next(_usernames)}"),
    BankAccount: lambda client: BankAccount.objects.create(
        client=client, customer=factories.CustomerFactory(client=client), iban="DE89370400440532013000",
        bic="COBADEFFXXX", bank_name="Commerzbank", owner="Max Mustermann"),
    AccessAttempt: _axes_row(AccessAttempt),
    AccessLog: _axes_row(AccessLog),
    AccessFailureLog: _axes_row(AccessFailureLog),
    # Shared by all operators (staff do not manage them): any row does.
    Group: lambda client: Group.objects.get_or_create(name=f"Group {next(_usernames)}")[0],
    get_user_model(): lambda client: make_staff(client),
}


def build_row(model: type[models.Model], client: Client) -> models.Model:
    return ROW_BUILDERS[model](client)


# --- users and URLs -----------------------------------------------------------------------------------

def make_staff(client: Client):
    """A staff user of the operator, with the permissions of the operator staff group."""
    return operator_staff_create(client=client, username=f"staff{next(_usernames)}", password="s3cret-pass")


def admin_url(model: type[models.Model] | models.Model, view: str, *args: Any) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def change_url(obj: models.Model) -> str:
    return admin_url(obj, "change", obj.pk)


# --- form data from a rendered add/change page --------------------------------------------------------

def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def _form_data(form: forms.BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        if isinstance(field, forms.FileField):
            continue
        if isinstance(field.widget, forms.MultiWidget):
            parts = value if isinstance(value, (list, tuple)) else field.widget.decompress(value)
            data.update({f"{bound.html_name}_{i}": _plain(part) for i, part in enumerate(parts)})
        elif isinstance(field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data[bound.html_name] = [_plain(v) for v in value or []]
        else:
            data[bound.html_name] = _plain(value)
    return data


def changeform_data(response, **overrides: Any) -> dict[str, Any]:
    """POST data that resubmits an admin add/change page as rendered, with `overrides` applied."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = len(formset.initial_forms)
        data.update({f"{formset.prefix}-TOTAL_FORMS": initial, f"{formset.prefix}-INITIAL_FORMS": initial,
                     f"{formset.prefix}-MIN_NUM_FORMS": 0, f"{formset.prefix}-MAX_NUM_FORMS": 1000})
        for form in formset.initial_forms:
            data.update(_form_data(form))
    data.update(overrides)
    return data


def inline_rows(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    """Management form and fields of new inline rows (after `initial` existing ones)."""
    data: dict[str, Any] = {f"{prefix}-TOTAL_FORMS": initial + len(rows), f"{prefix}-INITIAL_FORMS": initial,
                            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}
    for index, row in enumerate(rows, start=initial):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


# --- a plugin with required attributes ------------------------------------------------------------------

class AdminTestPlugin(ExternalSystemAPI):
    """Needs an `api_key` attribute and a numeric `partner_id`."""

    verbose_name = "Admin test plugin"

    @classmethod
    def validate_attributes(cls, attributes: dict[str, str]) -> dict[str, str]:
        problems = {}
        if not attributes.get("api_key"):
            problems["api_key"] = "The partner's API key is required."
        if not attributes.get("partner_id", "").isdigit():
            problems["partner_id"] = "Must be a number."
        return problems


# --- fixtures shared by the admin test modules (pytest_plugins) -------------------------------------------

@pytest.fixture
def staff_user(client_obj):
    return make_staff(client_obj)


@pytest.fixture
def staff_client(client, staff_user):
    """The Django test client, logged in as staff of `client_obj`."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def superuser_client(db):
    from django.test import Client as HttpClient

    user = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass")
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def admin_test_plugin():
    registry.register("admin_test_plugin", AdminTestPlugin)
    yield "admin_test_plugin"
    registry.unregister("admin_test_plugin")


def device_type_id(system_name: str = "mag") -> int:
    return DeviceType.objects.get(system_name=system_name).pk

