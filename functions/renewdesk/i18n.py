"""Message catalogs: Simplified Chinese by default, English when the client asks for it."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
CATALOG_DIR = Path(__file__).parent / "messages"


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    """All messages of one language: every messages/<language>/*.json, one file per feature."""
    merged: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / language).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message {key!r} defined twice ({path.name})")
            merged[key] = text
    return merged


def negotiate(accept_language: str | None) -> str:
    """Pick the first supported language in an Accept-Language header, else Chinese."""
    if not accept_language:
        return DEFAULT
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, language in sorted(ranked):
        if language in LANGUAGES:
            return language
    return DEFAULT


def message(language: str, key: str, **values: str) -> str:
    """A message by key, formatted; falls back to Chinese, then to the key itself."""
    text = catalog(language).get(key) or catalog(DEFAULT).get(key) or key
    return text.format(**values) if values else text


def field_error(language: str, field: str, code: str) -> str:
    """The message for one bad field: a field-specific text if there is one, else the generic."""
    specific = f"error.{code}.{field}"
    if specific in catalog(language):
        return message(language, specific)
    label = message(language, f"field.{field}") if f"field.{field}" in catalog(language) else field
    return message(language, f"error.{code}", field=label, name=field)
