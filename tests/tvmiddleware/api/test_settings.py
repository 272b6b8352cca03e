"""Device API account settings and miscellany: settings/save, message/list, message/detail,
content/position/set, portal/settings/list."""
import json
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import factories
from tests.tvmiddleware.api.conftest import API
from tvmiddleware.models import (
    Account, AccountChannelSetting, ContentPosition, DeviceType, Episode, Message, MessageRead, PortalSetting,
    VideoFile,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def other_client(db):
    return factories.ClientFactory()


def _setting(account, channel) -> AccountChannelSetting | None:
    return AccountChannelSetting.objects.filter(account=account, channel=channel).first()


class TestSettingsSave:
    def test_needs_a_session(self, api, subscriber):
        channel = factories.ChannelFactory(client=subscriber.client)
        assert api.json("settings/save/", favorite_channel=channel.pk)["error"] == 403
        assert api.json("settings/save/", favorite_channel=channel.pk, authkey="x" * 128)["error"] == 403
        assert not AccountChannelSetting.objects.exists()

    def test_favourites_round_trip(self, logged_in, subscriber):
        channel = factories.ChannelFactory(client=subscriber.client)
        body = logged_in.json("settings/save/", favorite_channel=channel.pk)
        assert body == {"error": 0, "error_message": ""}
        setting = _setting(subscriber.account, channel)
        assert setting.is_favorited and setting.client_id == subscriber.client.pk
        assert setting.is_parent_control is None and not setting.is_hidden
        assert logged_in.json("settings/save/", favorite_channel=channel.pk)["error"] == 0  # idempotent
        assert AccountChannelSetting.objects.count() == 1
        assert logged_in.json("settings/save/", unfavorite_channel=channel.pk)["error"] == 0
        assert not _setting(subscriber.account, channel).is_favorited

    def test_parental_lock_and_unlock_override_the_channel(self, logged_in, subscriber):
        locked = factories.ChannelFactory(client=subscriber.client, is_parent_control=True)
        free = factories.ChannelFactory(client=subscriber.client)
        body = logged_in.json("settings/save/", parent_lock_channel=free.pk, parent_unlock_channel=locked.pk)
        assert body["error"] == 0
        assert _setting(subscriber.account, free).is_parent_control is True
        assert _setting(subscriber.account, locked).is_parent_control is False
        # the reference has no PIN parameter for this method: no PIN is asked to unlock
        subscriber.account.parent_code = "1234"
        subscriber.account.save()
        assert logged_in.json("settings/save/", parent_lock_channel=locked.pk)["error"] == 0
        assert _setting(subscriber.account, locked).is_parent_control is True

    @pytest.mark.parametrize("value", ["0", "-5", "abc", "1,2", "99999999999999999999999", "1e3", "' OR 1=1 --"])
    def test_malformed_channel_id_is_error_1(self, logged_in, value):
        body = logged_in.json("settings/save/", favorite_channel=value)
        assert body["error"] == 1 and body["error_message"]
        assert not AccountChannelSetting.objects.exists()

    def test_unknown_or_foreign_channel_is_error_1(self, logged_in, subscriber, other_client):
        foreign = factories.ChannelFactory(client=other_client)
        for param in ("favorite_channel", "unfavorite_channel", "parent_lock_channel", "parent_unlock_channel"):
            assert logged_in.json("settings/save/", **{param: foreign.pk})["error"] == 1
            assert logged_in.json("settings/save/", **{param: foreign.pk + 1000})["error"] == 1
        assert not AccountChannelSetting.objects.exists()

    def test_parent_code_change(self, logged_in, subscriber):
        assert logged_in.json("settings/save/", parent_code="4321")["error"] == 0
        subscriber.account.refresh_from_db()
        assert subscriber.account.parent_code == "4321"

    @pytest.mark.parametrize("code", ["12a4", "-123", "12 34", "1" * 17, "١٢٣٤", "<script>"])
    def test_invalid_parent_code_is_refused(self, logged_in, subscriber, code):
        subscriber.account.parent_code = "0000"
        subscriber.account.save()
        assert logged_in.json("settings/save/", parent_code=code)["error"] == 1
        subscriber.account.refresh_from_db()
        assert subscriber.account.parent_code == "0000"

    def test_all_or_nothing(self, logged_in, subscriber):
        channel = factories.ChannelFactory(client=subscriber.client)
        assert logged_in.json("settings/save/", favorite_channel=channel.pk, parent_code="x")["error"] == 1
        assert logged_in.json("settings/save/", favorite_channel=channel.pk, parent_lock_channel=10**9)["error"] == 1
        assert not AccountChannelSetting.objects.exists()

    def test_timeshift_and_data_center(self, logged_in, subscriber):
        body = logged_in.json("settings/save/", use_timeshift=1, preferred_timeshift_offset=-3, data_center_id=7)
        assert body["error"] == 0
        account = Account.objects.get(pk=subscriber.account.pk)
        assert account.use_timeshift and account.preferred_timeshift_offset == -3 and account.data_center == 7
        assert logged_in.json("settings/save/", use_timeshift=0, data_center_id=0)["error"] == 0
        account.refresh_from_db()
        assert not account.use_timeshift and account.data_center is None
        assert account.preferred_timeshift_offset == -3  # not sent: unchanged

    @pytest.mark.parametrize("params", [{"use_timeshift": 2}, {"use_timeshift": "yes"},
                                        {"preferred_timeshift_offset": 100}, {"data_center_id": -1},
                                        {"data_center_id": 2**40}])
    def test_bad_preferences_are_error_1(self, logged_in, params):
        assert logged_in.json("settings/save/", **params)["error"] == 1

    def test_nothing_to_save_is_fine(self, logged_in):
        assert logged_in.json("settings/save/")["error"] == 0


class TestChannelsSort:
    @pytest.fixture
    def channels(self, subscriber):
        return [factories.ChannelFactory(client=subscriber.client) for _ in range(3)]

    def _order(self, account) -> list[int]:
        return list(AccountChannelSetting.objects.filter(account=account, sort__isnull=False)
                    .order_by("sort").values_list("channel_id", flat=True))

    def test_form_field(self, logged_in, subscriber, channels):
        a, b, c = channels
        sort = [{"id": c.pk, "is_favorited": 1, "is_parent_control": 0, "is_hidden": 0},
                {"id": a.pk, "is_favorited": 0, "is_parent_control": 1, "is_hidden": 1},
                {"id": b.pk}]
        assert logged_in.json("settings/save/", post=True, channels_sort=json.dumps(sort))["error"] == 0
        assert self._order(subscriber.account) == [c.pk, a.pk, b.pk]
        sc, sa, sb = (_setting(subscriber.account, ch) for ch in (c, a, b))
        assert (sc.sort, sc.is_favorited, sc.is_parent_control, sc.is_hidden) == (0, True, False, False)
        assert (sa.sort, sa.is_favorited, sa.is_parent_control, sa.is_hidden) == (1, False, True, True)
        assert (sb.sort, sb.is_favorited, sb.is_parent_control, sb.is_hidden) == (2, False, None, False)

    def test_json_body(self, logged_in, subscriber, channels, client):
        a, b, c = channels
        logged_in.json("settings/save/", favorite_channel=a.pk)
        url = f"{API}settings/save/?client_id={subscriber.client.pk}&authkey={logged_in.authkey}"
        for payload in ({"channels_sort": [{"id": b.pk}, {"id": a.pk}]}, [{"id": b.pk}, {"id": a.pk}]):
            response = client.post(url, json.dumps(payload), content_type="application/json")
            assert response.json()["error"] == 0
            assert self._order(subscriber.account) == [b.pk, a.pk]
        assert _setting(subscriber.account, a).is_favorited  # flags not sent stay as they were
        # a later, shorter order: the channel left out loses its own place but keeps its flags
        response = client.post(url, json.dumps([{"id": a.pk, "is_hidden": True}]), content_type="application/json")
        assert response.json()["error"] == 0
        assert self._order(subscriber.account) == [a.pk]
        assert _setting(subscriber.account, a).is_hidden and _setting(subscriber.account, b).sort is None

    @pytest.mark.parametrize("payload", [
        "not json", "{}", '"x"', "[1, 2]", '[{"id": "abc"}]', '[{"id": -1}]', '[{"id": true}]', '[{"id": null}]',
        '[{"id": 1.5}]', '[{"id": %d, "is_hidden": 2}]', '[{"id": %d, "is_favorited": "yes"}]',
        '[{"id": %d}, {"id": %d}]', "[" * 100000, '[{"id": 99999999999999999999999}]',
    ])
    def test_malformed_sort_is_error_1(self, logged_in, subscriber, channels, payload):
        if "%d" in payload:
            payload = payload % ((channels[0].pk,) * payload.count("%d"))
        assert logged_in.json("settings/save/", post=True, channels_sort=payload)["error"] == 1
        assert not AccountChannelSetting.objects.exists()

    def test_foreign_channel_refuses_the_whole_list(self, logged_in, subscriber, channels, other_client):
        foreign = factories.ChannelFactory(client=other_client)
        payload = json.dumps([{"id": channels[0].pk}, {"id": foreign.pk}])
        assert logged_in.json("settings/save/", post=True, channels_sort=payload)["error"] == 1
        assert not AccountChannelSetting.objects.exists()

    def test_query_count_does_not_grow_with_the_list(self, logged_in, subscriber, django_assert_max_num_queries):
        many = [factories.ChannelFactory(client=subscriber.client) for _ in range(50)]

        def save(channels):
            return logged_in.json("settings/save/", post=True,
                                  channels_sort=json.dumps([{"id": c.pk, "is_favorited": 1} for c in channels]))

        assert save(many[:5])["error"] == 0  # warm the session cache
        with django_assert_max_num_queries(12):
            assert save(many[:5])["error"] == 0
        with django_assert_max_num_queries(12):
            assert save(many)["error"] == 0
        assert AccountChannelSetting.objects.filter(is_favorited=True).count() == 50


class TestMessages:
    @pytest.fixture
    def messages(self, subscriber, other_client):
        client = subscriber.client
        other_account = factories.AccountFactory(customer=factories.CustomerFactory(client=client), client=client)
        past = timezone.now() - timedelta(days=1)
        return {
            "mine": Message.objects.create(client=client, account=subscriber.account, subject="Personal", text="Hi",
                                           urgent=True),
            "all": Message.objects.create(client=client, subject="For everybody", text="News",
                                          expires_at=timezone.now() + timedelta(days=1)),
            "expired": Message.objects.create(client=client, subject="Old", expires_at=past),
            "other_account": Message.objects.create(client=client, account=other_account, subject="Not yours"),
            "other_client": Message.objects.create(client=other_client, subject="Other operator"),
        }

    def test_needs_a_session(self, api, messages):
        assert api.json("message/list/")["error"] == 403
        assert api.json("message/detail/", uuid=str(messages["mine"].uuid))["error"] == 403

    def test_list_shows_own_and_broadcast_not_expired(self, logged_in, messages):
        body = logged_in.json("message/list/")
        assert body["error"] == 0
        by_subject = {m["subject"]: m for m in body["messages"]}
        assert set(by_subject) == {"Personal", "For everybody"}
        mine = by_subject["Personal"]
        assert mine["uuid"] == str(messages["mine"].uuid) and isinstance(mine["uuid"], str)
        assert mine["urgent"] == 1 and mine["was_read"] == 0 and mine["created_at"]
        assert by_subject["For everybody"]["urgent"] == 0

    def test_detail_marks_read_once(self, logged_in, subscriber, messages):
        message = messages["all"]
        body = logged_in.json("message/detail/", uuid=str(message.uuid))
        assert body["error"] == 0
        assert body["uuid"] == str(message.uuid) and body["subject"] == "For everybody" and body["text"] == "News"
        assert body["no_confirmation"] == 0 and body["urgent"] == 0 and body["was_read"] == 1 and body["created_at"]
        assert logged_in.json("message/detail/", uuid=str(message.uuid))["error"] == 0
        assert MessageRead.objects.filter(message=message, account=subscriber.account).count() == 1
        read = {m["subject"]: m["was_read"] for m in logged_in.json("message/list/")["messages"]}
        assert read == {"Personal": 0, "For everybody": 1}

    def test_delete_one_then_all_leaves_the_operators_messages(self, logged_in, subscriber, messages):
        assert logged_in.json("message/delete/", uuid=str(messages["all"].uuid)) == {"error": 0, "error_message": ""}
        assert [m["subject"] for m in logged_in.json("message/list/")["messages"]] == ["Personal"]
        assert logged_in.json("message/detail/", uuid=str(messages["all"].uuid))["error"] == 1  # gone for me
        assert logged_in.json("account/status/")["message"]["subject"] == "Personal"
        assert logged_in.json("message/delete/", uuid="all")["error"] == 0
        assert logged_in.json("message/list/")["messages"] == []
        assert logged_in.json("account/status/")["has_new_messages"] == 0
        assert Message.objects.filter(pk__in=[m.pk for m in messages.values()]).count() == 5  # the operator's stay
        # The broadcast still reaches another account of the operator.
        other = factories.AccountFactory(customer=factories.CustomerFactory(client=subscriber.client),
                                         client=subscriber.client, abonement="100777")
        from tvmiddleware.selectors import account_messages

        assert messages["all"] in account_messages(client=subscriber.client, account_id=other.pk)

    @pytest.mark.parametrize("value", ["", "abc", "1", "' OR 1=1 --", str(uuid.uuid4())])
    def test_delete_bad_or_unknown_uuid_is_error_1(self, logged_in, messages, value):
        assert logged_in.json("message/delete/", uuid=value)["error"] == 1
        assert logged_in.json("message/delete/", uuid=str(messages["other_account"].uuid))["error"] == 1
        assert not MessageRead.objects.exists()

    @pytest.mark.parametrize("value", ["", "abc", "1", "' OR 1=1 --", "x" * 10000, str(uuid.uuid4())])
    def test_bad_or_unknown_uuid_is_error_1(self, logged_in, messages, value):
        assert logged_in.json("message/detail/", uuid=value)["error"] == 1

    @pytest.mark.parametrize("name", ["expired", "other_account", "other_client"])
    def test_messages_not_for_this_account_are_unknown(self, logged_in, messages, name):
        assert logged_in.json("message/detail/", uuid=str(messages[name].uuid))["error"] == 1
        assert not MessageRead.objects.exists()

    def test_list_query_count_is_constant(self, logged_in, subscriber, django_assert_max_num_queries):
        def add(count):
            for i in range(count):
                message = Message.objects.create(client=subscriber.client, subject=f"M{i}",
                                                 account=subscriber.account if i % 2 else None)
                if i % 3 == 0:
                    MessageRead.objects.create(message=message, account=subscriber.account)

        add(5)
        logged_in.json("message/list/")
        with django_assert_max_num_queries(3):
            assert len(logged_in.json("message/list/")["messages"]) == 5
        add(45)
        with django_assert_max_num_queries(3):
            body = logged_in.json("message/list/")
        assert len(body["messages"]) == 50 and sum(m["was_read"] for m in body["messages"]) == 17


class TestContentPosition:
    @pytest.fixture
    def video(self, subscriber):
        video = factories.VideoFactory(client=subscriber.client, duration=100)
        file = VideoFile.objects.create(client=subscriber.client, video=video, path="film.mp4", duration=1000)
        # ids of files and episodes are separate sequences: keep them apart so the test knows which is which
        episode = Episode.objects.create(pk=file.pk + 1000, client=subscriber.client, video=video, number=1,
                                         duration=20)
        return video, file, episode

    @pytest.fixture
    def program(self, subscriber):
        begin = timezone.now() - timedelta(hours=2)
        epg = factories.EpgChannelFactory(client=subscriber.client)
        return factories.EpgProgramFactory(epg_channel=epg, begin_time=begin, end_time=begin + timedelta(hours=1))

    def test_needs_a_session(self, api, program):
        assert api.json("content/position/set/", content_type="program", content_id=program.pk,
                        position=10)["error"] == 403

    def test_program_position_upsert(self, logged_in, subscriber, program):
        params = dict(content_type="program", content_id=program.pk)
        assert logged_in.json("content/position/set/", position=60, **params) == {"error": 0, "error_message": ""}
        row = ContentPosition.objects.get()
        assert (row.account_id, row.client_id, row.asset_id) == (subscriber.account.pk, subscriber.client.pk, None)
        assert (row.position, row.duration, row.is_viewed) == (60, 3600, False)
        assert logged_in.json("content/position/set/", position=3500, asset_id=5, **params)["error"] == 0
        row = ContentPosition.objects.get()
        assert (row.position, row.is_viewed, row.asset_id) == (3500, True, None)

    def test_video_file_and_episode_positions(self, logged_in, video):
        video, file, episode = video
        params = dict(content_type="video", content_id=video.pk)
        assert logged_in.json("content/position/set/", asset_id=file.pk, position=949, **params)["error"] == 0
        assert logged_in.json("content/position/set/", asset_id=episode.pk, position=1140, **params)["error"] == 0
        rows = {r.asset_id: r for r in ContentPosition.objects.all()}
        assert (rows[file.pk].duration, rows[file.pk].is_viewed) == (1000, False)
        assert (rows[episode.pk].duration, rows[episode.pk].is_viewed) == (1200, True)
        # explicit values win
        assert logged_in.json("content/position/set/", asset_id=file.pk, position=10, duration=20, is_viewed=0,
                              **params)["error"] == 0
        row = ContentPosition.objects.get(asset_id=file.pk)
        assert (row.position, row.duration, row.is_viewed) == (10, 20, False)
        assert ContentPosition.objects.count() == 2

    def test_delete_one_asset_or_all_of_a_video_and_a_programme(self, logged_in, subscriber, video, program):
        video, file, episode = video
        params = dict(content_type="video", content_id=video.pk)
        for asset in (file, episode):
            assert logged_in.json("content/position/set/", asset_id=asset.pk, position=5, **params)["error"] == 0
        assert logged_in.json("content/position/set/", content_type="program", content_id=program.pk,
                              position=60)["error"] == 0
        other = factories.AccountFactory(customer=subscriber.customer, abonement="100002")
        ContentPosition.objects.create(client=subscriber.client, account=other, content_type="video",
                                       content_id=video.pk, asset_id=file.pk, position=7)
        assert logged_in.json("content/position/delete/", asset_id=episode.pk, **params) == {
            "error": 0, "error_message": ""}
        mine = ContentPosition.objects.filter(account=subscriber.account)
        assert sorted(mine.values_list("content_type", "asset_id")) == [("program", None), ("video", file.pk)]
        assert logged_in.json("content/position/delete/", **params)["error"] == 0  # every asset of the video
        assert list(mine.values_list("content_type", flat=True)) == ["program"]
        assert logged_in.json("content/position/delete/", content_type="program", content_id=program.pk)["error"] == 0
        assert not mine.exists() and ContentPosition.objects.filter(account=other).count() == 1  # others' kept
        assert logged_in.json("content/position/delete/", **params)["error"] == 0  # nothing left: still fine
        for bad in ({"content_type": "channel", "content_id": 1}, {"content_type": "video"},
                    {"content_type": "video", "content_id": "x"}):
            assert logged_in.json("content/position/delete/", **bad)["error"] == 1, bad

    def test_a_deleted_programme_position_leaves_program_list(self, logged_in, subscriber, program):
        from tvmiddleware.selectors import account_facts

        logged_in.json("content/position/set/", content_type="program", content_id=program.pk, position=60)
        assert account_facts.programme_positions(client_id=subscriber.client.pk,
                                                 account_id=subscriber.account.pk)[0] == 1
        logged_in.json("content/position/delete/", content_type="program", content_id=program.pk)
        assert account_facts.programme_positions(client_id=subscriber.client.pk,
                                                 account_id=subscriber.account.pk)[0] == 0

    def test_video_needs_asset_id(self, logged_in, video):
        body = logged_in.json("content/position/set/", content_type="video", content_id=video[0].pk, position=1)
        assert body["error"] == 3
        assert not ContentPosition.objects.exists()

    def test_unknown_or_foreign_content_is_404(self, logged_in, subscriber, video, program, other_client):
        video, file, _ = video
        foreign_video = factories.VideoFactory(client=other_client)
        foreign_file = VideoFile.objects.create(client=other_client, video=foreign_video, path="x.mp4")
        other_video = factories.VideoFactory(client=subscriber.client)
        foreign_program = factories.EpgProgramFactory(epg_channel=factories.EpgChannelFactory(client=other_client))
        cases = [
            dict(content_type="video", content_id=foreign_video.pk, asset_id=foreign_file.pk),
            dict(content_type="video", content_id=video.pk, asset_id=foreign_file.pk),
            dict(content_type="video", content_id=other_video.pk, asset_id=file.pk),
            dict(content_type="video", content_id=10**12, asset_id=file.pk),
            dict(content_type="program", content_id=foreign_program.pk),
            dict(content_type="program", content_id=10**12),
        ]
        for case in cases:
            assert logged_in.json("content/position/set/", position=1, **case)["error"] == 404, case
        assert not ContentPosition.objects.exists()

    @pytest.mark.parametrize("params", [
        {}, {"content_type": "channel"}, {"content_type": "<script>"}, {"content_id": "abc"}, {"content_id": 0},
        {"position": -1}, {"position": ""}, {"position": "1e3"}, {"position": 2**31}, {"duration": -5},
        {"is_viewed": 3}, {"asset_id": "x"}, {"content_id": "99999999999999999999999"},
    ])
    def test_bad_parameters_are_error_1(self, logged_in, program, params):
        query = {"content_type": "program", "content_id": program.pk, "position": 5, **params}
        if params == {}:
            query = {}
        assert logged_in.json("content/position/set/", **query)["error"] == 1
        assert not ContentPosition.objects.exists()


class TestPortalSettings:
    def _call(self, api, **params):
        params.setdefault("api_key", api.subscriber.client.api_key)
        return api.json("portal/settings/list/", auth=False, **params)

    def test_defaults(self, api, subscriber):
        body = self._call(api, device="mag")
        assert body["error"] == 0
        uuid.UUID(body["random_uuid4"])
        assert body["show_tvchannels"] == 1 and body["show_archive"] == 1 and body["show_videocatalog"] == 1
        assert body["show_balance"] == 1 and body["show_settings"] == 1 and body["show_exit"] == 1
        assert body["show_cctv"] == 0 and body["show_games"] == 0 and body["show_radio"] == 0
        assert body["template"] == "" and body["portal_config"] == {} and body["available_country_phone_codes"] == []
        assert body["banner_video"]["video_id"] is None and body["client_uid"] == str(subscriber.client.pk)
        documented = {
            "random_uuid4", "show_tvchannels", "show_categorizedtv", "show_archive", "show_videocatalog",
            "show_cctv", "show_radio", "show_games", "show_balance", "show_payment", "show_info", "show_settings",
            "show_exit", "template", "custom_api_url", "custom_css_url", "client_logo_url", "client_logo_login_url",
            "client_logo_loading_url", "login_text", "reports_enabled", "data_autorefresh_enabled", "standby_timer",
            "pvr_standby_timer", "has_child_clients", "redirect_to_portal_url", "backend_version", "auth_mode",
            "mediascope_enabled", "start_stat_enabled", "mvision_stat_enabled", "mvision_server_url",
            "premier_stat_enabled", "premier_stat_start_event_url", "premier_stat_heartbeat_event_url",
            "client_uid", "use_new_billing_logic", "portal_config", "available_country_phone_codes", "banner_video",
            "error", "error_message",
        }
        assert set(body) == documented
        assert self._call(api, device="mag")["random_uuid4"] != body["random_uuid4"]

    def test_device_missing_or_unknown(self, api):
        assert self._call(api)["error"] == 1
        assert self._call(api, device="")["error"] == 1
        assert self._call(api, device="toaster")["error"] == 2
        assert self._call(api, device="x" * 10000)["error"] == 2
        assert self._call(api, device="' OR 1=1 --")["error"] == 2

    def test_wrong_key_is_403(self, api, other_client):
        assert self._call(api, device="mag", api_key="nope")["error"] == 403
        assert self._call(api, device="mag", api_key=other_client.api_key)["error"] == 403
        assert self._call(api, device="mag", client_id="abc")["error"] == 403

    def test_overrides(self, api, subscriber, other_client):
        client = subscriber.client
        mag, android = DeviceType.objects.get(system_name="mag"), DeviceType.objects.get(system_name="android")
        rows = [
            (client, "show_cctv", "1", None), (client, "show_games", "true", None),
            (client, "template", "dark", None), (client, "template", "mag-theme", mag),
            (client, "standby_timer", "not a number", None), (client, "portal_config", '{"a": [1, 2]}', None),
            (client, "banner_video", '{"video_id": 5}', android), (client, "unknown_key", "x", None),
            (client, "available_country_phone_codes", '{"not": "a list"}', None),
            (other_client, "show_radio", "1", None), (other_client, "template", "theirs", mag),
        ]
        for owner, key, value, device_type in rows:
            PortalSetting.objects.create(client=owner, key=key, value=value, device_type=device_type)
        body = self._call(api, device="mag")
        assert body["show_cctv"] == 1 and body["show_games"] == 1 and body["show_radio"] == 0
        assert body["template"] == "mag-theme" and body["standby_timer"] == 0
        assert body["portal_config"] == {"a": [1, 2]} and body["available_country_phone_codes"] == []
        assert body["banner_video"]["video_id"] is None and "unknown_key" not in body
        body = self._call(api, device="android")
        assert body["template"] == "dark" and body["banner_video"]["video_id"] == 5
        assert body["banner_video"]["image_url"] == ""

    def test_query_count(self, api, subscriber, django_assert_max_num_queries):
        self._call(api, device="mag")
        for i in range(30):
            PortalSetting.objects.create(client=subscriber.client, key=f"k{i}", value="1")
        with django_assert_max_num_queries(1):
            assert self._call(api, device="mag")["error"] == 0
