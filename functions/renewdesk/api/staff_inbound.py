"""Inbound work in the staff JSON API under /api/staff (contract in design.md, "Inbound work"):
claim a lead found by search, create a lead for a caller or walk-in, the attention list, the
notification dead letters, and the scripts and message templates of a lead.

Same session, CSRF and error rules as api/staff.py.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request

from renewdesk.api import staff_requests as asked
from renewdesk.api import web
from renewdesk.errors import InvalidFields, RenewDeskError

log = logging.getLogger(__name__)
bp = Blueprint("staff_inbound", __name__, url_prefix="/api/staff")
bp.register_error_handler(RenewDeskError, asked.refused)


@bp.post("/leads/<lead_id>/claim")
def claim(lead_id: str):
    """Claim one queued lead the specialist found: 200 with the lease; 409 when someone holds
    it or it is closed."""
    actor = asked.acting()
    lead = web.services().staff.claims.claim(actor, lead_id)
    log.info("lead claimed by search: lead_id=%s user=%s", lead_id, actor.username)
    return jsonify(asked.view(lead))


@bp.post("/leads")
def create():
    """A lead for a caller or walk-in, held by its creator: 201 the lead; 200 with the existing
    lead's id when the intake's dedupe rules find one."""
    from renewdesk.services.staff_inputs import StaffLead

    actor = asked.acting()
    outcome, lead = web.services().inbound.leads.create(actor, asked.body(StaffLead))
    if lead is None:
        return jsonify(lead_id=outcome.lead_id, duplicate=True)
    log.info("lead created by staff: lead_id=%s user=%s", lead.lead_id, actor.username)
    response = jsonify({**asked.view(lead), "duplicate": False})
    response.status_code = 201
    return response


@bp.get("/attention")
def attention():
    """Supervisor: the attention list, bounced leads (off the queue) and waiting ones (still
    claimable: a customer's request unclaimed in time, a renewal past N-7)."""
    actor = asked.actor()
    services = web.services()
    return jsonify(
        bounced=services.staff.desk.attention(actor).leads,
        waiting=services.inbound.attention.waiting(actor),
    )


@bp.get("/notifications")
def notifications():
    """Supervisor: the notices no robot took (``state=dead``, the default) or those waiting to
    be sent (``state=pending``)."""
    from renewdesk.services.worklist import require_supervisor

    actor = asked.actor()
    require_supervisor(actor)
    state = request.args.get("state", "dead")
    if state not in ("dead", "pending"):
        raise InvalidFields({"state": "invalid_choice"})
    dispatcher = web.services().inbound.dispatcher
    found = dispatcher.dead_letters(100) if state == "dead" else dispatcher.pending(100)
    return jsonify(notices=[notice_view(n) for n in found])


@bp.post("/notifications/<notice_id>/resend")
def resend(notice_id: str):
    """Supervisor: send a dead notice again (to the robots that did not take it)."""
    from renewdesk.services.worklist import require_supervisor

    actor = asked.acting()
    require_supervisor(actor)
    notice = web.services().inbound.dispatcher.resend(notice_id)
    log.info("notice resent: notice_id=%s user=%s", notice_id, actor.username)
    return jsonify(notice_view(notice))


@bp.get("/leads/<lead_id>/assist")
def assist(lead_id: str):
    """The lead's scripts (the current step's first), objection answers and message templates
    filled in for this customer."""
    actor = asked.actor()
    services = web.services()
    page = services.staff.desk.lead_page(actor, lead_id)
    return jsonify(services.inbound.assist.for_lead(actor, page["lead"], page["plan"]))


@bp.post("/leads/<lead_id>/messages")
def message_sent(lead_id: str):
    """A message from a template was sent: logged as a follow-up (its channel and result, the
    text as the note); 201 with the lead and the text."""
    from renewdesk.services.staff_inputs import TemplateSent

    actor = asked.acting()
    template = asked.body(TemplateSent).template
    lead, text = web.services().inbound.assist.send(actor, lead_id, template)
    response = jsonify(lead=asked.view(lead), text=text)
    response.status_code = 201
    return response


def notice_view(notice: Any) -> dict[str, Any]:
    """A notice as the supervisor sees it (no personal data: it holds none)."""
    return {
        "notice_id": notice.notice_id,
        "kind": notice.kind,
        "lead_id": notice.lead_id,
        "state": notice.state,
        "attempts": notice.attempts,
        "sent_to": list(notice.sent_to),
        "last_error": notice.last_error,
        "created_at": notice.created_at,
        "due_at": notice.due_at,
        "finished_at": notice.finished_at,
    }
