"""The public API car owners' phones call: renewal requests, referral sign-ups, health, OpenAPI.

Views parse, call a service and answer; every refusal is a domain error answered in one place
(``_refused``): JSON for the site's script, the site's result page for a plain form post.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Blueprint, jsonify, request

from renewdesk.api import form_pages, web
from renewdesk.api.errors import headers_of
from renewdesk.errors import InvalidFields, LinkRejected, RateLimited, RenewDeskError

if TYPE_CHECKING:  # intake imports pydantic: keep it out of the Lambda cold start
    from renewdesk.services.intake import Outcome

log = logging.getLogger(__name__)
bp = Blueprint("public", __name__, url_prefix="/api")


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
    open links to preview them. ``t``: a token (links sent before short links); ``c``: a short
    link's code, answered with the token the page then confirms with."""
    one_click = web.services().public.one_click
    if "c" in request.args:
        roster_id, token = one_click.read_code(request.args.get("c"))
        return jsonify({**one_click.preview(roster_id), "token": token})
    return jsonify(one_click.preview(one_click.read_token(request.args.get("t"))))


@bp.post("/renewals/optout")
def renewal_optout():
    """The customer behind a renewal link wants no more reminder SMS."""
    data = web.read_submission()
    unknown = sorted(set(data) - {"token"})
    if unknown:
        raise InvalidFields(dict.fromkeys(unknown, "unknown_field"))
    one_click = web.services().public.one_click
    one_click.opt_out(one_click.read_token(data.get("token")))
    log.info("reminder SMS opted out through a renewal link")
    if web.is_form():
        return web.site_redirect("/renew/", {"optout": "1"})
    return jsonify(opted_out=True)


@bp.get("/health")
def health():
    """200 when the table answers, else 503."""
    web.services().public.health.check()
    return jsonify(status="ok")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the validation models."""
    from renewdesk.api.openapi import document

    return jsonify(document())


def _submit(form: str):
    from renewdesk.services import submissions

    model = submissions.RenewalRequest if form == "renewal" else submissions.ReferralSignup
    public = web.services().public
    data = web.read_submission()
    if data.get("website"):
        log.info("honeypot submission: form=%s", form)
        outcome = public.intake.record_spam(data, model.model_fields, web.client_address())
    elif form == "renewal" and data.get("token"):
        # Through an SMS link: the token first (nothing is read or written for a bad one).
        from renewdesk.services.renewal_links import LinkedRenewal

        roster_id = public.one_click.read_token(data.get("token"))
        linked = submissions.parse(LinkedRenewal, data)
        outcome = public.one_click.request(roster_id, linked, web.client_address())
    elif form == "renewal":
        renewal = submissions.parse(submissions.RenewalRequest, data)
        outcome = public.intake.submit_renewal(renewal, web.client_address())
    else:
        signup = submissions.parse(submissions.ReferralSignup, data)
        outcome = public.intake.submit_referral(signup, web.client_address())
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


@bp.errorhandler(RenewDeskError)
def _refused(error: RenewDeskError):
    """Every refusal of the public API: JSON, or for a plain form post the site's result page
    naming the fields (never their values: nothing personal goes into a URL)."""
    form = "referral" if request.endpoint == "public.submit_referral" else "renewal"
    if isinstance(error, LinkRejected):
        log.info("renewal link rejected: reason=%s", error.code)  # never the token itself
    elif isinstance(error, RateLimited):
        log.info("submission rate limited: form=%s scope=%s", form, error.scope)
    if not web.is_form():
        return web.refused_json(error)
    if isinstance(error, InvalidFields):
        codes = error.fields
    elif isinstance(error, LinkRejected):
        codes = {"token": error.code}
    else:
        codes = {"form": error.code}
    return _to_error_page(form, codes, headers_of(error))


def _to_error_page(form: str, codes: dict[str, str], headers: dict[str, str]):
    if form_pages.wants_page():  # a browser without JavaScript: the page itself, not a 303
        return form_pages.error_page(form, codes, headers)
    # Field names only (unknown ones reduced to safe characters): no submitted value goes in a URL.
    errors = ",".join(f"{_safe_name(field)}:{code}" for field, code in codes.items())
    return web.site_redirect("/form-error/", {"form": form, "errors": errors}, headers)


def _safe_name(field: str) -> str:
    cleaned = "".join(ch for ch in field if ch.isascii() and (ch.isalnum() or ch == "_"))
    return cleaned[:32] or "_"
