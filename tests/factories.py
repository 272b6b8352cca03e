"""factory_boy factories for the core domain. Child rows take their client from their parent."""
from decimal import Decimal

import factory
from django.utils import timezone

from tvmiddleware.models import (
    Account, AccountDevice, Channel, ChannelCategory, Client, Customer, DeviceType, EpgChannel, EpgProgram,
    ExternalSystem, Genre, StreamService, Tariff, Video,
)
from tvmiddleware.services.accounts import hash_account_password


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Operator {n}")
    api_key = factory.Sequence(lambda n: f"api-key-{n}")
    billing_api_key = factory.Sequence(lambda n: f"billing-key-{n}")
    content_api_key = factory.Sequence(lambda n: f"content-key-{n}")
    streaming_api_key = factory.Sequence(lambda n: f"streaming-key-{n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    client = factory.SubFactory(ClientFactory)
    firstname = factory.Faker("first_name")
    lastname = factory.Faker("last_name")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    customer = factory.SubFactory(CustomerFactory)
    client = factory.SelfAttribute("customer.client")
    abonement = factory.Sequence(lambda n: str(500000 + n))
    password = factory.LazyFunction(lambda: hash_account_password("1234"))


def device_type(system_name: str = "mag") -> DeviceType:
    return DeviceType.objects.get(system_name=system_name)


class AccountDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountDevice

    account = factory.SubFactory(AccountFactory)
    client = factory.SelfAttribute("account.client")
    device_type = factory.LazyFunction(device_type)
    device_uid = factory.Sequence(lambda n: f"00:1A:79:00:{n // 256:02X}:{n % 256:02X}")


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Tariff {n}")
    price = Decimal("10.00")
    period = 30
    basic_tariff_priority = 1
    sessions_count = 2
    basic_sessions_count = 2


class ChannelCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelCategory

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Channel {n}")
    url_prefix = factory.Sequence(lambda n: f"ch{n}")


class StreamServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreamService

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Server {n}")
    url_mask = "http://127.0.0.1:8081/$prefix/index.m3u8?token=$token"


class EpgChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EpgChannel

    client = factory.SubFactory(ClientFactory)
    ext_id = factory.Sequence(lambda n: f"epg{n}")
    name = factory.Sequence(lambda n: f"EPG channel {n}")


class EpgProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EpgProgram

    epg_channel = factory.SubFactory(EpgChannelFactory)
    client = factory.SelfAttribute("epg_channel.client")
    begin_time = factory.LazyFunction(timezone.now)
    end_time = factory.LazyAttribute(lambda o: o.begin_time + timezone.timedelta(hours=1))
    name = factory.Sequence(lambda n: f"Programme {n}")


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Genre {n}")


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Video {n}")
    year = 2020


class ExternalSystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalSystem

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Integration {n}")
    api_class = "test_plugin"
