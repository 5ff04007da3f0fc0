"""The staff console at /staff: server-rendered pages and plain forms (JavaScript only helps).

Every form posts with the session's CSRF token; every action answers with a redirect (303) to a
page, or renders the page again with the problem (status from the one table, api.errors). No
inline script (CSP).
"""

from __future__ import annotations

import logging
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from renewdesk import i18n
from renewdesk.api import staff_auth, web
from renewdesk.api import staff_requests as asked
from renewdesk.api.errors import headers_of, status_of
from renewdesk.errors import (
    Forbidden,
    InvalidFields,
    LoginRefused,
    NotAuthenticated,
    NotFound,
    RenewDeskError,
    UnreadableBody,
    WrongState,
)
from renewdesk.services import clock, worklist

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).resolve().parents[1]
bp = Blueprint(
    "console",
    __name__,
    url_prefix="/staff",
    template_folder=str(PACKAGE / "templates"),
    static_folder=str(PACKAGE / "static"),
    static_url_path="/static",
)

CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
LANGUAGE_COOKIE = "renewdesk_lang"
# Leads on one page of the queue, attention and month lists ("下一页" for the rest).
PAGE_SIZE = 50
NOTICES = frozenset(
    {
        "claimed",
        "queue_empty",
        "followup_saved",
        "closed",
        "released",
        "reopened",
        "reassigned",
        "target_saved",
        "logged_out",
        # Inbound work (api/console_inbound.py).
        "lead_created",
        "duplicate_lead",
        "message_logged",
        "notice_resent",
        # Renewal management (api/console_renewals.py).
        "quote_saved",
        "review_signed",
        "renewal_targets_saved",
    }
)


@bp.before_request
def _language():
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    g.language = (
        chosen
        if chosen in i18n.LANGUAGES
        else i18n.negotiate(request.headers.get("Accept-Language"))
    )


@bp.after_request
def _headers(response: Response):
    if response.mimetype != "image/svg+xml":
        response.headers["Content-Security-Policy"] = CONSOLE_CSP
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(RenewDeskError)
def refused_page(error: RenewDeskError):
    """Every refusal the console does not show in the page it was on: the error page, with the
    status of the one table (api.errors)."""
    code = "invalid_body" if isinstance(error, (UnreadableBody, InvalidFields)) else error.code
    html, status = _page("error.html", status_of(error), code=code)
    return html, status, headers_of(error)


@bp.app_template_global()
def t(key: str, **values: Any) -> str:
    """A console string in the reader's language."""
    return i18n.message(g.get("language", i18n.DEFAULT), key, **values)


@bp.app_template_global()
def error_text(field: str, code: str) -> str:
    """The message for one bad form field."""
    return i18n.field_error(g.get("language", i18n.DEFAULT), field, code)


@bp.app_template_filter("local")
def local_time(stamp: str | None, pattern: str = "%m-%d %H:%M") -> str:
    """A stored UTC timestamp in the store's time zone."""
    if not stamp:
        return ""
    return clock.parse_iso(stamp).astimezone(clock.CHINA).strftime(pattern)


@bp.app_template_filter("pct")
def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


@bp.app_template_filter("money")
def money(amount: Any) -> str:
    return "—" if amount is None else f"¥{float(amount):,.2f}"


def _page(template: str, http_status: int = 200, /, **context: Any):
    """Render a console page; positional-only arguments, so ``status`` (a lead status filter)
    reaches the template instead of becoming the HTTP status."""
    session = g.get("staff_session")
    context.setdefault(
        "notice", request.args.get("notice") if request.args.get("notice") in NOTICES else None
    )
    html = render_template(
        f"staff/{template}",
        actor=session.actor if session else None,
        csrf=staff_auth.csrf_cookie(),
        language=g.get("language", i18n.DEFAULT),
        now_iso=clock.iso(web.services().now()),
        lists=worklist,
        **context,
    )
    return html, http_status


