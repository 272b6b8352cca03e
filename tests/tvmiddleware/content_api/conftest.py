"""Calling the Content API like a content manager's script: signed POST forms."""
import io

import pytest
from PIL import Image

from common.signature import sign
from tests import factories
from tests.billing.api import conftest as billing_api
from tests.billing.api.conftest import SignedAPI

PREFIX = "/content/api/"
operator = billing_api.operator  # the operator with its three API keys


class ContentAPI(SignedAPI):
    def ok(self, method: str, **params) -> dict:
        body = self.json(method, **params)
        assert body["error"] == 0, body
        return body

    def code(self, method: str, **params) -> int:
        return self.json(method, **params)["error"]

    def upload(self, method: str, files: dict, **params) -> dict:
        """Multipart POST: the form fields are signed, the files are not."""
        params.setdefault("client_id", self.client.pk)
        signed = sign(params, getattr(self.client, self.key_field))
        response = self.http.post(PREFIX + method, {**signed, **files})
        assert response.status_code < 500, response.content
        return response.json()


@pytest.fixture
def content_api(client, operator) -> ContentAPI:
    return ContentAPI(client, operator, prefix=PREFIX, key_field="content_api_key")


@pytest.fixture
def foreign(db):
    """Another operator: its ids must look unknown to ours."""
    return factories.ClientFactory()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, format=kind)
    return buffer.getvalue()
