"""The policy roster: checking imported rows, and importing them idempotently.

One record per vehicle (plate). A row whose data equals the stored record changes nothing; a row
that differs updates the record's data and leaves the reminder steps of the current cycle alone
(a new expiry date starts a new cycle by itself). A new mobile number gets a new roster id, so
links sent to the previous owner of the car stop working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Protocol

from renewdesk.errors import StaleWrite
from renewdesk.services import clock
from renewdesk.services.links import new_roster_id
from renewdesk.services.records import Policy
from renewdesk.services.roster_files import COLUMNS, RosterSheet, SkippedRow

DATA_FIELDS = (
    "plate",
    "name",
    "phone",
    "expiry_date",
    "grade",
    "last_insurer",
    "commercial_premium",
    "compulsory_premium",
    "model",
    "vin",
    "advisor",
    # Optional columns that keep a policy out of the due set (services/cycles.py): the start of
    # cover (short-term and multi-year policies) and a cancelled status.
    "start_date",
    "status",
)
# Fields added after rosters were first stored: a record's fingerprint counts them only when set,
# so an unchanged file stays unchanged.
LATER_FIELDS = ("start_date", "status")
GRADES = ("A", "B", "C")
VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
MAX_TEXT = 60
MAX_PREMIUM = Decimal("1000000")
# A roster date further off than this is a typing or export error, not a policy.
DATE_SPAN_YEARS = (5, 2)
EXCEL_EPOCH = dt.date(1899, 12, 30)


class RowProblem(ValueError):
    """One bad cell: the reason as a short code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Rejection:
    """A bad cell: where (row number, the file's column name) and why. In a required column it
    leaves the row out (a rejection); in an optional one the row is imported without that value
    (a warning)."""

    row: int
    column: str  # as the file names it
    field: str  # the roster field it maps to
    code: str
    first_row: int | None = None  # for a duplicate plate: the row that has it first


@dataclass
class CheckedRows:
    """A sheet's rows checked: the records to import, the rows left out with every problem of
    theirs, the kept rows' problems with optional cells, and the rows that are no record."""

    records: list[dict[str, Any]]
    rejections: list[Rejection]
    warnings: list[Rejection]
    rejected: dict[int, tuple[Any, ...]]  # row number → its original cells
    skipped: tuple[SkippedRow, ...] = ()

    @property
    def rejected_rows(self) -> int:
        return len(self.rejected)

    @property
    def rows_total(self) -> int:
        """Data rows of the file (records and rejected rows; skipped ones not counted)."""
        return len(self.records) + len(self.rejected)


@dataclass
class ImportSummary:
    """What an import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    leads_updated: int = 0  # open leads that took the changed figures, expiry or owner
    owners_changed: int = 0  # of those, leads handed to a vehicle's new owner

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejections})


class RosterStore(Protocol):
    """What the import needs from storage (implemented by store.roster)."""

    def get_policies(self, plates: list[str]) -> dict[str, Policy]: ...

    def add_policies(self, policies: list[Policy]) -> list[str]: ...

    def update_policies(self, changes: list[tuple[Policy, Policy]]) -> list[str]: ...


class LeadFollower(Protocol):
    """Brings the open leads of changed policies in line with them (services.roster_sync)."""

    def follow(self, policies: list[Policy], summary: ImportSummary) -> None: ...


# -- checking one row ----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a text column comes back as 13800138000.0
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    return str(value).strip()


def _identifier(value: Any) -> str:
    """A date, amount, grade or VIN cell through the one normaliser (services.normalize)."""
    from renewdesk.services.normalize import ForeignCharacters, ascii_folded

    try:
        return ascii_folded(_text(value)).strip()
    except ForeignCharacters as error:
        raise RowProblem(error.code) from None


def _short_text(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise RowProblem("control_characters")
    if len(text) > MAX_TEXT:
        raise RowProblem("too_long")
    return text


DATE_TEXT = (
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
# A spreadsheet date written out as its number (46525 is 2027-05-17), as CSV exports do.
SERIAL_TEXT = re.compile(r"\d{5}(\.\d+)?")


def parse_roster_date(value: Any, today: dt.date) -> str:
    """A policy date from a DMS export (a spreadsheet date or its serial number, 2026-12-20,
    2026/12/20, 2026.12.20, 20261220, 2026年12月20日, with or without a time) as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        day = _serial(value)
    else:
        text = _identifier(value)
        if not text:
            raise RowProblem("required")
        if SERIAL_TEXT.fullmatch(text):
            day = _serial(float(text))
        else:
            text = re.split(r"[ T]", text)[0]
            match = next((m for m in (r.fullmatch(text) for r in DATE_TEXT) if m), None)
            if not match:
                raise RowProblem("invalid_date")
            try:
                day = dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                raise RowProblem("invalid_date") from None
    before, after = DATE_SPAN_YEARS
    if (
        not today.replace(year=today.year - before, day=1)
        <= day
        <= today.replace(year=today.year + after, day=1)
    ):
        raise RowProblem("out_of_range")
    return day.isoformat()


