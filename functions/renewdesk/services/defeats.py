"""The monthly defeat analysis (战败分析) the supervisor hands on by the 2nd (seed 003).

The leads closed lost in a local month — not undone by a reopen — read from the index kept for
them: count and share per defeat reason, the premium lost (last year's premium of each lost
policy), a specialist × reason table, and every close note of every reason. A scheduled job on
the 1st (``renewdesk reports defeats --month`` by hand) stores last month's analysis, so it is
ready, and stays as handed on, when the supervisor opens it; each copied note is its own item,
deleted when the customer is erased. Until a month is stored, the analysis is computed live.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Protocol

from renewdesk.errors import StaleWrite
from renewdesk.services import clock, worklist
from renewdesk.services.cycles import amount
from renewdesk.services.records import Event
from renewdesk.services.renewal_board import share, yuan
from renewdesk.services.reports import parse_month
from renewdesk.services.staff import Actor

ATTEMPTS = 3


class DefeatStore(Protocol):
    """Lost closes by month and stored analyses (implemented by store.defeats)."""

    def lost_closes(self, month: str) -> list[Event]: ...

    def save_analysis(self, month: str, summary: dict[str, Any], notes: list[Event]) -> None: ...

    def stored_analysis(self, month: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None: ...

    def prepared_at(self, month: str) -> str | None: ...


def note_entry(event: Event) -> dict[str, Any]:
    """One close note as the analysis lists it."""
    return {
        "event_id": event.event_id,
        "lead_id": event.lead_id,
        "reason": event.reason or "other",
        "by": event.owner or event.by,
        "at": event.at,
        "note": event.note,
    }


def analyse(month: str, lost: list[Event]) -> dict[str, Any]:
    """The analysis of a month's lost closes (pure: tested on its own)."""
    counts = Counter(e.reason or "other" for e in lost)
    premium: dict[str, Decimal] = defaultdict(Decimal)
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    for e in lost:
        premium[e.reason or "other"] += amount(e.lost_premium)
        matrix[e.owner or e.by][e.reason or "other"] += 1
    reasons = [
        {
            "reason": reason,
            "count": counts[reason],
            "share": share(counts[reason], len(lost)),
            "premium": yuan(premium[reason]),
        }
        for reason in worklist.DEFEAT_REASONS
        if counts[reason]
    ]
    return {
        "month": month,
        "lost": {
            "count": len(lost),
            "premium": yuan(sum(premium.values(), Decimal(0))),
            "premium_known": sum(1 for e in lost if e.lost_premium is not None),
        },
        "reasons": sorted(reasons, key=lambda r: -r["count"]),
        "matrix": {
            who: {**{r: row[r] for r in worklist.DEFEAT_REASONS}, "total": sum(row.values())}
            for who, row in sorted(matrix.items())
        },
        "notes": [note_entry(e) for e in sorted(lost, key=lambda e: e.at) if e.note],
    }


def last_month(today: dt.date) -> str:
    """The month before the one of a day."""
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


@dataclass
class Defeats:
    """Computes, stores and reads defeat analyses."""

    store: DefeatStore
    # Close notes of leads closed this long ago are past retention: listed without their text.
    retention_days: int
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def analysis(self, actor: Actor, month: str | None) -> dict[str, Any]:
        """A month's analysis (supervisor): as stored on the 1st, else as of now."""
        worklist.require_supervisor(actor)
        month = parse_month(month, self.now())
        stored = self.store.stored_analysis(month)
        if stored is None:
            found = {
                **analyse(month, self.store.lost_closes(month)),
                "ready": False,
                "generated_at": None,
            }
        else:
            summary, notes = stored
            found = {**summary, "notes": sorted(notes, key=lambda n: n["at"]), "ready": True}
        cutoff = clock.iso(self.now() - dt.timedelta(days=self.retention_days))
        found["notes"] = [{**n, "note": None} if n["at"] <= cutoff else n for n in found["notes"]]
        return found

    def prepared_at(self, actor: Actor, month: str) -> str | None:
        """When a month's analysis was stored, or None (the board says whether it is ready)."""
        worklist.require_supervisor(actor)
        return self.store.prepared_at(month)

    def prepare(self, month: str | None = None) -> dict[str, Any]:
        """Store a month's analysis (last month by default, in the store's time); again when
        a customer's erasure took a note away meanwhile. The summary, without the notes."""
        month = month or last_month(clock.local_date(self.now()))
        for attempt in range(ATTEMPTS):
            lost = self.store.lost_closes(month)
            analysis = analyse(month, lost)
            summary = {k: v for k, v in analysis.items() if k != "notes"}
            summary["generated_at"] = clock.iso(self.now())
            try:
                self.store.save_analysis(month, summary, [e for e in lost if e.note])
                return summary
            except StaleWrite:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")
