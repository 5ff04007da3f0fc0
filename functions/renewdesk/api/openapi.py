"""The OpenAPI 3.1 document of the public API, generated from the same models that validate."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from renewdesk.services.submissions import ReferralSignup, RenewalRequest


class LeadAccepted(BaseModel):
    """201: stored; 200: the existing lead of the same vehicle or phone."""

    lead_id: str
    duplicate: bool


class FieldError(BaseModel):
    """One bad field: a stable code and a message in the request's language."""

    code: str = Field(examples=["required", "invalid", "unknown_field", "must_accept"])
    message: str


class InvalidSubmission(BaseModel):
    """400: every bad field at once."""

    error: Literal["invalid"]
    fields: dict[str, FieldError]


class Problem(BaseModel):
    """Any other error: a code and a human message."""

    error: str = Field(examples=["rate_limited", "unavailable", "invalid_token"])
    message: str | None = None


class Health(BaseModel):
    """The table answers."""

    status: Literal["ok"]


class LinkPreview(BaseModel):
    """What a renewal link's page shows before the customer confirms (masked)."""

    name: str = Field(examples=["张*"])
    plate: str = Field(examples=["粤B***45"])
    expiry_date: str = Field(examples=["2026-12-20"], json_schema_extra={"format": "date"})


class LinkOptOut(BaseModel):
    """The renewal link of the customer who wants no more reminder SMS."""

    token: str = Field(max_length=400)


class OptedOut(BaseModel):
    """No more reminder SMS go to the policy's mobile number."""

    opted_out: Literal[True]


def _models() -> tuple[type[BaseModel], ...]:
    from renewdesk.services.renewal_links import LinkedRenewal

    return (RenewalRequest, LinkedRenewal, ReferralSignup, LeadAccepted, InvalidSubmission,
            Problem, Health, LinkPreview, LinkOptOut, OptedOut)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _submission(model: type[BaseModel], summary: str) -> dict[str, Any]:
    retry = {"Retry-After": {"schema": {"type": "integer"}}}
    return {
        "summary": summary,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _ref(model)},
                "application/x-www-form-urlencoded": {"schema": _ref(model)},
            },
        },
        "responses": {
            "201": _json(LeadAccepted, "Stored as a new lead"),
            "200": _json(LeadAccepted, "Duplicate: the existing lead, nothing new stored"),
            "303": {"description": "Form posts: to /thanks/?lead=… or /form-error/?form=…&errors=field:code,…"},
            "400": _json(InvalidSubmission, "Invalid fields (or invalid_token)"),
            "410": _json(Problem, "expired_token"),
            "413": _json(Problem, "Body over 16 KiB"),
            "415": _json(Problem, "Neither JSON nor form-encoded"),
            "429": {**_json(Problem, "Too many submissions"), "headers": retry},
            "503": {**_json(Problem, "Storage unavailable; nothing stored"), "headers": retry},
        },
    }


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """Build the document once per process."""
    from renewdesk.services.renewal_links import LinkedRenewal

    _, schemas = models_json_schema(
        [(m, "validation") for m in _models()], ref_template="#/components/schemas/{model}"
    )
    renewals = _submission(RenewalRequest, "Ask for a renewal quote (with a token: one click)")
    for content in renewals["requestBody"]["content"].values():
        content["schema"] = {"anyOf": [_ref(RenewalRequest), _ref(LinkedRenewal)]}
    link_errors = {"400": _json(Problem, "invalid_token: forged or altered"),
                   "410": _json(Problem, "expired_token: expired, or its record is gone"),
                   "503": _json(Problem, "Storage unavailable")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "RenewDesk public API", "version": "1"},
        "paths": {
            "/api/renewals": {"post": renewals},
            "/api/renewals/link": {"get": {
                "summary": "The masked preview of a renewal link; writes nothing",
                "parameters": [{"name": "t", "in": "query", "required": True,
                                "schema": {"type": "string", "maxLength": 400}}],
                "responses": {"200": _json(LinkPreview, "The policy the link names, masked"),
                              **link_errors}}},
            "/api/renewals/optout": {"post": {
                "summary": "Stop reminder SMS to the mobile number of a renewal link's policy",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref(LinkOptOut)},
                    "application/x-www-form-urlencoded": {"schema": _ref(LinkOptOut)}}},
                "responses": {"200": _json(OptedOut, "Opted out"),
                              "303": {"description": "Form posts: to /renew/?optout=1"},
                              **link_errors}}},
            "/api/referrals": {"post": _submission(ReferralSignup, "Sign up with a referral code")},
            "/api/health": {"get": {"summary": "Storage health", "responses": {
                "200": _json(Health, "The table answers"),
                "503": _json(Problem, "The table does not answer")}}},
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI 3.1 document"}}}},
        },
        "components": {"schemas": schemas.get("$defs", {})},
    }
