"""The signed-API framework as an operator's billing meets it: signatures, client lookup, HTTP methods,
repeated parameters, and request logs without secrets (exercised through the accounts methods)."""
import logging

import pytest

from common.signature import sign
from tests import factories
from tvmiddleware.models import Account

INFO = "/billing/api/account/info/"


@pytest.fixture
def account(operator):
    return factories.AccountFactory(customer__client=operator, abonement="700001")


def signed(operator, **params) -> dict:
    return sign({"client_id": operator.pk, **params}, operator.billing_api_key)


class TestSignature:
    def test_correct_signature_is_accepted(self, billing_api, account):
        body = billing_api.json("account/info/", account_id=account.pk)
        assert body["error"] == 0 and body["id"] == account.pk

    def test_wrong_key(self, billing_api, account):
        body = billing_api.json("account/info/", account_id=account.pk, key="wrong")
        assert body["error"] == -2 and body["error_message"]

    def test_another_apis_key_is_wrong_too(self, billing_api, account, operator):
        assert billing_api.json("account/info/", account_id=account.pk, key=operator.content_api_key)["error"] == -2

    def test_missing_signature(self, client, operator, account):
        body = client.post(INFO, {"client_id": operator.pk, "account_id": account.pk}).json()
        assert body["error"] == -2

    def test_empty_signature(self, client, operator, account):
        body = client.post(INFO, {"client_id": operator.pk, "account_id": account.pk, "signature": ""}).json()
        assert body["error"] == -2

    def test_tampered_parameter(self, client, operator, account):
        other = factories.AccountFactory(customer__client=operator)
        params = signed(operator, account_id=account.pk)
        params["account_id"] = other.pk
        assert client.post(INFO, params).json()["error"] == -2

    def test_extra_parameter(self, client, operator, account):
        params = signed(operator, account_id=account.pk)
        params["abonement"] = account.abonement
        assert client.post(INFO, params).json()["error"] == -2

    def test_parameter_moved_between_query_and_body_still_counts(self, client, operator, account):
        params = signed(operator, account_id=account.pk)
        signature = params.pop("signature")
        body = client.post(f"{INFO}?signature={signature}&account_id={account.pk}", {"client_id": operator.pk}).json()
        assert body["error"] == 0 and body["id"] == account.pk

    def test_query_parameter_not_signed_is_refused(self, client, operator, account):
        params = signed(operator, account_id=account.pk)
        assert client.post(f"{INFO}?extra=1", params).json()["error"] == -2

    def test_uppercase_signature_is_accepted(self, client, operator, account):
        params = signed(operator, account_id=account.pk)
        params["signature"] = params["signature"].upper()
        assert client.post(INFO, params).json()["error"] == 0

    def test_no_write_happens_with_a_bad_signature(self, billing_api, account):
        body = billing_api.json("account/modify/", account_id=account.pk, option1="changed", key="wrong")
        assert body["error"] == -2
        account.refresh_from_db()
        assert account.option1 == ""


class TestClient:
    @pytest.mark.parametrize("client_id", ["999999", "abc", "-1", "0", "1.5", " ", "9" * 40, "' OR 1=1 --"])
    def test_unknown_or_malformed_client(self, client, operator, account, client_id):
        params = sign({"client_id": client_id, "account_id": account.pk}, operator.billing_api_key)
        body = client.post(INFO, params).json()
        assert body["error"] == -3 and body["error_message"]

    def test_missing_client(self, client, operator, account):
        params = sign({"account_id": account.pk}, operator.billing_api_key)
        assert client.post(INFO, params).json()["error"] == -3

    def test_disabled_client(self, client, operator, account):
        operator.enabled = False
        operator.save()
        assert client.post(INFO, signed(operator, account_id=account.pk)).json()["error"] == -3

    def test_another_operators_client_id_with_its_own_key_sees_only_its_rows(self, client, operator, account):
        other = factories.ClientFactory(billing_api_key="other-secret")
        params = sign({"client_id": other.pk, "account_id": account.pk}, "other-secret")
        assert client.post(INFO, params).json()["error"] == 1

    def test_another_operators_key_is_a_bad_signature(self, client, operator, account):
        other = factories.ClientFactory(billing_api_key="other-secret")
        params = sign({"client_id": operator.pk, "account_id": account.pk}, other.billing_api_key)
        assert client.post(INFO, params).json()["error"] == -2


