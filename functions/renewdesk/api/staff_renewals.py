"""Renewal management in the staff JSON API (contract in design.md, "Renewal cycle and the 续保率
board"): quotes, the board with its targets, weekly reviews of the follow-up register, the
defeat analysis. Same session, CSRF and error rules as api/staff.py."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from renewdesk import i18n
from renewdesk.api import staff_requests as asked
from renewdesk.api import web
from renewdesk.errors import InvalidFields, RenewDeskError

log = logging.getLogger(__name__)
bp = Blueprint("staff_renewals", __name__, url_prefix="/api/staff")
bp.register_error_handler(RenewDeskError, asked.refused)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(sheets: dict[str, list[list[Any]]], wanted: str, name: str) -> Response:
    """Tables as a CSV or XLSX attachment (services.renewal_tables)."""
    from renewdesk.services.renewal_tables import as_csv, as_xlsx

    body, mimetype = (as_csv(sheets), "text/csv") if wanted == "csv" else (as_xlsx(sheets), XLSX)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{wanted}"'},
    )


def _format() -> str | None:
    wanted = request.args.get("format")
    if wanted not in (None, "", "json", "csv", "xlsx"):
        raise InvalidFields({"format": "invalid_choice"})
    return None if wanted in (None, "", "json") else wanted


def label(language: str):
    """Catalog texts in the reader's language, for tables."""
    return lambda key, **values: i18n.message(language, key, **values)


# -- quotes ---------------------------------------------------------------------------------


@bp.post("/leads/<lead_id>/quotes")
def add_quote(lead_id: str):
    """Record a quote on a lead: 201 with its id and the gift tier it earns."""
    from renewdesk.services.renewal_inputs import Quote

    actor = asked.acting()
    quote = web.services().renewals.quotes.record(actor, lead_id, asked.body(Quote))
    log.info("quote recorded: lead_id=%s quote_id=%s", lead_id, quote["quote_id"])
    response = jsonify(quote)
    response.status_code = 201
    return response


@bp.get("/insurers")
def insurers():
    """The insurers a quote may name, partners first."""
    asked.actor()
    found = web.services().renewals.insurers()
    ordered = sorted(found.insurers, key=lambda i: not i.partner)
    return jsonify(insurers=[{"name": i.name, "partner": i.partner} for i in ordered])


# -- the board ------------------------------------------------------------------------------


@bp.get("/reports/renewals")
def renewals_board():
    """Supervisor: the 续保率 board of a month of expiry; format=csv or xlsx for tables."""
    wanted = _format()
    board = web.services().renewals.board.board(asked.actor(), request.args.get("month"))
    if wanted is None:
        return jsonify(board)
    from renewdesk.services.renewal_tables import board_sheets

    sheets = board_sheets(board, label(web.language()))
    return download(sheets, wanted, f"renewdesk-renewals-{board['month']}")


@bp.put("/reports/renewals/targets/<month>")
def set_renewal_targets(month: str):
    """Supervisor: the month's 续保率 targets (fractions 0–1; a grade left out has none)."""
    from renewdesk.services.renewal_inputs import RenewalTargets

    actor = asked.acting()
    wanted = asked.body(RenewalTargets)
    return jsonify(web.services().renewals.board.set_targets(actor, month, wanted))


# -- weekly review of the register ----------------------------------------------------------


@bp.post("/reviews")
def sign_review():
    """Supervisor: sign a specialist's week; 409 if that week is signed already."""
    from renewdesk.services.renewal_inputs import ReviewInput

    actor = asked.acting()
    review = web.services().renewals.reviews.sign(actor, asked.body(ReviewInput))
    log.info("register reviewed: specialist=%s week=%s", review["specialist"], review["week"])
    response = jsonify(review)
    response.status_code = 201
    return response


@bp.get("/reviews")
def week_reviews():
    """Supervisor: a week's reviews and the specialists not reviewed yet."""
    reviews = web.services().renewals.reviews
    return jsonify(reviews.of_week(asked.actor(), request.args.get("week")))


@bp.get("/register")
def register():
    """A specialist's week of the follow-up register with the review's checks (their own, or
    anyone's for a supervisor)."""
    actor = asked.actor()
    who = request.args.get("specialist") or actor.username
    reviews = web.services().renewals.reviews
    return jsonify(reviews.register(actor, who, request.args.get("week")))


# -- defeat analysis ------------------------------------------------------------------------


@bp.get("/reports/defeats")
def defeats():
    """Supervisor: a month's defeat analysis; format=xlsx (or csv) for the file."""
    wanted = _format()
    analysis = web.services().renewals.defeats.analysis(asked.actor(), request.args.get("month"))
    if wanted is None:
        return jsonify(analysis)
    from renewdesk.services.renewal_tables import defeat_sheets

    sheets = defeat_sheets(analysis, label(web.language()))
    return download(sheets, wanted, f"renewdesk-defeats-{analysis['month']}")
