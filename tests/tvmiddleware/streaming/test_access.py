"""Entitlements behind the token check: rules, caching, revocation."""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import Account, PriceCategory, PurchaseKind, TariffSubscription, VideoPurchase
from tvmiddleware.streaming import access

pytestmark = pytest.mark.django_db


def purchase(world, video, *, expires_at=None):
    return VideoPurchase.objects.create(client=world.client, customer=world.customer, video=video,
                                        kind=PurchaseKind.RENT if expires_at else PurchaseKind.BUY,
                                        price=Decimal("1.00"), expires_at=expires_at)


class TestSnapshot:
    def test_what_the_account_may_watch(self, world):
        state = access.account_state(world.account.pk)
        assert state.active and state.exists
        assert state.client_id == world.client.pk and state.customer_id == world.customer.pk
        assert state.channel_ids == {world.channel.pk}
        assert state.tariff_ids == {world.tariff.pk}
        assert state.max_sessions == 3

    def test_max_sessions_is_the_largest_of_the_tariffs(self, world):
        extra = factories.TariffFactory(client=world.client, basic_tariff_priority=0, sessions_count=3,
                                      basic_sessions_count=2)
        services.tariff_assign(customer=world.customer, tariff=extra)
        assert access.account_state(world.account.pk).max_sessions == 5

    def test_closed_and_disabled_tariffs_and_disabled_channels_open_nothing(self, world):
        extra = factories.TariffFactory(client=world.client, basic_tariff_priority=0, enabled=True)
        extra.channels.add(world.other_channel)
        services.tariff_assign(customer=world.customer, tariff=extra)
        extra.__class__.objects.filter(pk=extra.pk).update(enabled=False)
        world.channel.__class__.objects.filter(pk=world.channel.pk).update(enabled=False)
        state = access.account_state(world.account.pk)
        assert state.channel_ids == frozenset() and state.tariff_ids == {world.tariff.pk}

    def test_deleted_account_may_watch_nothing(self, db):
        state = access.account_state(987654321)
        assert not state.exists and not state.active
        assert not access.can_watch(987654321, "live", 1)

    def test_another_operators_channel_is_never_opened(self, world):
        stranger = factories.ChannelFactory()
        world.tariff.channels.add(stranger)  # a misconfiguration across tenants
        assert stranger.pk not in access.account_state(world.account.pk).channel_ids


class TestRules:
    def test_live_and_archive(self, world):
        assert access.can_watch(world.account.pk, "live", world.channel.pk)
        assert access.can_watch(world.account.pk, "archive", world.channel.pk)
        assert not access.can_watch(world.account.pk, "live", world.other_channel.pk)
        assert not access.can_watch(world.account.pk, "radio", world.channel.pk)

    def test_vod_free_subscription_purchase(self, world):
        free = factories.VideoFactory(client=world.client, price_category=PriceCategory.FREE)
        subscription = factories.VideoFactory(client=world.client)
        subscription.tariffs.add(world.tariff)
        closed = factories.VideoFactory(client=world.client)
        for_sale = factories.VideoFactory(client=world.client, price_category=PriceCategory.PURCHASE)
        for_sale.tariffs.add(world.tariff)  # listed for the catalogue: still needs a purchase
        account_id = world.account.pk
        assert access.can_watch(account_id, "vod", free.pk)
        assert access.can_watch(account_id, "vod", subscription.pk)
        assert not access.can_watch(account_id, "vod", closed.pk)
        assert not access.can_watch(account_id, "vod", for_sale.pk)
        assert not access.can_watch(account_id, "vod", factories.VideoFactory().pk)  # other operator

    def test_vod_bought_and_rented(self, world):
        bought = factories.VideoFactory(client=world.client, price_category=PriceCategory.PURCHASE)
        rented = factories.VideoFactory(client=world.client, price_category=PriceCategory.PURCHASE)
        rental_over = factories.VideoFactory(client=world.client, price_category=PriceCategory.PURCHASE)
        now = timezone.now()
        purchase(world, bought)
        purchase(world, rented, expires_at=now + timedelta(hours=24))
        purchase(world, rental_over, expires_at=now - timedelta(minutes=1))
        assert access.can_watch(world.account.pk, "vod", bought.pk)
        assert access.can_watch(world.account.pk, "vod", rented.pk)
        assert not access.can_watch(world.account.pk, "vod", rental_over.pk)

    def test_a_rental_decision_is_not_cached_past_its_end(self, world):
        rented = factories.VideoFactory(client=world.client, price_category=PriceCategory.PURCHASE)
        purchase(world, rented, expires_at=timezone.now() + timedelta(seconds=2))
        assert access.can_watch(world.account.pk, "vod", rented.pk)
        time.sleep(2.1)
        assert not access.can_watch(world.account.pk, "vod", rented.pk)

    def test_inactive_account_keeps_only_tariffs_for_inactive_accounts(self, world):
        info = factories.ChannelFactory(client=world.client, url_prefix="info")
        debtors = factories.TariffFactory(client=world.client, basic_tariff_priority=0,
                                          available_for_inactive_accounts=True, sessions_count=1,
                                          basic_sessions_count=0)
        debtors.channels.add(info)
        services.tariff_assign(customer=world.customer, tariff=debtors)
        Account.objects.filter(pk=world.account.pk).update(active=False, status_reason="DEBT")
        free = factories.VideoFactory(client=world.client, price_category=PriceCategory.FREE)
        state = access.account_state(world.account.pk)
        assert not state.active and state.status_reason == "DEBT"
        assert state.channel_ids == {info.pk} and state.max_sessions == 1
        assert not access.can_watch(world.account.pk, "live", world.channel.pk)
        assert not access.can_watch(world.account.pk, "vod", free.pk)

    def test_assert_can_watch(self, world):
        access.assert_can_watch(world.account, "live", world.channel.pk)
        with pytest.raises(access.AccessDenied, match="not available"):
            access.assert_can_watch(world.account, "live", world.other_channel.pk)
        Account.objects.filter(pk=world.account.pk).update(active=False, status_reason="BLOCK")
        access.invalidate_account(world.account.pk)
        with pytest.raises(access.AccessDenied, match="not active") as denied:
            access.assert_can_watch(world.account, "live", world.channel.pk)
        assert denied.value.context["status_reason"] == "BLOCK"


