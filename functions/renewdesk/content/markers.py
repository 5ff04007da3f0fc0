"""Markers marketing writes in content text, e.g. {{ hotline.rescue }}, filled in from store.yml.

Markers keep one source for numbers and names: change a hotline in store.yml and every page
that mentions it follows. An unknown marker is a content error, never printed as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

MARKER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
STORE_FIELDS = ("name", "short_name", "city", "address")


@dataclass(frozen=True)
class Found:
    """A marker and the line it is on (1-based, within its text)."""

    name: str
    line: int


def known_markers(store: Any) -> list[str]:
    """Every marker the given store profile can fill in."""
    return [f"store.{f}" for f in STORE_FIELDS] + [f"hotline.{k}" for k in store.hotlines]


def find(text: str) -> Iterator[Found]:
    """Every marker in a text."""
    for match in MARKER_RE.finditer(text):
        yield Found(match.group(1), text.count("\n", 0, match.start()) + 1)


def walk_strings(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string in parsed YAML with its location."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from walk_strings(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk_strings(value, path + (index,))


def expand(text: str, store: Any, hotline_link) -> str:
    """Replace markers: store fields as text, hotlines through ``hotline_link(key, hotline)``."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        kind, _, key = name.partition(".")
        if kind == "store" and key in STORE_FIELDS:
            return getattr(store, key)
        if kind == "hotline" and key in store.hotlines:
            return hotline_link(key, store.hotlines[key])
        raise KeyError(name)  # validated at load: only a bug in the caller gets here

    return MARKER_RE.sub(replace, text)
