"""Start and PREMIER through the generic SVOD adapter, against the fake partner on loopback."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cinema_kit.svod import GenericSvodPartnerAPI
from cinema_premier.plugin import PremierAPI
from cinema_start.plugin import StartAPI
from tests import factories
from tests.cinema_kit.conftest import make_system, set_attributes
from tests.cinema_kit.fake_partner import json_reply, serving
from tests.cinema_kit.fakes import SERVICE_ID, TOKEN, FakeSvodPartner, free_port
from tvmiddleware import events, services
from tvmiddleware.models import DeliveryStatus, DomainEvent, EventDelivery, Video
from tvmiddleware.plugins import PluginError, registry


def assign(customer, tariff, capture):
    with capture(execute=True):
        services.tariff_assign(customer=customer, tariff=tariff)


def remove(customer, tariff, capture):
    with capture(execute=True):
        services.tariff_remove(customer=customer, tariff=tariff)


def make_due() -> None:
    EventDelivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=timezone.now())


def sync(*args: str) -> str:
    out = StringIO()
    call_command("svod_partner_sync", *args, stdout=out)
    return out.getvalue()


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


# --- registration and configuration -------------------------------------------------------------------

def test_registered_twice_with_their_own_names():
    assert registry.get("cinema_start_api_client") is StartAPI
    assert registry.get("cinema_premier_api_client") is PremierAPI
    assert issubclass(StartAPI, GenericSvodPartnerAPI) and issubclass(PremierAPI, GenericSvodPartnerAPI)
    choices = dict(registry.choices())
    assert choices["cinema_start_api_client"] == "Start (cinema_start_api_client)"
    assert choices["cinema_premier_api_client"] == "PREMIER (cinema_premier_api_client)"
    # the old names stay registered (integrations saved under them keep working), labelled as old
    assert issubclass(registry.get("start_api_client"), StartAPI)
    assert issubclass(registry.get("premier_api_client"), PremierAPI)
    assert choices["start_api_client"] == "Start (cinema_start_api_client), old name start_api_client"
    assert choices["premier_api_client"] == "PREMIER (cinema_premier_api_client), old name premier_api_client"


def test_validate_attributes():
    valid = {"api_url": "https://partner.example/v1", "api_key": "k", "service_id": "svod", "tariff_id": "3"}
    assert StartAPI.validate_attributes(valid) == {}
    assert StartAPI.validate_attributes({**valid, "feed_format": "XML", "additional_tariff_ids": "4, 5",
                                         "feed_fields": "title=name,poster=image"}) == {}
    problems = PremierAPI.validate_attributes({"api_url": "ftp://x", "tariff_id": "3,4", "feed_format": "csv",
                                               "feed_fields": "nope=x", "additional_tariff_ids": "4,x",
                                               "feed_url": "not a url", "timeout": "0"})
    assert set(problems) == {"api_url", "api_token", "service_id", "tariff_id", "feed_format", "feed_fields",
                             "additional_tariff_ids", "feed_url", "timeout"}


# --- SVOD -------------------------------------------------------------------------------------------

def test_assign_and_remove_subscribe_and_unsubscribe(partner_system, fake_partner, customer, svod_tariff,
                                                     django_capture_on_commit_callbacks):
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    assert fake_partner.active_subscriptions() == [(str(customer.pk), SERVICE_ID)]
    assert fake_partner.users == {str(customer.pk)}

    remove(customer, svod_tariff, django_capture_on_commit_callbacks)
    assert fake_partner.active_subscriptions() == []
    assert EventDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2


def test_other_tariffs_do_not_reach_the_partner(partner_system, fake_partner, customer, basic_tariff,
                                                django_capture_on_commit_callbacks):
    assign(customer, basic_tariff, django_capture_on_commit_callbacks)
    assert fake_partner.requests == []


def test_additional_tariffs_keep_the_subscription(partner_system, fake_partner, client_obj, customer, svod_tariff,
                                                  django_capture_on_commit_callbacks):
    mixed = factories.TariffFactory(client=client_obj, name="TV + cinema", basic_tariff_priority=0)
    set_attributes(partner_system, additional_tariff_ids=f"{mixed.pk}")
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    assign(customer, mixed, django_capture_on_commit_callbacks)
    remove(customer, svod_tariff, django_capture_on_commit_callbacks)
    assert fake_partner.active_subscriptions() == [(str(customer.pk), SERVICE_ID)]  # the mixed tariff keeps it
    remove(customer, mixed, django_capture_on_commit_callbacks)
    assert fake_partner.active_subscriptions() == []
    assert fake_partner.activations == 1


def test_megogo_spelling_of_additional_tariffs_is_accepted(partner_system, client_obj):
    mixed = factories.TariffFactory(client=client_obj, basic_tariff_priority=0)
    set_attributes(partner_system, additional_tariffs_ids=f" {mixed.pk} ")
    assert mixed.pk in partner_system.get_api().svod_tariff_ids


@pytest.mark.parametrize("outage", ["503", "connection refused"])
def test_partner_down_then_back_gives_exactly_one_subscription(outage, partner_system, fake_partner, customer,
                                                               svod_tariff, django_capture_on_commit_callbacks):
    if outage == "503":
        fake_partner.down = 503
    else:
        set_attributes(partner_system, api_url=f"http://127.0.0.1:{free_port()}")
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert TOKEN not in delivery.last_error

    fake_partner.down = None
    set_attributes(partner_system, api_url=fake_partner.url)
    make_due()
    assert events.deliver_due()["delivered"] == 1
    make_due()
    events.deliver_due()
    assert fake_partner.active_subscriptions() == [(str(customer.pk), SERVICE_ID)]
    assert fake_partner.activations == 1


def test_a_repeated_delivery_is_harmless(partner_system, fake_partner, customer, svod_tariff,
                                         django_capture_on_commit_callbacks):
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    partner_system.get_api().on_tariff_assigned(DomainEvent.objects.get(name="tariff.assigned"))
    assert fake_partner.activations == 1
    assert len(fake_partner.calls("POST", f"/users/{customer.pk}/subscriptions")) == 1


def test_out_of_order_retries_converge(partner_system, fake_partner, customer, svod_tariff,
                                       django_capture_on_commit_callbacks):
    fake_partner.down = 503
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    remove(customer, svod_tariff, django_capture_on_commit_callbacks)
    fake_partner.down = None
    make_due()
    assert events.deliver_due()["delivered"] == 2
    assert fake_partner.activations == 0


def test_a_refused_token_fails_the_delivery(partner_system, fake_partner, customer, svod_tariff,
                                            django_capture_on_commit_callbacks):
    set_attributes(partner_system, api_token="wrong")
    assign(customer, svod_tariff, django_capture_on_commit_callbacks)
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "refused the api_token (401)" in delivery.last_error
    assert "wrong" not in delivery.last_error


def test_process_account_reconciles(partner_system, fake_partner, account, svod_tariff):
    services.tariff_assign(customer=account.customer, tariff=svod_tariff)  # events not delivered (no commit)
    assert partner_system.get_api().reconcile(customer_id=account.customer_id) == "subscribed"
    partner_system.get_api().process_account(account=account)
    assert fake_partner.activations == 1


# --- catalogue ----------------------------------------------------------------------------------------

def test_json_feed_is_followed_page_by_page(partner_system, fake_partner, catalogue_tariff, svod_tariff):
    output = sync("--system", str(partner_system.pk))
    assert "created 25" in output
    assert fake_partner.calls("GET", "/catalogue") == ["/catalogue"] * 3
    video = Video.objects.get(external_system=partner_system, ext_id="st-10")
    assert video.is_series and video.seasons.count() == 2 and video.episodes.count() == 6
    assert set(video.tariffs.all()) == {catalogue_tariff, svod_tariff}
    assert "created 0, updated 0, unchanged 25" in sync("--system", str(partner_system.pk))


def test_xml_feed(client_obj, fake_partner, catalogue_tariff, svod_tariff):
    system = make_system(client_obj, fake_partner, api_class="premier_api_client", tariff=catalogue_tariff,
                         svod_tariff=svod_tariff, feed_format="xml", feed_url=f"{fake_partner.url}/catalogue.xml")
    assert "created 25" in sync()
    video = Video.objects.get(external_system=system, ext_id="st-3")
    assert (video.name, video.year, video.duration, str(video.kinopoisk_rating)) == ("Title 3", 1983, 83, "5.80")
    assert sorted(video.genres.values_list("name", flat=True)) == ["Comedy", "Documentary"]
    fake_partner.titles[2]["title"] = "Title 3 restored"
    assert "updated 1" in sync()


def test_feed_next_page_on_another_host_is_refused(partner_system, fake_partner, monkeypatch):
    monkeypatch.setattr(FakeSvodPartner, "_json_page",
                        lambda self, request: json_reply(200, {"items": [], "next": "http://evil.example/p2"}))
    with pytest.raises(CommandError):
        sync()
    with pytest.raises(PluginError, match="another host"):
        partner_system.get_api().sync_catalogue()


def test_one_failing_integration_does_not_stop_the_others(client_obj, fake_partner, catalogue_tariff, svod_tariff):
    broken = make_system(client_obj, fake_partner, api_class="start_api_client", tariff=catalogue_tariff,
                         svod_tariff=svod_tariff, api_token="wrong")
    working = make_system(client_obj, fake_partner, api_class="premier_api_client", tariff=catalogue_tariff,
                          svod_tariff=svod_tariff)
    with pytest.raises(CommandError, match="1 integration"):
        sync()
    assert not Video.objects.filter(external_system=broken).exists()
    assert Video.objects.filter(external_system=working).count() == 25


def test_large_xml_feed_second_sync_writes_nothing(client_obj, catalogue_tariff, svod_tariff):
    with serving(FakeSvodPartner.large(5000)) as fake:
        system = make_system(client_obj, fake, api_class="start_api_client", tariff=catalogue_tariff,
                             svod_tariff=svod_tariff, feed_format="xml", feed_url=f"{fake.url}/catalogue.xml")
        assert "created 5000" in sync("--system", str(system.pk))
        with CaptureQueriesContext(connection) as second:
            assert "unchanged 5000" in sync("--system", str(system.pk))
        assert writes(second.captured_queries) == []
