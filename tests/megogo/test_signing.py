"""MEGOGO request signing (the test vector in docs/online-cinemas.md), the partner token, and the client
against the fake."""
import pytest

from megogo.client import MegogoClient, MegogoError, MegogoRefused
from megogo.config import parse
from megogo.signing import partner_token, sign
from tests.megogo.fakes import md5


def test_sign_matches_the_documented_vector():
    assert sign([("id", "123")], "0123456789", "_stb_test") == "ba8dadbf3817334e74b1c8497767c313_stb_test"


def test_sign_concatenates_raw_values_in_request_order():
    params = [("b", "x y"), ("a", "ф/1")]
    assert sign(params, "k", "_p") == md5("b=x ya=ф/1k") + "_p"
    assert sign(params, "k", "_p") != sign(list(reversed(params)), "k", "_p")


def test_partner_token():
    assert partner_token("5-7", "777", "pepper") == md5("5-7777pepper")


@pytest.fixture
def client(fake):
    return MegogoClient(parse(fake.attributes()))


def test_signed_calls_are_accepted_and_signed_with_the_asked_key_pair(client, fake):
    assert client.video_info(1001)["title"] == "Svod film"
    client.call("video/info", [("id", 1001)], kind="mobile")
    client.call("video/info", [("id", 1001)], kind="smart_tv")
    assert [public for method, _, public in fake.calls if method == "video/info"] == [
        "_stb_test", "_mobile_test", "_smart_tv_test"]


def test_a_wrong_private_key_is_refused(fake):
    bad = MegogoClient(parse(fake.attributes(stb_private_key="nope")))
    with pytest.raises(MegogoRefused, match="Invalid sign"):
        bad.video_info(1001)


def test_values_needing_url_encoding_are_signed_raw(client, fake):
    with pytest.raises(MegogoRefused, match="Video not found"):  # signature accepted, the id is unknown
        client.call("video/info", [("id", "a b&c=ф")])


def test_unreachable_partner_is_a_plugin_error_that_does_not_leak_the_sign(fake, monkeypatch, caplog):
    monkeypatch.setattr("megogo.client.RETRY_PAUSES", (0.01, 0.01))
    config = parse(fake.attributes(api_url="http://127.0.0.1:9/v1"))
    with pytest.raises(MegogoError) as caught:
        MegogoClient(config, timeout=(0.5, 0.5)).access_token(isdn="1-1", kind="stb")
    assert str(caught.value) == "MEGOGO auth/by_partners failed: connection failed"
    assert caught.value.__cause__ is None
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "sign" not in logged and "token=" not in logged and "pepper" not in logged


def test_server_errors_are_retried_for_reads(client, fake, monkeypatch):
    monkeypatch.setattr("megogo.client.RETRY_PAUSES", (0.01, 0.01))
    fake.api_down = True
    with pytest.raises(MegogoError, match="HTTP 503"):
        client.configuration()
    assert fake.requests["/v1/configuration"] == 3  # first try and two retries
