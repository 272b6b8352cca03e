"""radio/list: the operator's enabled stations, opened by tariffs, searched by name."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tvmiddleware.models import RadioStation
from tvmiddleware.services import catalogue
from tvmiddleware.services.accounts import account_set_status



def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def stations(subscriber):
    client = subscriber.client
    jazz = catalogue.radio_create(client=client, name="Jazz FM", enabled=True, uri="http://radio.example/jazz",
                                  description="Smooth", tariffs=[subscriber.tariff],
                                  logo=SimpleUploadedFile("jazz.png", _png(), content_type="image/png"))
    rock = catalogue.radio_create(client=client, name="Rock Radio", enabled=True, uri="http://radio.example/rock",
                                  tariffs=[factories.TariffFactory(client=client, name="Music")])
    catalogue.radio_create(client=client, name="Off air", enabled=False, uri="http://radio.example/off")
    catalogue.radio_create(client=factories.ClientFactory(), name="Elsewhere", enabled=True, uri="http://x")
    return jazz, rock


def test_lists_enabled_stations_with_streams_for_the_subscribed(logged_in, stations):
    jazz, rock = stations
    body = logged_in.json("radio/list/")
    assert body["error"] == 0
    rows = {row["id"]: row for row in body["radio"]}
    assert list(rows) == [jazz.pk, rock.pk]  # the operator's order; disabled and foreign ones left out
    assert rows[jazz.pk]["has_subscription"] == 1 and rows[jazz.pk]["url"] == "http://radio.example/jazz"
    assert rows[jazz.pk]["description"] == "Smooth" and rows[jazz.pk]["logo_url"].startswith("http://testserver/")
    assert rows[jazz.pk]["logo_url"].endswith(".png")
    assert rows[rock.pk]["has_subscription"] == 0 and rows[rock.pk]["url"] == "" and rows[rock.pk]["logo_url"] == ""


def test_search_by_name(logged_in, stations):
    assert [row["name"] for row in logged_in.json("radio/list/", search="rock")["radio"]] == ["Rock Radio"]
    assert logged_in.json("radio/list/", search="nothing like it")["radio"] == []


def test_an_inactive_account_sees_its_station_but_gets_no_stream(logged_in, stations, subscriber):
    jazz, _ = stations
    account_set_status(account=subscriber.account, active=False)
    row = next(row for row in logged_in.json("radio/list/")["radio"] if row["id"] == jazz.pk)
    assert row["has_subscription"] == 1 and row["url"] == ""


def test_needs_a_session(api, stations):
    assert api.json("radio/list/")["error"] == 403


def test_queries_do_not_grow_with_the_stations(logged_in, stations, subscriber):
    logged_in.json("radio/list/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert logged_in.json("radio/list/")["error"] == 0
        return len(queries)

    before = count()
    for n in range(20):
        catalogue.radio_create(client=subscriber.client, name=f"Station {n}", enabled=True, uri=f"http://r/{n}",
                               tariffs=[subscriber.tariff])
    assert RadioStation.objects.filter(client=subscriber.client, enabled=True).count() == 22
    assert count() == before
