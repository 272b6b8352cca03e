"""Calling the Content API like a content manager's script: signed POST forms."""
import io

import jsonschema
import pytest
from django.urls import resolve
from PIL import Image

from apikit.signed import GLOBAL_ERRORS

from common.signature import sign
from tests import factories
from tests.billing.api import conftest as billing_api
from tests.billing.api.conftest import SignedAPI

PREFIX = "/content/api/"
operator = billing_api.operator  # the operator with its three API keys


def _plain(schema):
    """The OpenAPI 3.0 schema as JSON Schema (`nullable` → a null type)."""
    if isinstance(schema, list):
        return [_plain(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    plain = {key: _plain(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and "type" in plain:
        plain["type"] = [plain["type"], "null"]
        if "enum" in plain:
            plain["enum"] = [*plain["enum"], None]
    return plain


def check_against_spec(method: str, body: dict) -> None:
    """The answer keeps the method's declaration: a declared code, and a success with the declared fields."""
    spec = resolve(PREFIX + method).func.api_spec
    assert body["error"] in {0, *map(int, GLOBAL_ERRORS), *map(int, spec.all_errors())}, (method, body)
    if body["error"] == 0 and spec.response is not None:
        jsonschema.validate(body, _plain(spec.response.schema()))


class ContentAPI(SignedAPI):
    def json(self, method: str, **params) -> dict:
        body = super().json(method, **params)
        check_against_spec(method, body)
        return body

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
        check_against_spec(method, response.json())
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
