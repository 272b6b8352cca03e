"""radio/list: `channel_name` from the line-up channel that carries a station, and `lang` (one of the
operator's additional languages) choosing the localized names and descriptions."""
from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tvmiddleware.models import ChannelExtra
from tvmiddleware.services import catalogue

import pytest


@pytest.fixture
def stations(subscriber):
    """Set up before the login: apps' calls see an operator's settings as of at most a minute ago."""
    client = subscriber.client
    client.additional_languages = "en, uz"
    client.save(update_fields=["additional_languages"])
    carrier = factories.ChannelFactory(client=client, name="Радио Россия", icon="channel_icons/rr.png")
    ChannelExtra.objects.create(client=client, channel=carrier, data={"name_lang1": "Radio Russia"})
    foreign = factories.ChannelFactory(client=factories.ClientFactory(), name="Elsewhere")
    jazz = catalogue.radio_create(client=client, name="Джаз", enabled=True, uri="http://radio.example/jazz",
                                  description="Мягкий", tariffs=[subscriber.tariff], radio_channel=carrier.pk,
                                  localized={"name_lang1": "Jazz", "description_lang1": "Smooth",
                                             "name_lang2": "Jaz"})
    rock = catalogue.radio_create(client=client, name="Рок", enabled=True, uri="http://radio.example/rock",
                                  radio_channel=foreign.pk)
    return jazz, rock, carrier


def rows(api, **params) -> dict[int, dict]:
    body = api.json("radio/list/", **params)
    assert body["error"] == 0
    return {row["id"]: row for row in body["radio"]}


def test_channel_name_is_the_carrying_channels(stations, logged_in):
    jazz, rock, _ = stations
    found = rows(logged_in)
    assert found[jazz.pk]["channel_name"] == "Радио Россия"
    assert found[jazz.pk]["logo_url"].endswith("channel_icons/rr.png")  # no logo of its own: the channel's icon
    assert found[rock.pk]["channel_name"] == "" and found[rock.pk]["logo_url"] == ""  # another operator's channel


def test_lang_picks_the_translations(stations, logged_in):
    jazz, rock, _ = stations
    english = rows(logged_in, lang="en")
    assert (english[jazz.pk]["name"], english[jazz.pk]["description"], english[jazz.pk]["channel_name"]) == (
        "Jazz", "Smooth", "Radio Russia")
    assert english[rock.pk]["name"] == "Рок"  # not translated: as entered
    uzbek = rows(logged_in, lang="UZ")
    assert (uzbek[jazz.pk]["name"], uzbek[jazz.pk]["description"], uzbek[jazz.pk]["channel_name"]) == (
        "Jaz", "Мягкий", "Радио Россия")
    assert rows(logged_in, lang="de")[jazz.pk]["name"] == "Джаз"  # not one of the operator's languages


def test_search_finds_the_name_as_shown(stations, logged_in):
    jazz, _, _ = stations
    assert list(rows(logged_in, lang="en", search="jaz")) == [jazz.pk]
    assert list(rows(logged_in, search="джаз")) == [jazz.pk]
    assert rows(logged_in, search="jazz") == {}  # without lang only the main name is shown


def test_queries_do_not_grow_with_carried_stations(stations, logged_in, subscriber):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows(logged_in, lang="en")
        return len(queries)

    count()
    before = count()
    for n in range(20):
        channel = factories.ChannelFactory(client=subscriber.client)
        catalogue.radio_create(client=subscriber.client, name=f"Station {n}", enabled=True, uri=f"http://r/{n}",
                               tariffs=[subscriber.tariff], radio_channel=channel.pk)
    assert count() == before
