"""Opaque list cursors: where the next page of a staff list starts.

A cursor is the index key of the last lead a page showed (the shape of DynamoDB's
LastEvaluatedKey on that index: ``pk``, ``sk`` and the index's own two key attributes), written
as base64url JSON. It comes back from the client, so it is checked before it goes anywhere near
DynamoDB: well-formed, exactly the index's key attributes, every one a short string, the table
key of a lead of this store, the index partition of the list being read and a sort key inside
that list's range. Anything else is InvalidFields ``cursor: invalid_cursor`` (a 400, never a
DynamoDB ValidationException turned 500).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Sequence

from renewdesk.errors import InvalidFields
from renewdesk.store import keys
from renewdesk.store.dynamo import to_item

MAX_LENGTH = 1024
MAX_VALUE = 200


def encode(item: dict[str, Any], index: str) -> str:
    """The cursor that resumes a Query on ``index`` just after this item."""
    position = {name: item[name] for name in _attributes(index)}
    text = json.dumps(position, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode(
    cursor: str, index: str, store: str, ranges: Sequence[tuple[str, str | None, str | None]]
) -> tuple[int, dict[str, Any]]:
    """(Which of ``ranges`` the cursor is in, the ExclusiveStartKey to resume from).

    ``ranges`` are the (index partition, lowest sort key, highest sort key) the list reads;
    None bounds are open.
    """
    position = _parse(cursor)
    pk_name, sk_name = keys.INDEXES[index]
    if set(position) != set(_attributes(index)) or not all(
        isinstance(v, str) and 0 < len(v) <= MAX_VALUE for v in position.values()
    ):
        raise _invalid()
    if position["sk"] != "LEAD" or not position["pk"].startswith(keys.lead(store, "")["pk"]):
        raise _invalid()
    for number, (partition, low, high) in enumerate(ranges):
        sort_key = position[sk_name]
        if (
            position[pk_name] == partition
            and (low is None or low <= sort_key)
            and (high is None or sort_key <= high)
        ):
            return number, to_item(position)
    raise _invalid()


def _attributes(index: str) -> tuple[str, ...]:
    return ("pk", "sk", *keys.INDEXES[index])


def _parse(cursor: str) -> dict[str, Any]:
    if not cursor or len(cursor) > MAX_LENGTH:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _invalid() from None
    if not isinstance(position, dict):
        raise _invalid()
    return position


def _invalid() -> InvalidFields:
    return InvalidFields({"cursor": "invalid_cursor"})
