"""Every Content API and Streaming API method declares one spec: its parameters (a method's `Column`
and extra-data maps become declared parameters), its named error codes, its answer; what a method
answers stays within what it declares."""
from __future__ import annotations

from pathlib import Path

import pytest

from apikit.signed import GLOBAL_ERRORS
from apikit.spec import ErrorCode
from tests import factories

from .test_routes import JUNK, content_routes

ROOT = Path(__file__).resolve().parents[3]


def _views(module) -> dict[str, object]:
    return {str(pattern.pattern): pattern.callback for pattern in module.urlpatterns}


def content_views() -> dict[str, object]:
    from apis.content import urls

    return _views(urls)


def streaming_views() -> dict[str, object]:
    from apis.streaming import urls

    return {route: view for route, view in _views(urls).items() if hasattr(view, "api_spec")}


def test_every_method_declares_a_spec_with_named_codes():
    for route, view in {**content_views(), **streaming_views()}.items():
        spec = view.api_spec
        assert spec.summary, route
        assert spec.invalid_param == 20, route
        assert all(isinstance(code, ErrorCode) and code.name for code in spec.all_errors()), route


def test_content_methods_declare_the_shared_codes():
    for route, view in content_views().items():
        assert {404, 21, 22} <= set(view.api_spec.all_errors()), route


def test_column_and_extra_maps_become_declared_params():
    from apis.content import views_actor, views_video

    declared = {param.name for param in views_actor.actor_create.api_spec.params}
    assert set(views_actor.ACTOR_COLUMNS) | set(views_actor.ACTOR_EXTRA) <= declared
    assert {f"biography_lang{n}" for n in range(1, 6)} <= declared
    params = {param.name: param for param in views_video.video_create.api_spec.params}
    assert params["name"].required and not params["ext_id"].required
    assert "id" in {param.name for param in views_video.video_modify.api_spec.params}


def test_views_read_only_declared_params():
    for path in sorted((ROOT / "apis" / "content").glob("views_*.py")) + [ROOT / "apis/streaming/methods.py"]:
        assert "ctx.params" not in path.read_text(encoding="utf-8"), path.name


def test_no_content_method_shares_the_streaming_codes_module():
    text = (ROOT / "apis/streaming/methods.py").read_text(encoding="utf-8")
    assert "apis.content" not in text


@pytest.mark.parametrize("route", content_routes())
def test_junk_answers_only_declared_codes(content_api, operator, route):
    factories.VideoFactory(client=operator)
    allowed = {0, *map(int, GLOBAL_ERRORS), *map(int, content_views()[route].api_spec.all_errors())}
    for params in JUNK:
        body = content_api.call(route, **params).json()
        assert body["error"] in allowed, (route, params, body)
