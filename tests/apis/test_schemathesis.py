"""Schemathesis over the served OpenAPI document: every operation of the device, Billing, Content and
Streaming APIs, with generated parameters and valid credentials, answers without an HTTP 5xx and
with a documented status, content type, error code and shape.

Runs in both passes of `make test` (SQLite, then PostgreSQL + Redis). Examples are derandomized
(the same inputs every run); `SCHEMATHESIS_EXAMPLES` raises their number, `FUZZ_RANDOM=1` explores
new inputs on every run.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from apis.schema import api_document
from common.signature import compute_signature
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import Account
from tvmiddleware.services.sessions import session_create, session_resolve

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))

# What "answers as documented" means here. Left out, on purpose: checks that assume REST conventions
# (`ignored_auth` wants 401 for a call without credentials, `unsupported_method` wants 405), while
# these Smarty-compatible APIs answer every outcome with HTTP 200 and an error code in the body.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SIGNING_KEYS = {"billingSignature": "billing_api_key", "contentSignature": "content_api_key",
                "streamingSignature": "streaming_api_key"}


@dataclass
class World:
    """An operator with all its keys, and a subscriber whose session survives what the calls do."""

    operator: object
    authkey: str = ""

    def session_key(self) -> str:
        if self.authkey and session_resolve(self.authkey) is not None:
            return self.authkey
        account = Account.objects.filter(client=self.operator).order_by("pk").first()
        if account is None:  # a generated call deleted it: open another
            customer = services.customer_create(client=self.operator, firstname="Anna", ext_id=None)
            account, _ = services.account_create(client=self.operator, customer=customer, password="1111")
        _, self.authkey = session_create(account=account, device=None, device_type=None)
        return self.authkey

    def authenticate(self, case, security: list[dict]) -> None:
        """Valid credentials where the operation names a scheme, so calls reach the method itself."""
        schemes = {name for requirement in security for name in requirement}
        query = dict(case.query or {})
        body = case.body if isinstance(case.body, dict) else None
        target = body if body is not None else query
        target["client_id"] = self.operator.pk
        if schemes & {"deviceSession", "deviceSessionCookie"}:
            query["authkey"] = self.session_key()
        if "deviceApiKey" in schemes:
            query["api_key"] = self.operator.api_key
        for scheme, key_field in SIGNING_KEYS.items():
            if scheme in schemes:
                query.pop("signature", None)
                pairs = _pairs(query) + (_pairs(body) if body is not None else [])
                query["signature"] = compute_signature(pairs, getattr(self.operator, key_field))
        case.query = query
        if body is not None:
            case.body = body


def _pairs(params: dict) -> list[tuple[str, str]]:
    """Parameters as the request will carry them: lists as repeated names."""
    pairs = []
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, str(item)))
    return pairs


@pytest.fixture
def world(db) -> World:
    operator = factories.ClientFactory(api_key="device-key", billing_api_key="billing-secret",
                                       content_api_key="content-secret", streaming_api_key="streaming-secret")
    customer = services.customer_create(client=operator, firstname="Ivan", ext_id="C-1")
    services.account_create(client=operator, customer=customer, abonement="100001", password="1111")
    factories.TariffFactory(client=operator, name="Base", basic_tariff_priority=1)
    return World(operator=operator)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The calls go through Django's WSGI handler, which closes database connections when a request
    ends; the test's transaction lives on that connection. Django's own test client does the same."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection (building the document touches no database): one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, world):
    operation = api_document()["paths"][case.operation.path].get(case.method.lower())
    if operation is None:  # Schemathesis also tries methods the route does not document (TRACE...)
        response = case.call()
        assert response.status_code < 500, (case.method, case.operation.path, response.status_code)
        return
    world.authenticate(case, operation.get("security", []))
    response = case.call()
    case.validate_response(response, checks=CHECKS)
