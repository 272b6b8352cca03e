"""Stream tokens: signing, tampering, content and IP binding, lifetime and prolongation."""
from __future__ import annotations

import base64
import random
import string
from types import SimpleNamespace

import pytest

from tvmiddleware.streaming import tokens
from tvmiddleware.streaming.tokens import EXPIRED, OTHER_CONTENT, OTHER_IP, VALID

T0 = 1_800_000_000  # issue time used throughout
TTL, MAX_TTL, THRESHOLD = 3600, 10800, 360


def account(pk: int = 42, client_id: int = 7) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, client_id=client_id)


def service(pk: int = 3, check_ip: bool = False, token_ttl: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, check_ip=check_ip, token_ttl=token_ttl)


def make(*, kind: str = "live", content_id: int = 11, name: str = "first", ip: str | None = None,
         check_ip: bool = False, token_ttl: int | None = None, now: int = T0) -> str:
    return tokens.issue(account=account(), stream_service=service(check_ip=check_ip, token_ttl=token_ttl),
                        kind=kind, content_id=content_id, name=name, ip=ip, now=now)


def raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(autouse=True)
def lifetimes(settings):
    settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL = TTL
    settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_MAX_TTL = MAX_TTL
    settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_PROLONGATION_THRESHOLD_TTL = THRESHOLD


class TestRoundTrip:
    def test_fields_come_back(self):
        token = make(kind="archive", content_id=99, name="first", ip="10.1.2.3", check_ip=True)
        check = tokens.verify(token, name="first", ip="10.1.2.3", now=T0 + 5)
        assert check == tokens.TokenCheck(error=VALID, account_id=42, client_id=7, stream_service_id=3,
                                          kind="archive", content_id=99, issued_at=T0, expires_at=T0 + TTL)
        assert check.ok

    def test_every_url_gets_a_new_token(self):
        assert len({make() for _ in range(50)}) == 50

    def test_url_safe_and_compact(self):
        token = make(ip="2001:db8::1", check_ip=True)
        assert set(token) <= set(string.ascii_letters + string.digits + "-_")
        assert len(token) < 120

    def test_name_and_ip_are_optional_at_check(self):
        token = make(ip="10.1.2.3", check_ip=True)
        assert tokens.verify(token, now=T0).error == VALID

    def test_name_compares_without_surrounding_slashes(self):
        token = make(kind="vod", name="films/a.mp4")
        assert tokens.verify(token, name="/films/a.mp4/", now=T0).error == VALID

    def test_unknown_kind_is_refused_at_issue(self):
        with pytest.raises(ValueError):
            make(kind="radio")


class TestTampering:
    def test_any_flipped_bit_is_rejected(self):
        token = make(ip="10.1.2.3", check_ip=True)
        data = raw(token)
        for position in range(len(data)):
            for bit in (0x01, 0x80):
                forged = bytearray(data)
                forged[position] ^= bit
                check = tokens.verify(encode(bytes(forged)), now=T0 + 1)
                assert check.error == EXPIRED, f"byte {position} bit {bit:#x} accepted"
                assert check.account_id is None

    def test_signed_with_another_secret(self, settings):
        settings.SECRET_KEY = "someone-elses-secret"
        token = make()
        settings.SECRET_KEY = "test-secret-key"
        assert tokens.verify(token, now=T0).error == EXPIRED

    def test_secret_rotation_keeps_open_sessions(self, settings):
        token = make()
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "the-new-secret"
        assert tokens.verify(token, now=T0).error == VALID
        settings.SECRET_KEY_FALLBACKS = []
        assert tokens.verify(token, now=T0).error == EXPIRED

    def test_correctly_signed_but_unknown_version(self):
        data = bytearray(raw(make()))
        data[0] = 2
        payload = bytes(data[:-16])
        mac_key, _ = tokens._current_keys()
        assert tokens.verify(encode(payload + tokens._mac(mac_key, payload)), now=T0).error == EXPIRED

    def test_truncated_and_extended(self):
        data = raw(make())
        for forged in (data[:-1], data + b"\0", data[:20], data[1:]):
            assert tokens.verify(encode(forged), now=T0).error == EXPIRED

    def test_non_canonical_spelling_is_not_the_same_token(self):
        token = make()  # 71 bytes: the last character carries 2 unused bits
        alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
        last = alphabet.index(token[-1])
        sibling = token[:-1] + alphabet[last ^ 1]
        assert raw(sibling) == raw(token)
        assert tokens.verify(sibling, now=T0).error == EXPIRED

    @pytest.mark.parametrize("garbage", [
        "", "a", "abc", "====", "!!!!", "токен", "a" * 513, "A" * 100_000, "Zm9v\n", " " + "A" * 96,
        None, 12345, b"bytes",
    ])
    def test_garbage(self, garbage):
        assert tokens.verify(garbage, name="first", ip="1.2.3.4", now=T0) == tokens.INVALID


