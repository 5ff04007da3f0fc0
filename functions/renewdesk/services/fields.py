"""The language of each field a person types: one pattern per field, which both validates and is
published in the OpenAPI document, so what the schema promises is exactly what is accepted.

Identifiers (phone, plate, dates, amounts) go through the one normaliser first
(services.normalize: full-width forms count as ASCII, other scripts' digits are refused); names
and notes keep what the person typed. Each rule raises a short code (``required``, ``invalid``,
...); messages come from the catalogs.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pydantic_core import PydanticCustomError

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# The spaces and dashes accepted between the characters of a phone or plate, full-width and
# Unicode spaces included (they fold to ASCII).
_SPACE = r" \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SEPARATOR = rf"[{_SPACE}\-\uff0d]"
_DIGIT = r"[0-9\uff10-\uff19]"

# Mainland mobile: an optional +86 / 86, then 1[3-9] and 9 more digits.
MOBILE_RE = re.compile(r"^(?:\+?86)?(1[3-9][0-9]{9})$")
PHONE_PATTERN = (
    rf"^{_SEPARATOR}*(?:(?:[+\uff0b]{_SEPARATOR}*)?[8\uff18]{_SEPARATOR}*[6\uff16]{_SEPARATOR}*)?"
    rf"[1\uff11]{_SEPARATOR}*[3-9\uff13-\uff19]{_SEPARATOR}*(?:{_DIGIT}{_SEPARATOR}*){{9}}$"
)

# Province character, issuing-authority letter, then 5 characters (6 for new-energy vehicles);
# letters in either case, I and O never after the authority letter.
PLATE_RE = re.compile(rf"^[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{5,6}}$")
_PLATE_SEPARATOR = rf"[{_SPACE}\-\uff0d·.\uff0e•]"
_PLATE_SERIAL = (
    r"[A-HJ-NP-Za-hj-np-z0-9\uff21-\uff28\uff2a-\uff2e\uff30-\uff3a"
    r"\uff41-\uff48\uff4a-\uff4e\uff50-\uff5a\uff10-\uff19]"
)
PLATE_PATTERN = (
    rf"^{_PLATE_SEPARATOR}*[{PROVINCES}]{_PLATE_SEPARATOR}*[A-Za-z\uff21-\uff3a\uff41-\uff5a]"
    rf"{_PLATE_SEPARATOR}*(?:{_PLATE_SERIAL}{_PLATE_SEPARATOR}*){{5,6}}$"
)

# Names: Chinese characters and Latin letters, with the middle dot of transliterated names
# (买买提·艾力), spaces, apostrophes, dots and hyphens between them; 1 to 40 characters.
_LETTER = (
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufa6d\ufa70-\ufad9"  # CJK, compatibility ideographs
    r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
)  # Latin, with accents
_NAME_MARKS = r"·•\u30fb.'\-"
_NAME_SPACE = r" \u3000"
NAME_MAX = 40
# Spaces around are trimmed; what is left starts with a letter, ends with a letter or mark, and
# has at most NAME_MAX characters.
NAME_PATTERN = (
    rf"^[{_NAME_SPACE}]*[{_LETTER}](?:[{_LETTER}{_NAME_MARKS}{_NAME_SPACE}]"
    rf"{{0,{NAME_MAX - 2}}}[{_LETTER}{_NAME_MARKS}])?[{_NAME_SPACE}]*$"
)
NAME_RE = re.compile(NAME_PATTERN)
NOTE_MAX = 500
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# What a name refuses, named for the message: control, format (zero-width, bidi),
# line/paragraph separators, private use, unassigned; letters that render as nothing.
_CONTROL = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u034f")


def fail(code: str) -> PydanticCustomError:
    """A field error with this code (pydantic reports it per field)."""
    return PydanticCustomError(code, code)


def text(value: Any) -> str:
    """The value as a string of real characters (no lone surrogate)."""
    if not isinstance(value, str):
        raise fail("invalid")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise fail("invalid_characters")
    return value


def folded(value: Any) -> str:
    """A typed identifier with full-width forms as ASCII; other scripts' digits refused."""
    from renewdesk.services.normalize import ForeignCharacters, ascii_folded

    try:
        return ascii_folded(text(value))
    except ForeignCharacters as error:
        raise fail(error.code) from None


def normalize_name(value: Any) -> str:
    """A name in NAME_PATTERN, trimmed."""
    raw = text(value)
    name = raw.strip(" \u3000")
    if not name:
        raise fail("required")
    if len(name) > NAME_MAX:
        raise fail("too_long")
    if any(unicodedata.category(ch) in _CONTROL for ch in raw):
        raise fail("control_characters")
    if any(ch in _INVISIBLE for ch in raw):
        raise fail("invisible_characters")
    if not NAME_RE.fullmatch(raw):
        raise fail("invalid")
    return name


def normalize_phone(value: Any) -> str:
    """A phone in PHONE_PATTERN, stored as +86XXXXXXXXXXX."""
    compact = re.sub(r"[ \-]", "", folded(value))
    if not compact:
        raise fail("required")
    match = MOBILE_RE.fullmatch(compact)
    if not match:
        raise fail("invalid")
    return "+86" + match.group(1)


def normalize_plate(value: Any) -> str:
    """A plate in PLATE_PATTERN, stored upper-case without separators (粤B12345)."""
    compact = re.sub(r"[ \-·.•]", "", folded(value)).upper()
    if not compact:
        raise fail("required")
    if not PLATE_RE.fullmatch(compact):
        raise fail("invalid")
    return compact


def parse_date(value: Any) -> dt.date:
    """A calendar date written YYYY-MM-DD (full-width digits too)."""
    day = folded(value)
    if not DATE_RE.fullmatch(day):
        raise fail("invalid_date")
    try:
        return dt.date.fromisoformat(day)
    except ValueError:
        raise fail("invalid_date") from None


def phone_digest(phone: str) -> str:
    """A stored phone's fingerprint, kept on a dedupe guard to tell whether a duplicate comes
    from the same person without copying the number onto one more item."""
    import hashlib

    return hashlib.sha256(phone.encode()).hexdigest()[:24]


def bounded_note(value: Any) -> str:
    """Free text up to NOTE_MAX characters, trimmed."""
    note = text(value)
    if len(note) > NOTE_MAX:
        raise fail("too_long")
    return note.strip()
