"""Scheduled work of the widgets (`CELERY_BEAT_SCHEDULE`, run by Celery beat or the embedded scheduler)."""
from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from .models import WidgetSession

# Dead sessions stay a day (who was logged in from where, for a support question), then go.
SESSION_KEEP_SECONDS = 24 * 3600


def purge_stale() -> dict[str, int]:
    """Delete widget sessions that ended, expired or went idle more than a day ago, and the captchas
    whose time is up (django-simple-captcha keeps every challenge it drew)."""
    from captcha.models import CaptchaStore

    now = timezone.now()
    cutoff = now - timedelta(seconds=SESSION_KEEP_SECONDS)
    idle_cutoff = cutoff - timedelta(seconds=WidgetSession.IDLE_SECONDS)
    sessions = WidgetSession.objects.filter(
        Q(ended_at__lt=cutoff) | Q(expires_at__lt=cutoff) | Q(last_seen_at__lt=idle_cutoff)).delete()[0]
    captchas = CaptchaStore.objects.filter(expiration__lte=now).count()
    CaptchaStore.remove_expired()
    return {"sessions": sessions, "captchas": captchas}


@shared_task(name="widgets.tasks.purge_widget_sessions", ignore_result=True)
def purge_widget_sessions() -> dict[str, int]:
    return purge_stale()
