"""MEGOGO request signing and the partner sign-on token.

Every client API request carries `sign = md5("k=v" of each parameter, in request order, no
separators, raw values + private_key) + public_key`. The partner sign-on token that opens a
partner user's session is `md5(isdn + partner_id + salt)`.
"""
from __future__ import annotations

import hashlib
from typing import Iterable


def sign(params: Iterable[tuple[str, object]], private_key: str, public_key: str) -> str:
    """The `sign` parameter of a request whose other parameters are `params` (in request order)."""
    payload = "".join(f"{key}={value}" for key, value in params) + private_key
    return hashlib.md5(payload.encode("utf-8")).hexdigest() + public_key


def partner_token(isdn: str, partner_id: str, salt: str) -> str:
    """The token of `auth/by_partners` for the partner user `isdn`."""
    return hashlib.md5(f"{isdn}{partner_id}{salt}".encode("utf-8")).hexdigest()
