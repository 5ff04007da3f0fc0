"""The public API car owners' phones call: renewal requests, referral sign-ups, health, OpenAPI."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, jsonify, request

from renewdesk import i18n
from renewdesk.api import form_pages, web
from renewdesk.errors import FieldRejected, LinkRejected, RateLimited, StorageUnavailable

if TYPE_CHECKING:  # intake imports pydantic: keep it out of the Lambda cold start
    from renewdesk.services.intake import Outcome

log = logging.getLogger(__name__)
bp = Blueprint("public", __name__, url_prefix="/api")


def _backend():
    return current_app.extensions["renewdesk"]


@bp.post("/renewals")
def submit_renewal():
    """A car owner asks for a renewal quote."""
    return _submit("renewal")


@bp.post("/referrals")
def submit_referral():
    """A referred person signs up with a referrer's code."""
    return _submit("referral")


@bp.get("/renewals/link")
def renewal_link():
    """What the one-click page shows before the customer confirms. Writes nothing: SMS apps
    open links to preview them."""
    one_click = _backend().one_click
    try:
        preview = one_click.preview(one_click.read_token(request.args.get("t")))
    except LinkRejected as rejected:
        return _link_rejected("renewal", rejected)
    except StorageUnavailable:
        return web.error_json(
            503, "unavailable", {"Retry-After": str(StorageUnavailable.retry_after)}
        )
    return jsonify(preview)


@bp.post("/renewals/optout")
def renewal_optout():
    """The customer behind a renewal link wants no more reminder SMS."""
    data = web.read_submission()
    unknown = sorted(set(data) - {"token"})
    if unknown:
        return _invalid("renewal", dict.fromkeys(unknown, "unknown_field"))
    one_click = _backend().one_click
    try:
        one_click.opt_out(one_click.read_token(data.get("token")))
    except LinkRejected as rejected:
        return _link_rejected("renewal", rejected)
    except StorageUnavailable:
        return _failed("renewal", 503, "unavailable", StorageUnavailable.retry_after)
    log.info("reminder SMS opted out through a renewal link")
    if web.is_form():
        return web.site_redirect("/renew/", {"optout": "1"})
    return jsonify(opted_out=True)


@bp.get("/health")
def health():
    """200 when the table answers, else 503."""
    try:
        _backend().lead_store.ping()
    except StorageUnavailable:
        return web.error_json(503, "unavailable", {"Retry-After": "5"})
    return jsonify(status="ok")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the validation models."""
    from renewdesk.api.openapi import document

    return jsonify(document())


def _submit(form: str):
    from pydantic import ValidationError

    from renewdesk.services import submissions

    model = submissions.RenewalRequest if form == "renewal" else submissions.ReferralSignup
    backend = _backend()
    data = web.read_submission()
    if data.get("website"):
        log.info("honeypot submission: form=%s", form)
        return _store(
            form,
            lambda: backend.intake.record_spam(
                backend.new_id(), data, model.model_fields, web.client_address()
            ),
        )
    if form == "renewal" and data.get("token"):
        return _submit_by_link(data)
    try:
        submission = model.model_validate(submissions.drop_blank_optionals(model, data))
    except ValidationError as error:
        return _invalid(form, submissions.field_errors(error))
    if form == "renewal":
        return _store(form, lambda: backend.intake.submit_renewal(submission, web.client_address()))
    return _store(form, lambda: backend.intake.submit_referral(submission, web.client_address()))


def _submit_by_link(data: dict[str, Any]):
    """A renewal request through an SMS link: the token first (nothing is read or written for
    a bad one), then the fields."""
    from pydantic import ValidationError

    from renewdesk.services import submissions
    from renewdesk.services.renewal_links import LinkedRenewal

    one_click = _backend().one_click
    try:
        roster_id = one_click.read_token(data.get("token"))
    except LinkRejected as rejected:
        return _link_rejected("renewal", rejected)
    try:
        submission = LinkedRenewal.model_validate(
            submissions.drop_blank_optionals(LinkedRenewal, data)
        )
    except ValidationError as error:
        return _invalid("renewal", submissions.field_errors(error))
    return _store("renewal", lambda: one_click.request(roster_id, submission, web.client_address()))


@bp.errorhandler(web.BadRequestBody)
def _bad_body(bad: web.BadRequestBody):
    """A body we cannot read: field problems as any invalid field, else the body's code."""
    form = "referral" if request.endpoint == "public.submit_referral" else "renewal"
    if bad.fields:
        return _invalid(form, bad.fields)
    if web.is_form():
        return _to_error_page(form, {"form": bad.code})
    return web.error_json(bad.status, bad.code)


