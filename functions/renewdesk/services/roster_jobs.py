"""Roster uploads from the console: a background import job the supervisor watches.

An upload is read at once (so a file that is no roster is refused before anything is kept):
where its header is, how its columns map, every row checked. The file goes to the depot (a
folder locally, S3 on AWS) and the job, with the rejected rows and the warnings, to the table:
a ``draft`` the supervisor confirms after seeing the mapping, or, through the API's plain POST,
``queued`` at once. A runner (a thread locally, an asynchronous Lambda invocation on AWS) then
imports the records a chunk at a time, saving the job's counts and position after each chunk,
conditional on that position, so two runners never count a chunk twice. Short of Lambda time it
puts the job back in the queue and starts another runner, which goes on where it stopped; a
runner that died (its heartbeat stale) is replaced when someone next looks at the job. Records
written before a resume carry the job's id, so they still count as added or updated.

Jobs and their problems expire after ``keep_days`` (they hold rejected rows: personal data).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol

from renewdesk.errors import NotFound, RenewDeskError, RosterFileRefused, WrongState
from renewdesk.services import clock
from renewdesk.services.roster import CheckedRows, ImportSummary, Rejection, RosterImport
from renewdesk.services.roster_files import RosterSheet
from renewdesk.services.roster_report import SheetReading, dropped_columns
from renewdesk.services.staff import Actor

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt", ".tsv")
OPEN_STATES = ("queued", "running")
COUNTS = ("added", "updated", "unchanged", "leads_updated", "owners_changed")


@dataclass(frozen=True)
class ImportJob:
    """One upload and where its import stands."""

    import_id: str
    state: str  # draft, queued, running, done, failed
    created_by: str
    created_at: str
    file_name: str
    file_size: int
    file_digest: str
    today: str  # the day its rows are checked as of (a resumed run checks them the same)
    reading: SheetReading
    expires_at: int
    rows_total: int = 0
    rows_done: int = 0
    records_total: int = 0
    records_done: int = 0
    rejected: int = 0
    warnings: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    leads_updated: int = 0
    owners_changed: int = 0
    error: str | None = None
    runner: str | None = None
    heartbeat_at: str | None = None
    relaunched_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True)
class RejectedRow:
    """A rejected row as the file had it, with every problem of its cells."""

    row: int
    cells: tuple[Any, ...]
    problems: tuple[Rejection, ...]


@dataclass(frozen=True)
class Problems:
    """An import's rejected rows (under the file's header) and its warnings."""

    header: tuple[str, ...]
    rejected: tuple[RejectedRow, ...]
    warnings: tuple[Rejection, ...]


class JobStore(Protocol):
    """What import jobs need from storage (implemented by store.imports)."""

    def add_job(self, job: ImportJob, problems: Problems) -> None: ...

    def get_job(self, import_id: str) -> ImportJob | None: ...

    def recent_jobs(self, limit: int) -> list[ImportJob]: ...

    def change_job(self, import_id: str, sets: dict[str, Any], when: dict[str, Any]) -> bool: ...

    def advance_job(
        self, import_id: str, runner: str, done: int, now_done: int, sets: dict[str, Any]
    ) -> bool: ...

    def problems(self, import_id: str) -> Problems: ...


class FileDepot(Protocol):
    """Where uploaded files wait for their import (implemented by renewdesk.uploads)."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


