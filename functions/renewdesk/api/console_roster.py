"""Roster uploads in the staff console (/staff/roster, supervisor): choose or drop a file, see the
header found and the column mapping before anything is written, confirm, watch the progress,
read the summary and download the rejected rows.

Pages work without JavaScript (the running import reloads itself); roster_upload.js adds the
drop zone and a live progress bar from the staff API.
"""

from __future__ import annotations

from flask import Blueprint

from renewdesk.api import console, staff_roster, web
from renewdesk.api.console import _actor, _go, _page, signed_in
from renewdesk.errors import InvalidFields, RosterFileRefused, UnreadableBody, WrongState

bp = Blueprint("console_roster", __name__, url_prefix="/staff/roster")
bp.before_request(console._language)
bp.before_request(staff_roster.allow_upload)  # before signed_in reads the form's CSRF token
bp.after_request(console._headers)


@bp.get("/")
@signed_in
def upload():
    """The upload page with the latest imports."""
    return _upload_page()


def _upload_page(status: int = 200, **context):
    jobs = web.services().roster.jobs.recent(_actor())
    return _page("roster_upload.html", status, jobs=jobs, section="roster", **context)


@bp.post("/imports")
@signed_in
def submit():
    """Read and check the chosen file, keep it as a draft, show what was found."""
    try:
        data, name, sheet = staff_roster.uploaded()
        job = web.services().roster.jobs.draft(_actor(), data, name, sheet)
    except RosterFileRefused as error:
        problem = staff_roster.refused_file(error, web.language())["fields"]["file"]["message"]
        return _upload_page(400, problem=problem)
    except (InvalidFields, UnreadableBody):
        return _upload_page(400, problem=console.t("imports.console.choose_file"))
    return _go("console_roster.job", import_id=job.import_id)


@bp.get("/imports/<import_id>")
@signed_in
def job(import_id: str):
    """A draft's preview, a running import's progress, or a finished one's summary."""
    actor = _actor()
    jobs = web.services().roster.jobs
    found = jobs.job(actor, import_id)
    problems = staff_roster.problem_lines(jobs.problems(actor, import_id), web.language())
    view = staff_roster.job_view(found, web.language())
    return _page("roster_import.html", job=found, view=view, problems=problems, section="roster")


@bp.post("/imports/<import_id>/start")
@signed_in
def start(import_id: str):
    """The supervisor confirms: the import starts in the background."""
    try:
        web.services().roster.jobs.start(_actor(), import_id)
    except WrongState:
        pass  # started already (a second click): its page shows where it stands
    return _go("console_roster.job", import_id=import_id)
