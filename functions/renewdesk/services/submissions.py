"""What a car owner may submit: pydantic models that both validate requests and document them.

Each rule raises a short error code (``required``, ``invalid``, ...); the HTTP layer turns codes
into messages from the catalogs, so no customer-facing text lives here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Province character, issuing-authority letter, then 5 characters (6 for new-energy vehicles).
PLATE_RE = re.compile(rf"^[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{5,6}}$")
# Mainland mobile: 1[3-9] and 9 more digits, after an optional +86 / 86 prefix.
MOBILE_RE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
CONSENT_YES = {"true", "on", "1"}


def _fail(code: str) -> PydanticCustomError:
    return PydanticCustomError(code, code)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("invalid")
    return value


def normalize_name(value: Any) -> str:
    """Trim, refuse control characters, 1–40 characters."""
    name = _text(value).strip()
    if not name:
        raise _fail("required")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise _fail("control_characters")
    if len(name) > 40:
        raise _fail("too_long")
    return name


def normalize_phone(value: Any) -> str:
    """Accept spaces, dashes and +86/86; store as +86XXXXXXXXXXX."""
    compact = re.sub(r"[\s\-]", "", _text(value))
    if not compact:
        raise _fail("required")
    match = MOBILE_RE.match(compact)
    if not match:
        raise _fail("invalid")
    return "+86" + match.group(1)


def normalize_plate(value: Any) -> str:
    """Upper-case and drop spaces, dots and dashes; check the mainland plate shape."""
    compact = re.sub(r"[\s\-·.•]", "", _text(value)).upper()
    if not compact:
        raise _fail("required")
    if not PLATE_RE.match(compact):
        raise _fail("invalid")
    return compact


def accept_consent(value: Any) -> bool:
    """Only an explicit yes counts (JSON true, or true/on/1 from a form)."""
    if value is True or (isinstance(value, str) and value.strip().lower() in CONSENT_YES):
        return True
    raise _fail("must_accept")


def parse_date(value: Any) -> dt.date:
    """A calendar date written YYYY-MM-DD."""
    text = _text(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise _fail("invalid_date")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail("invalid_date") from None


def bounded_note(value: Any) -> str:
    """Free text up to 500 characters."""
    note = _text(value).strip()
    if len(note) > 500:
        raise _fail("too_long")
    return note


def _schema(**schema: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **schema})


Name = Annotated[str, BeforeValidator(normalize_name), _schema(minLength=1, maxLength=40)]
Phone = Annotated[
    str,
    BeforeValidator(normalize_phone),
    _schema(pattern=r"^(\+?86)?[\s-]*1[3-9](\d[\s-]*){9}$", examples=["138 0013 8000"]),
]
Plate = Annotated[
    str,
    BeforeValidator(normalize_plate),
    _schema(description="Mainland plate, e.g. 粤B12345 or 粤BD12345", examples=["粤B12345"]),
]
Consent = Annotated[
    bool,
    BeforeValidator(accept_consent),
    WithJsonSchema({"oneOf": [{"const": True}, {"enum": ["true", "on", "1"]}]}),
]
ExpiryDate = Annotated[dt.date, BeforeValidator(parse_date), _schema(format="date")]
Note = Annotated[str, BeforeValidator(bounded_note), _schema(maxLength=500)]
Honeypot = Annotated[
    str, Field(description="Leave empty: a filled value marks the submission as spam")
]


class Submission(BaseModel):
    """Fields every public form shares."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: Note | None = None
    consent: Consent
    website: Honeypot | None = Field(default=None, max_length=200)


class RenewalRequest(Submission):
    """A car owner asks the store for a renewal quote."""

    token: str | None = Field(default=None, max_length=400,
                              description="Signed token from an SMS link")
    name: Name
    phone: Phone
    plate: Plate
    expiry_date: ExpiryDate | None = None
    contact_time: Literal["morning", "afternoon", "evening", "anytime"] | None = None


class ReferralSignup(Submission):
    """A referred person signs up with a referrer's code."""

    code: Annotated[str, Field(min_length=1, max_length=16)]
    name: Name
    phone: Phone
    plate: Plate | None = None
    interest: Literal["insurance", "new_car", "service", "club"]


# pydantic's own error types, in the product's codes.
_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_long": "too_long",
    "string_too_short": "required",
    "literal_error": "invalid_choice",
    "string_type": "invalid",
}


def field_errors(error: ValidationError) -> dict[str, str]:
    """Every bad field with its code, first problem per field."""
    codes: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "body"
        codes.setdefault(field, _PYDANTIC_CODES.get(problem["type"], problem["type"]))
    return codes


def drop_blank_optionals(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Forms send empty strings for untouched optional fields: treat them as absent."""
    return {
        k: v
        for k, v in data.items()
        if not (v == "" and k in model.model_fields and not model.model_fields[k].is_required())
    }
