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
from renewdesk.services.roster_files import RosterSheet

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
    """A row left out of the import: where (row number, the file's column name) and why."""

    row: int
    column: str  # as the file names it
    field: str  # the roster field it maps to
    code: str
    first_row: int | None = None  # for a duplicate plate: the row that has it first


@dataclass
class ImportSummary:
    """What an import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejections})


class RosterStore(Protocol):
    """What the import needs from storage (implemented by store.roster)."""

    def get_policies(self, plates: list[str]) -> dict[str, Policy]: ...

    def add_policies(self, policies: list[Policy]) -> list[str]: ...

    def update_policies(self, changes: list[tuple[Policy, Policy]]) -> list[str]: ...


# -- checking one row ----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a text column comes back as 13800138000.0
    return unicodedata.normalize("NFKC", str(value)).strip()


def _identifier(value: Any) -> str:
    """A date, amount, grade or VIN cell through the one normaliser (services.normalize)."""
    from renewdesk.services.normalize import ForeignCharacters, ascii_folded

    try:
        return ascii_folded(_text(value))
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


def parse_roster_date(value: Any, today: dt.date) -> str:
    """A policy date from a DMS export (a spreadsheet date, 2026-12-20, 2026/12/20, 2026.12.20,
    20261220 or 2026年12月20日) as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        day = EXCEL_EPOCH + dt.timedelta(days=int(value))  # a date cell stored as a number
    else:
        text = _identifier(value)
        if not text:
            raise RowProblem("required")
        text = text.split(" ")[0].split("T")[0]
        match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
            r"(\d{4})(\d{2})(\d{2})", text
        )
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


def _identity(normalize: Callable[[Any], str]) -> Callable[[Any], str]:
    """A validator from submissions (name, phone, plate), raising RowProblem with its code."""
    from pydantic_core import PydanticCustomError

    def check(value: Any) -> str:
        try:
            return normalize(_text(value))
        except PydanticCustomError as error:
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


def check_rows(sheet: RosterSheet, today: dt.date) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """The good rows as roster records, and every problem of the bad ones (every bad cell)."""
    checkers = row_checkers(today)
    good: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    first_row_of: dict[str, int] = {}
    for number, cells in sheet.rows:
        record: dict[str, Any] = {}
        problems = []
        for name, raw in cells.items():
            try:
                record[name] = checkers[name](raw)
            except RowProblem as problem:
                problems.append(Rejection(number, sheet.headers[name], name, problem.code))
        plate = str(record.get("plate"))
        if not problems and plate in first_row_of:
            problems.append(
                Rejection(
                    number, sheet.headers["plate"], "plate", "duplicate_plate", first_row_of[plate]
                )
            )
        if problems:
            rejections.extend(problems)
            continue
        first_row_of[plate] = number
        good.append({f: record.get(f) for f in DATA_FIELDS})
    return good, rejections


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
    """Imports checked roster records: reads them in chunks (one BatchGetItem each), and writes
    new ones 25 to a BatchWriteItem and changed ones 100 to a conditional transaction."""

    store: RosterStore
    now: Callable[[], dt.datetime] = field(default=clock.now)
    chunk_size: int = 100
    add_batch: int = 100
    change_batch: int = 100
    rounds: int = 5

    def import_records(
        self,
        records: list[dict[str, Any]],
        summary: ImportSummary,
        progress: Callable[[int], None] = lambda n: None,
    ) -> ImportSummary:
        """Add the new, update the changed, count the unchanged; ``progress`` gets chunk sizes."""
        stamp = clock.iso(self.now())
        pending = records
        for _ in range(self.rounds):
            adds: list[Policy] = []
            changes: list[tuple[Policy, Policy]] = []
            lost: list[str] = []
            for start in range(0, len(pending), self.chunk_size):
                chunk = pending[start : start + self.chunk_size]
                self._classify(chunk, stamp, summary, adds, changes)
                if len(adds) >= self.add_batch:
                    lost += self._add(adds, summary)
                if len(changes) >= self.change_batch:
                    lost += self._change(changes, summary)
                if pending is records:
                    progress(len(chunk))
            lost += self._add(adds, summary)
            lost += self._change(changes, summary)
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
        summary: ImportSummary,
        adds: list[Policy],
        changes: list[tuple[Policy, Policy]],
    ) -> None:
        existing = self.store.get_policies([r["plate"] for r in chunk])
        for record in chunk:
            digest = row_hash(record)
            stored = existing.get(record["plate"])
            if stored is None:
                adds.append(
                    Policy(
                        **record,
                        row_hash=digest,
                        roster_id=new_roster_id(),
                        imported_at=stamp,
                        updated_at=stamp,
                    )
                )
            elif stored.row_hash == digest:
                summary.unchanged += 1
            else:
                changes.append((stored, self._changed(stored, record, digest, stamp)))

    def _add(self, adds: list[Policy], summary: ImportSummary) -> list[str]:
        lost = self.store.add_policies(adds)
        summary.added += len(adds) - len(lost)
        adds.clear()
        return lost

    def _change(self, changes: list[tuple[Policy, Policy]], summary: ImportSummary) -> list[str]:
        lost = self.store.update_policies(changes)
        summary.updated += len(changes) - len(lost)
        changes.clear()
        return lost

    @staticmethod
    def _changed(stored: Policy, record: dict[str, Any], digest: str, stamp: str) -> Policy:
        # A new owner's number gets a new roster id: links sent to the previous owner stop.
        roster_id = stored.roster_id if stored.phone == record["phone"] else new_roster_id()
        return stored.changed(**record, row_hash=digest, updated_at=stamp, roster_id=roster_id)


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