@dataclass
class ImportJobs:
    """Uploads, their jobs, and the runner that imports them."""

    store: JobStore
    depot: Callable[[], FileDepot]
    importer: RosterImport
    launch: Callable[[str], None]
    store_id: str = "default"
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)
    keep_days: int = 30
    # Records per resumable step: the progress bar moves in eighths of a 20,000-row file, and
    # a step's writes share figure items (fewer of them) while finishing well within the margin.
    chunk: int = 2500
    margin_seconds: float = 8.0
    stale_seconds: int = 90
    # Records a draft read, kept for a runner in this process (a thread): not read twice.
    _read: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    # -- the supervisor's side ------------------------------------------------------------

    def draft(
        self, actor: Actor, data: bytes, file_name: str, sheet: str | None = None
    ) -> ImportJob:
        """Read and check an upload and keep it as a draft: nothing imported yet."""
        from renewdesk.services.worklist import require_supervisor

        require_supervisor(actor)
        table, checked = self.read(data, file_name, sheet)
        now = self.now()
        import_id = self.new_id(now)
        job = ImportJob(
            import_id=import_id,
            state="draft",
            created_by=actor.username,
            created_at=clock.iso(now),
            file_name=_file_name(file_name),
            file_size=len(data),
            file_digest=hashlib.sha256(data).hexdigest(),
            today=clock.local_date(now).isoformat(),
            reading=SheetReading.of(table),
            expires_at=int(now.timestamp()) + self.keep_days * 86400,
            rows_total=checked.rows_total,
            records_total=len(checked.records),
            rejected=checked.rejected_rows,
            warnings=len(checked.warnings),
        )
        self.depot().put(self._file_key(import_id), data)
        self.store.add_job(job, _problems(table.header, checked))
        while len(self._read) >= 2:  # a draft never confirmed leaves its records behind
            self._read.pop(next(iter(self._read)))
        self._read[import_id] = checked.records
        log.info("roster upload kept: import_id=%s rows=%d", import_id, job.rows_total)
        return job

    def start(self, actor: Actor, import_id: str) -> ImportJob:
        """Confirm a draft: queue it and start its runner."""
        job = self.job(actor, import_id)
        if job.state != "draft":
            raise WrongState("import_started")
        now = clock.iso(self.now())
        if not self.store.change_job(
            import_id, {"state": "queued", "heartbeat_at": now}, {"state": "draft"}
        ):
            raise WrongState("import_started")
        self.launch(import_id)
        return replace(job, state="queued", heartbeat_at=now)

    def submit(
        self, actor: Actor, data: bytes, file_name: str, sheet: str | None = None
    ) -> ImportJob:
        """Read, check and queue an upload in one go (the API's plain POST)."""
        return self.start(actor, self.draft(actor, data, file_name, sheet).import_id)

    def job(self, actor: Actor, import_id: str) -> ImportJob:
        """An import as it stands; a job whose runner died is started again."""
        from renewdesk.services.worklist import require_supervisor

        require_supervisor(actor)
        job = self.store.get_job(import_id)
        if job is None:
            raise NotFound(import_id)
        if (
            job.state in OPEN_STATES
            and self._stale(job.heartbeat_at)
            and self._stale(job.relaunched_at)
        ):
            if self.store.change_job(
                import_id,
                {"relaunched_at": clock.iso(self.now())},
                {"state": job.state, "relaunched_at": job.relaunched_at},
            ):
                log.warning("roster import runner gone, started again: import_id=%s", import_id)
                self.launch(import_id)
        return job

    def recent(self, actor: Actor, limit: int = 10) -> list[ImportJob]:
        """The latest imports, newest first."""
        from renewdesk.services.worklist import require_supervisor

        require_supervisor(actor)
        return [job for job in self.store.recent_jobs(limit) if not self._expired(job)]

    def problems(self, actor: Actor, import_id: str) -> Problems:
        """The rejected rows and the warnings of an import."""
        self.job(actor, import_id)
        return self.store.problems(import_id)

    def read(
        self, data: bytes, file_name: str, sheet: str | None = None
    ) -> tuple[RosterSheet, CheckedRows]:
        """How a file reads and its rows checked; RosterFileRefused when it is no roster."""
        from renewdesk.services.roster import check_rows
        from renewdesk.services.roster_files import RosterFileError, read_table

        if not data:
            raise RosterFileRefused("empty_file")
        if len(data) > MAX_UPLOAD_BYTES:
            raise RosterFileRefused("too_large", str(MAX_UPLOAD_BYTES // (1024 * 1024)))
        try:
            table = read_table(data, file_name, sheet=sheet, dropped=dropped_columns())
        except RosterFileError as error:
            raise RosterFileRefused(error.code, error.detail) from None
        return table, check_rows(table, clock.local_date(self.now()))

    # -- the runner -----------------------------------------------------------------------

    def run(self, import_id: str, seconds_left: Callable[[], float] | None = None) -> str:
        """Import a queued job's records from where it stands; the job's state afterwards."""
        job = self._get(import_id)
        if job is None:
            return "missing"
        if job.state not in OPEN_STATES or (
            job.state == "running" and not self._stale(job.heartbeat_at)
        ):
            return job.state  # done, or another runner has it
        runner = self.new_id(self.now())
        taken = self.store.change_job(
            import_id,
            {"state": "running", "runner": runner, "heartbeat_at": clock.iso(self.now())},
            {"state": job.state, "runner": job.runner},
        )
        if not taken:
            return "running"
        try:
            return self._import(job, runner, seconds_left)
        except Exception as error:  # the job says it failed; the log names the type only
            code = error.code if isinstance(error, RenewDeskError) else "internal"
            log.error(
                "roster import failed: import_id=%s error=%s", import_id, type(error).__name__
            )
            self.store.change_job(
                import_id,
                {"state": "failed", "error": code, "finished_at": clock.iso(self.now())},
                {"runner": runner},
            )
            return "failed"

    def _import(self, job: ImportJob, runner: str, seconds_left: Callable[[], float] | None) -> str:
        from renewdesk.services.roster import check_rows
        from renewdesk.services.roster_files import read_table

        records = self._read.pop(job.import_id, None)
        if records is None:  # another process read the draft (a Lambda invocation): read again
            data = self.depot().get(self._file_key(job.import_id))
            if data is None:
                raise RosterFileRefused("file_gone")
            sheet = job.reading.sheet
            table = read_table(data, job.file_name, sheet=sheet, dropped=dropped_columns())
            records = check_rows(table, dt.date.fromisoformat(job.today)).records
        position = job.records_done
        while position < len(records):
            if seconds_left is not None and seconds_left() < self.margin_seconds:
                return self._hand_off(job.import_id, runner)
            chunk = records[position : position + self.chunk]
            summary = ImportSummary()
            self.importer.import_records(chunk, summary, job=job.import_id)
            done = position + len(chunk)
            sets: dict[str, Any] = {name: getattr(summary, name) for name in COUNTS}
            sets["rows_done"] = job.rejected + done
            sets["heartbeat_at"] = clock.iso(self.now())
            if not self.store.advance_job(job.import_id, runner, position, done, sets):
                return "running"  # another runner took the job over
            position = done
        self.store.change_job(
            job.import_id,
            {
                "state": "done",
                "rows_done": job.rows_total,
                "finished_at": clock.iso(self.now()),
                "runner": None,
            },
            {"runner": runner},
        )
        self.depot().delete(self._file_key(job.import_id))
        log.info("roster import done: import_id=%s", job.import_id)
        return "done"

    def _hand_off(self, import_id: str, runner: str) -> str:
        """Put the job back in the queue and start the runner that goes on with it."""
        if self.store.change_job(
            import_id,
            {"state": "queued", "runner": None, "heartbeat_at": clock.iso(self.now())},
            {"runner": runner},
        ):
            self.launch(import_id)
        return "queued"

    def _get(self, import_id: str) -> ImportJob | None:
        job = self.store.get_job(import_id)
        return None if job is None or self._expired(job) else job

    def _expired(self, job: ImportJob) -> bool:
        return job.expires_at < self.now().timestamp()

    def _stale(self, stamp: str | None) -> bool:
        if not stamp:
            return True
        return clock.parse_iso(stamp) < self.now() - dt.timedelta(seconds=self.stale_seconds)

    def _file_key(self, import_id: str) -> str:
        return f"{self.store_id}/{import_id}"


def _file_name(name: str) -> str:
    """The uploaded file's own name (no folders), at most 120 characters."""
    return name.replace("\\", "/").rsplit("/", 1)[-1][:120] or "roster"


def _problems(header: tuple[str, ...], checked: CheckedRows) -> Problems:
    by_row: dict[int, list[Rejection]] = {}
    for problem in checked.rejections:
        by_row.setdefault(problem.row, []).append(problem)
    return Problems(
        header=header,
        rejected=tuple(
            RejectedRow(row, cells, tuple(by_row.get(row, ())))
            for row, cells in sorted(checked.rejected.items())
        ),
        warnings=tuple(checked.warnings),
    )
