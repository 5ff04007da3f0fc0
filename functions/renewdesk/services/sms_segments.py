"""How carriers in mainland China bill a text message: the one rule the site build's template
check and the daily reminder run both count with.

The signature 【…】, the link and the opt-out wording are all part of the text. One message
holds 70 characters; a longer text is sent in parts of 67 (each part gives 3 to the header that
joins them up), each billed as one message. Characters are counted as UTF-16 code units, as the
carriers' UCS-2 encoding does: an emoji outside the Basic Multilingual Plane counts twice.
"""

from __future__ import annotations

SINGLE = 70
PART = 67


def billed_length(text: str) -> int:
    """The text's length as carriers count it."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def segments(text: str) -> int:
    """How many messages the text is billed as (an empty text: none)."""
    length = billed_length(text)
    if length <= SINGLE:
        return 1 if length else 0
    return -(-length // PART)


def fits(length: int, max_segments: int) -> bool:
    """Whether a text of this billed length is at most ``max_segments`` messages."""
    return length <= (SINGLE if max_segments == 1 else PART * max_segments)
