"""Content API, groups Channel and ChannelDelete: the line-up."""
from tests import factories
from tvmiddleware.models import Channel, StreamServiceType


def test_create_with_relations_and_extra(content_api, operator):
    category, extra_category = (factories.ChannelCategoryFactory(client=operator) for _ in range(2))
    epg = factories.EpgChannelFactory(client=operator)
    tariff = factories.TariffFactory(client=operator)
    server = factories.StreamServiceFactory(client=operator, type=StreamServiceType.LIVE)
    body = content_api.ok("channel/create/", name="News", name_lang1="Новости", url_prefix="news",
                          id_for_stream_service="n1", lcn_number=5, recording_days=3, parent_control=1, enabled=0,
                          option1="o1", category=category.pk, epg_channel=epg.pk,
                          additional_categories=extra_category.pk, tariffs=tariff.pk, stream_services=server.pk,
                          comment="note", uri="udp://239.0.0.1:1234", aspect_ratio=1, meta='{"a": 1}',
                          hbb_providers="3,4", multicast_address="239.0.0.1")
    channel = Channel.objects.get(pk=body["id"])
    assert (channel.client, channel.name, channel.url_prefix, channel.lcn_number) == (operator, "News", "news", 5)
    assert channel.max_archive_duration == 72 and channel.is_parent_control and not channel.enabled
    assert (channel.category, channel.epg_channel) == (category, epg)
    assert list(channel.tariffs.all()) == [tariff] and list(channel.stream_services.all()) == [server]
    assert channel.extra.data["hbb_providers"] == [3, 4] and channel.extra.data["meta"] == {"a": 1}


def test_create_with_what_apps_read_in_channel_list(content_api, operator):
    body = content_api.ok("channel/create/", name="News", url_prefix="news", pause_live_tv_shift=600, telemeter=0,
                          aspect_ratio=2, telemeter_account_name="acc", telemeter_tmsec_name="tm",
                          telemeter_cat_id="c1", telemeter_vc_id="v1", telemeter_vc_version="2")
    channel = Channel.objects.get(pk=body["id"])
    assert (channel.pause_live_tv_shift, channel.telemeter, channel.aspect_ratio) == (600, 0, 2)
    assert (channel.telemeter_account_name, channel.telemeter_tmsec_name, channel.telemeter_cat_id,
            channel.telemeter_vc_id, channel.telemeter_vc_version) == ("acc", "tm", "c1", "v1", "2")
    assert content_api.json("channel/create/", name="X", url_prefix="x", telemeter=1)["error"] != 0


def test_sort_after(content_api, operator):
    first = content_api.ok("channel/create/", name="A", url_prefix="a")["id"]
    content_api.ok("channel/create/", name="C", url_prefix="c")
    content_api.ok("channel/create/", name="B", url_prefix="b", sort_after_cid=first)
    assert list(Channel.objects.for_client(operator).values_list("name", flat=True)) == ["A", "B", "C"]


def test_create_errors(content_api, operator, foreign):
    assert content_api.json("channel/create/", url_prefix="x")["error_fields"] == {"name": "required"}
    assert content_api.json("channel/create/", name="X")["error_fields"] == {"url_prefix": "required"}
    for params in ({"tariffs": factories.TariffFactory(client=foreign).pk},
                   {"category": factories.ChannelCategoryFactory(client=foreign).pk},
                   {"epg_channel": 999999}, {"sort_after_cid": factories.ChannelFactory(client=foreign).pk}):
        body = content_api.json("channel/create/", name="X", url_prefix="x", **params)
        assert body["error"] == 404 and list(body["error_fields"]) == list(params), body
    for params in ({"aspect_ratio": 7}, {"recording_days": -1}, {"meta": "[oops"}, {"enabled": "yes"}):
        assert content_api.code("channel/create/", name="X", url_prefix="x", **params) == 20
    assert not Channel.objects.for_client(operator).exists()


def test_list_with_filters_and_pages(content_api, operator, foreign):
    tariff = factories.TariffFactory(client=operator, name="Sport pack")
    server = factories.StreamServiceFactory(client=operator, name="Edge 1")
    news = factories.ChannelFactory(client=operator, name="News 24", sort=1)
    sport = factories.ChannelFactory(client=operator, name="Sport", sort=2)
    factories.ChannelFactory(client=foreign, name="News foreign")
    tariff.channels.add(sport)
    sport.stream_services.add(server)
    body = content_api.ok("channel/list/")
    assert body["count"] == 2 and [c["id"] for c in body["channels"]] == [news.pk, sport.pk]
    row = body["channels"][1]
    assert row["tariffs"] == [{"id": tariff.pk, "name": "Sport pack"}]
    assert row["stream_services"] == [{"id": server.pk, "name": "Edge 1"}]
    assert row["enabled"] == 1 and row["url_prefix"] == sport.url_prefix and row["name_lang1"] == ""
    assert [c["id"] for c in content_api.ok("channel/list/", search="news")["channels"]] == [news.pk]
    assert [c["id"] for c in content_api.ok("channel/list/", search_tariff="sport")["channels"]] == [sport.pk]
    assert [c["id"] for c in content_api.ok("channel/list/", tariffs=tariff.pk)["channels"]] == [sport.pk]
    assert [c["id"] for c in content_api.ok("channel/list/", search_stream_service="edge")["channels"]] == [sport.pk]
    assert [c["id"] for c in content_api.ok("channel/list/", stream_services=server.pk)["channels"]] == [sport.pk]
    page = content_api.ok("channel/list/", limit=1, page=2)
    assert page["count"] == 2 and [c["id"] for c in page["channels"]] == [sport.pk]
    assert content_api.code("channel/list/", tariffs="x") == 20


def test_list_query_count_is_constant(content_api, operator, django_assert_max_num_queries):
    tariff = factories.TariffFactory(client=operator)
    category = factories.ChannelCategoryFactory(client=operator)

    def add(count):
        for _ in range(count):
            channel = factories.ChannelFactory(client=operator, category=category)
            channel.additional_categories.add(category)
            tariff.channels.add(channel)

    add(2)
    with django_assert_max_num_queries(10) as few:
        content_api.ok("channel/list/", limit=100)
    add(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(content_api.ok("channel/list/", limit=100)["channels"]) == 27


def test_delete(content_api, operator, foreign):
    channel = factories.ChannelFactory(client=operator)
    foreign_channel = factories.ChannelFactory(client=foreign)
    assert content_api.code("channel/delete/", id=foreign_channel.pk) == 404
    content_api.ok("channel/delete/", id=channel.pk)
    assert not Channel.objects.filter(pk=channel.pk).exists() and Channel.objects.filter(pk=foreign_channel.pk).exists()
    assert content_api.code("channel/delete/", id=channel.pk) == 404
