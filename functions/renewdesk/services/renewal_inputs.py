"""What staff may send for renewal management: quotes, 续保率 targets, weekly reviews (pydantic
models shared by the JSON API and the console's forms; error codes, never texts)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from renewdesk.services.fields import fail, folded
from renewdesk.services.staff_inputs import Money, StaffInput
from renewdesk.services.submissions import ExpiryDate, Note

WEEK_RE = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
REVIEW_MAX = 1000


def parse_rate(value: Any) -> Decimal:
    """A target rate: a fraction 0–1 (JSON, as the board answers them) or a percentage with a
    % sign ("92%", the console's form)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise fail("invalid_rate")
    text = (folded(value) if isinstance(value, str) else str(value)).strip()
    percent = text.endswith("%")
    try:
        rate = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise fail("invalid_rate") from None
    if percent:
        rate /= 100
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise fail("invalid_rate")
    return rate.quantize(Decimal("0.0001"))


def parse_week(value: Any) -> str:
    """An ISO week, YYYY-Www (2026-W19)."""
    text = folded(value).strip().upper() if isinstance(value, str) else ""
    match = WEEK_RE.fullmatch(text)
    if not match:
        raise fail("invalid_week")
    try:
        dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise fail("invalid_week") from None
    return text


def parse_review(value: Any) -> str:
    """The supervisor's comment: 1 to REVIEW_MAX characters."""
    if not isinstance(value, str) or not value.strip():
        raise fail("required")
    if len(value.strip()) > REVIEW_MAX:
        raise fail("too_long")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise fail("invalid_characters")
    return value.strip()


Rate = Annotated[Decimal, BeforeValidator(parse_rate)]
Week = Annotated[str, BeforeValidator(parse_week)]


class Quote(StaffInput):
    """A quote given to the customer (POST /api/staff/leads/<id>/quotes)."""

    insurer: Annotated[str, Field(min_length=1, max_length=60)]
    commercial_premium: Money
    compulsory_premium: Money
    valid_until: ExpiryDate | None = None
    note: Note | None = None


class RenewalTargets(StaffInput):
    """A month's 续保率 targets: overall by count and premium, and per grade."""

    rate_count: Rate
    rate_premium: Rate | None = None
    grade_a: Rate | None = None
    grade_b: Rate | None = None
    grade_c: Rate | None = None


class ReviewInput(StaffInput):
    """The supervisor signs a specialist's week of the register (POST /api/staff/reviews)."""

    specialist: Annotated[str, Field(min_length=1, max_length=64)]
    week: Week
    comment: Annotated[str, BeforeValidator(parse_review)]
