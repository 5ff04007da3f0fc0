"""The OpenAPI 3.1 document of the public API, generated from the same models that validate."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from renewdesk.services.links import TOKEN_PATTERN
from renewdesk.services.short_links import CODE_PATTERN
from renewdesk.services.submissions import ReferralSignup, RenewalRequest


class LeadAccepted(BaseModel):
    """201: stored; 200: the existing lead of the same vehicle or phone."""

    lead_id: str
    duplicate: bool
    same_customer: Literal[False] | None = Field(
        default=None,
        description="Only on a duplicate whose existing lead was made from "
        "another mobile number: false (show no reference)",
    )


class FieldError(BaseModel):
    """One bad field: a stable code and a message in the request's language."""

    code: str = Field(examples=["required", "invalid", "unknown_field", "must_accept"])
    message: str


class InvalidSubmission(BaseModel):
    """400: every bad field at once."""

    error: Literal["invalid"]
    fields: dict[str, FieldError]


class Health(BaseModel):
    """The table answers."""

    status: Literal["ok"]


class LinkPreview(BaseModel):
    """What a renewal link's page shows before the customer confirms (masked)."""

    name: str = Field(examples=["张*"])
    plate: str = Field(examples=["粤B***45"])
    expiry_date: str = Field(examples=["2026-12-20"], json_schema_extra={"format": "date"})
    token: str | None = Field(
        default=None, description="With a short link's code: the token to confirm with"
    )


class LinkOptOut(BaseModel):
    """The renewal link of the customer who wants no more reminder SMS."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(pattern=TOKEN_PATTERN)


class OptedOut(BaseModel):
    """No more reminder SMS go to the policy's mobile number."""

    opted_out: Literal[True]


def _models() -> tuple[type[BaseModel], ...]:
    from renewdesk.services.renewal_links import LinkedRenewal

    return (
        RenewalRequest,
        LinkedRenewal,
        ReferralSignup,
        LeadAccepted,
        InvalidSubmission,
        Health,
        LinkPreview,
        LinkOptOut,
        OptedOut,
    )


# The body codes each kind of answer can carry (api.web, api.public); field codes are in
# InvalidSubmission.fields.
BODY_CODES = ("not_json_object", "too_deep", "invalid_encoding")
FORM_SUFFIX = "Form"
LINK_CODES = ("invalid_token",)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _problem(*codes: str) -> dict[str, Any]:
    """A JSON error body carrying one of these codes and a message in the request's language."""
    return {
        "type": "object",
        "required": ["error", "message"],
        "additionalProperties": False,
        "properties": {"error": {"enum": list(codes)}, "message": {"type": "string"}},
    }