class TestCaching:
    def test_warm_checks_run_no_query(self, world, django_assert_num_queries):
        video = factories.VideoFactory(client=world.client)
        video.tariffs.add(world.tariff)
        access.can_watch(world.account.pk, "live", world.channel.pk)
        access.can_watch(world.account.pk, "vod", video.pk)
        with django_assert_num_queries(0):
            for _ in range(10):
                assert access.can_watch(world.account.pk, "live", world.channel.pk)
                assert access.can_watch(world.account.pk, "vod", video.pk)

    def test_local_layer_spares_the_shared_cache(self, world, settings):
        settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 5
        access.account_state(world.account.pk)
        with mock.patch.object(cache, "get", side_effect=AssertionError("cache read")):
            assert access.can_watch(world.account.pk, "live", world.channel.pk)

    def test_local_layer_is_bounded_and_expires(self):
        clock = [0.0]
        local = access._LocalCache(3, clock=lambda: clock[0])
        for key in "abcd":
            local.set(key, key.upper(), ttl=5)
        assert local.get("a") is None and local.get("d") == "D"
        clock[0] = 5.0
        assert local.get("d") is None

    def test_shared_cache_down_falls_back_to_the_database(self, world):
        with mock.patch.object(cache, "get", side_effect=ConnectionError("redis down")), \
                mock.patch.object(cache, "set", side_effect=ConnectionError("redis down")):
            assert access.can_watch(world.account.pk, "live", world.channel.pk)


