"""The staff console at /staff: server-rendered pages and plain forms (JavaScript only helps).

Every form posts with the session's CSRF token; every action answers with a redirect (303) to a
page, or renders the page again with the problem (400/403/409). No inline script (CSP).
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
from renewdesk.errors import (
    Forbidden,
    InvalidFields,
    LoginRefused,
    NotAuthenticated,
    NotFound,
    StorageUnavailable,
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


@bp.errorhandler(web.BadRequestBody)
def _bad_body(bad: web.BadRequestBody):
    return _page("error.html", 400, code="invalid_body")


@bp.errorhandler(StorageUnavailable)
def _unavailable(error: StorageUnavailable):
    html, status = _page("error.html", 503, code="unavailable")
    return html, status, {"Retry-After": str(StorageUnavailable.retry_after)}


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
        language=g.language,
        now_iso=clock.iso(_backend().now()),
        lists=worklist,
        **context,
    )
    return html, http_status


def _backend():
    return staff_auth.backend()


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
    return staff_auth.current().actor


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
    try:
        staff_auth.require_same_origin()
        form = staff_auth.parse_input(
            "Login", {k: v for k, v in request.form.items() if k != "next"}
        )
        member = _backend().accounts.authenticate(
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
    new = _backend().sessions.open(member, staff_auth.session_id())
    log.info("staff login: user=%s", member.username)
    response = redirect(next_page or url_for("console.day"), code=303)
    staff_auth.set_login_cookies(response, new)
    return response


@bp.post("/logout")
@signed_in
def logout():
    _backend().sessions.close(staff_auth.session_id())
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
    due, later = _backend().desk.my_day(_actor())
    return _page("day.html", due=due, later=later, section="day")


@bp.post("/claim")
@signed_in
def claim():
    lead_type = request.form.get("type") or None
    if lead_type not in (None, *worklist.LEAD_TYPES):
        lead_type = None
    lead = _backend().claims.claim_next(_actor(), lead_type)
    if lead is None:
        return _go("console.day", "queue_empty")
    return _go("console.lead", "claimed", lead_id=lead.lead_id)


@bp.get("/queue")
@signed_in
def queue():
    actor = _actor()
    desk = _backend().desk
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
    from renewdesk.services.reports import parse_month

    status = request.args.get("status") or None
    if status not in (None, "queued", "claimed", "attention", "won", "lost"):
        status = None
    try:
        month = parse_month(request.args.get("month"), _backend().now())
    except InvalidFields:
        month = parse_month(None, _backend().now())
    desk = _backend().desk
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
        query, found = _backend().search.find(_actor(), text)
    except InvalidFields as error:
        return _page("search.html", 400, q=text, errors=error.fields, section="search")
    return _page("search.html", q=text, query=query, found=found, section="search")


@bp.get("/leads/<lead_id>")
@signed_in
def lead(lead_id: str):
    return _lead_page(lead_id)


def _lead_page(lead_id: str, status: int = 200, **context: Any):
    actor = _actor()
    try:
        page = _backend().desk.lead_page(actor, lead_id)
    except NotFound:
        return _page("error.html", 404, code="not_found")
    except Forbidden as error:
        return _page("error.html", 403, code=error.code)
    staff = (
        [m for m in _backend().accounts.list_all() if not m.disabled] if actor.is_supervisor else []
    )
    return _page("lead.html", status, page=page, staff=staff, section="day", **context)


def _lead_action(lead_id: str, action, notice: str, form_name: str | None = None):
    """Run an action from the lead page; back to the page with a notice, or with the problem."""
    try:
        action()
    except InvalidFields as error:
        return _lead_page(lead_id, 400, errors=error.fields, form=request.form, open_form=form_name)
    except (WrongState, Forbidden) as error:
        return _lead_page(
            lead_id, 409 if isinstance(error, WrongState) else 403, alert=f"error.{error.code}"
        )
    except NotFound:
        return _page("error.html", 404, code="not_found")
    return _go("console.lead", notice, lead_id=lead_id)


def _form_fields(*names: str) -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k in names}


@bp.post("/leads/<lead_id>/followups")
@signed_in
def add_followup(lead_id: str):
    def act():
        follow_up = staff_auth.parse_input(
            "FollowUp", _form_fields("channel", "result", "note", "next_contact_at")
        )
        _backend().followups.record(_actor(), lead_id, follow_up)

    return _lead_action(lead_id, act, "followup_saved", "followup")


@bp.post("/leads/<lead_id>/close")
@signed_in
def close(lead_id: str):
    def act():
        fields = _form_fields("outcome", "reason", "note", "premium", "insurer")
        if fields.get("outcome") == "won":
            fields.pop("reason", None)
        else:
            fields.pop("premium", None)
            fields.pop("insurer", None)
        _backend().closing.close(_actor(), lead_id, staff_auth.parse_input("Close", fields))

    return _lead_action(lead_id, act, "closed", "close")


@bp.post("/leads/<lead_id>/release")
@signed_in
def release(lead_id: str):
    return _lead_action(lead_id, lambda: _backend().claims.release(_actor(), lead_id), "released")


@bp.post("/leads/<lead_id>/reopen")
@signed_in
def reopen(lead_id: str):
    return _lead_action(lead_id, lambda: _backend().closing.reopen(_actor(), lead_id), "reopened")


@bp.post("/leads/<lead_id>/reassign")
@signed_in
def reassign(lead_id: str):
    def act():
        to = staff_auth.parse_input("Reassign", _form_fields("to")).to
        _backend().claims.reassign(_actor(), lead_id, to)

    return _lead_action(lead_id, act, "reassigned", "reassign")


# -- supervisor ---------------------------------------------------------------------------


@bp.get("/team")
@signed_in
def team():
    actor = _actor()
    if not actor.is_supervisor:
        return _page("error.html", 403, code="supervisor_only")
    backend = _backend()
    members = backend.accounts.list_all()
    rows = backend.desk.team(actor, [m.username for m in members if not m.disabled])
    return _page(
        "team.html",
        rows=rows,
        members=members,
        attention=backend.desk.attention(actor).leads,
        section="team",
    )


@bp.get("/reports")
@signed_in
def report():
    actor = _actor()
    if not actor.is_supervisor:
        return _page("error.html", 403, code="supervisor_only")
    try:
        data = _backend().reports.monthly(actor, request.args.get("month"))
    except InvalidFields:
        data = _backend().reports.monthly(actor, None)
    return _page("report.html", report=data, section="report")


@bp.get("/reports/<month>/<chart>.svg")
@signed_in
def report_chart(month: str, chart: str):
    from renewdesk.api import charts

    actor = _actor()
    if not actor.is_supervisor:
        return _page("error.html", 403, code="supervisor_only")
    if chart not in ("target", "defeats"):
        return _page("error.html", 404, code="not_found")
    try:
        data = _backend().reports.monthly(actor, month)
    except InvalidFields:
        return _page("error.html", 404, code="not_found")
    svg = (
        charts.target_vs_actual(data["by_day"], t)
        if chart == "target"
        else charts.defeat_reasons(data["defeat_reasons"], t)
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Content-Security-Policy": SVG_CSP})


@bp.get("/reports/<month>.csv")
@signed_in
def report_csv(month: str):
    from renewdesk.api.staff import csv_response

    actor = _actor()
    try:
        data = _backend().reports.monthly(actor, month)
    except Forbidden as error:
        return _page("error.html", 403, code=error.code)
    except InvalidFields:
        return _page("error.html", 404, code="not_found")
    return csv_response(data, g.language)


@bp.post("/targets")
@signed_in
def set_target():
    actor = _actor()
    month = request.form.get("month", "")
    try:
        target = staff_auth.parse_input("Target", _form_fields("renewals_won", "premium"))
        _backend().reports.set_target(actor, month, target.renewals_won, target.premium)
    except Forbidden as error:
        return _page("error.html", 403, code=error.code)
    except InvalidFields as error:
        data = _backend().reports.monthly(actor, None)
        return _page(
            "report.html",
            400,
            report=data,
            section="report",
            errors=error.fields,
            form=request.form,
        )
    return redirect(url_for("console.report", month=month, notice="target_saved"), code=303)
