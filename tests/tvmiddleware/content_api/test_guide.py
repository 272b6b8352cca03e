"""Content API, groups EPGChannel, EPGProgram and ProgramBlocking."""
from datetime import datetime, timedelta, timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone as dj_timezone

from tests import factories
from tvmiddleware.models import EpgChannel, EpgProgram, EpgSource, ProgramBlocking
from tvmiddleware.services.catalogue import MAX_ICON_BYTES, program_blockings_expire

from .conftest import image_bytes

UTC = timezone.utc


class TestEpgChannelList:
    def test_lists_with_source_filter(self, content_api, operator, foreign):
        source = EpgSource.objects.create(client=operator, name="XMLTV", last_import_at=datetime(2024, 1, 1, tzinfo=UTC))
        first = factories.EpgChannelFactory(client=operator, source=source, ext_id="first")
        second = factories.EpgChannelFactory(client=operator)
        factories.EpgChannelFactory(client=foreign)
        body = content_api.ok("epgchannel/list/")
        assert body["count"] == 2 and [c["id"] for c in body["channels"]] == [first.pk, second.pk]
        assert body["channels"][0] == {
            "id": first.pk, "source": source.pk, "icon_url": "", "source_channel_id": "first",
            "extra_category_ids": [], "sort_number": 0, "timeshift": 0,
            "source_update_date": "2024-01-01T00:00:00+00:00", "extra_icons": {}}
        assert [c["id"] for c in content_api.ok("epgchannel/list/", source=source.pk)["channels"]] == [first.pk]
        assert content_api.ok("epgchannel/list/", limit=1, page=2)["channels"][0]["id"] == second.pk
        assert content_api.code("epgchannel/list/", source="x") == 20

    def test_query_count_is_constant(self, content_api, operator, django_assert_max_num_queries):
        source = EpgSource.objects.create(client=operator, name="XMLTV")
        factories.EpgChannelFactory(client=operator, source=source)
        with django_assert_max_num_queries(6) as few:
            content_api.ok("epgchannel/list/")
        for _ in range(20):
            factories.EpgChannelFactory(client=operator, source=source)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert content_api.ok("epgchannel/list/", limit=100)["count"] == 21


class TestEpgChannelIconUpload:
    @pytest.fixture
    def channel(self, operator):
        return factories.EpgChannelFactory(client=operator)

    def test_uploads_an_image(self, content_api, channel):
        icon = SimpleUploadedFile("logo.png", image_bytes("PNG"), content_type="image/png")
        body = content_api.upload("epgchannel/icon/upload/", {"icon": icon}, epg_channel_id=channel.pk)
        assert body["error"] == 0, body
        channel.refresh_from_db()
        assert channel.icon.name.endswith(".png") and channel.icon.read().startswith(b"\x89PNG")
        listed = content_api.ok("epgchannel/list/")["channels"][0]
        assert listed["icon_url"].startswith("http://testserver/") and listed["icon_url"].endswith(".png")
        jpeg = SimpleUploadedFile("logo.jpg", image_bytes("JPEG"), content_type="image/jpeg")
        assert content_api.upload("epgchannel/icon/upload/", {"icon_url": jpeg}, epg_channel_id=channel.pk)["error"] == 0
        channel.refresh_from_db()
        assert channel.icon.name.endswith(".jpg")

    @pytest.mark.parametrize("content", [
        b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a-not-really", b"",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    ])
    def test_refuses_what_is_not_an_image(self, content_api, channel, content):
        upload = SimpleUploadedFile("logo.png", content, content_type="image/png")
        body = content_api.upload("epgchannel/icon/upload/", {"icon": upload}, epg_channel_id=channel.pk)
        assert body["error"] == 3 and body["error_fields"], body
        channel.refresh_from_db()
        assert not channel.icon

    def test_refuses_large_files_and_unsupported_formats(self, content_api, channel):
        big = SimpleUploadedFile("big.png", image_bytes("PNG") + b"\x00" * MAX_ICON_BYTES)
        assert content_api.upload("epgchannel/icon/upload/", {"icon": big}, epg_channel_id=channel.pk)["error"] == 3
        bmp = SimpleUploadedFile("a.bmp", image_bytes("BMP"))
        body = content_api.upload("epgchannel/icon/upload/", {"icon": bmp}, epg_channel_id=channel.pk)
        assert body["error"] == 3 and body["error_fields"] == {"icon": "unsupported format"}

    def test_addresses_sizes_and_ids(self, content_api, channel, foreign):
        assert content_api.code("epgchannel/icon/upload/", epg_channel_id=channel.pk,
                                icon_url="http://169.254.169.254/latest") == 3  # never fetched
        assert content_api.json("epgchannel/icon/upload/", epg_channel_id=channel.pk)["error_fields"] == {
            "icon_url": "required"}
        assert content_api.code("epgchannel/icon/upload/", epg_channel_id=channel.pk, extra_sizes="12x3") == 2
        assert content_api.code("epgchannel/icon/upload/", epg_channel_id=channel.pk, extra_sizes="120_210") == 2
        assert content_api.code("epgchannel/icon/upload/", epg_channel_id=channel.pk, extra_sizes="120_210",
                                skip_main_size=1) == 4
        assert content_api.code("epgchannel/icon/upload/", epg_channel_id=channel.pk, skip_main_size=1) == 0
        foreign_channel = factories.EpgChannelFactory(client=foreign)
        icon = SimpleUploadedFile("logo.png", image_bytes("PNG"))
        assert content_api.upload("epgchannel/icon/upload/", {"icon": icon},
                                  epg_channel_id=foreign_channel.pk)["error"] == 404
        assert content_api.code("epgchannel/icon/upload/", icon_url="x") == 20
        assert not EpgChannel.objects.get(pk=foreign_channel.pk).icon


class TestProgramTimeSpecify:
    @pytest.fixture
    def programme(self, operator):
        begin = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)
        return factories.EpgProgramFactory(epg_channel__client=operator, begin_time=begin,
                                           end_time=begin + timedelta(hours=1), meta={"event_id": "EV-7"})

    @pytest.mark.parametrize("start, stop", [
        ("2024-03-01T20:02:30+00:00", "2024-03-01T21:05:00Z"),
        ("1709323350", "1709327100"),
        ("20240301230230 +0300", "20240302000500 +0300"),
    ])
    def test_sets_the_actual_times(self, content_api, programme, start, stop):
        content_api.ok("epg/program/time/specify/", external_id="EV-7", start=start, stop=stop)
        programme.refresh_from_db()
        assert programme.begin_time == datetime(2024, 3, 1, 20, 2, 30, tzinfo=UTC)
        assert programme.end_time == datetime(2024, 3, 1, 21, 5, tzinfo=UTC)

    def test_numeric_event_ids(self, content_api, operator):
        begin = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)
        programme = factories.EpgProgramFactory(epg_channel__client=operator, begin_time=begin,
                                                end_time=begin + timedelta(hours=1), meta={"event_id": 42})
        content_api.ok("epg/program/time/specify/", external_id="42", start="1709323200", stop="1709326800")
        programme.refresh_from_db()
        assert programme.end_time == datetime(2024, 3, 1, 21, 0, tzinfo=UTC)

    def test_errors(self, content_api, programme, foreign):
        begin = programme.begin_time
        factories.EpgProgramFactory(epg_channel__client=foreign, begin_time=begin, end_time=begin + timedelta(hours=1),
                                    meta={"event_id": "FOREIGN"})
        times = {"start": "1709323200", "stop": "1709326800"}
        assert content_api.code("epg/program/time/specify/", external_id="FOREIGN", **times) == 404
        assert content_api.code("epg/program/time/specify/", external_id="nope", **times) == 404
        assert content_api.code("epg/program/time/specify/", external_id="EV-7", start="1709326800",
                                stop="1709323200") == 21
        assert content_api.code("epg/program/time/specify/", external_id="EV-7", start="soon", stop="later") == 20
        assert content_api.code("epg/program/time/specify/", external_id="EV-7", start="1709323200") == 20
        assert content_api.code("epg/program/time/specify/", **times) == 20
        programme.refresh_from_db()
        assert programme.begin_time == begin


