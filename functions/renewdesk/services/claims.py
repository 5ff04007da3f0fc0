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

from renewdesk.errors import InvalidFields, NotFound, StaleWrite, WrongState
from renewdesk.services import clock, worklist
from renewdesk.services.cycle_book import NOTHING, CycleBook
from renewdesk.services.records import Lead
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import Release, release_problems
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
    # A lead released by a specialist is not handed back to them by claim-next for this long,
    # unless nothing else is claimable.
    release_cooldown_minutes: int = 30
    # A reassigned renewal lead's open cycle counts for its new specialist.
    cycles: CycleBook | None = None

    def claim_next(self, actor: Actor, lead_type: str | None = None) -> Lead | None:
        """Claim the highest-priority claimable lead (A before B before C, earliest due, oldest);
        None when nothing is claimable. A lead the actor released in the last
        ``release_cooldown_minutes`` comes last."""
        now = self.now()
        start = None
        cooling: list[Lead] = []
        while True:
            candidates, start = self.store.ready_page(
                lead_type, clock.iso(now), self.page_size, start
            )
            # Leads the actor just released step aside before the head is chosen (they are
            # not a lost race: the others keep their order).
            fresh = [c for c in candidates if not self._cooling(c, actor, now)]
            cooling += [c for c in candidates if self._cooling(c, actor, now)]
            for candidate in _contention_order(fresh):
                claimed = self._try_claim(candidate, actor, now)
                if claimed is not None:
                    return claimed
            if start is None:
                break
        for candidate in cooling:  # nothing else was claimable
            claimed = self._try_claim(candidate, actor, now)
            if claimed is not None:
                return claimed
        return None

    def claim(self, actor: Actor, lead_id: str) -> Lead:
        """Claim one lead the actor found (the customer is on the phone): a queued lead, one on
        the attention list, or one whose lease lapsed. Already the actor's: as it is. Held by
        someone else or closed → WrongState."""
        now = self.now()
        now_iso = clock.iso(now)
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        if worklist.effective_status(lead, now_iso) in worklist.CLOSED:
            raise WrongState("lead_closed")
        current = worklist.holder(lead, now_iso)
        if current == actor.username:
            return lead
        if current:
            raise WrongState("held_by_other")
        change = self._claim_change(lead, actor, now, found=True)
        return self._write(change, lead)

    def _cooling(self, lead: Lead, actor: Actor, now: dt.datetime) -> bool:
        """Whether the actor released this lead too recently to be handed it again."""
        if lead.released_by != actor.username or not lead.released_at:
            return False
        since = now - dt.timedelta(minutes=self.release_cooldown_minutes)
        return lead.released_at > clock.iso(since)

    def _try_claim(self, lead: Lead, actor: Actor, now: dt.datetime) -> Lead | None:
        change = self._claim_change(lead, actor, now)
        if not self._write_quietly(change):
            return None
        if change.set.get("status") == "attention":
            return None
        return change.applied_to(lead)

    def _claim_change(
        self, lead: Lead, actor: Actor, now: dt.datetime, found: bool = False
    ) -> LeadChange:
        """The claim of a lead read from the queue (or, ``found``, opened by the actor): a lapsed
        lease counts as its holder's bounce; bounced too often, the attention list instead."""
        lapsed_from = lead.holder if lead.lease_until and lead.status == "claimed" else None
        now_iso = clock.iso(now)
        cid = self.new_id(now)
        counted = self._bounce(lead, lapsed_from, now) if lapsed_from else {}
        bounces = counted.get("bounces", lead.bounces)
        # Only the queue is conditional on a lapsed lease; a lead on the attention list is
        # claimed on its version alone.
        claimable_at = now_iso if lead.status != "attention" else None
        if counted and bounces >= self.attention_after and not found:
            return self._to_attention(
                lead, actor, now, cid, counted, "lapse", lapsed_from, claimable_at=claimable_at
            )
        lease_until = clock.iso(now + dt.timedelta(minutes=self.lease_minutes))
        values = {
            "status": "claimed",
            "holder": actor.username,
            "lease_until": lease_until,
            "claimed_at": now_iso,
            "first_claimed_at": lead.first_claimed_at or now_iso,
            "claims": lead.claims + 1,
            "attention_at": None,
            "waiting_reason": None,
            "waiting_since": None,
            **counted,
        }
        return LeadChange(
            lead_id=lead.lead_id,
            version=lead.version,
            set=values,
            event=worklist.event("claim", actor, now, lead, lapsed_from=lapsed_from),
            placement=Placement(queue=(lead.rank, lead.due), desk=(actor.username, now_iso)),
            claimable_at=claimable_at,
            change_id=cid,
        )

    @staticmethod
    def _bounce(lead: Lead, by: str | None, now: dt.datetime) -> dict[str, Any]:
        """A release or lapse by ``by``: it counts toward the attention list unless the same
        specialist's last counted bounce of this lead was less than a day ago (five releases in
        a minute by one person are one bounce, not five)."""
        day_ago = clock.iso(now - dt.timedelta(days=1))
        same = by and lead.last_bounce_by == by
        if same and lead.last_bounce_at and lead.last_bounce_at > day_ago:
            return {"bounces": lead.bounces}
        return {"bounces": lead.bounces + 1, "last_bounce_by": by, "last_bounce_at": clock.iso(now)}

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

    def release(self, actor: Actor, lead_id: str, why: Release) -> Lead:
        """Give a lead back to the queue, saying why (the holder, or a supervisor for anyone's
        lead or one on the attention list). The attention list instead once it has bounced too
        often, or at once for a wrong number (the next caller would dial it again). The
        releaser is not handed it back by claim-next for a while (``_cooling``)."""
        problems = release_problems(why)
        if problems:
            raise InvalidFields(problems)
        now = self.now()
        now_iso = clock.iso(now)
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        if lead.status == "attention":
            worklist.require_supervisor(actor)
            return self._write(self._requeue(lead, actor, now, why), lead)
        holder = worklist.require_workable(lead, actor, now_iso)
        counted = self._bounce(lead, holder, now)
        cid = self.new_id(now)
        released = {"released_by": holder, "released_at": now_iso}
        details = {"holder": holder, "reason": why.reason, "note": why.note or None}
        if counted["bounces"] >= self.attention_after or why.reason == "wrong_number":
            cause = "wrong_number" if why.reason == "wrong_number" else "release"
            change = self._to_attention(
                lead, actor, now, cid, {**counted, **released}, cause, holder
            )
            return self._write(change, lead)
        values = {
            "status": "queued",
            "holder": None,
            "lease_until": None,
            "claimed_at": None,
            **counted,
            **released,
        }
        return self._write(
            LeadChange(
                lead_id,
                lead.version,
                values,
                event=worklist.event("release", actor, now, lead, **details),
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
        counted: dict[str, Any],
        cause: str,
        holder: str | None,
        claimable_at: str | None = None,
    ) -> LeadChange:
        values = {
            "status": "attention",
            "holder": None,
            "lease_until": None,
            "claimed_at": None,
            "attention_at": clock.iso(now),
            "waiting_reason": None,
            "waiting_since": None,
            **counted,
        }
        bounces = counted.get("bounces", lead.bounces)
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

    def _requeue(self, lead: Lead, actor: Actor, now: dt.datetime, why: Release) -> LeadChange:
        values = {
            "status": "queued",
            "bounces": 0,
            "attention_at": None,
            "last_bounce_by": None,
            "last_bounce_at": None,
        }
        return LeadChange(
            lead.lead_id,
            lead.version,
            values,
            event=worklist.event(
                "requeue", actor, now, lead, reason=why.reason, note=why.note or None
            ),
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