def _json(schema: dict[str, Any], description: str, **headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        answer["headers"] = {name: {"schema": {"type": kind}} for name, kind in headers.items()}
    return answer


def _body(*models: type[BaseModel]) -> dict[str, Any]:
    """A body as JSON or as a form; a form's fields are text only (no null, no true)."""

    def schema(suffix: str) -> dict[str, Any]:
        refs = [{"$ref": f"#/components/schemas/{m.__name__}{suffix}"} for m in models]
        return refs[0] if len(refs) == 1 else {"anyOf": refs}

    return {
        "required": True,
        "content": {
            "application/json": {"schema": schema("")},
            "application/x-www-form-urlencoded": {"schema": schema(FORM_SUFFIX)},
        },
    }


def _form_variant(schema: Any) -> Any:
    """The schema of the same fields posted by an HTML form: null and JSON true cannot be sent."""
    if isinstance(schema, list):
        return [_form_variant(s) for s in schema if s not in ({"type": "null"}, {"const": True})]
    if not isinstance(schema, dict):
        return schema
    return {k: _form_variant(v) for k, v in schema.items() if not (k == "default" and v is None)}


def _common(*links: str) -> dict[str, Any]:
    """Answers every state-changing endpoint can give besides its own."""
    invalid = {"anyOf": [_ref(InvalidSubmission), _problem(*BODY_CODES, *links)]}
    return {
        "303": {
            "description": "Form posts: to the site's result page (/thanks/, /form-error/ "
            "?form=…&errors=field:code,…, /renew/?optout=1); never personal "
            "data in the URL"
        },
        "400": _json(
            invalid,
            "Invalid fields (every one at once), or a body that cannot be "
            "read" + (", or a forged link token" if links else ""),
        ),
        "405": {
            "description": "Wrong method",
            "headers": {"Allow": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": _problem("method_not_allowed")}},
        },
        "413": _json(_problem("too_large"), "Body over 16 KiB"),
        "415": _json(_problem("unsupported_media_type"), "Neither JSON nor form-encoded"),
        "503": _json(
            _problem("unavailable"),
            "Storage unavailable; nothing stored",
            **{"Retry-After": "integer"},
        ),
    }


def _submission(body: dict[str, Any], summary: str, *links: str) -> dict[str, Any]:
    """A public form's endpoint: its body, and every answer it can give."""
    responses = {
        "201": _json(_ref(LeadAccepted), "Stored as a new lead"),
        "200": _json(_ref(LeadAccepted), "Duplicate: the existing lead, nothing new stored"),
        **_common(*links),
        "429": _json(
            _problem("rate_limited"), "Too many submissions", **{"Retry-After": "integer"}
        ),
    }
    if links:
        responses["410"] = _json(_problem("expired_token"), "The SMS link has expired")
    return {"summary": summary, "requestBody": body, "responses": responses}


def _optional_may_be_blank(schema: dict[str, Any]) -> None:
    """Forms send "" for an untouched field: an optional field's empty string is "absent", in
    JSON as in forms (services.submissions.drop_blank_optionals), and the schema says so."""
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        if name in required:
            continue
        choices = prop.get("anyOf")
        if choices is not None and {"const": ""} not in choices:
            choices.insert(1, {"const": ""})


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """Build the document once per process."""
    from renewdesk.services.renewal_links import LinkedRenewal

    _, schemas = models_json_schema(
        [(m, "validation") for m in _models()], ref_template="#/components/schemas/{model}"
    )
    components = schemas.get("$defs", {})
    for submitted in (RenewalRequest, LinkedRenewal, ReferralSignup):
        _optional_may_be_blank(components[submitted.__name__])
    for posted in (RenewalRequest, LinkedRenewal, ReferralSignup, LinkOptOut):
        components[posted.__name__ + FORM_SUFFIX] = _form_variant(components[posted.__name__])
    link_answers = {
        "400": _json(_problem(*LINK_CODES), "invalid_token: forged, altered or missing"),
        "410": _json(_problem("expired_token"), "expired_token: expired, or its record is gone"),
        "503": _json(_problem("unavailable"), "Storage unavailable", **{"Retry-After": "integer"}),
    }
    optout = {
        **_common(*LINK_CODES),
        "200": _json(_ref(OptedOut), "Opted out"),
        "410": link_answers["410"],
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "RenewDesk public API", "version": "1"},
        "paths": {
            "/api/renewals": {
                "post": _submission(
                    _body(RenewalRequest, LinkedRenewal),
                    "Ask for a renewal quote (with a token: one click)",
                    *LINK_CODES,
                )
            },
            "/api/renewals/link": {
                "get": {
                    "summary": "The masked preview of a renewal link; writes nothing",
                    "description": "The link's token (t), or a short link's code (c): then the "
                    "answer adds the token to confirm with.",
                    "parameters": [
                        {
                            "name": "t",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "pattern": TOKEN_PATTERN},
                        },
                        {
                            "name": "c",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "pattern": CODE_PATTERN},
                        },
                    ],
                    "responses": {
                        "200": _json(_ref(LinkPreview), "The policy the link names, masked"),
                        **link_answers,
                    },
                }
            },
            "/api/renewals/optout": {
                "post": {
                    "summary": "Stop reminder SMS to the mobile number of a renewal link's policy",
                    "requestBody": _body(LinkOptOut),
                    "responses": optout,
                }
            },
            "/api/referrals": {
                "post": _submission(_body(ReferralSignup), "Sign up with a referral code")
            },
            "/api/health": {
                "get": {
                    "summary": "Storage health",
                    "responses": {
                        "200": _json(_ref(Health), "The table answers"),
                        "503": _json(
                            _problem("unavailable"),
                            "The table does not answer",
                            **{"Retry-After": "integer"},
                        ),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": components},
    }
