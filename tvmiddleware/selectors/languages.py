"""The operator's additional languages: which `<field>_lang<N>` of a localized text an app's `lang` names."""
from __future__ import annotations

from typing import Any

from ..models import Client

MAX_ADDITIONAL_LANGUAGES = 5


def additional_languages(client: Client) -> list[str]:
    """The operator's additional language codes in order (the first is `_lang1`), lower-case."""
    codes = [code.strip().lower() for code in (client.additional_languages or "").split(",")]
    return [code for code in codes if code][:MAX_ADDITIONAL_LANGUAGES]


def language_slot(client: Client, lang: str | None) -> int | None:
    """1..5 when `lang` is one of the operator's additional languages; None for its main language,
    an empty or an unknown one (the texts are then given as entered in the main fields)."""
    wanted = (lang or "").strip().lower()
    if not wanted:
        return None
    codes = additional_languages(client)
    return codes.index(wanted) + 1 if wanted in codes else None


def localized(data: dict[str, Any] | None, field: str, slot: int | None, default: str) -> str:
    """The `<field>_lang<slot>` text of an object's localized texts, or `default` when not translated."""
    if slot is None or not data:
        return default
    value = data.get(f"{field}_lang{slot}")
    return value if isinstance(value, str) and value.strip() else default
