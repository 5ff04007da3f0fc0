"""The staff JSON API under /api/staff (contract in design.md): sessions, queue, leads, reports.

Views parse (api.staff_requests), call a service and answer JSON; every refusal is a domain
error answered by the one table (api.errors): 401 without a live session, 403 for the wrong
role, someone else's lead or a missing CSRF token, 409 when the lead's state does not allow it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from renewdesk.api import staff_auth, web
from renewdesk.api import staff_requests as asked
from renewdesk.errors import InvalidFields, RenewDeskError

log = logging.getLogger(__name__)
bp = Blueprint("staff_api", __name__, url_prefix="/api/staff")
bp.register_error_handler(RenewDeskError, asked.refused)


# -- session --------------------------------------------------------------------------------


@bp.post("/session")
def login():
    """Sign in: a new session id every time, the CSRF token in the answer."""
    from renewdesk.services.staff_inputs import Login

    staff_auth.require_same_origin()
    form = asked.body(Login)
    staff = web.services().staff
    member = staff.accounts.authenticate(
        form.username, form.password, form.otp, web.client_address()
    )
    new = staff.sessions.open(member, staff_auth.session_id())
    log.info("staff login: user=%s", member.username)
    response = jsonify(csrf_token=new.csrf_token, user=member.username, role=member.role)
    staff_auth.set_login_cookies(response, new)
    return response


@bp.delete("/session")
def logout():
    """Sign out: the session ends server-side at once."""
    asked.acting()
    web.services().staff.sessions.close(staff_auth.session_id())
    response = Response(status=204)
    staff_auth.clear_cookies(response)
    return response


@bp.get("/session")
def whoami():
    """Who is signed in."""
    actor = asked.actor()
    return jsonify(user=actor.username, role=actor.role)


# -- leads ----------------------------------------------------------------------------------


@bp.post("/leads/claim")
def claim():
    """Claim the next lead: 200 with full contact data and the lease, or 204."""
    from renewdesk.services.staff_inputs import Claim

    actor = asked.acting()
    wanted = asked.body(Claim) if request.content_length else Claim()
    lead = web.services().staff.claims.claim_next(actor, wanted.type)
    if lead is None:
        return Response(status=204)
    log.info("lead claimed: lead_id=%s user=%s", lead.lead_id, actor.username)
    return jsonify(asked.view(lead))


@bp.get("/leads")
def list_leads():
    """Leads by status and/or mine, a page at a time (``cursor`` from the last page's
    ``next_cursor``, ``limit``); or with ``q`` the leads of a customer found by mobile number,
    plate or lead id (see README for what each combination lists)."""
    actor = asked.actor()
    staff = web.services().staff
    if "q" in request.args:
        found = staff.search.find_all(actor, request.args["q"])
        return jsonify(
            leads=found.leads,
            next_cursor=None,
            matched_by=found.query.kind,
            policies=found.policies,
        )
    desk = staff.desk
    status = asked.lead_status(request.args.get("status"))
    mine = request.args.get("mine", "").lower() in ("1", "true", "yes")
    cursor = request.args.get("cursor") or None
    limit = _page_size(request.args.get("limit"))
    if mine or status == "claimed":
        if cursor:
            raise InvalidFields({"cursor": "invalid_cursor"})  # desks are one list, unpaged
        names = (
            [actor.username]
            if mine or not actor.is_supervisor
            else [m.username for m in asked.active_staff()]
        )
        leads = [
            lead
            for name in names
            for lead in desk.desk(actor, name)
            if status in (None, lead["status"])
        ]
        return jsonify(leads=leads, next_cursor=None)
    if status == "queued":
        page = desk.queue(actor, limit, cursor)
    elif status == "attention":
        page = desk.attention(actor, limit, cursor)
    else:
        page = desk.month_leads(
            actor, asked.month(request.args.get("month")), status, limit, cursor
        )
    return jsonify(leads=page.leads, next_cursor=page.next_cursor)


def _page_size(text: str | None) -> int:
    """The ``limit`` query parameter: 1 to LIST_LIMIT leads a page (LIST_LIMIT if absent)."""
    from renewdesk.services.desk import LIST_LIMIT

    if text is None:
        return LIST_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= LIST_LIMIT:
        raise InvalidFields({"limit": "invalid_limit"})
    return int(text)


@bp.get("/leads/<lead_id>")
def get_lead(lead_id: str):
    """A lead with its follow-up register, plan steps and the customer's earlier leads."""
    return jsonify(web.services().staff.desk.lead_page(asked.actor(), lead_id))


