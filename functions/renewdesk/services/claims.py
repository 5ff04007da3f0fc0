"""Claim-next, leases, releases, the attention list and reassignment.

Claim-next reads the head of the ready queue (one Query, lapsed leases included) and claims the
first candidate with one conditional transaction; a candidate lost to another specialist is
skipped, so two specialists never hold the same lead and nobody waits on a lock. A lead that is
released or whose lease lapses ``attention_after`` times leaves the queue for the supervisor's
attention list.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

from renewdesk.errors import NotFound, StaleWrite, WrongState
from renewdesk.services import clock, worklist
from renewdesk.services.cycle_book import NOTHING, CycleBook
from renewdesk.services.records import Lead
from renewdesk.services.staff import Actor
from renewdesk.services.worklist import LeadChange, Placement

# A lease is renewed by activity at most once a minute, so reading a lead is not a write each time.
RENEW_AFTER_SECONDS = 60
# After losing the head of the queue, a claim picks at random among this many next leads.
CONTENTION_WINDOW = 8


class ClaimStore(worklist.WorkStore, Protocol):
    """The ready queue, on top of lead reads and writes."""

    def ready_page(
        self,
        lead_type: str | None,
        now_iso: str,
        limit: int,
        start_key: dict[str, Any] | None = None,
    ) -> tuple[list[Lead], dict[str, Any] | None]: ...


@dataclass
class Claims:
    """Who holds which lead, for how long."""

    store: ClaimStore
    lease_minutes: int = 30
    attention_after: int = 5
    page_size: int = 25
    is_active: Callable[[str], bool] = lambda username: True
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)
    # A reassigned renewal lead's open cycle counts for its new specialist.
    cycles: CycleBook | None = None

    def claim_next(self, actor: Actor, lead_type: str | None = None) -> Lead | None:
        """Claim the highest-priority claimable lead (A before B before C, earliest due, oldest);
        None when nothing is claimable."""
        now = self.now()
        start = None
        while True:
            candidates, start = self.store.ready_page(
                lead_type, clock.iso(now), self.page_size, start
            )
            for candidate in _contention_order(candidates):
                claimed = self._try_claim(candidate, actor, now)
                if claimed is not None:
                    return claimed
            if start is None:
                return None

    def _try_claim(self, lead: Lead, actor: Actor, now: dt.datetime) -> Lead | None:
        lapsed_from = lead.holder if lead.lease_until else None
        bounces = lead.bounces + (1 if lapsed_from else 0)
        now_iso = clock.iso(now)
        cid = self.new_id(now)
        if lapsed_from and bounces >= self.attention_after:
            self._write_quietly(
                self._to_attention(
                    lead, actor, now, cid, bounces, "lapse", lapsed_from, claimable_at=now_iso
                )
            )
            return None
        lease_until = clock.iso(now + dt.timedelta(minutes=self.lease_minutes))
        values = {
            "status": "claimed",
            "holder": actor.username,
            "lease_until": lease_until,
            "claimed_at": now_iso,
            "first_claimed_at": lead.first_claimed_at or now_iso,
            "claims": lead.claims + 1,
            "bounces": bounces,
        }
        change = LeadChange(
            lead_id=lead.lead_id,
            version=lead.version,
            set=values,
            event=worklist.event("claim", actor, now, lead, lapsed_from=lapsed_from),
            placement=Placement(queue=(lead.rank, lead.due), desk=(actor.username, now_iso)),
            claimable_at=now_iso,
            change_id=cid,
        )
        if not self._write_quietly(change):
            return None
        return change.applied_to(lead)

    def renew(self, lead: Lead, actor: Actor) -> Lead:
        """The holder is active on a leased lead: push its lease out (at most once a minute)."""
        now = self.now()
        now_iso = clock.iso(now)
        if worklist.holder(lead, now_iso) != actor.username or not lead.lease_until:
            return lead
        lease_until = now + dt.timedelta(minutes=self.lease_minutes)
        if (lease_until - clock.parse_iso(lead.lease_until)).total_seconds() < RENEW_AFTER_SECONDS:
            return lead
        change = LeadChange(
            lead.lead_id,
            lead.version,
            {"lease_until": clock.iso(lease_until)},
            change_id=self.new_id(now),
        )
        if not self._write_quietly(change):
            return lead
        return change.applied_to(lead)

    def release(self, actor: Actor, lead_id: str) -> Lead:
        """Give a lead back to the queue (the holder, or a supervisor for anyone's lead or one on
        the attention list); the attention list once it has bounced too often."""
        now = self.now()
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        if lead.status == "attention":
            worklist.require_supervisor(actor)
            return self._write(self._requeue(lead, actor, now), lead)
        worklist.require_workable(lead, actor, clock.iso(now))
        bounces = lead.bounces + 1
        cid = self.new_id(now)
        if bounces >= self.attention_after:
            return self._write(
                self._to_attention(lead, actor, now, cid, bounces, "release", lead.holder), lead
            )
        values = {
            "status": "queued",
            "bounces": bounces,
            "holder": None,
            "lease_until": None,
            "claimed_at": None,
        }
        return self._write(
            LeadChange(
                lead_id,
                lead.version,
                values,
                event=worklist.event("release", actor, now, lead, holder=lead.holder),
                placement=Placement(queue=(lead.rank, lead.due)),
                change_id=cid,
            ),
            lead,
        )

    def reassign(self, actor: Actor, lead_id: str, to: str) -> Lead:
        """A supervisor gives an open lead to a staff member, who owns it from now on."""
        worklist.require_supervisor(actor)
        if not self.is_active(to):
            raise NotFound(to)
        now = self.now()
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        if worklist.effective_status(lead, clock.iso(now)) in worklist.CLOSED:
            raise WrongState("lead_closed")
        values = {
            "status": "claimed",
            "holder": to,
            "lease_until": None,
            "claimed_at": clock.iso(now),
            "bounces": 0,
        }
        step = self.cycles.assigned(lead, to) if self.cycles is not None else NOTHING
        if step.cycle_id and step.cycle_id != lead.cycle_id:
            values["cycle_id"] = step.cycle_id
        moved = lead.changed(**values)
        return self._write(
            LeadChange(
                lead_id,
                lead.version,
                values,
                event=worklist.event(
                    "reassign",
                    actor,
                    now,
                    lead,
                    holder=worklist.holder(lead, clock.iso(now)),
                    to=to,
                ),
                placement=worklist.desk_placement(moved, to),
                change_id=self.new_id(now),
                cycle=step.update,
            ),
            lead,
        )

    def _to_attention(
        self,
        lead: Lead,
        actor: Actor,
        now: dt.datetime,
        cid: str,
        bounces: int,
        cause: str,
        holder: str | None,
        claimable_at: str | None = None,
    ) -> LeadChange:
        values = {
            "status": "attention",
            "bounces": bounces,
            "holder": None,
            "lease_until": None,
            "claimed_at": None,
            "attention_at": clock.iso(now),
        }
        return LeadChange(
            lead.lead_id,
            lead.version,
            values,
            event=worklist.event(
                "attention", actor, now, lead, cause=cause, holder=holder, bounces=bounces
            ),
            placement=Placement(attention_since=clock.iso(now)),
            claimable_at=claimable_at,
            change_id=cid,
        )

    def _requeue(self, lead: Lead, actor: Actor, now: dt.datetime) -> LeadChange:
        values = {"status": "queued", "bounces": 0, "attention_at": None}
        return LeadChange(
            lead.lead_id,
            lead.version,
            values,
            event=worklist.event("requeue", actor, now, lead),
            placement=Placement(queue=(lead.rank, lead.due)),
            change_id=self.new_id(now),
        )

    def _write(self, change: LeadChange, lead: Lead) -> Lead:
        """Write a change decided on a fresh read; a concurrent change → WrongState (try again)."""
        try:
            self.store.write(change)
        except StaleWrite:
            raise WrongState("changed_meanwhile") from None
        return change.applied_to(lead)

    def _write_quietly(self, change: LeadChange) -> bool:
        try:
            self.store.write(change)
        except StaleWrite:
            return False
        return True


def _contention_order(candidates: list[Lead]) -> Iterator[Lead]:
    """The head of the queue first; after losing it to a colleague, the rest in random order.

    Everyone asks for the head at once, so going on in strict order would have every loser
    collide again on the next lead; a random pick among the next few spreads them out while
    each claim still takes one of the highest-priority free leads.
    """
    if not candidates:
        return
    yield candidates[0]
    window = candidates[1 : 1 + CONTENTION_WINDOW]
    random.shuffle(window)
    yield from window
    yield from candidates[1 + CONTENTION_WINDOW :]
