"""What a car owner may submit: pydantic models that both validate requests and document them.

Each rule raises a short error code (``required``, ``invalid``, ...); the HTTP layer turns codes
into messages from the catalogs, so no customer-facing text lives here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)

from renewdesk.services.fields import (
    NAME_PATTERN,
    NOTE_MAX,
    PHONE_PATTERN,
    PLATE_PATTERN,
    bounded_note,
    fail,
    folded,
    normalize_name,
    normalize_phone,
    normalize_plate,
    parse_date,
)

CONSENT_YES = {"true", "on", "1"}


def accept_consent(value: Any) -> bool:
    """Only an explicit yes counts (JSON true, or true/on/1 from a form)."""
    if value is True or (isinstance(value, str) and value in CONSENT_YES):
        return True
    raise fail("must_accept")


def _schema(**schema: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **schema})


Name = Annotated[
    str,
    BeforeValidator(normalize_name),
    _schema(
        pattern=NAME_PATTERN,
        examples=["张伟", "买买提·艾力"],
        description="Chinese characters or Latin letters, with · . ' - and spaces between",
    ),
]
Phone = Annotated[
    str,
    BeforeValidator(normalize_phone),
    _schema(
        pattern=PHONE_PATTERN,
        examples=["138 0013 8000", "+86 138-0013-8000"],
        description="Mainland mobile; +86, spaces, dashes and full-width digits accepted",
    ),
]
Plate = Annotated[
    str,
    BeforeValidator(normalize_plate),
    _schema(
        pattern=PLATE_PATTERN,
        examples=["粤B12345", "粤b·d12345"],
        description="Mainland plate, e.g. 粤B12345 or 粤BD12345; case, spaces and dots ignored",
    ),
]
Consent = Annotated[
    bool,
    BeforeValidator(accept_consent),
    WithJsonSchema({"oneOf": [{"const": True}, {"enum": ["true", "on", "1"]}]}),
]
# A pattern cannot say "a real calendar date", so full-width digits (accepted too) are only in
# the description.
ExpiryDate = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    _schema(format="date", description="YYYY-MM-DD; the same in full-width digits is accepted too"),
]
Note = Annotated[str, BeforeValidator(bounded_note), _schema(maxLength=NOTE_MAX)]
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

    # Empty or absent here: a request with a token is a LinkedRenewal (see api.public).
    token: Annotated[
        str | None,
        WithJsonSchema(
            {
                "anyOf": [{"const": ""}, {"type": "null"}],
                "description": "Empty or absent (a request through an SMS link is a LinkedRenewal)",
            }
        ),
    ] = None
    name: Name
    phone: Phone
    plate: Plate
    expiry_date: ExpiryDate | None = None
    contact_time: Literal["morning", "afternoon", "evening", "anytime"] | None = None


class ReferralSignup(Submission):
    """A referred person signs up with a referrer's code."""

    code: Annotated[str, BeforeValidator(folded), Field(min_length=1, max_length=16)]
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
    "too_short": "required",
    "literal_error": "invalid_choice",
    "string_type": "invalid",
    "string_unicode": "invalid_characters",
    "bool_type": "invalid",
    "dict_type": "invalid",
    "model_type": "not_json_object",
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


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate a request body or form into the model (the public forms' and the staff's
    alike); InvalidFields with every bad field."""
    from renewdesk.errors import InvalidFields

    try:
        return model.model_validate(drop_blank_optionals(model, data))
    except ValidationError as error:
        raise InvalidFields(field_errors(error)) from None
