"""What the staff JSON API and the console both read from a request: the signed-in actor, a
body validated by a staff input model, list filters, the month, the active staff.

Input models are imported where a view uses them (pydantic stays out of the Lambda cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from flask import request

from renewdesk.api import staff_auth, web
from renewdesk.errors import InvalidFields, NotAuthenticated, RenewDeskError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from renewdesk.services.staff import Actor, StaffMember

M = TypeVar("M", bound="BaseModel")


def actor(write: bool = False, csrf_token: str | None = None) -> Actor:
    """The signed-in staff member; a state-changing request must also carry the session's CSRF
    token and come from this site."""
    if write:
        return staff_auth.require_csrf(csrf_token).actor
    return staff_auth.current().actor


def acting() -> Actor:
    """The signed-in actor of a state-changing API call (the CSRF token in its header)."""
    return actor(write=True, csrf_token=request.headers.get("X-CSRF-Token"))


def refused(error: RenewDeskError):
    """A refusal of the staff JSON API (status and body from api.errors); the session cookies
    of a request that carried a stale one are cleared."""
    response = web.refused_json(error)
    if isinstance(error, NotAuthenticated):
        staff_auth.forget_stale_session(response)
    return response


def body(model: type[M], fields: tuple[str, ...] | None = None) -> M:
    """The request body (JSON or form) validated by a staff input model; ``fields``: only these
    fields of a form that carries others (csrf_token, next)."""
    from renewdesk.services.submissions import parse

    data = web.read_submission()
    if fields is not None:
        data = {k: v for k, v in data.items() if k in fields}
    return parse(model, data)


def lead_status(text: str | None) -> str | None:
    """A list's status filter: one of services.worklist.STATUSES, or None for all."""
    from renewdesk.services.worklist import STATUSES

    if not text:
        return None
    if text not in STATUSES:
        raise InvalidFields({"status": "invalid_choice"})
    return text


def month(text: str | None) -> str:
    """A YYYY-MM month, this month when absent; InvalidFields ``month`` when malformed."""
    from renewdesk.services.reports import parse_month

    return parse_month(text, web.services().now())


def active_staff() -> list[StaffMember]:
    """Every account that is not disabled, by username."""
    return [m for m in web.services().staff.accounts.list_all() if not m.disabled]


def view(lead: Any) -> dict[str, Any]:
    """A lead as the staff API shows it to someone allowed to work it."""
    from renewdesk.services import clock, worklist

    return worklist.view(lead, clock.iso(web.services().now()))
