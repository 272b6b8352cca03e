"""Content API, groups Radio and Selection."""
from tests import factories
from tvmiddleware.models import RadioStation, Selection, SelectionItem


class TestRadio:
    def test_create_and_delete(self, content_api, operator, foreign):
        tariff = factories.TariffFactory(client=operator)
        body = content_api.ok("radio/create/", name="Jazz FM", name_lang1="Джаз", enabled=1, tariffs=tariff.pk,
                              uri="http://radio.example/jazz", description="Smooth", radio_channel=3)
        station = RadioStation.objects.get(pk=body["id"])
        assert (station.client, station.name, station.enabled, station.uri) == (
            operator, "Jazz FM", True, "http://radio.example/jazz")
        assert list(station.tariffs.all()) == [tariff] and station.data == {"name_lang1": "Джаз"}
        assert not RadioStation.objects.get(pk=content_api.ok("radio/create/", name="Off")["id"]).enabled
        content_api.ok("radio/delete/", id=station.pk)
        assert not RadioStation.objects.filter(pk=station.pk).exists()

    def test_errors(self, content_api, operator, foreign):
        assert content_api.code("radio/create/") == 20
        assert content_api.code("radio/create/", name="R", tariffs=factories.TariffFactory(client=foreign).pk) == 404
        assert content_api.code("radio/create/", name="R", enabled=5) == 20
        foreign_station = RadioStation.objects.create(client=foreign, name="F")
        assert content_api.code("radio/delete/", id=foreign_station.pk) == 404
        assert content_api.code("radio/delete/", id="x") == 20
        assert not RadioStation.objects.for_client(operator).exists()


def items(selection):
    return list(SelectionItem.objects.filter(selection=selection).order_by("sort", "id").values_list("video_id",
                                                                                                     flat=True))


class TestSelections:
    def test_create_and_modify(self, content_api, operator):
        a, b, c, d = (factories.VideoFactory(client=operator) for _ in range(4))
        body = content_api.ok("selection/create/", name="New", type=2, items_set=f"{b.pk},{a.pk}", is_hidden=1,
                              promo_image="https://img.example/promo.png", name_lang1="Новое")
        selection = Selection.objects.get(pk=body["id"])
        assert (selection.client, selection.name, selection.enabled) == (operator, "New", False)
        assert items(selection) == [b.pk, a.pk] and selection.extra.data["name_lang1"] == "Новое"
        assert content_api.ok("selection/modify/", id=selection.pk, type=2, items_add=f"{c.pk},{d.pk}",
                              is_hidden=0)["id"] == selection.pk
        assert items(selection) == [b.pk, a.pk, c.pk, d.pk]
        content_api.ok("selection/modify/", id=selection.pk, type=2, items_remove=a.pk, name="Renamed")
        selection.refresh_from_db()
        assert items(selection) == [b.pk, c.pk, d.pk] and selection.name == "Renamed" and selection.enabled
        content_api.ok("selection/modify/", id=selection.pk, type=2, items_set=d.pk)
        assert items(selection) == [d.pk]

    def test_adding_what_is_there_answers_1_and_changes_nothing(self, content_api, operator):
        a, b = factories.VideoFactory(client=operator), factories.VideoFactory(client=operator)
        selection_id = content_api.ok("selection/create/", name="S", type=2, items_set=a.pk)["id"]
        body = content_api.json("selection/modify/", id=selection_id, type=2, items_add=f"{b.pk},{a.pk}", name="X")
        assert body["error"] == 1 and "items_add" in body["error_fields"]
        assert items(Selection.objects.get(pk=selection_id)) == [a.pk]
        assert Selection.objects.get(pk=selection_id).name == "S"

    def test_errors(self, content_api, operator, foreign):
        video = factories.VideoFactory(client=operator)
        foreign_video = factories.VideoFactory(client=foreign)
        assert content_api.json("selection/create/", name="S")["error_fields"] == {"type": "required"}
        assert content_api.code("selection/create/", name="S", type=9) == 20
        body = content_api.json("selection/create/", name="S", type=0)
        assert body["error"] == 21 and body["error_fields"] == {"type": "not supported"}
        assert content_api.code("selection/create/", name="S", type=2, items_set=foreign_video.pk) == 404
        assert content_api.code("selection/create/", name="S", type=2, items_set="1;DROP TABLE") == 20
        selection = Selection.objects.create(client=operator, name="S")
        assert content_api.code("selection/modify/", id=selection.pk) == 20  # type is required
        assert content_api.code("selection/modify/", id=selection.pk, type=2, items_set=video.pk,
                                items_remove=video.pk) == 20
        foreign_selection = Selection.objects.create(client=foreign, name="F")
        assert content_api.code("selection/modify/", id=foreign_selection.pk, type=2, name="X") == 404
        assert not Selection.objects.for_client(operator).exclude(pk=selection.pk).exists()
