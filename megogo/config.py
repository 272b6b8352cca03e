"""The attributes an operator sets on a MEGOGO integration, parsed and validated.

Smarty's MEGOGO chapter lists them (docs/online-cinemas.md): one key pair per device type
(`mobile_`, `smart_tv_`, `stb_` private/public keys), `partner_id`, `salt`, `svod_service_id`,
`available_tvod_collection_id`, `tariff_id`, `additional_tariffs_ids`, `ignore_customer_balance_check`,
`typhoid_comment_category_id`, `sign_language_category_id`. Endpoints can be overridden for
regional hosts and test servers (`api_url`, `billing_url`, `xml_url`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.megogo.net/v1"
DEFAULT_BILLING_URL = "https://billing.megogo.net/partners/{partner_id}"

DEVICE_KINDS = ("stb", "smart_tv", "mobile")
KEY_ATTRIBUTES = tuple(f"{kind}_{side}_key" for kind in DEVICE_KINDS for side in ("private", "public"))
ID_ATTRIBUTES = ("svod_service_id", "available_tvod_collection_id", "tariff_id", "typhoid_comment_category_id",
                 "sign_language_category_id")
URL_ATTRIBUTES = ("api_url", "billing_url", "xml_url")
KNOWN_ATTRIBUTES = frozenset((*KEY_ATTRIBUTES, *ID_ATTRIBUTES, *URL_ATTRIBUTES, "partner_id", "salt",
                              "additional_tariffs_ids", "ignore_customer_balance_check"))

_DIGITS = re.compile(r"^[0-9]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class KeyPair:
    """A device type's key pair: requests are signed with `private`, `public` ends the sign."""

    private: str
    public: str


@dataclass(frozen=True)
class MegogoConfig:
    """The parsed attributes of one MEGOGO integration."""

    partner_id: str
    salt: str
    key_pairs: dict[str, KeyPair]
    svod_service_id: str = ""
    tvod_collection_id: str = ""
    tariff_id: int | None = None
    additional_tariff_ids: tuple[int, ...] = ()
    ignore_balance_check: bool = False
    typhoid_genre_id: int | None = None
    sign_language_genre_id: int | None = None
    api_url: str = DEFAULT_API_URL
    billing_url: str = ""
    xml_url: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def svod_tariff_ids(self) -> frozenset[int]:
        """Tariffs whose holders are subscribed to MEGOGO's SVOD service."""
        ids = set(self.additional_tariff_ids)
        if self.tariff_id is not None:
            ids.add(self.tariff_id)
        return frozenset(ids)

    def key_pair(self, kind: str) -> KeyPair:
        """The pair for a device kind ("stb", "smart_tv", "mobile"); a kind without its own pair
        uses the STB pair, then any configured one."""
        for candidate in (kind, *DEVICE_KINDS):
            if candidate in self.key_pairs:
                return self.key_pairs[candidate]
        raise LookupError("no MEGOGO key pair is configured")


def _int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if _DIGITS.match(value) else None


def split_ids(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse(attributes: dict[str, str]) -> MegogoConfig:
    """The configuration from raw attributes (assumed valid; invalid optional values are ignored)."""
    get = lambda key: (attributes.get(key) or "").strip()  # noqa: E731
    pairs = {}
    for kind in DEVICE_KINDS:
        private, public = get(f"{kind}_private_key"), get(f"{kind}_public_key")
        if private and public:
            pairs[kind] = KeyPair(private=private, public=public)
    partner_id = get("partner_id")
    billing = get("billing_url") or DEFAULT_BILLING_URL
    return MegogoConfig(
        partner_id=partner_id, salt=get("salt"), key_pairs=pairs,
        svod_service_id=get("svod_service_id"), tvod_collection_id=get("available_tvod_collection_id"),
        tariff_id=_int_or_none(get("tariff_id")),
        additional_tariff_ids=tuple(int(x) for x in split_ids(get("additional_tariffs_ids")) if _DIGITS.match(x)),
        ignore_balance_check=get("ignore_customer_balance_check") == "1",
        typhoid_genre_id=_int_or_none(get("typhoid_comment_category_id")),
        sign_language_genre_id=_int_or_none(get("sign_language_category_id")),
        api_url=(get("api_url") or DEFAULT_API_URL).rstrip("/"),
        billing_url=billing.replace("{partner_id}", partner_id).rstrip("/"),
        xml_url=get("xml_url"),
        extra={k: v for k, v in attributes.items() if k not in KNOWN_ATTRIBUTES},
    )


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "Must be an http:// or https:// address."
    return None


def validate(attributes: dict[str, str]) -> dict[str, str]:
    """{attribute: message} for what is missing or malformed (the admin shows them)."""
    get = lambda key: (attributes.get(key) or "").strip()  # noqa: E731
    problems: dict[str, str] = {}
    for key in sorted(set(attributes) - KNOWN_ATTRIBUTES):
        problems[key] = ("Unknown MEGOGO attribute (check the spelling); known: "
                         + ", ".join(sorted(KNOWN_ATTRIBUTES)) + ".")
    partner_id = get("partner_id")
    if not partner_id:
        problems["partner_id"] = "Required: the partner ID MEGOGO gave you."
    elif not _TOKEN.match(partner_id):
        problems["partner_id"] = "Letters, digits, '_', '.' and '-' only."
    if not get("salt"):
        problems["salt"] = "Required: the salt MEGOGO gave you (it signs the partner sign-on token)."
    complete = 0
    for kind in DEVICE_KINDS:
        private_key, public_key = f"{kind}_private_key", f"{kind}_public_key"
        private, public = get(private_key), get(public_key)
        if private and not public:
            problems[public_key] = f"Set together with {private_key}."
        elif public and not private:
            problems[private_key] = f"Set together with {public_key}."
        if public and not public.startswith("_"):
            problems[public_key] = "MEGOGO public keys begin with '_' (for example _stb_yourcompany)."
        for key, value in ((private_key, private), (public_key, public)):
            if value and any(ch.isspace() for ch in value):
                problems[key] = "A key has no spaces."
        complete += bool(private and public)
    if complete == 0:
        problems.setdefault("stb_private_key", "At least one device key pair is required (stb_private_key and "
                                               "stb_public_key serve set-top boxes and other devices).")
    for key in ID_ATTRIBUTES:
        value = get(key)
        if value and not _DIGITS.match(value):
            problems[key] = "A number (an identifier) is expected."
    bad = [x for x in split_ids(get("additional_tariffs_ids")) if not _DIGITS.match(x)]
    if bad:
        problems["additional_tariffs_ids"] = "Tariff ids separated by commas are expected (e.g. 12,15)."
    if (get("tariff_id") or split_ids(get("additional_tariffs_ids"))) and not get("svod_service_id"):
        problems["svod_service_id"] = "Required when tariff_id or additional_tariffs_ids is set: MEGOGO's SVOD " \
                                      "service the subscription tariffs subscribe to."
    if get("ignore_customer_balance_check") not in ("", "0", "1"):
        problems["ignore_customer_balance_check"] = "0 or 1."
    for key in URL_ATTRIBUTES:
        value = get(key)
        if value and (message := _url_problem(value.replace("{partner_id}", "p"))):
            problems[key] = message
    return problems
