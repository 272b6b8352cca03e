"""Streaming servers: which URL to hand out for each kind of content, and how tokens are checked."""
from __future__ import annotations

from django.contrib import admin

from tvmiddleware.models import StreamService

from .base import TenantAdmin


@admin.register(StreamService)
class StreamServiceAdmin(TenantAdmin):
    """Stream services. The URL mask lists its variables in the help text; unknown `$variables` are
    refused by the model's validator when the form validates."""

    list_display = ["name", "type", "url_mask", "priority", "token_ttl", "check_ip", "enabled"]
    list_filter = ["type", "enabled", "check_ip"]
    search_fields = ["name", "url_mask"]
    fields = ["name", "type", "url_mask", "priority", "enabled", "token_ttl", "check_ip"]
