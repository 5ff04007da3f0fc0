"""What working a lead does to its renewal cycle: the first contact, a quote, a reassignment,
the close (with next year's cycle for a win), a reopen, an erasure.

Each hook reads the cycle and answers the ``CycleUpdate`` the lead's own transaction writes
(services.worklist.LeadChange.cycle), so the lead, its cycle and the 续保率 figures never
disagree. A renewal lead knows its cycle (``cycle_id``) once the reminders made or adopted it;
a lead that does not (a customer asked on the site before N-90) finds it through its vehicle's
roster record, when the record's current expiry date is within this season (180 days ahead to
30 days past).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Protocol

from renewdesk.services import clock
from renewdesk.services.cycles import (
    GRACE_DAYS,
    SEASON_DAYS,
    CycleUpdate,
    CycleWrite,
    PolicyRoll,
    amount,
    last_premium,
    one_year_later,
    remembered,
    settled,
    state,
    update_of,
)
from renewdesk.services.insurers import NO_LIST, InsurerList
from renewdesk.services.records import Cycle, Event, Lead, Policy


class CycleReads(Protocol):
    """What the hooks read (implemented by store.cycles)."""

    def get_cycle(self, cycle_id: str) -> Cycle | None: ...

    def get_policy(self, plate: str) -> Policy | None: ...


@dataclass(frozen=True)
class CycleStep:
    """A hook's answer: the update to write with the lead (None: nothing changes), the cycle
    the lead now knows, and last year's premium of its policy (what a loss loses)."""

    update: CycleUpdate | None = None
    cycle_id: str | None = None
    last_premium: Decimal | None = None


NOTHING = CycleStep()


@dataclass(frozen=True)
class Won:
    """What a won close took: premium and insurer, split when a quote gave them."""

    premium: Decimal
    insurer: str | None
    quote: Event | None = None


