"""The daily lapse job: due cycles 30 days past expiry with neither outcome become lapsed.

It runs with the daily reminders (the scheduled event and ``renewdesk reminders run``). Open
cycles sit in their own index by expiry date, so the job reads exactly the ones whose grace
period is over, oldest first; each lapsed cycle leaves that index, so a run stopped by its
budget or Lambda's clock is simply continued by the next one. Then it moves its cursor to the
last expiry day it has finished (every open cycle of it and of the days before marked); never
past a day where it stopped or a cycle changed meanwhile, nor past what today allows. The board
does not wait for it: the open cycles of the days after the cursor whose grace period is over
are counted as lapsed already (services/renewal_board.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

from renewdesk.services import clock
from renewdesk.services.cycles import GRACE_DAYS, CycleUpdate, CycleWrite
from renewdesk.services.records import Cycle

log = logging.getLogger(__name__)

BATCH = 100
BUDGET = 5000
SAFETY_SECONDS = 5


class LapseStore(Protocol):
    """The open cycles' index and bulk cycle writes (implemented by store.cycles)."""

    def open_cycles_through(self, last_expiry: str, limit: int) -> Iterator[Cycle]: ...

    def write_updates(self, updates: list[CycleUpdate], operation: str) -> set[int]: ...

    def set_lapsed_through(self, day: str) -> None: ...


@dataclass
class LapseReport:
    """What one run did (counts only)."""

    as_of: str
    lapsed: int = 0
    changed_meanwhile: int = 0
    incomplete: bool = False
    # The first expiry day not finished: where the run stopped or a cycle changed meanwhile.
    unfinished: str | None = None

    def counts(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "lapsed": self.lapsed,
            "changed_meanwhile": self.changed_meanwhile,
            "incomplete": self.incomplete,
        }

    def hold_at(self, expiry_date: str) -> None:
        """The cursor may not reach this expiry day."""
        self.unfinished = min(self.unfinished or expiry_date, expiry_date)


@dataclass
class Lapses:
    """Marks the cycles whose grace period is over."""

    store: LapseStore
    now: Callable[[], dt.datetime] = field(default=clock.now)
    budget: int = BUDGET

    def run(
        self, as_of: dt.date | None = None, seconds_left: Callable[[], float] | None = None
    ) -> LapseReport:
        """Lapse every open cycle whose expiry date plus 30 days is before ``as_of`` (today in
        China by default), at most ``budget`` of them."""
        today = as_of or clock.local_date(self.now())
        report = LapseReport(today.isoformat())
        last_expiry = (today - dt.timedelta(days=GRACE_DAYS + 1)).isoformat()
        batch: list[Cycle] = []
        for cycle in self.store.open_cycles_through(last_expiry, BATCH):
            if report.lapsed + len(batch) >= self.budget or _late(seconds_left):
                report.incomplete = True
                report.hold_at(cycle.expiry_date)
                break
            batch.append(cycle)
            if len(batch) == BATCH:
                self._write(batch, today, report)
                batch = []
        if batch:
            self._write(batch, today, report)
        self._move_cursor(last_expiry, report)
        log.info("lapse run: %s", report.counts())
        return report

    def _move_cursor(self, last_expiry: str, report: LapseReport) -> None:
        """The last expiry day finished: the run's cutoff, or the day before the first one it
        did not finish; never beyond the real today's cutoff (a run ``as_of`` a later day must
        not hide cycles still in their grace period from the board)."""
        today = clock.local_date(self.now())
        through = min(last_expiry, (today - dt.timedelta(days=GRACE_DAYS + 1)).isoformat())
        if report.unfinished is not None:
            before = dt.date.fromisoformat(report.unfinished) - dt.timedelta(days=1)
            through = min(through, before.isoformat())
        self.store.set_lapsed_through(through)

    def _write(self, batch: list[Cycle], today: dt.date, report: LapseReport) -> None:
        updates = [
            CycleUpdate((CycleWrite(c, c.changed(lapsed_on=today.isoformat()).bumped()),))
            for c in batch
        ]
        failed = self.store.write_updates(updates, "lapse_cycles")
        report.lapsed += len(batch) - len(failed)
        # A cycle changed between the read and the write (a close, an import): it is no longer
        # what we read, so the next run decides again, and the cursor waits for it.
        report.changed_meanwhile += len(failed)
        for index in failed:
            report.hold_at(batch[index].expiry_date)


def _late(seconds_left: Callable[[], float] | None) -> bool:
    return seconds_left is not None and seconds_left() < SAFETY_SECONDS