class TestHTTPMethods:
    def test_get_and_post_are_both_accepted(self, billing_api, account):
        by_post = billing_api.json("account/info/", account_id=account.pk)
        by_get = billing_api.json("account/info/", account_id=account.pk, get=True)
        assert by_post == by_get and by_get["error"] == 0

    def test_list_method_by_get_and_post(self, billing_api, account):
        assert billing_api.json("account/list/", get=True)["accounts"][0]["id"] == account.pk
        assert billing_api.json("account/list/")["accounts"][0]["id"] == account.pk

    def test_other_methods_answer_in_the_error_shape(self, client, operator, account):
        response = client.put(INFO, "client_id=1")
        assert response.status_code == 200 and response.json()["error"] == -1

    def test_responses_are_json(self, billing_api, account):
        response = billing_api.call("account/info/", account_id=account.pk)
        assert response["Content-Type"].startswith("application/json")


class TestArrays:
    def test_repeated_parameters_are_signed_sorted_by_value(self, billing_api, operator):
        customer = factories.CustomerFactory(client=operator)
        body = billing_api.json("account/create/", customer_id=customer.pk, allowed_device_groups=[3, 1])
        assert body["error"] == 0
        assert Account.objects.get(pk=body["account_id"]).allowed_device_groups == [1, 3]

    def test_array_order_changed_after_signing_still_valid(self, client, operator):
        customer = factories.CustomerFactory(client=operator)
        params = sign([("client_id", operator.pk), ("customer_id", customer.pk), ("allowed_device_groups", 1),
                       ("allowed_device_groups", 3)], operator.billing_api_key)
        reordered = [params[0], params[1], params[3], params[2], params[4]]
        body = "&".join(f"{name}={value}" for name, value in reordered)
        response = client.post("/billing/api/account/create/", body, content_type="application/x-www-form-urlencoded")
        assert response.json()["error"] == 0

    def test_array_element_dropped_after_signing_is_refused(self, client, operator):
        customer = factories.CustomerFactory(client=operator)
        params = sign({"client_id": operator.pk, "customer_id": customer.pk, "allowed_device_groups": [1, 3]},
                      operator.billing_api_key)
        params["allowed_device_groups"] = [1]
        assert client.post("/billing/api/account/create/", params).json()["error"] == -2


class TestRequestLog:
    def test_log_line_names_method_client_and_outcome(self, billing_api, account, operator, caplog):
        with caplog.at_level(logging.INFO, logger="apis.billing"):
            billing_api.json("account/info/", account_id=account.pk)
        [record] = [r for r in caplog.records if r.name == "apis.billing"]
        line = record.getMessage()
        assert "api=account_info" in line and f"client={operator.pk}" in line and "error=0" in line

    def test_log_has_no_signature_key_or_password(self, client, billing_api, operator, caplog):
        customer = factories.CustomerFactory(client=operator)
        params = signed(operator, customer_id=customer.pk, password="864209", abonement="123")
        with caplog.at_level(logging.DEBUG, logger="apis.billing"):
            client.post("/billing/api/account/create/", params)
            billing_api.json("account/modify/", abonement="123", password="975310")
            billing_api.json("account/create/", customer_id=customer.pk, password="abc-secret-1")  # refused
            billing_api.json("account/info/", abonement="123", key="wrong")
        lines = [r.getMessage() for r in caplog.records if r.name == "apis.billing"]
        assert len(lines) == 4
        text = "\n".join(lines)
        for secret in ("864209", "975310", "abc-secret-1", params["signature"], "billing-secret", "wrong"):
            assert secret not in text
        assert "signature=" not in text and "password=" not in text

    def test_refusals_are_logged_with_their_code(self, billing_api, caplog):
        with caplog.at_level(logging.INFO, logger="apis.billing"):
            billing_api.json("account/info/", account_id=424242)
        line = [r.getMessage() for r in caplog.records if r.name == "apis.billing"][0]
        assert "error=1" in line
