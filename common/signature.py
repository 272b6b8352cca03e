"""Request signatures of the Billing, Content and Streaming APIs (docs/signed-apis.md, "Signatures").

1. every request parameter except `signature` (GET and POST together), `client_id` included;
2. sorted by name, and repeated names by value, as strings;
3. joined as `name:value;`;
4. the operator's API key appended;
5. base64 of the UTF-8 bytes, then the md5 hex digest of that base64 text.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable


def signature_base(params: Iterable[tuple[str, str]], key: str) -> str:
    pairs = sorted((str(name), str(value)) for name, value in params if name != "signature")
    return "".join(f"{name}:{value};" for name, value in pairs) + key


def compute_signature(params: Iterable[tuple[str, str]], key: str) -> str:
    encoded = base64.b64encode(signature_base(params, key).encode("utf-8"))
    return hashlib.md5(encoded).hexdigest()  # noqa: S324 - the partner protocol fixes md5


def signature_valid(params: Iterable[tuple[str, str]], key: str, given: str) -> bool:
    """Constant-time comparison of the expected and the given signature."""
    if not key or not given:
        return False
    expected = compute_signature(params, key)
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode("utf-8", "replace"))


def sign(params: dict[str, object] | list[tuple[str, object]], key: str) -> dict[str, object] | list:
    """Client side: add `signature` to parameters (lists stand for repeated names)."""
    items = list(params.items()) if isinstance(params, dict) else list(params)
    flat: list[tuple[str, str]] = []
    for name, value in items:
        if isinstance(value, (list, tuple)):
            flat += [(name, str(v)) for v in value]
        else:
            flat.append((name, str(value)))
    signature = compute_signature(flat, key)
    if isinstance(params, dict):
        return {**params, "signature": signature}
    return [*items, ("signature", signature)]