def _serial(number: float) -> dt.date:
    try:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))  # a date cell stored as a number
    except OverflowError:
        raise RowProblem("out_of_range") from None


def parse_premium(value: Any) -> Decimal | None:
    """A premium in yuan (¥, commas and 元 allowed), two decimals; None when blank."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = repr(value)
    else:
        text = re.sub(r"[\s,¥元]", "", _identifier(value))
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowProblem("invalid_amount") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_PREMIUM:
        raise RowProblem("invalid_amount")
    return amount.quantize(Decimal("0.01"))


def parse_grade(value: Any) -> str | None:
    """A, B or C ("A级", "a类" too); None when blank (ranked as B by the queue)."""
    text = re.sub(r"(级|类|客户)$", "", _identifier(value).upper())
    if not text:
        return None
    if text not in GRADES:
        raise RowProblem("invalid_grade")
    return text


def parse_vin(value: Any) -> str | None:
    """A 17-character vehicle identification number; None when blank."""
    text = _identifier(value).upper().replace(" ", "")
    if not text:
        return None
    if not VIN_RE.fullmatch(text):
        raise RowProblem("invalid")
    return text


# 1.38001E+10: Excel showed a long number in scientific notation and the export kept that.
SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


def _identity(normalize: Callable[[Any], str]) -> Callable[[Any], str]:
    """A validator from services.fields (name, phone, plate), raising RowProblem with its code."""
    from pydantic_core import PydanticCustomError

    def check(value: Any) -> str:
        text = _text(value)
        try:
            return normalize(text)
        except PydanticCustomError as error:
            if error.type == "invalid" and SCIENTIFIC.fullmatch(text):
                raise RowProblem("scientific_notation") from None
            raise RowProblem(error.type) from None

    return check


def row_checkers(today: dt.date) -> dict[str, Callable[[Any], Any]]:
    """Field → function that turns a raw cell into the stored value or raises RowProblem."""
    from renewdesk.services.cycles import policy_status
    from renewdesk.services.fields import normalize_name, normalize_phone, normalize_plate

    return {
        "plate": _identity(normalize_plate),
        "name": _identity(normalize_name),
        "phone": _identity(normalize_phone),
        "expiry_date": lambda v: parse_roster_date(v, today),
        "grade": parse_grade,
        "last_insurer": _short_text,
        "commercial_premium": parse_premium,
        "compulsory_premium": parse_premium,
        "model": _short_text,
        "vin": parse_vin,
        "advisor": _short_text,
        "start_date": lambda v: parse_roster_date(v, today) if _text(v) else None,
        "status": policy_status,
    }


REQUIRED = frozenset(f for f, (required, _) in COLUMNS.items() if required)
# A record's optional fields whose cell could not be read: the stored value stays.
UNREAD = "unread"


def check_rows(sheet: RosterSheet, today: dt.date) -> CheckedRows:
    """Every row checked: a bad required cell leaves the row out (with every problem it has), a
    bad optional cell keeps the row without that value (a warning), a plate seen before leaves
    the later row out."""
    checkers = row_checkers(today)
    checked = CheckedRows([], [], [], {}, sheet.skipped)
    first_row_of: dict[str, int] = {}
    for row in sheet.rows:
        record: dict[str, Any] = {}
        problems: list[Rejection] = []
        for name, raw in row.values.items():
            try:
                record[name] = checkers[name](raw)
            except RowProblem as problem:
                problems.append(Rejection(row.number, sheet.headers[name], name, problem.code))
        plate = str(record.get("plate"))
        if plate in first_row_of and not any(p.field in REQUIRED for p in problems):
            problems.append(
                Rejection(
                    row.number,
                    sheet.headers["plate"],
                    "plate",
                    "duplicate_plate",
                    first_row_of[plate],
                )
            )
        if any(p.field in REQUIRED for p in problems):
            checked.rejections.extend(problems)
            checked.rejected[row.number] = row.cells
            continue
        checked.warnings.extend(problems)
        first_row_of[plate] = row.number
        unread = tuple(p.field for p in problems)
        checked.records.append({**{f: record.get(f) for f in DATA_FIELDS}, UNREAD: unread})
    return checked


# -- importing -----------------------------------------------------------------------------


def row_hash(record: dict[str, Any]) -> str:
    """A fingerprint of a record's data: equal fingerprints mean nothing to update."""
    fields = [f for f in DATA_FIELDS if f not in LATER_FIELDS or record.get(f) is not None]
    canonical = json.dumps(
        [str(record.get(f)) if record.get(f) is not None else None for f in fields],
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass
class RosterImport:
    """Imports checked roster records: reads them in chunks (one BatchGetItem each), writes new
    ones with their renewal cycles and figures and changed ones in conditional transactions
    (store/roster.py); then the open leads of the changed policies follow them (``follower``)."""

    store: RosterStore
    now: Callable[[], dt.datetime] = field(default=clock.now)
    follower: LeadFollower | None = None
    chunk_size: int = 100
    # New records are written thousands at a time: the store writes their expiry months side by
    # side, and the more records of one day share a transaction, the fewer figure items it adds.
    add_batch: int = 5000
    change_batch: int = 100
    rounds: int = 5

    def import_records(
        self,
        records: list[dict[str, Any]],
        summary: ImportSummary,
        progress: Callable[[int], None] = lambda n: None,
        job: str | None = None,
    ) -> ImportSummary:
        """Add the new, update the changed, count the unchanged; ``progress`` gets chunk sizes.
        ``job``: the upload this import is part of (an import job resumed after a timeout
        finds the records it wrote before, and counts them as its own, not as unchanged)."""
        stamp = clock.iso(self.now())
        pending = records
        for _ in range(self.rounds):
            adds: list[Policy] = []
            changes: list[tuple[Policy, Policy]] = []
            lost: list[str] = []
            following: list[Policy] = []
            for start in range(0, len(pending), self.chunk_size):
                chunk = pending[start : start + self.chunk_size]
                self._classify(chunk, stamp, job, summary, adds, changes, following)
                if len(adds) >= self.add_batch:
                    lost += self._add(adds, summary)
                if len(changes) >= self.change_batch:
                    lost += self._change(changes, summary, following)
                if pending is records:
                    progress(len(chunk))
            lost += self._add(adds, summary)
            lost += self._change(changes, summary, following)
            self._follow(following, summary)
            if not lost:
                return summary
            # Records changed between our read and our write: read them again, decide again.
            again = set(lost)
            pending = [r for r in pending if r["plate"] in again]
        raise StaleWrite("roster records kept changing during the import")

    def _classify(
        self,
        chunk: list[dict[str, Any]],
        stamp: str,
        job: str | None,
        summary: ImportSummary,
        adds: list[Policy],
        changes: list[tuple[Policy, Policy]],
        following: list[Policy],
    ) -> None:
        existing = self.store.get_policies([r["plate"] for r in chunk])
        for given in chunk:
            stored = existing.get(given["plate"])
            record = _completed(given, stored)
            digest = row_hash(record)
            if stored is None:
                adds.append(
                    Policy(
                        **record,
                        row_hash=digest,
                        roster_id=new_roster_id(),
                        imported_at=stamp,
                        updated_at=stamp,
                        lead_synced=digest,
                        written_by=job,
                    )
                )
            elif stored.row_hash == digest:
                if job is not None and stored.written_by == job:  # before this job resumed
                    if stored.imported_at == stored.updated_at:
                        summary.added += 1
                    else:
                        summary.updated += 1
                else:
                    summary.unchanged += 1
                if lead_behind(stored):
                    following.append(stored)
            else:
                changes.append((stored, self._changed(stored, record, digest, stamp, job)))

    def _add(self, adds: list[Policy], summary: ImportSummary) -> list[str]:
        lost = self.store.add_policies(adds)
        summary.added += len(adds) - len(lost)
        adds.clear()
        return lost

    def _change(
        self,
        changes: list[tuple[Policy, Policy]],
        summary: ImportSummary,
        following: list[Policy],
    ) -> list[str]:
        lost = self.store.update_policies(changes)
        summary.updated += len(changes) - len(lost)
        gone = set(lost)
        following += [changed for stored, changed in changes if stored.plate not in gone]
        changes.clear()
        return lost

    def _follow(self, following: list[Policy], summary: ImportSummary) -> None:
        if self.follower is not None and following:
            self.follower.follow(following, summary)
        following.clear()

    @staticmethod
    def _changed(
        stored: Policy, record: dict[str, Any], digest: str, stamp: str, job: str | None
    ) -> Policy:
        # A new owner's number gets a new roster id: links sent to the previous owner stop.
        roster_id = stored.roster_id if stored.phone == record["phone"] else new_roster_id()
        return stored.changed(
            **record,
            row_hash=digest,
            updated_at=stamp,
            roster_id=roster_id,
            # What the vehicle's open lead shows until it follows (services.roster_sync).
            lead_synced=stored.lead_synced or stored.row_hash,
            lead_phone=stored.lead_phone or stored.phone,
            written_by=job,
        )


def lead_behind(policy: Policy) -> bool:
    """Whether the vehicle's open lead has not yet taken this record's data (an import stopped
    between writing the record and its lead). Records from before leads followed count as
    followed."""
    return policy.lead_synced is not None and policy.lead_synced != policy.row_hash


def _completed(record: dict[str, Any], stored: Policy | None) -> dict[str, Any]:
    """The record to store: optional cells that could not be read keep the stored value."""
    values = {f: record.get(f) for f in DATA_FIELDS}
    for name in record.get(UNREAD, ()):
        values[name] = getattr(stored, name) if stored is not None else None
    return values


def policy_values(policy: Policy) -> dict[str, Any]:
    """What a lead keeps of the roster record for the specialist's call (blank ones left out)."""
    keep = ("last_insurer", "commercial_premium", "compulsory_premium", "model", "vin", "advisor")
    # Stored amounts come back as float; DynamoDB takes them as Decimal.
    values = {k: getattr(policy, k) for k in keep}
    return {
        k: Decimal(str(v)) if isinstance(v, float) else v
        for k, v in values.items()
        if v not in (None, "")
    }
