"""The embed code an operator pastes on their site (the snippet Smarty documents, with our URL)."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .models import Widget

SNIPPET = """<div id="widget-content"></div>
<script id="widget-script" type="text/javascript"></script>
<script>document.getElementById('widget-script').src =
  '{base}/widgets/api/get/{public_id}?container_id=widget-content&time=' + Math.random();</script>"""


def site_base_url(request: HttpRequest | None = None) -> str:
    """The middleware's public address: `WIDGETS_BASE_URL`, else the address the request came to."""
    configured = getattr(settings, "WIDGETS_BASE_URL", "")
    if configured or request is None:
        return configured.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


def embed_snippet(widget: Widget, *, base_url: str) -> str:
    return SNIPPET.format(base=base_url, public_id=widget.public_id)
