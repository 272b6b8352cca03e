"""Streaming servers: which URL to hand out for each kind of content, and how tokens are checked."""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html

from tvmiddleware.models import StreamService
from tvmiddleware.streaming import check_urls
from tvmiddleware.streaming.stream_urls import stream_service_rotate_check_key

from .base import TenantAdmin

# The request being rendered, for absolute URLs in the read-only setup block (admins are shared by threads).
_current_request: ContextVar[HttpRequest | None] = ContextVar("stream_service_admin_request", default=None)

SNIPPETS = """\
# Flussonic (flussonic.conf)
auth_backend tvmw {{ backend {url}; }}
stream ch1 {{ url ...; on_play auth://tvmw; }}

# Cesbo Astra: HTTP auth backend of the stream or of the http_play server
{url}

# nginx auth_request
location ~ ^/live/(?<stream>[^/]+)/ {{
    set $auth_token $arg_token; set $auth_stream $stream;
    auth_request /_auth;
}}
location = /_auth {{
    internal;
    proxy_pass {url}?name=$auth_stream&token=$auth_token&ip=$remote_addr;
    proxy_pass_request_body off; proxy_set_header Content-Length "";
    proxy_set_header X-Original-URI $request_uri;
}}

# nginx-rtmp
application live {{ live on; on_play {url}; }}
"""


@admin.register(StreamService)
class StreamServiceAdmin(TenantAdmin):
    """Stream services. The URL mask lists its variables in the help text; unknown `$variables` are
    refused by the model's validator when the form validates. Each service shows its own token check
    URL with configuration snippets for the streamers; "Generate new check keys" rotates it."""

    list_display = ["name", "type", "url_mask", "priority", "token_ttl", "check_ip", "enabled"]
    list_filter = ["type", "enabled", "check_ip"]
    search_fields = ["name", "url_mask"]
    fields = ["name", "type", "url_mask", "priority", "enabled", "token_ttl", "check_ip", "check_key",
              "token_check_setup"]
    readonly_fields = ["token_check_setup"]
    actions = ["rotate_check_keys"]

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any):
        reset = _current_request.set(request)
        try:
            response = super().changeform_view(request, *args, **kwargs)
            if callable(getattr(response, "render", None)) and not getattr(response, "is_rendered", True):
                response.render()  # the read-only block is rendered now, while the request is known
            return response
        finally:
            _current_request.reset(reset)

    @admin.display(description="Token check URL")
    def token_check_setup(self, obj: StreamService | None) -> str:
        if obj is None or obj.pk is None:
            return "Shown once the service is saved."
        path = check_urls.check_path(obj.check_key)
        request = _current_request.get()
        url = request.build_absolute_uri(path) if request is not None else path
        return format_html(
            "<p>Configure the streaming server of this service to check tokens at <code>{}</code>; it "
            "accepts only tokens issued for this service (and services sharing its key). Use the address "
            "at which the streamers reach the middleware if it is not this panel's.</p><pre>{}</pre>",
            url, SNIPPETS.format(url=url),
        )

    @admin.action(description="Generate new check keys (the streamers' check URLs change)", permissions=["change"])
    def rotate_check_keys(self, request: HttpRequest, queryset) -> None:
        rotated: set[tuple[int, str]] = set()
        for service in queryset.order_by("pk"):
            shared = (service.client_id, service.check_key)
            if shared in rotated:
                continue  # already rotated together with a service that shared its key
            rotated.add(shared)
            stream_service_rotate_check_key(service=service)
        self.message_user(request, "New check keys generated: update the streamers' token check URLs.",
                          messages.WARNING)
