"""Viewing statistics of Start titles, sent to Start from the device types the operator chose.

Smarty lets an operator decide, per device type, whether viewing statistics go to Start
(`StartDeviceStatistics.send_statistics`, edited in the panel). The middleware learns about a view
when a device saves its playback position (`content_position_set`, the device API's position
calls): when the saved position is a Start title's, and the device type the account is watching on
— the one of its most recently used session — is switched on, the view is reported to Start
(`StartClient.send_view`) by a Celery task after the position is committed, so the device's call
never waits for Start. Device types not switched on (the default) send nothing.

A report is best-effort: a failure is logged and the next position report of the same viewing
carries the newer position anyway. Cost when nothing is switched on: one indexed query per saved
position of an operator.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tvmiddleware.models import AuthKey, ContentKind, ContentPosition, Customer, Episode, ExternalSystem, Video
from tvmiddleware.plugins import PluginError

from .models import StartDeviceStatistics

logger = logging.getLogger("cinema_start.statistics")


def start_api_classes() -> list[str]:
    """The API class names Start integrations are saved under (current and old)."""
    from .plugin import API_CLASS, OLD_API_CLASS

    return [API_CLASS, OLD_API_CLASS]


def current_device_type(account_id: int) -> str:
    """The system name of the device type of the account's most recently used session ("" if none)."""
    return (AuthKey.objects.filter(account_id=account_id, device_type__isnull=False)
            .order_by("-last_seen_at", "-pk").values_list("device_type__system_name", flat=True).first()) or ""


def view_to_report(position: ContentPosition) -> dict[str, Any] | None:
    """What to send to Start about a saved position, or None when nothing is to be sent."""
    if position.content_type != ContentKind.VIDEO:
        return None
    switched_on = set(StartDeviceStatistics.objects.for_client(position.client_id).filter(
        send_statistics=True).values_list("device_type__system_name", flat=True))
    if not switched_on:
        return None  # the usual case: one query and done
    video = (Video.objects.for_client(position.client_id)
             .filter(pk=position.content_id, external_system__api_class__in=start_api_classes(),
                     external_system__enabled=True)
             .values("ext_id", "external_system_id").first())
    if video is None:
        return None
    device_type = current_device_type(position.account_id)
    if device_type not in switched_on:
        return None
    episode_ext_id = None
    if position.asset_id:
        episode_ext_id = (Episode.objects.for_client(position.client_id).filter(
            pk=position.asset_id, video_id=position.content_id).values_list("ext_id", flat=True).first()) or None
    customer_id = position.account.customer_id
    return {"system_id": video["external_system_id"], "customer_id": customer_id, "content_id": video["ext_id"],
            "episode_id": episode_ext_id, "device_type": device_type, "position": position.position,
            "duration": position.duration, "completed": position.is_viewed,
            "watched_at": (position.updated_at or timezone.now()).isoformat()}


def report_position(position: ContentPosition) -> bool:
    """Queue the report of a saved position (after the commit); True when one was queued."""
    report = view_to_report(position)
    if report is None:
        return False
    from .tasks import send_view_statistics

    transaction.on_commit(lambda: send_view_statistics.delay(**report))
    return True


def send_view(*, system_id: int, customer_id: int, content_id: str, episode_id: str | None, device_type: str,
              position: int, duration: int | None, completed: bool, watched_at: str) -> bool:
    """Send one view to Start now; False (logged) when Start could not take it."""
    system = ExternalSystem.objects.filter(pk=system_id, enabled=True).first()
    if system is None or not Customer.objects.filter(pk=customer_id, client_id=system.client_id).exists():
        return False
    api = system.get_api()
    try:
        api.partner.send_view(user_id=api.user_id(customer_id), content_id=content_id, episode_id=episode_id,
                              device_type=device_type, position=position, duration=duration, completed=completed,
                              watched_at=datetime.fromisoformat(watched_at))
    except PluginError as exc:
        logger.warning("start system=%s customer=%s: viewing statistics not sent: %s", system_id, customer_id, exc)
        return False
    return True