class TestBinding:
    def test_other_content(self):
        assert tokens.verify(make(name="first"), name="second", now=T0).error == OTHER_CONTENT

    def test_other_ip_when_the_service_checks(self):
        token = make(ip="10.1.2.3", check_ip=True)
        assert tokens.verify(token, ip="10.1.2.4", now=T0).error == OTHER_IP
        assert tokens.verify(token, ip="not-an-ip", now=T0).error == OTHER_IP
        assert tokens.verify(token, ip="10.1.2.3", now=T0).error == VALID
        assert tokens.verify(token, ip="::ffff:10.1.2.3", now=T0).error == VALID

    def test_ipv6(self):
        token = make(ip="2001:db8::1", check_ip=True)
        assert tokens.verify(token, ip="2001:DB8:0::1", now=T0).error == VALID
        assert tokens.verify(token, ip="2001:db8::2", now=T0).error == OTHER_IP

    def test_ip_ignored_when_the_service_does_not_check(self):
        token = make(ip="10.1.2.3", check_ip=False)
        assert tokens.verify(token, ip="192.0.2.1", now=T0).error == VALID

    def test_checking_service_needs_an_ip(self):
        for ip in (None, "", "garbage"):
            with pytest.raises(ValueError):
                make(ip=ip, check_ip=True)

    def test_content_is_checked_before_ip(self):
        token = make(ip="10.1.2.3", check_ip=True)
        assert tokens.verify(token, name="second", ip="10.9.9.9", now=T0).error == OTHER_CONTENT


@pytest.mark.django_db
class TestLifetime:
    def test_expires_after_ttl(self):
        token = make()
        assert tokens.verify(token, now=T0 + 10).error == VALID
        assert tokens.verify(token, now=T0 + TTL).error == EXPIRED

    def test_service_ttl_wins(self):
        token = make(token_ttl=600)
        assert tokens.verify(token, now=T0 + 100).expires_at == T0 + 600
        assert tokens.verify(token, now=T0 + 600).error == EXPIRED

    def test_not_valid_long_before_it_was_issued(self):
        token = make()
        assert tokens.verify(token, now=T0 - 30).error == VALID  # clock skew between nodes
        assert tokens.verify(token, now=T0 - 3600).error == EXPIRED

    def test_first_use_must_happen_within_ttl(self):
        token = make()
        assert tokens.verify(token, now=T0 + TTL + 1).error == EXPIRED

    def test_checks_near_expiry_prolong_the_token(self):
        token = make()
        near = T0 + TTL - 100
        check = tokens.verify(token, now=near)
        assert check.error == VALID and check.expires_at == near + TTL
        assert tokens.verify(token, now=T0 + TTL + 50).error == VALID  # past the natural expiry

    def test_checks_far_from_expiry_do_not_prolong(self):
        token = make()
        assert tokens.verify(token, now=T0 + 100).expires_at == T0 + TTL
        assert tokens.verify(token, now=T0 + TTL).error == EXPIRED

    def test_prolongation_stops_at_max_ttl(self):
        token = make()
        now = T0
        while now < T0 + MAX_TTL:  # a viewer watching on, the streamer re-checking every 3 minutes
            check = tokens.verify(token, now=now)
            assert check.error == VALID, now - T0
            assert check.expires_at <= T0 + MAX_TTL
            now += 180
        assert tokens.verify(token, now=T0 + MAX_TTL - 1).error == VALID
        assert tokens.verify(token, now=T0 + MAX_TTL).error == EXPIRED
        assert tokens.verify(token, now=T0 + MAX_TTL + 5000).error == EXPIRED

    def test_prolongation_is_per_token(self):
        first, second = make(), make()
        tokens.verify(first, now=T0 + TTL - 10)
        assert tokens.verify(first, now=T0 + TTL + 10).error == VALID
        assert tokens.verify(second, now=T0 + TTL + 10).error == EXPIRED

    def test_refused_checks_do_not_prolong(self):
        token = make(name="first")
        assert tokens.verify(token, name="second", now=T0 + TTL - 10).error == OTHER_CONTENT
        assert tokens.verify(token, now=T0 + TTL + 10).error == EXPIRED


@pytest.mark.django_db
class TestFuzz:
    """Seeded property-style fuzzing: whatever comes in, verify answers 1 and never raises."""

    def test_random_input_never_verifies_or_raises(self):
        rng = random.Random(20240611)
        genuine = raw(make(ip="10.1.2.3", check_ip=True))
        alphabet = string.ascii_letters + string.digits + "-_"
        for i in range(4000):
            choice = i % 4
            if choice == 0:  # random bytes of plausible and implausible lengths
                candidate = encode(rng.randbytes(rng.randint(0, 200)))
            elif choice == 1:  # random text, including non-ASCII and separators
                candidate = "".join(rng.choice(string.printable + "ёЖ€\0") for _ in range(rng.randint(0, 150)))
            elif choice == 2:  # a genuine token with random bytes changed
                forged = bytearray(genuine)
                for _ in range(rng.randint(1, 4)):
                    forged[rng.randrange(len(forged))] = rng.randrange(256)
                if bytes(forged) == genuine:
                    continue
                candidate = encode(bytes(forged))
            else:  # well-formed base64url of random length
                candidate = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 600)))
            check = tokens.verify(candidate, name="first", ip="10.1.2.3", now=T0)
            assert check.error == EXPIRED and check.account_id is None, candidate
