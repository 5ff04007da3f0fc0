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


MODELS = (RenewalRequest, ReferralSignup, LeadAccepted, InvalidSubmission, Problem, Health)


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
    _, schemas = models_json_schema(
        [(m, "validation") for m in MODELS], ref_template="#/components/schemas/{model}"
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "RenewDesk public API", "version": "1"},
        "paths": {
            "/api/renewals": {"post": _submission(RenewalRequest, "Ask for a renewal quote")},
            "/api/referrals": {"post": _submission(ReferralSignup, "Sign up with a referral code")},
            "/api/health": {"get": {"summary": "Storage health", "responses": {
                "200": _json(Health, "The table answers"),
                "503": _json(Problem, "The table does not answer")}}},
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI 3.1 document"}}}},
        },
        "components": {"schemas": schemas.get("$defs", {})},
    }