def _store(form: str, submit):
    """Run a submission and answer with its outcome or its failure."""
    try:
        outcome = submit()
    except FieldRejected as rejected:
        return _invalid(form, {rejected.field: rejected.code})
    except LinkRejected as rejected:
        return _link_rejected(form, rejected)
    except RateLimited as limited:
        log.info("submission rate limited: form=%s scope=%s", form, limited.scope)
        return _failed(form, 429, "rate_limited", limited.retry_after)
    except StorageUnavailable:
        return _failed(form, 503, "unavailable", StorageUnavailable.retry_after)
    log.info(
        "submission stored: form=%s lead_id=%s duplicate=%s",
        form,
        outcome.lead_id,
        outcome.duplicate,
    )
    return _accepted(form, outcome)


def _accepted(form: str, outcome: Outcome):
    if web.is_form() and form_pages.wants_page():
        return form_pages.thanks_page(form, outcome)
    if web.is_form():
        if not outcome.same_customer:  # someone else's request: not their reference
            return web.site_redirect("/thanks/", {"duplicate": "1", "other": "1"})
        query = {"lead": outcome.lead_id, **({"duplicate": "1"} if outcome.duplicate else {})}
        return web.site_redirect("/thanks/", query)
    body: dict[str, Any] = {"lead_id": outcome.lead_id, "duplicate": outcome.duplicate}
    if not outcome.same_customer:
        body["same_customer"] = False  # the site then shows no reference (design.md contract +1)
    response = jsonify(body)
    response.status_code = 200 if outcome.duplicate else 201
    return response


def _invalid(form: str, codes: dict[str, str]):
    if web.is_form():
        return _to_error_page(form, codes)
    language = web.language()
    fields: dict[str, Any] = {
        field: {"code": code, "message": i18n.field_error(language, field, code)}
        for field, code in codes.items()
    }
    response = jsonify(error="invalid", fields=fields)
    response.status_code = 400
    return response


def _link_rejected(form: str, rejected: LinkRejected):
    # The reason only: the token itself never goes into a log line.
    log.info("renewal link rejected: reason=%s", rejected.code)
    if web.is_form():
        return _to_error_page(form, {"token": rejected.code})
    return web.error_json(410 if rejected.code == "expired_token" else 400, rejected.code)


def _failed(form: str, status: int, code: str, retry_after: int):
    headers = {"Retry-After": str(retry_after)}
    if web.is_form():
        return _to_error_page(form, {"form": code}, headers)
    return web.error_json(status, code, headers)


def _to_error_page(form: str, codes: dict[str, str], headers: dict[str, str] | None = None):
    if form_pages.wants_page():  # a browser without JavaScript: the page itself, not a 303
        return form_pages.error_page(form, codes, headers)
    # Field names only (unknown ones reduced to safe characters): no submitted value goes in a URL.
    errors = ",".join(f"{_safe_name(field)}:{code}" for field, code in codes.items())
    return web.site_redirect("/form-error/", {"form": form, "errors": errors}, headers)


def _safe_name(field: str) -> str:
    cleaned = "".join(ch for ch in field if ch.isascii() and (ch.isalnum() or ch == "_"))
    return cleaned[:32] or "_"
