"""The staff JSON API under /api/staff (contract in design.md): sessions, queue, leads, reports.

401 without a live session, 403 for the wrong role, someone else's lead or a missing CSRF token,
409 when the lead's state does not allow the action.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from renewdesk import i18n
from renewdesk.api import staff_auth, web
from renewdesk.errors import (
    Forbidden,
    InvalidFields,
    LoginRefused,
    NotAuthenticated,
    NotFound,
    StorageUnavailable,
    WrongState,
)

log = logging.getLogger(__name__)
bp = Blueprint("staff_api", __name__, url_prefix="/api/staff")


def _body() -> dict[str, Any]:
    return web.read_submission()


def _acting(write: bool = True):
    """The signed-in actor; writes also need the CSRF header."""
    if write:
        return staff_auth.require_csrf(request.headers.get("X-CSRF-Token")).actor
    return staff_auth.current().actor


# -- session --------------------------------------------------------------------------------


@bp.post("/session")
def login():
    """Sign in: a new session id every time, the CSRF token in the answer."""
    staff_auth.require_same_origin()
    form = staff_auth.parse_input("Login", _body())
    backend = staff_auth.backend()
    member = backend.accounts.authenticate(
        form.username, form.password, form.otp, web.client_address()
    )
    new = backend.sessions.open(member, staff_auth.session_id())
    log.info("staff login: user=%s", member.username)
    response = jsonify(csrf_token=new.csrf_token, user=member.username, role=member.role)
    staff_auth.set_login_cookies(response, new)
    return response


@bp.delete("/session")
def logout():
    """Sign out: the session ends server-side at once."""
    _acting()
    staff_auth.backend().sessions.close(staff_auth.session_id())
    response = Response(status=204)
    staff_auth.clear_cookies(response)
    return response


@bp.get("/session")
def whoami():
    """Who is signed in."""
    actor = _acting(write=False)
    return jsonify(user=actor.username, role=actor.role)


# -- leads ----------------------------------------------------------------------------------


@bp.post("/leads/claim")
def claim():
    """Claim the next lead: 200 with full contact data and the lease, or 204."""
    actor = _acting()
    body = _body() if request.content_length else {}
    wanted = staff_auth.parse_input("Claim", body)
    backend = staff_auth.backend()
    lead = backend.claims.claim_next(actor, wanted.type)
    if lead is None:
        return Response(status=204)
    log.info("lead claimed: lead_id=%s user=%s", lead.lead_id, actor.username)
    return jsonify(_view(lead))


@bp.get("/leads")
def list_leads():
    """Leads by status and/or mine, a page at a time (``cursor`` from the last page's
    ``next_cursor``, ``limit``); or with ``q`` the leads of a customer found by mobile number,
    plate or lead id (see README for what each combination lists)."""
    actor = _acting(write=False)
    backend = staff_auth.backend()
    if "q" in request.args:
        query, found = backend.search.find(actor, request.args["q"])
        return jsonify(leads=found, next_cursor=None, matched_by=query.kind)
    desk = backend.desk
    status = request.args.get("status") or None
    mine = request.args.get("mine", "").lower() in ("1", "true", "yes")
    cursor = request.args.get("cursor") or None
    limit = _page_size(request.args.get("limit"))
    if status not in (None, "queued", "claimed", "attention", "won", "lost"):
        raise InvalidFields({"status": "invalid_choice"})
    if mine or status == "claimed":
        if cursor:
            raise InvalidFields({"cursor": "invalid_cursor"})  # desks are one list, unpaged
        if mine or not actor.is_supervisor:
            names = [actor.username]
        else:
            names = [m.username for m in backend.accounts.list_all() if not m.disabled]
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
        from renewdesk.services.reports import parse_month

        month = parse_month(request.args.get("month"), backend.now())
        page = desk.month_leads(actor, month, status, limit, cursor)
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
    actor = _acting(write=False)
    return jsonify(staff_auth.backend().desk.lead_page(actor, lead_id))


@bp.post("/leads/<lead_id>/followups")
def add_followup(lead_id: str):
    """Log a follow-up."""
    actor = _acting()
    follow_up = staff_auth.parse_input("FollowUp", _body())
    lead = staff_auth.backend().followups.record(actor, lead_id, follow_up)
    response = jsonify(_view(lead))
    response.status_code = 201
    return response


@bp.post("/leads/<lead_id>/close")
def close(lead_id: str):
    """Close as won or lost."""
    actor = _acting()
    closing = staff_auth.parse_input("Close", _body())
    lead = staff_auth.backend().closing.close(actor, lead_id, closing)
    log.info("lead closed: lead_id=%s outcome=%s", lead_id, closing.outcome)
    return jsonify(_view(lead))


@bp.post("/leads/<lead_id>/release")
def release(lead_id: str):
    """Give the lead back to the queue."""
    actor = _acting()
    return jsonify(_view(staff_auth.backend().claims.release(actor, lead_id)))


@bp.post("/leads/<lead_id>/reopen")
def reopen(lead_id: str):
    """Supervisor: reopen a closed lead."""
    actor = _acting()
    return jsonify(_view(staff_auth.backend().closing.reopen(actor, lead_id)))


@bp.post("/leads/<lead_id>/reassign")
def reassign(lead_id: str):
    """Supervisor: give the lead to someone."""
    actor = _acting()
    to = staff_auth.parse_input("Reassign", _body()).to
    return jsonify(_view(staff_auth.backend().claims.reassign(actor, lead_id, to)))


@bp.get("/day")
def my_day():
    """My day: leads due today or overdue, then the rest of my desk."""
    actor = _acting(write=False)
    due, later = staff_auth.backend().desk.my_day(actor)
    return jsonify(
        due=[
            {
                "lead": item.lead,
                "reason": item.reason,
                "due_at": item.due_at,
                "overdue": item.overdue,
                "step": (
                    {
                        "step": item.step.label,
                        "date": item.step.date.isoformat(),
                        "state": item.step.state,
                    }
                    if item.step
                    else None
                ),
            }
            for item in due
        ],
        later=later,
    )


@bp.get("/team")
def team():
    """Supervisor: each staff member's load, and the attention list."""
    actor = _acting(write=False)
    backend = staff_auth.backend()
    names = [m.username for m in backend.accounts.list_all() if not m.disabled]
    return jsonify(
        team=backend.desk.team(actor, names), attention=backend.desk.attention(actor).leads
    )