@dataclass
class CycleBook:
    """The cycle side of closing, reopening, contacting, quoting, reassigning and erasing."""

    store: CycleReads
    insurers: Callable[[], InsurerList] = lambda: NO_LIST
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def find(self, lead: Lead) -> Cycle | None:
        """The renewal cycle a lead works, or None (a referral, a vehicle not on the roster)."""
        if lead.type != "renewal":
            return None
        if lead.cycle_id:
            return self.current(lead.cycle_id)
        if not lead.plate:
            return None
        policy = self.store.get_policy(lead.plate)
        if policy is None or not policy.cycle_id:
            return None
        cycle = self.current(policy.cycle_id)
        today = clock.local_date(self.now())
        if cycle is None:
            return None
        expiry = dt.date.fromisoformat(cycle.expiry_date)
        if (
            expiry - dt.timedelta(days=SEASON_DAYS)
            <= today
            <= expiry + dt.timedelta(days=GRACE_DAYS)
        ):
            return cycle
        return None

    def current(self, cycle_id: str) -> Cycle | None:
        """A cycle, or the one that replaced it when the roster corrected its expiry date."""
        cycle = self.store.get_cycle(cycle_id)
        for _ in range(5):
            if cycle is None or cycle.excluded != "superseded" or not cycle.next_cycle_id:
                break
            cycle = self.store.get_cycle(cycle.next_cycle_id)
        return cycle

    def contacted(self, lead: Lead, specialist: str) -> CycleStep:
        """The first follow-up logged on the lead: the cycle is contacted, and its specialist's."""
        cycle = self.find(lead)
        if cycle is None:
            return NOTHING
        if state(cycle) != "open":
            return CycleStep(cycle_id=cycle.cycle_id)
        after = cycle.changed(
            lead_id=lead.lead_id,
            specialist=specialist,
            contacted_at=cycle.contacted_at or clock.iso(self.now()),
        )
        return self._step(cycle, after)

    def quoted(self, lead: Lead, specialist: str | None) -> CycleStep:
        """A quote recorded on the lead: the cycle is quoted."""
        cycle = self.find(lead)
        if cycle is None:
            return NOTHING
        if state(cycle) != "open":
            return CycleStep(cycle_id=cycle.cycle_id)
        after = cycle.changed(
            lead_id=lead.lead_id,
            specialist=cycle.specialist or specialist,
            quoted_at=cycle.quoted_at or clock.iso(self.now()),
        )
        return self._step(cycle, after)

    def assigned(self, lead: Lead, specialist: str) -> CycleStep:
        """A supervisor gave the lead to someone: its open cycle is theirs."""
        cycle = self.find(lead)
        if cycle is None or state(cycle) != "open":
            return NOTHING if cycle is None else CycleStep(cycle_id=cycle.cycle_id)
        return self._step(cycle, cycle.changed(lead_id=lead.lead_id, specialist=specialist))

    def closed(
        self, lead: Lead, outcome: str, owner: str, reason: str | None, won: Won | None
    ) -> CycleStep:
        """The lead closed won or lost: the cycle takes the outcome (renewed only within the
        grace period), and a win rolls the policy over to next year's cycle."""
        cycle = self.find(lead)
        if cycle is None:
            return CycleStep(last_premium=_roster_premium(lead))
        now = self.now()
        closed_on = clock.local_date(now).isoformat()
        after = cycle.changed(
            lead_id=lead.lead_id,
            specialist=owner,
            outcome=outcome,
            closed_at=clock.iso(now),
            closed_on=closed_on,
            reason=reason if outcome == "lost" else None,
            won_premium=won.premium if won else None,
            won_insurer=self.insurers().canonical(won.insurer) if won and won.insurer else None,
            quote_id=won.quote.quote_id if won and won.quote else None,
            next_cycle_id=None,
        ).bumped()
        writes = [CycleWrite(cycle, after)]
        roll = None
        if won is not None and state(after) == "renewed":
            rolled = self._roll_over(after, won, closed_on)
            if rolled is not None:
                nxt, roll = rolled
                after = after.changed(next_cycle_id=nxt.cycle_id)
                writes = [CycleWrite(cycle, after), CycleWrite(None, nxt)]
        return CycleStep(CycleUpdate(tuple(writes), roll), cycle.cycle_id, last_premium(cycle))

    def reopened(self, lead: Lead) -> CycleStep:
        """A supervisor reopened the lead: its cycle is open again (or lapsed, if the grace
        period passed), and next year's cycle its win made goes while nobody has touched it."""
        if not lead.cycle_id:
            return NOTHING
        cycle = self.current(lead.cycle_id)
        if cycle is None or cycle.lead_id != lead.lead_id or cycle.outcome is None:
            return NOTHING
        reopened = cycle.changed(
            outcome=None,
            closed_at=None,
            closed_on=None,
            reason=None,
            won_premium=None,
            won_insurer=None,
            quote_id=None,
            next_cycle_id=None,
        )
        after = settled(reopened, clock.local_date(self.now())).bumped()
        writes = [CycleWrite(cycle, after)]
        roll = None
        undone = self._roll_back(cycle) if cycle.next_cycle_id else None
        if undone is not None:
            nxt, roll = undone
            writes.append(CycleWrite(nxt, None))
        return CycleStep(CycleUpdate(tuple(writes), roll), cycle.cycle_id)

    def erased(self, lead: Lead) -> CycleStep:
        """The customer asked to be forgotten: the cycle keeps its figures, not the plate."""
        if not lead.cycle_id:
            return NOTHING
        cycle = self.store.get_cycle(lead.cycle_id)
        if cycle is None or cycle.plate is None or cycle.lead_id not in (None, lead.lead_id):
            return NOTHING  # another lead (the vehicle's new owner's) works it now
        return self._step(cycle, cycle.changed(plate=None))

    # -- next year's cycle ------------------------------------------------------------------

    def _roll_over(
        self, renewed: Cycle, won: Won, closed_on: str
    ) -> tuple[Cycle, PolicyRoll] | None:
        """Next year's cycle of a policy renewed in the store, if the roster record is still at
        this cycle: the new policy runs a year from the expiry date (from the win, when it came
        after it)."""
        if not renewed.plate:
            return None
        policy = self.store.get_policy(renewed.plate)
        if policy is None or policy.cycle_id != renewed.cycle_id:
            return None
        starts = max(renewed.expiry_date, closed_on)
        commercial, compulsory = _split(won)
        moment = self.now()
        nxt = Cycle(
            cycle_id=self.new_id(moment),
            expiry_date=one_year_later(starts),
            created_at=clock.iso(moment),
            version=1,
            source="rollover",
            plate=renewed.plate,
            start_date=starts,
            grade=renewed.grade,
            insurer=renewed.won_insurer or renewed.insurer,
            commercial_premium=commercial,
            compulsory_premium=compulsory,
        )
        rolled = policy.changed(
            expiry_date=nxt.expiry_date,
            start_date=starts,
            cycle_id=nxt.cycle_id,
            cycles=remembered(policy.cycles, nxt.expiry_date, nxt.cycle_id),
            commercial_premium=commercial,
            compulsory_premium=compulsory,
            last_insurer=nxt.insurer,
            updated_at=clock.iso(moment),
        )
        return nxt, PolicyRoll(policy.plate, policy.expiry_date, renewed.cycle_id, rolled)

    def _roll_back(self, cycle: Cycle) -> tuple[Cycle, PolicyRoll] | None:
        """Undo the rollover of a reopened win, if next year's cycle is as it was made and the
        roster record still points at it."""
        nxt = self.store.get_cycle(cycle.next_cycle_id or "")
        if nxt is None or not cycle.plate:
            return None
        untouched = (
            nxt.source == "rollover"
            and state(nxt) == "open"
            and not (nxt.lead_id or nxt.contacted_at or nxt.quoted_at)
        )
        policy = self.store.get_policy(cycle.plate)
        if not untouched or policy is None or policy.cycle_id != nxt.cycle_id:
            return None
        cycles = {k: v for k, v in (policy.cycles or {}).items() if v != nxt.cycle_id}
        back = policy.changed(
            expiry_date=cycle.expiry_date,
            start_date=cycle.start_date,
            cycle_id=cycle.cycle_id,
            cycles=remembered(cycles, cycle.expiry_date, cycle.cycle_id),
            commercial_premium=_exact(cycle.commercial_premium),
            compulsory_premium=_exact(cycle.compulsory_premium),
            last_insurer=cycle.insurer,
            updated_at=clock.iso(self.now()),
        )
        return nxt, PolicyRoll(policy.plate, policy.expiry_date, nxt.cycle_id, back)

    @staticmethod
    def _step(before: Cycle, after: Cycle) -> CycleStep:
        update = update_of(before, after)
        if update is not None:
            update = CycleUpdate((CycleWrite(before, after.bumped()),))
        return CycleStep(update, before.cycle_id, last_premium(before))


def _split(won: Won) -> tuple[Decimal | None, Decimal | None]:
    """(commercial, compulsory) of a win: the quote's, else the whole premium as commercial."""
    if won.quote is not None:
        return _exact(won.quote.commercial_premium), _exact(won.quote.compulsory_premium)
    return won.premium, None


def _exact(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else amount(value)


def _roster_premium(lead: Lead) -> Decimal | None:
    """Last year's premium from the roster figures a lead carries (a lead with no cycle)."""
    figures = lead.policy or {}
    parts = [figures.get("commercial_premium"), figures.get("compulsory_premium")]
    if all(p is None for p in parts):
        return None
    return sum((amount(p) for p in parts), Decimal(0))
