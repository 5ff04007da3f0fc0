"""Roster uploads over the staff API (contract in design.md; supervisor only).

- ``POST /api/staff/roster/imports`` (multipart/form-data, field ``file``, optional ``sheet``;
  at most 10 MiB): the file is read and checked at once, then imported in the background:
  ``202 {"import_id"}``. With ``?preview=1`` nothing is imported yet: ``200`` the draft (the
  header found, the column mapping, the counts), confirmed by ``POST .../<id>/start`` (``202``).
- ``GET /api/staff/roster/imports/<id>``: the state with its counts (and the preview's fields).
- ``GET /api/staff/roster/imports/<id>/rejects``: the rejected rows as a CSV for Excel, with the
  file's own header and cells and the reasons, ready to correct and upload again.
- ``GET /api/staff/roster/imports``: the latest imports.

Only this blueprint takes bodies above the app's 16 KiB: the limit is raised per request, for
multipart uploads only, before the body is touched; JSON and form bodies stay strict (api/web).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request, url_for

from renewdesk import i18n
from renewdesk.api import staff_requests as asked
from renewdesk.api import web
from renewdesk.errors import InvalidFields, RenewDeskError, RosterFileRefused, UnreadableBody

log = logging.getLogger(__name__)
bp = Blueprint("staff_roster", __name__, url_prefix="/api/staff/roster")
bp.register_error_handler(RenewDeskError, asked.refused)
# The multipart envelope around a file of the largest size taken.
ENVELOPE_BYTES = 64 * 1024
SHOWN_PROBLEMS = 20


def allow_upload() -> None:
    """Let this request's body be as large as an upload may be (multipart only)."""
    from renewdesk.services.roster_jobs import MAX_UPLOAD_BYTES

    if request.mimetype == "multipart/form-data":
        request.max_content_length = MAX_UPLOAD_BYTES + ENVELOPE_BYTES


def uploaded() -> tuple[bytes, str, str | None]:
    """(The file's bytes, its name, the sheet asked for) of a multipart upload."""
    from renewdesk.services.roster_jobs import SUFFIXES

    if request.mimetype != "multipart/form-data":
        raise UnreadableBody("unsupported_media_type")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidFields({"file": "required"})
    name = upload.filename
    if Path(name).suffix.lower() not in SUFFIXES:
        raise RosterFileRefused("unsupported_file", Path(name).suffix or name)
    sheet = (request.form.get("sheet") or "").strip() or None
    return upload.read(), name, sheet


def refused_file(error: RosterFileRefused, language: str) -> dict[str, Any]:
    """The field error of an unreadable file, its message naming the detail."""
    key = f"roster.file.{error.reason}"
    if key not in i18n.catalog(language):
        key = f"error.{error.reason}"
    return {
        "error": "invalid",
        "fields": {
            "file": {
                "code": error.reason,
                "message": i18n.message(language, key, detail=error.detail, field="file"),
            }
        },
    }


def job_view(job: Any, language: str) -> dict[str, Any]:
    """An import as the API shows it: the contract's counts first, then how the file read."""
    from renewdesk.services import roster_report

    reading = job.reading
    return {
        "import_id": job.import_id,
        "state": job.state,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "added": job.added,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "warnings": job.warnings,
        "leads_updated": job.leads_updated,
        "owners_changed": job.owners_changed,
        "records_total": job.records_total,
        "file_name": job.file_name,
        "file_size": job.file_size,
        "created_at": job.created_at,
        "created_by": job.created_by,
        "finished_at": job.finished_at,
        "error": job.error,
        "error_message": i18n.message(language, f"imports.error.{job.error}")
        if job.error
        else None,
        "sheet": reading.sheet,
        "sheets": list(reading.sheets),
        "header_rows": list(reading.header_rows),
        "columns": [
            {"field": name, "label": roster_report.field_label(name, language), "column": column}
            for name, column in reading.mapping
        ],
        "notices": roster_report.notices(reading, language),
        "rejects_url": url_for("staff_roster.rejects", import_id=job.import_id)
        if job.rejected
        else None,
    }


def problem_lines(problems: Any, language: str) -> list[str]:
    """The first problems of an import, each with its row and column."""
    from renewdesk.services import roster_report

    rejected = [
        roster_report.located(p, language) for row in problems.rejected for p in row.problems
    ]
    warned = [roster_report.warning(w, language) for w in problems.warnings]
    return sorted(rejected + warned, key=_row_of)[:SHOWN_PROBLEMS]


def _row_of(line: str) -> int:
    digits = "".join(ch if ch.isdigit() else " " for ch in line).split()
    return int(digits[0]) if digits else 0


def rejects_csv(problems: Any, file_name: str, language: str) -> Response:
    """The rejects file as an attachment Excel opens with Chinese intact."""
    from renewdesk.services.exports import csv_bytes
    from renewdesk.services.roster_report import rejects_table

    rows = {row.row: row.cells for row in problems.rejected}
    found = [p for row in problems.rejected for p in row.problems]
    table = rejects_table(problems.header, rows, found, language)
    name = f"{Path(file_name).stem}-{i18n.message(language, 'imports.rejects.sheet')}.csv"
    return Response(
        csv_bytes(table),
        mimetype="text/csv",
        headers={
            "Content-Disposition": "attachment; filename=rejects.csv; "
            f"filename*=UTF-8''{quote(name)}"
        },
    )


@bp.before_request
def _large_bodies():
    allow_upload()


@bp.post("/imports")
def upload():
    """Read, check and import an uploaded roster (``?preview=1``: only read and check)."""
    actor = asked.acting()
    data, name, sheet = uploaded()
    jobs = web.services().roster.jobs
    language = web.language()
    if request.args.get("preview") == "1":
        job = jobs.draft(actor, data, name, sheet)
        body = job_view(job, language)
        body["problems"] = problem_lines(jobs.problems(actor, job.import_id), language)
        return jsonify(body)
    job = jobs.submit(actor, data, name, sheet)
    log.info("roster upload queued: import_id=%s user=%s", job.import_id, actor.username)
    response = jsonify(import_id=job.import_id)
    response.status_code = 202
    response.headers["Location"] = url_for("staff_roster.status", import_id=job.import_id)
    return response


@bp.post("/imports/<import_id>/start")
def start(import_id: str):
    """Confirm a previewed upload: its import starts."""
    actor = asked.acting()
    job = web.services().roster.jobs.start(actor, import_id)
    response = jsonify(import_id=job.import_id)
    response.status_code = 202
    return response


@bp.get("/imports/<import_id>")
def status(import_id: str):
    """Where an import stands."""
    job = web.services().roster.jobs.job(asked.actor(), import_id)
    return jsonify(job_view(job, web.language()))


@bp.get("/imports/<import_id>/rejects")
def rejects(import_id: str):
    """The rejected rows, as a CSV to correct in Excel and upload again."""
    actor = asked.actor()
    jobs = web.services().roster.jobs
    job = jobs.job(actor, import_id)
    return rejects_csv(jobs.problems(actor, import_id), job.file_name, web.language())


@bp.get("/imports")
def recent():
    """The latest imports, newest first."""
    jobs = web.services().roster.jobs.recent(asked.actor())
    language = web.language()
    return jsonify(imports=[job_view(job, language) for job in jobs])


@bp.errorhandler(RosterFileRefused)
def _unreadable(error: RosterFileRefused):
    response = jsonify(refused_file(error, web.language()))
    response.status_code = 400
    return response