def signed_in(view):
    """Pages need a session; a missing or expired one goes to the login page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            staff_auth.current()
        except NotAuthenticated as error:
            target = url_for(
                "console.login_page",
                next=request.full_path.rstrip("?"),
                expired=1 if error.code == "session_expired" else None,
            )
            response = redirect(target, code=303)
            staff_auth.forget_stale_session(response)
            return response
        if request.method == "POST":
            try:
                staff_auth.require_csrf(request.form.get("csrf_token"))
            except Forbidden as error:
                return _page("error.html", 403, code=error.code)
        return view(*args, **kwargs)

    return wrapper


def _actor():
    return asked.actor()


def _go(endpoint: str, notice: str | None = None, **values: Any):
    query = {"notice": notice} if notice else {}
    return redirect(
        url_for(endpoint, **values) + ("?" + urlencode(query) if query else ""), code=303
    )


# -- sign in and out ----------------------------------------------------------------------


@bp.get("/login")
def login_page():
    return _page(
        "login.html",
        expired=request.args.get("expired") == "1",
        next=_safe_next(request.args.get("next")),
    )


@bp.post("/login")
def login_submit():
    next_page = _safe_next(request.form.get("next"))
    from renewdesk.services.staff_inputs import Login

    staff = web.services().staff
    try:
        staff_auth.require_same_origin()
        form = asked.body(Login, ("username", "password", "otp"))
        member = staff.accounts.authenticate(
            form.username, form.password, form.otp, web.client_address()
        )
    except (InvalidFields, LoginRefused, Forbidden) as error:
        code = getattr(error, "code", "bad_credentials")
        return _page(
            "login.html",
            401,
            error=f"error.{code}",
            next=next_page,
            username=request.form.get("username", ""),
            otp_needed=code in ("otp_required", "bad_otp"),
        )
    new = staff.sessions.open(member, staff_auth.session_id())
    log.info("staff login: user=%s", member.username)
    response = redirect(next_page or url_for("console.day"), code=303)
    staff_auth.set_login_cookies(response, new)
    return response


@bp.post("/logout")
@signed_in
def logout():
    web.services().staff.sessions.close(staff_auth.session_id())
    response = redirect(url_for("console.login_page", notice="logged_out"), code=303)
    staff_auth.clear_cookies(response)
    return response


@bp.get("/lang/<language>")
def switch_language(language: str):
    response = redirect(_safe_next(request.args.get("next")) or url_for("console.day"), code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 86400,
            path="/staff",
            samesite="Lax",
            secure=not staff_auth._settings().local,
            httponly=True,
        )
    return response


def _safe_next(target: str | None) -> str | None:
    """Only paths of the console itself: never an open redirect."""
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return None


# -- work ---------------------------------------------------------------------------------


@bp.get("/")
@signed_in
def day():
    due, later = web.services().staff.desk.my_day(_actor())
    return _page("day.html", due=due, later=later, section="day")


@bp.post("/claim")
@signed_in
def claim():
    lead_type = request.form.get("type") or None
    if lead_type not in (None, *worklist.LEAD_TYPES):
        lead_type = None
    lead = web.services().staff.claims.claim_next(_actor(), lead_type)
    if lead is None:
        return _go("console.day", "queue_empty")
    return _go("console.lead", "claimed", lead_id=lead.lead_id)


@bp.get("/queue")
@signed_in
def queue():
    actor = _actor()
    desk = web.services().staff.desk
    cursors = {name: request.args.get(name) or None for name in ("cursor", "attention_cursor")}
    try:
        ready = desk.queue(actor, PAGE_SIZE, cursors["cursor"])
        attention = (
            desk.attention(actor, PAGE_SIZE, cursors["attention_cursor"])
            if actor.is_supervisor
            else None
        )
    except InvalidFields:
        return _page(
            "queue.html",
            400,
            leads=desk.queue(actor, PAGE_SIZE),
            attention=desk.attention(actor, PAGE_SIZE) if actor.is_supervisor else None,
            cursors={},
            alert="error.invalid_cursor",
            section="queue",
        )
    return _page("queue.html", leads=ready, attention=attention, cursors=cursors, section="queue")


@bp.get("/leads")
@signed_in
def leads():
    status = asked.lead_status(request.args.get("status"))
    try:
        month = asked.month(request.args.get("month"))
    except InvalidFields:
        month = asked.month(None)
    desk = web.services().staff.desk
    context = {"month": month, "status": status, "section": "leads"}
    try:
        found = desk.month_leads(
            _actor(), month, status, PAGE_SIZE, request.args.get("cursor") or None
        )
    except InvalidFields:
        return _page(
            "leads.html",
            400,
            leads=desk.month_leads(_actor(), month, status, PAGE_SIZE),
            alert="error.invalid_cursor",
            **context,
        )
    return _page("leads.html", leads=found, paged=bool(request.args.get("cursor")), **context)


@bp.get("/search")
@signed_in
def search():
    """Find a customer's leads by mobile number, plate or lead id; bad input is said in the
    page, next to the search box."""
    if "q" not in request.args:
        return _page("search.html", query=None, section="search")
    text = request.args["q"]
    try:
        found = web.services().staff.search.find_all(_actor(), text)
    except InvalidFields as error:
        return _page("search.html", 400, q=text, errors=error.fields, section="search")
    return _page(
        "search.html",
        q=text,
        query=found.query,
        found=found.leads,
        policies=found.policies,
        section="search",
    )


@bp.get("/leads/<lead_id>")
@signed_in
def lead(lead_id: str):
    return _lead_page(lead_id)


def _lead_page(lead_id: str, status: int = 200, **context: Any):
    actor = _actor()
    page = web.services().staff.desk.lead_page(actor, lead_id)
    staff = asked.active_staff() if actor.is_supervisor else []
    return _page("lead.html", status, page=page, staff=staff, section="day", **context)


def _lead_action(lead_id: str, action, notice: str, form_name: str | None = None):
    """Run an action from the lead page; back to the page with a notice, or with the problem."""
    try:
        action()
    except InvalidFields as error:
        return _lead_page(lead_id, 400, errors=error.fields, form=request.form, open_form=form_name)
    except (WrongState, Forbidden) as error:
        return _lead_page(lead_id, status_of(error), alert=f"error.{error.code}")
    return _go("console.lead", notice, lead_id=lead_id)


@bp.post("/leads/<lead_id>/followups")
@signed_in
def add_followup(lead_id: str):
    from renewdesk.services.staff_inputs import FollowUp

    def act():
        follow_up = asked.body(FollowUp, ("channel", "result", "note", "next_contact_at"))
        web.services().staff.followups.record(_actor(), lead_id, follow_up)

    return _lead_action(lead_id, act, "followup_saved", "followup")


@bp.post("/leads/<lead_id>/close")
@signed_in
def close(lead_id: str):
    from renewdesk.services.staff_inputs import Close

    def act():
        # The page has both parts of the form; only the chosen outcome's fields count.
        won = request.form.get("outcome") == "won"
        fields = ("outcome", "note", *(("premium", "insurer", "quote_id") if won else ("reason",)))
        web.services().staff.closing.close(_actor(), lead_id, asked.body(Close, fields))

    return _lead_action(lead_id, act, "closed", "close")


@bp.post("/leads/<lead_id>/release")
@signed_in
def release(lead_id: str):
    from renewdesk.services.staff_inputs import Release

    def act():
        why = asked.body(Release, ("reason", "note"))
        web.services().staff.claims.release(_actor(), lead_id, why)

    return _lead_action(lead_id, act, "released", "release")


@bp.post("/leads/<lead_id>/reopen")
@signed_in
def reopen(lead_id: str):
    closing = web.services().staff.closing
    return _lead_action(lead_id, lambda: closing.reopen(_actor(), lead_id), "reopened")


@bp.post("/leads/<lead_id>/reassign")
@signed_in
def reassign(lead_id: str):
    from renewdesk.services.staff_inputs import Reassign

    def act():
        to = asked.body(Reassign, ("to",)).to
        web.services().staff.claims.reassign(_actor(), lead_id, to)

    return _lead_action(lead_id, act, "reassigned", "reassign")


# -- supervisor ---------------------------------------------------------------------------


@bp.get("/team")
@signed_in
def team():
    actor = _actor()
    staff = web.services().staff
    rows = staff.desk.team(actor, [m.username for m in asked.active_staff()])
    return _page(
        "team.html",
        rows=rows,
        members=staff.accounts.list_all(),
        attention=staff.desk.attention(actor).leads,
        section="team",
    )


@bp.get("/reports")
@signed_in
def report():
    actor = _actor()
    reports = web.services().staff.reports
    try:
        data = reports.monthly(actor, request.args.get("month"))
    except InvalidFields:
        data = reports.monthly(actor, None)
    return _page("report.html", report=data, section="report")


@bp.get("/reports/<month>/<chart>.svg")
@signed_in
def report_chart(month: str, chart: str):
    from renewdesk.api import charts

    try:
        data = web.services().staff.reports.monthly(_actor(), month)
    except InvalidFields:
        raise NotFound(month) from None
    if chart not in ("target", "defeats"):
        raise NotFound(chart)
    today = clock.local_date(web.services().now()).isoformat()
    svg = (
        charts.target_vs_actual(data["by_day"], t, today)
        if chart == "target"
        else charts.defeat_reasons(data["defeat_reasons"], t)
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Content-Security-Policy": SVG_CSP})


@bp.get("/reports/<month>.csv")
@signed_in
def report_csv(month: str):
    from renewdesk.api.staff import csv_response

    try:
        data = web.services().staff.reports.monthly(_actor(), month)
    except InvalidFields:
        raise NotFound(month) from None
    return csv_response(data, g.language)


@bp.post("/targets")
@signed_in
def set_target():
    from renewdesk.services.staff_inputs import Target

    actor = _actor()
    month = request.form.get("month", "")
    reports = web.services().staff.reports
    try:
        target = asked.body(Target, ("renewals_won", "premium"))
        reports.set_target(actor, month, target.renewals_won, target.premium)
    except InvalidFields as error:
        data = reports.monthly(actor, None)
        return _page(
            "report.html",
            400,
            report=data,
            section="report",
            errors=error.fields,
            form=request.form,
        )
    return redirect(url_for("console.report", month=month, notice="target_saved"), code=303)
