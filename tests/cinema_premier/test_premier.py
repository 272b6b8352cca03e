"""PREMIER as its own small app: `cinema_premier_api_client`, `cinema_premier_sync_content`, old names kept."""
from io import StringIO

from django.core.management import call_command

from cinema_premier.plugin import PremierAPI
from tests.cinema_kit.conftest import catalogue_tariff, fake_partner, make_system, svod_tariff  # noqa: F401
from tvmiddleware.models import Video
from tvmiddleware.plugins import registry


def sync(*args: str, command: str = "cinema_premier_sync_content") -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_new_and_old_names_sync_with_the_premier_command(client_obj, fake_partner, catalogue_tariff,  # noqa: F811
                                                        svod_tariff):  # noqa: F811
    assert registry.get("cinema_premier_api_client") is PremierAPI
    new = make_system(client_obj, fake_partner, api_class="cinema_premier_api_client", tariff=catalogue_tariff,
                      svod_tariff=svod_tariff)
    old = make_system(client_obj, fake_partner, api_class="premier_api_client", tariff=catalogue_tariff,
                      svod_tariff=svod_tariff)
    start = make_system(client_obj, fake_partner, api_class="cinema_start_api_client", tariff=catalogue_tariff,
                        svod_tariff=svod_tariff)
    assert isinstance(old.get_api(), PremierAPI)
    output = sync()
    assert f"#{new.pk} " in output and f"#{old.pk} " in output and f"#{start.pk} " not in output
    assert Video.objects.filter(external_system=new).count() == Video.objects.filter(external_system=old).count() == 25
    assert not Video.objects.filter(external_system=start).exists()
    # the old shared command still syncs every Start and PREMIER integration, under either name
    old_command = sync(command="svod_partner_sync")
    assert all(f"#{s.pk} " in old_command for s in (new, old, start))


def test_nothing_to_sync(db):
    assert "no enabled PREMIER integration" in sync()
