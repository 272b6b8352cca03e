"""The signature shared by the Billing, Content and Streaming APIs."""
from common.signature import compute_signature, sign, signature_base, signature_valid

VECTOR = [("allowed_device_groups", "1"), ("allowed_device_groups", "3"), ("client_id", "1"), ("customer_id", "1")]


def test_protocol_test_vector():
    assert signature_base(VECTOR, "secretkey") == (
        "allowed_device_groups:1;allowed_device_groups:3;client_id:1;customer_id:1;secretkey")
    assert compute_signature(VECTOR, "secretkey") == "7e4210d744341f4e3bbdf1d779bd4142"


def test_order_of_parameters_does_not_matter_and_signature_is_excluded():
    shuffled = list(reversed(VECTOR)) + [("signature", "whatever")]
    assert compute_signature(shuffled, "secretkey") == "7e4210d744341f4e3bbdf1d779bd4142"


def test_validation_is_strict():
    assert signature_valid(VECTOR, "secretkey", "7e4210d744341f4e3bbdf1d779bd4142")
    assert signature_valid(VECTOR, "secretkey", "7E4210D744341F4E3BBDF1D779BD4142")
    assert not signature_valid(VECTOR, "secretkey", "7e4210d744341f4e3bbdf1d779bd4143")
    assert not signature_valid(VECTOR, "otherkey", "7e4210d744341f4e3bbdf1d779bd4142")
    assert not signature_valid(VECTOR, "secretkey", "")
    assert not signature_valid(VECTOR, "", compute_signature(VECTOR, ""))


def test_sign_helper_matches():
    signed = sign({"allowed_device_groups": [1, 3], "client_id": 1, "customer_id": 1}, "secretkey")
    assert signed["signature"] == "7e4210d744341f4e3bbdf1d779bd4142"


def test_parameters_in_the_query_and_copied_into_the_body_count_once(client, operator):
    """Microimpuls' published Billing client sends a method's parameters in the query string and copies
    them into the POST body, signing each name once: the server must count such a copy once."""
    from urllib.parse import urlencode

    from tests import factories

    factories.CustomerFactory(client=operator)
    params = {"client_id": operator.pk, "limit": 10}
    signature = compute_signature([(k, str(v)) for k, v in params.items()], operator.billing_api_key)
    query = urlencode({**params, "signature": signature})
    answer = client.post(f"/billing/api/customer/list/?{query}", {**params, "signature": signature}).json()
    assert answer["error"] == 0, answer
    assert len(answer["customers"]) == 1


def test_values_genuinely_repeated_still_all_count(client, operator):
    """An array in the body next to the same name in the query: each value the body adds counts."""
    from urllib.parse import urlencode

    pairs = [("client_id", str(operator.pk)), ("limit", "10")]
    signature = compute_signature(pairs + [("limit", "10")], operator.billing_api_key)  # signed as two values
    query = urlencode({"client_id": operator.pk, "limit": 10, "signature": signature})
    # The body repeats limit=10 once (a copy, counted once) and adds nothing else: the signature made over
    # two limit values no longer matches.
    answer = client.post(f"/billing/api/customer/list/?{query}", {"limit": 10}).json()
    assert answer["error"] == -2
    body_twice = "limit=10&limit=10"
    answer = client.post(f"/billing/api/customer/list/?{query}", body_twice,
                         content_type="application/x-www-form-urlencoded").json()
    assert answer["error"] == 0, answer  # the query's one, the body's copy of it, and one more
