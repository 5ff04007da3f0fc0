"""What staff may send: pydantic models shared by the JSON API and the console's forms.

Errors are short codes (see services.submissions.field_errors); messages come from catalogs.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from renewdesk.services import clock
from renewdesk.services.fields import fail, folded
from renewdesk.services.submissions import Name, Note, Phone, Plate

MAX_PREMIUM = Decimal("10000000")


def parse_moment(value: Any) -> dt.datetime:
    """A date and time: ISO 8601 with an offset, or a browser's local YYYY-MM-DDTHH:MM (China)."""
    text = folded(value).strip() if isinstance(value, str) else None
    if isinstance(value, dt.datetime):
        moment = value
    elif text and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*", text):
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise fail("invalid_datetime") from None
    else:
        raise fail("invalid_datetime")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.CHINA)
    return moment.astimezone(dt.timezone.utc)


def parse_money(value: Any) -> Decimal:
    """Yuan, at most two decimals, not negative, below ¥10,000,000."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise fail("invalid_amount")
    text = folded(value) if isinstance(value, str) else str(value)
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise fail("invalid_amount") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_PREMIUM:
        raise fail("invalid_amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise fail("invalid_amount")
    return amount.quantize(Decimal("0.01"))


def parse_count(value: Any) -> int:
    """A whole number from 0 to 100,000."""
    if isinstance(value, bool):
        raise fail("invalid_number")
    text = (folded(value) if isinstance(value, str) else str(value)).strip()
    if not re.fullmatch(r"[0-9]{1,6}", text):
        raise fail("invalid_number")
    number = int(text)
    if not 0 <= number <= 100_000:
        raise fail("invalid_number")
    return number


def parse_otp(value: Any) -> str:
    """Six digits from an authenticator app (spaces allowed)."""
    code = (folded(value) if isinstance(value, str) else str(value)).replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        raise fail("invalid")
    return code


Moment = Annotated[dt.datetime, BeforeValidator(parse_moment)]
Money = Annotated[Decimal, BeforeValidator(parse_money)]
Count = Annotated[int, BeforeValidator(parse_count)]


class StaffInput(BaseModel):
    """Unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Login(StaffInput):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    otp: Annotated[str, BeforeValidator(parse_otp)] | None = None


class Claim(StaffInput):
    type: Literal["renewal", "referral"] | None = None


class FollowUp(StaffInput):
    channel: Literal["phone", "sms", "wechat", "in_store"]
    result: Literal["reached", "no_answer", "call_back", "quoted", "refused"]
    note: Note | None = None
    next_contact_at: Moment | None = None


class Close(StaffInput):
    outcome: Literal["won", "lost"]
    reason: (
        Literal["friend", "price", "claims_experience", "corporate", "telesales", "other"] | None
    ) = None
    note: Note | None = None
    premium: Money | None = None
    insurer: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    # A quote recorded on the lead: its premium and insurer, typed once (services/quotes.py).
    quote_id: Annotated[str, Field(min_length=1, max_length=40)] | None = None


class Reassign(StaffInput):
    to: Annotated[str, Field(min_length=1, max_length=64)]


class Target(StaffInput):
    renewals_won: Count
    premium: Money


def close_problems(close: Close, lead_type: str) -> dict[str, str]:
    """Rules between fields of a close: what a lost or won lead must carry."""
    problems: dict[str, str] = {}
    if close.outcome == "lost":
        if close.reason is None:
            problems["reason"] = "required"
        elif close.reason == "other" and not close.note:
            problems["note"] = "required_for_other"
    elif lead_type == "renewal" and close.quote_id is None:
        if close.premium is None:
            problems["premium"] = "required"
        if not close.insurer:
            problems["insurer"] = "required"
    return problems


def parse_release_reason(value: Any) -> str:
    """One of the fixed release reasons (its own codes: ``reason`` is a defeat reason's field
    name on a close, and the messages must not say so)."""
    from renewdesk.services.worklist import RELEASE_REASONS

    if isinstance(value, str) and value in RELEASE_REASONS:
        return value
    raise fail("release_reason_unknown")


class Release(StaffInput):
    reason: Annotated[str, BeforeValidator(parse_release_reason)] | None = None
    note: Note | None = None


def release_problems(release: Release) -> dict[str, str]:
    """Rules of a release: a reason from the list; ``other`` says what in a note."""
    if release.reason is None:
        return {"reason": "release_reason_required"}
    if release.reason == "other" and not release.note:
        return {"note": "release_note_required"}
    return {}


class StaffLead(StaffInput):
    """A lead a specialist creates for a caller or a walk-in, with the consent they gave."""

    type: Literal["renewal", "referral"]
    name: Name
    phone: Phone
    plate: Plate | None = None
    interest: Literal["insurance", "new_car", "service", "club"] | None = None
    source: Literal["phone_in", "walk_in"]
    consent: Literal["verbal", "written"]
    note: Note | None = None


def staff_lead_problems(lead: StaffLead) -> dict[str, str]:
    """What each type needs: a renewal is one vehicle's (its plate is the dedupe key), a referral
    says what the person is interested in."""
    if lead.type == "renewal" and not lead.plate:
        return {"plate": "required"}
    if lead.type == "referral" and not lead.interest:
        return {"interest": "required"}
    return {}


class TemplateSent(StaffInput):
    """A follow-up message sent from a template (logged as a follow-up of its channel)."""

    template: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