class TestProgramBlocking:
    @pytest.fixture
    def guide(self, operator):
        epg = factories.EpgChannelFactory(client=operator)
        factories.ChannelFactory(client=operator, url_prefix="news", epg_channel=epg)
        begin = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)
        programme = factories.EpgProgramFactory(epg_channel=epg, begin_time=begin, end_time=begin + timedelta(hours=1))
        return programme

    def test_by_pid_for_some_days(self, content_api, guide):
        body = content_api.ok("programblocking/create/", pid=guide.pk, end_date="3")
        blocking = ProgramBlocking.objects.get(pk=body["id"])
        assert blocking.program == guide and blocking.expires_at > dj_timezone.now() + timedelta(days=2)
        guide.refresh_from_db()
        assert guide.is_blocked

    def test_by_prefix_and_start(self, content_api, guide):
        start = int(guide.begin_time.timestamp())
        assert ProgramBlocking.objects.get(pk=content_api.ok("programblocking/create/", prefix="news",
                                                             time_start=start)["id"]).expires_at is None
        inside = content_api.ok("programblocking/create/", prefix="news", time_start=start + 600)
        assert ProgramBlocking.objects.get(pk=inside["id"]).program == guide

    def test_errors(self, content_api, guide, foreign):
        foreign_programme = factories.EpgProgramFactory(epg_channel__client=foreign)
        start = int(guide.begin_time.timestamp())
        assert content_api.code("programblocking/create/", pid=foreign_programme.pk) == 1
        assert content_api.code("programblocking/create/", pid=999999) == 1
        assert content_api.code("programblocking/create/", prefix="sport", time_start=start) == 2
        assert content_api.code("programblocking/create/", prefix="news", time_start=start + 7200) == 3
        assert content_api.code("programblocking/create/", prefix="news") == 4
        assert content_api.code("programblocking/create/") == 4
        assert content_api.code("programblocking/create/", pid=guide.pk, end_date="forever") == 20
        assert content_api.code("programblocking/create/", pid="x") == 20
        assert not ProgramBlocking.objects.exists()

    def test_expiry_lifts_the_block(self, operator, guide):
        from tvmiddleware.services.catalogue import program_blocking_create

        program_blocking_create(program=guide, days=1)
        assert program_blockings_expire(now=dj_timezone.now() + timedelta(hours=1)) == 0
        assert program_blockings_expire(now=dj_timezone.now() + timedelta(days=2)) == 1
        guide.refresh_from_db()
        assert not guide.is_blocked and not ProgramBlocking.objects.exists()
        program_blocking_create(program=guide, days=1)
        program_blocking_create(program=guide)  # a block for good holds it
        assert program_blockings_expire(now=dj_timezone.now() + timedelta(days=2)) == 0
        assert EpgProgram.objects.get(pk=guide.pk).is_blocked
