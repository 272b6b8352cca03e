"""video/url of MEGOGO titles also answers what an app needs to play them with MEGOGO's own SDK:
`ext_partner_id` (the operator's partner id), `ext_auth_token` (the customer's MEGOGO access token),
`ext_apikey` (the device kind's public key; the private key never leaves)."""
from tests.megogo.test_streams import stream_calls, title, watcher  # noqa: F401  (fixture)


def test_partner_playback_fields(watcher):  # noqa: F811
    watcher.login("android")
    body = watcher.api.json("video/url/", vid=title("1001").pk, redirect=0)
    assert body["error"] == 0, body
    assert body["ext_partner_id"] == "777" and body["ext_apikey"] == "_mobile_test"
    assert body["ext_auth_token"]  # the same token the stream was asked with, from the cache
    assert [m for m, _, _ in stream_calls(watcher.megogo.fake)] == ["auth/by_partners", "stream"]
    assert "private" not in str(body).lower()


def test_a_redirect_asks_megogo_for_the_stream_only(watcher):  # noqa: F811
    watcher.login()
    assert watcher.api.call("video/url/", vid=title("1003").pk).status_code == 302
    assert [m for m, _, _ in stream_calls(watcher.megogo.fake)] == ["auth/by_partners", "stream"]
