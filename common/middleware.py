"""Middleware that only the operator panel needs, kept off the machine-to-machine APIs.

Sessions, CSRF, authentication, messages and the login lockout (django-axes) serve people in a
browser. Apps, set-top boxes and streamers never use them — but they still cost: the authentication
middleware's lazy `request.user` (a closure over the request) and the messages storage (which holds
the request) make every request a reference cycle, so the whole request — its parameters, resolver
match, response — is freed only by the cycle collector, whose full passes then stall every thread of
the process (measured under the device-API mix: pauses of 250-700 ms and a p99 in the hundreds of
milliseconds). Requests under `API_PATH_PREFIXES` skip them and are freed at once by reference counting.

    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware",
                  "common.middleware.PanelMiddleware",         # runs PANEL_MIDDLEWARE for the panel only
                  "django.middleware.common.CommonMiddleware", ...]

The wrapped classes run in their listed order and their `process_view`, `process_exception` and
`process_template_response` hooks are called as Django would call them, for panel requests only.
"""
from __future__ import annotations

from typing import Any, Callable

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string


def api_path_prefixes() -> tuple[str, ...]:
    return tuple(getattr(settings, "API_PATH_PREFIXES", ()))


class PanelMiddleware:
    """Runs `settings.PANEL_MIDDLEWARE` around requests that are not API requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = api_path_prefixes()
        self._view_hooks: list[Callable] = []
        self._exception_hooks: list[Callable] = []
        self._template_hooks: list[Callable] = []
        handler: Callable[[HttpRequest], HttpResponse] = get_response
        for path in reversed(list(getattr(settings, "PANEL_MIDDLEWARE", ()))):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_hooks.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_hooks.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_hooks.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self.panel = handler

    def is_api(self, request: HttpRequest) -> bool:
        return request.path_info.startswith(self.prefixes)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.is_api(request):
            return self.get_response(request)
        return self.panel(request)

    def process_view(self, request: HttpRequest, view: Callable, args: Any, kwargs: Any) -> HttpResponse | None:
        if self.is_api(request):
            return None
        for hook in self._view_hooks:
            response = hook(request, view, args, kwargs)
            if response is not None:
                return response
        return None

    def process_template_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not self.is_api(request):
            for hook in self._template_hooks:
                response = hook(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if self.is_api(request):
            return None
        for hook in self._exception_hooks:
            response = hook(request, exception)
            if response is not None:
                return response
        return None