@bp.post("/leads/<lead_id>/followups")
def add_followup(lead_id: str):
    """Log a follow-up."""
    from renewdesk.services.staff_inputs import FollowUp

    actor = asked.acting()
    lead = web.services().staff.followups.record(actor, lead_id, asked.body(FollowUp))
    response = jsonify(asked.view(lead))
    response.status_code = 201
    return response


@bp.post("/leads/<lead_id>/close")
def close(lead_id: str):
    """Close as won or lost."""
    from renewdesk.services.staff_inputs import Close

    actor = asked.acting()
    closing = asked.body(Close)
    lead = web.services().staff.closing.close(actor, lead_id, closing)
    log.info("lead closed: lead_id=%s outcome=%s", lead_id, closing.outcome)
    return jsonify(asked.view(lead))


@bp.post("/leads/<lead_id>/release")
def release(lead_id: str):
    """Give the lead back to the queue, with a reason from the fixed list."""
    from renewdesk.services.staff_inputs import Release

    actor = asked.acting()
    why = asked.body(Release)
    return jsonify(asked.view(web.services().staff.claims.release(actor, lead_id, why)))


@bp.post("/leads/<lead_id>/reopen")
def reopen(lead_id: str):
    """Supervisor: reopen a closed lead."""
    actor = asked.acting()
    return jsonify(asked.view(web.services().staff.closing.reopen(actor, lead_id)))


@bp.post("/leads/<lead_id>/reassign")
def reassign(lead_id: str):
    """Supervisor: give the lead to someone."""
    from renewdesk.services.staff_inputs import Reassign

    actor = asked.acting()
    to = asked.body(Reassign).to
    return jsonify(asked.view(web.services().staff.claims.reassign(actor, lead_id, to)))


@bp.get("/day")
def my_day():
    """My day: leads due today or overdue, then the rest of my desk."""
    due, later = web.services().staff.desk.my_day(asked.actor())
    return jsonify(due=[_day_item(item) for item in due], later=later)


def _day_item(item: Any) -> dict[str, Any]:
    step = item.step
    return {
        "lead": item.lead,
        "reason": item.reason,
        "due_at": item.due_at,
        "overdue": item.overdue,
        "step": {"step": step.label, "date": step.date.isoformat(), "state": step.state}
        if step
        else None,
    }


@bp.get("/team")
def team():
    """Supervisor: each staff member's load, and the attention list."""
    actor = asked.actor()
    desk = web.services().staff.desk
    names = [m.username for m in asked.active_staff()]
    return jsonify(team=desk.team(actor, names), attention=desk.attention(actor).leads)


# -- reports --------------------------------------------------------------------------------


@bp.get("/reports/monthly")
def monthly_report():
    """Supervisor: the month's report as JSON, or CSV with format=csv."""
    report = web.services().staff.reports.monthly(asked.actor(), request.args.get("month"))
    if request.args.get("format") == "csv":
        return csv_response(report, web.language())
    return jsonify(report)


@bp.put("/targets/<month>")
def set_target(month: str):
    """Supervisor: set the month's target (renewals won, premium)."""
    from renewdesk.services.staff_inputs import Target

    actor = asked.acting()
    target = asked.body(Target)
    reports = web.services().staff.reports
    return jsonify(reports.set_target(actor, month, target.renewals_won, target.premium))


def csv_response(report: dict[str, Any], language: str) -> Response:
    """The report as a CSV download."""
    from renewdesk import i18n
    from renewdesk.services.reports import to_csv

    body = to_csv(report, lambda key: i18n.message(language, key))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="renewdesk-{report["month"]}.csv"'},
    )


# -- refusals -------------------------------------------------------------------------------
