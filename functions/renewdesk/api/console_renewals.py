"""Renewal management in the staff console: the 续保率 board with its charts and targets, the
follow-up register with its weekly review, the defeat analysis, and quotes on the lead page.

Pages are rendered by api.console's ``_page`` with its language, headers and refusals; every
form posts with the session's CSRF token and answers with a redirect, or the page again with
the problem.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, redirect, request, url_for

from renewdesk.api import console, web
from renewdesk.api import staff_requests as asked
from renewdesk.api.console import SVG_CSP, _actor, _page, signed_in, t
from renewdesk.errors import InvalidFields, NotFound, RenewDeskError, WrongState

bp = Blueprint("console_renewals", __name__, url_prefix="/staff")
bp.before_request(console._language)
bp.after_request(console._headers)
bp.register_error_handler(RenewDeskError, console.refused_page)
CHARTS = ("daily", "trend", "grades")


def _month(text: str | None, fallback: str | None = None) -> tuple[str, bool]:
    """(The month asked for, or the fallback/this month; whether the text was bad)."""
    try:
        return asked.month(text or fallback), False
    except InvalidFields:
        return asked.month(fallback), True


@bp.app_template_global()
def insurer_choices() -> list[Any]:
    """The insurers a quote may name, partners first (the lead page's quote form)."""
    found = web.services().renewals.insurers()
    return sorted(found.insurers, key=lambda i: not i.partner)


@bp.app_template_global()
def insurer_is_partner(name: str) -> bool:
    """Whether an insurer named in the register is one the store works with."""
    return web.services().renewals.insurers().is_partner(name)


@bp.app_template_global()
def band_text(band: str | None) -> str:
    """A gift tier's band as people read it: 仅交强险, 商业险 ¥3,000–5,000, ¥8,000 以上."""
    if not band:
        return t("quotes.no_gift")
    if band == "compulsory_only":
        return t("quotes.band.compulsory_only")
    low, _, high = band.partition("-")
    if band.endswith("+"):
        return t("quotes.band", band=f"{int(band[:-1]):,}+")
    return t("quotes.band", band=f"{int(low):,}–{int(high):,}")


# -- the board ------------------------------------------------------------------------------


@bp.get("/renewals")
@signed_in
def board():
    actor = _actor()
    renewals = web.services().renewals
    month, bad = _month(request.args.get("month"))
    data = renewals.board.board(actor, month)
    today = clock_today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return _page(
        "renewals.html",
        400 if bad else 200,
        board=data,
        alert="error.invalid_month" if bad else None,
        defeats_month=last_month,
        defeats_ready=renewals.defeats.prepared_at(actor, last_month),
        section="renewals",
    )


@bp.get("/renewals/<month>/<chart>.svg")
@signed_in
def board_chart(month: str, chart: str):
    from renewdesk.api import renewal_charts

    if chart not in CHARTS:
        raise NotFound(chart)
    try:
        data = web.services().renewals.board.board(_actor(), month)
    except InvalidFields:
        raise NotFound(month) from None
    if chart == "daily":
        svg = renewal_charts.by_day(data["by_day"], t)
    elif chart == "trend":
        svg = renewal_charts.trend(data["trend"], data["target"]["rate_count"], t)
    else:
        svg = renewal_charts.grades(data, t)
    return Response(svg, mimetype="image/svg+xml", headers={"Content-Security-Policy": SVG_CSP})


@bp.post("/renewals/targets")
@signed_in
def set_targets():
    from renewdesk.services.renewal_inputs import RenewalTargets
    from renewdesk.services.submissions import parse

    actor = _actor()
    renewals = web.services().renewals
    month, _ = _month(request.form.get("month"))
    fields = ("rate_count", "rate_premium", "grade_a", "grade_b", "grade_c")
    # The form asks for percentages: 92 means 92%.
    wanted = {
        name: _percent(request.form.get(name, "")) for name in fields if request.form.get(name)
    }
    try:
        renewals.board.set_targets(actor, month, parse(RenewalTargets, wanted))
    except InvalidFields as error:
        return _page(
            "renewals.html",
            400,
            board=renewals.board.board(actor, month),
            errors=error.fields,
            form=request.form,
            defeats_month=month,
            defeats_ready=None,
            section="renewals",
        )
    target = url_for("console_renewals.board", month=month, notice="renewal_targets_saved")
    return redirect(target, code=303)


def _percent(text: str) -> str:
    text = text.strip()
    return text if text.endswith("%") else f"{text}%"


def clock_today() -> dt.date:
    from renewdesk.services import clock

    return clock.local_date(web.services().now())


# -- the follow-up register and its weekly review -------------------------------------------


@bp.get("/register")
@signed_in
def my_register():
    return redirect(url_for("console_renewals.register", username=_actor().username), code=303)


@bp.get("/register/<username>")
@signed_in
def register(username: str):
    return _register_page(username, request.args.get("week"))


def _register_page(username: str, week: str | None, status: int = 200, **context: Any):
    from renewdesk.services.reviews import week_of

    reviews = web.services().renewals.reviews
    try:
        page = reviews.register(_actor(), username, week)
    except InvalidFields:
        page = reviews.register(_actor(), username, None)
        context.setdefault("alert", "error.invalid_week")
        status = 400
    monday = dt.date.fromisoformat(page["from"])
    return _page(
        "register.html",
        status,
        page=page,
        previous_week=week_of(monday - dt.timedelta(days=7)),
        next_week=week_of(monday + dt.timedelta(days=7)),
        section="register" if username == _actor().username else "team",
        **context,
    )


@bp.post("/register/<username>/review")
@signed_in
def sign_review(username: str):
    from renewdesk.services.renewal_inputs import ReviewInput
    from renewdesk.services.submissions import parse

    week = request.form.get("week", "")
    body = {"specialist": username, "week": week, "comment": request.form.get("comment", "")}
    try:
        web.services().renewals.reviews.sign(_actor(), parse(ReviewInput, body))
    except InvalidFields as error:
        return _register_page(username, week or None, 400, errors=error.fields, form=request.form)
    except WrongState as error:
        return _register_page(username, week or None, 409, alert=f"error.{error.code}")
    target = url_for(
        "console_renewals.register", username=username, week=week, notice="review_signed"
    )
    return redirect(target, code=303)


# -- the defeat analysis --------------------------------------------------------------------


@bp.get("/defeats")
@signed_in
def defeats():
    today = clock_today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    month, bad = _month(request.args.get("month"), last_month)
    analysis = web.services().renewals.defeats.analysis(_actor(), month)
    return _page(
        "defeats.html",
        400 if bad else 200,
        analysis=analysis,
        alert="error.invalid_month" if bad else None,
        section="renewals",
    )


# -- quotes on the lead page ----------------------------------------------------------------


@bp.post("/leads/<lead_id>/quotes")
@signed_in
def add_quote(lead_id: str):
    from renewdesk.services.renewal_inputs import Quote

    def act():
        fields = ("insurer", "commercial_premium", "compulsory_premium", "valid_until", "note")
        web.services().renewals.quotes.record(_actor(), lead_id, asked.body(Quote, fields))

    return console._lead_action(lead_id, act, "quote_saved", "quote")
