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
