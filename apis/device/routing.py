"""Routes of device-API methods in both spellings: the reference lists paths with the trailing slash,
some apps call them without it."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from django.urls import URLPattern, path


def both_spellings(methods: Iterable[tuple[str, Callable, str]]) -> list[URLPattern]:
    """`(route without slash, view, name)` → a named route with the slash and an unnamed one without."""
    methods = list(methods)
    return [*(path(f"{route}/", view, name=name) for route, view, name in methods),
            *(path(route, view) for route, view, _ in methods)]
