"""Inbound work in the staff console (/staff): claim a lead found by search, create a lead for a
caller or walk-in, send a follow-up message from a template, resend a dead notification; and
what the console's pages show of it (the script panel, the attention list's waiting leads, the
dead letters), as template globals.

The views are the console's own (its blueprint: headers, language, refusal pages), kept in this
module; api.app imports it before the console blueprint is registered.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import redirect, request, url_for

from renewdesk.api import staff_requests as asked
from renewdesk.api import web
from renewdesk.api.console import _actor, _go, _lead_action, _page, bp, signed_in
from renewdesk.errors import InvalidFields, WrongState

log = logging.getLogger(__name__)
NEW_LEAD_FIELDS = ("type", "name", "phone", "plate", "interest", "source", "consent", "note")


@bp.post("/leads/<lead_id>/claim")
@signed_in
def claim_found(lead_id: str):
    """领取: the queued lead the specialist found (the customer is on the phone)."""
    claims = web.services().staff.claims
    return _lead_action(lead_id, lambda: claims.claim(_actor(), lead_id), "claimed")


@bp.get("/leads/new")
@signed_in
def new_lead():
    """The form for a caller or walk-in: blank, from a roster policy search found
    (``policy=<roster id>``), or with the phone or plate that was searched (``q``)."""
    form: dict[str, Any] = {"source": "phone_in"}
    services = web.services()
    if request.args.get("policy"):
        form.update(services.inbound.leads.policy_form(request.args["policy"]) or {})
    elif request.args.get("q"):
        from renewdesk.services.search import parse

        try:
            query = parse(request.args["q"])
        except InvalidFields:
            query = None
        if query is not None and query.kind in ("phone", "plate"):
            form[query.kind] = query.value
    return _new_lead_page(form)


@bp.post("/leads/new")
@signed_in
def create_lead():
    """Create the lead: to its page, held by the creator; to the existing lead when the dedupe
    rules find one (or the search, if a colleague holds it)."""
    from renewdesk.services.staff_inputs import StaffLead

    actor = _actor()
    try:
        form = asked.body(StaffLead, NEW_LEAD_FIELDS)
        outcome, lead = web.services().inbound.leads.create(actor, form)
    except InvalidFields as error:
        return _new_lead_page(request.form, 400, errors=error.fields)
    if lead is not None:
        log.info("lead created by staff: lead_id=%s user=%s", lead.lead_id, actor.username)
        return _go("console.lead", "lead_created", lead_id=lead.lead_id)
    return redirect(
        url_for("console.lead", lead_id=outcome.lead_id, notice="duplicate_lead"), code=303
    )


def _new_lead_page(form: Any, status: int = 200, **context: Any):
    consent = web.services().public.consent
    return _page("new_lead.html", status, form=form, consent=consent, section="search", **context)


@bp.post("/leads/<lead_id>/messages")
@signed_in
def send_message(lead_id: str):
    """A message from a template was sent: logged as a follow-up, back to the lead."""
    from renewdesk.services.staff_inputs import TemplateSent

    def act():
        template = asked.body(TemplateSent, ("template",)).template
        web.services().inbound.assist.send(_actor(), lead_id, template)

    return _lead_action(lead_id, act, "message_logged", "templates")


@bp.post("/notifications/<notice_id>/resend")
@signed_in
def resend_notice(notice_id: str):
    """Supervisor: a dead notification goes back to the outbox."""
    from renewdesk.services.worklist import require_supervisor

    require_supervisor(_actor())
    try:
        web.services().inbound.dispatcher.resend(notice_id)
    except WrongState:
        pass  # resent meanwhile (a double click): the list shows where it is
    return _go("console.team", "notice_resent")


# -- what the pages show ------------------------------------------------------------------


@bp.app_template_global()
def inbound_assist(page: dict[str, Any]) -> dict[str, Any] | None:
    """The lead page's script panel and message templates, for whoever may work the lead."""
    from renewdesk.content import ContentInvalid

    try:
        return web.services().inbound.assist.for_lead(_actor(), page["lead"], page["plan"])
    except ContentInvalid as error:  # a content mistake must not take the lead page down
        log.warning("scripts not shown: %s problems in content", len(error.problems))
        return None


@bp.app_template_global()
def inbound_attention() -> dict[str, Any]:
    """The supervisor's attention list beyond the bounced leads: waiting leads, dead letters."""
    actor = _actor()
    if not actor.is_supervisor:
        return {"waiting": [], "dead": []}
    inbound = web.services().inbound
    return {
        "waiting": inbound.attention.waiting(actor),
        "dead": inbound.dispatcher.dead_letters(50),
    }
