"""The daily lapse job: due cycles 30 days past expiry with neither outcome become lapsed.

It runs with the daily reminders (the scheduled event and ``renewdesk reminders run``). Open
cycles sit in their own index by expiry date, so the job reads exactly the ones whose grace
period is over, oldest first; each lapsed cycle leaves that index, so a run stopped by its
budget or Lambda's clock is simply continued by the next one. The board does not wait for it:
until a cycle is marked, the board already counts it as lapsed (services/renewal_board.py).
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


@dataclass
class LapseReport:
    """What one run did (counts only)."""

    as_of: str
    lapsed: int = 0
    changed_meanwhile: int = 0
    incomplete: bool = False

    def counts(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "lapsed": self.lapsed,
            "changed_meanwhile": self.changed_meanwhile,
            "incomplete": self.incomplete,
        }


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
                break
            batch.append(cycle)
            if len(batch) == BATCH:
                self._write(batch, today, report)
                batch = []
        if batch:
            self._write(batch, today, report)
        log.info("lapse run: %s", report.counts())
        return report

    def _write(self, batch: list[Cycle], today: dt.date, report: LapseReport) -> None:
        updates = [
            CycleUpdate((CycleWrite(c, c.changed(lapsed_on=today.isoformat()).bumped()),))
            for c in batch
        ]
        failed = self.store.write_updates(updates, "lapse_cycles")
        report.lapsed += len(batch) - len(failed)
        # A cycle changed between the read and the write (a close, an import): it is no longer
        # what we read, so the next run decides again.
        report.changed_meanwhile += len(failed)


def _late(seconds_left: Callable[[], float] | None) -> bool:
    return seconds_left is not None and seconds_left() < SAFETY_SECONDS