class TestRevocation:
    def test_invalidate_account_applies_at_once_even_with_the_local_layer(self, world, settings):
        settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 5
        assert access.can_watch(world.account.pk, "live", world.channel.pk)
        Account.objects.filter(pk=world.account.pk).update(active=False, status_reason="BLOCK")
        assert access.can_watch(world.account.pk, "live", world.channel.pk)  # cached: not told yet
        access.invalidate_account(world.account.pk)
        assert not access.can_watch(world.account.pk, "live", world.channel.pk)

    def test_invalidate_customer_after_tariff_removal(self, world):
        second = factories.AccountFactory(customer=world.customer)
        for account_id in (world.account.pk, second.pk):
            assert access.can_watch(account_id, "live", world.channel.pk)
        services.tariff_remove(customer=world.customer, tariff=world.tariff)
        access.invalidate_customer(world.customer.pk)
        for account_id in (world.account.pk, second.pk):
            assert not access.can_watch(account_id, "live", world.channel.pk)

    def test_on_commit_invalidation(self, world, django_capture_on_commit_callbacks):
        assert access.can_watch(world.account.pk, "live", world.channel.pk)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.tariff_remove(customer=world.customer, tariff=world.tariff)
            access.on_commit_invalidate_customer(world.customer.pk)
        assert callbacks
        assert not access.can_watch(world.account.pk, "live", world.channel.pk)

    def test_on_commit_invalidation_survives_customer_deletion(self, world, django_capture_on_commit_callbacks):
        account_id = world.account.pk
        assert access.can_watch(account_id, "live", world.channel.pk)
        with django_capture_on_commit_callbacks(execute=True):
            access.on_commit_invalidate_customer(world.customer.pk)
            services.customer_delete(customer=world.customer)
        assert not access.account_state(account_id).exists

    def test_on_commit_invalidate_account(self, world, django_capture_on_commit_callbacks):
        assert access.can_watch(world.account.pk, "live", world.channel.pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.account_set_status(account=world.account, active=False, status_reason="DEBT")
            access.on_commit_invalidate_account(world.account.pk)
        assert not access.can_watch(world.account.pk, "live", world.channel.pk)

    def test_without_invalidation_revocation_waits_at_most_auth_duration(self, world, settings):
        settings.TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION = 2
        settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 5  # the local layer must not extend it
        assert access.can_watch(world.account.pk, "live", world.channel.pk)
        # Closed behind the services' back (a raw update): nothing invalidates the snapshot. (The
        # service itself invalidates at once, even before its transaction commits.)
        TariffSubscription.objects.filter(customer=world.customer, tariff=world.tariff).update(is_closed=True)
        assert access.can_watch(world.account.pk, "live", world.channel.pk)  # still cached
        time.sleep(2.1)
        assert not access.can_watch(world.account.pk, "live", world.channel.pk)

    def test_the_device_api_uses_the_snapshot_longer_than_token_checks(self, world, settings):
        settings.TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION = 60
        settings.TVMIDDLEWARE_DEVICE_ACCOUNT_STATE_SECONDS = 3600
        settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 0
        assert world.channel.pk in access.account_state(world.account.pk).channel_ids
        TariffSubscription.objects.filter(customer=world.customer, tariff=world.tariff).update(is_closed=True)
        later = time.time() + 120  # past AUTH_DURATION, within the device API's hour
        with mock.patch("tvmiddleware.streaming.access.time.time", return_value=later):
            assert world.channel.pk in access.account_state(world.account.pk, for_device_api=True).channel_ids
            assert not access.can_watch(world.account.pk, "live", world.channel.pk)  # token checks: rebuilt
            # ...and the rebuilt snapshot serves the device API from then on
            assert world.channel.pk not in access.account_state(world.account.pk, for_device_api=True).channel_ids
        with mock.patch("tvmiddleware.streaming.access.time.time", return_value=time.time() + 7200):
            assert access.account_state(world.account.pk, for_device_api=True).channel_ids == frozenset()

    def test_snapshot_past_its_expiry_is_not_used_whatever_the_cache_keeps(self, world):
        assert access.can_watch(world.account.pk, "live", world.channel.pk)
        services.tariff_remove(customer=world.customer, tariff=world.tariff)
        later = time.time() + 3600
        with mock.patch("tvmiddleware.streaming.access.time.time", return_value=later):
            assert not access.can_watch(world.account.pk, "live", world.channel.pk)

    def test_new_tariff_takes_effect_after_invalidation(self, world):
        assert not access.can_watch(world.account.pk, "live", world.other_channel.pk)
        sport = factories.TariffFactory(client=world.client, basic_tariff_priority=0)
        sport.channels.add(world.other_channel)
        services.tariff_assign(customer=world.customer, tariff=sport)
        access.invalidate_customer(world.customer.pk)
        assert access.can_watch(world.account.pk, "live", world.other_channel.pk)

    def test_vod_decisions_follow_the_snapshot(self, world):
        video = factories.VideoFactory(client=world.client)
        video.tariffs.add(world.tariff)
        assert access.can_watch(world.account.pk, "vod", video.pk)
        services.tariff_remove(customer=world.customer, tariff=world.tariff)
        access.invalidate_customer(world.customer.pk)
        assert not access.can_watch(world.account.pk, "vod", video.pk)