# -- reports --------------------------------------------------------------------------------


@bp.get("/reports/monthly")
def monthly_report():
    """Supervisor: the month's report as JSON, or CSV with format=csv."""
    actor = _acting(write=False)
    report = staff_auth.backend().reports.monthly(actor, request.args.get("month"))
    if request.args.get("format") == "csv":
        return csv_response(report, web.language())
    return jsonify(report)


@bp.put("/targets/<month>")
def set_target(month: str):
    """Supervisor: set the month's target (renewals won, premium)."""
    actor = _acting()
    target = staff_auth.parse_input("Target", _body())
    return jsonify(
        staff_auth.backend().reports.set_target(actor, month, target.renewals_won, target.premium)
    )


def csv_response(report: dict[str, Any], language: str) -> Response:
    """The report as a CSV download."""
    from renewdesk.services.reports import to_csv

    body = to_csv(report, lambda key: i18n.message(language, key))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="renewdesk-{report["month"]}.csv"'},
    )


def _view(lead: dict[str, Any]) -> dict[str, Any]:
    from renewdesk.services import clock, worklist

    return worklist.view(lead, clock.iso(staff_auth.backend().now()))


# -- errors ---------------------------------------------------------------------------------


@bp.errorhandler(web.BadRequestBody)
def _bad_body(bad: web.BadRequestBody):
    if bad.fields:
        return _invalid(InvalidFields(bad.fields))
    return web.error_json(bad.status, bad.code)


@bp.errorhandler(InvalidFields)
def _invalid(error: InvalidFields):
    language = web.language()
    fields = {
        f: {"code": c, "message": i18n.field_error(language, f, c)} for f, c in error.fields.items()
    }
    response = jsonify(error="invalid", fields=fields)
    response.status_code = 400
    return response


@bp.errorhandler(NotAuthenticated)
def _unauthenticated(error: NotAuthenticated):
    response = web.error_json(401, error.code)
    staff_auth.forget_stale_session(response)
    return response


@bp.errorhandler(LoginRefused)
def _refused(error: LoginRefused):
    return web.error_json(401, error.code)


@bp.errorhandler(Forbidden)
def _forbidden(error: Forbidden):
    return web.error_json(403, error.code)


@bp.errorhandler(WrongState)
def _conflict(error: WrongState):
    return web.error_json(409, error.code)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return web.error_json(404, "not_found")


@bp.errorhandler(StorageUnavailable)
def _unavailable(error: StorageUnavailable):
    return web.error_json(503, "unavailable", {"Retry-After": str(StorageUnavailable.retry_after)})
