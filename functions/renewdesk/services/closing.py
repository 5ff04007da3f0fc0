"""Closing a lead as won or lost (with a defeat reason), and a supervisor reopening it.

Closing frees the customer's dedupe guard in the same transaction (``is_open`` false), so the
customer can ask again once the dedupe period has passed; reopening takes it back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from renewdesk.errors import GuardTaken, InvalidFields, StaleWrite, WrongState
from renewdesk.services import clock, worklist
from renewdesk.services.cycle_book import NOTHING, CycleBook, Won
from renewdesk.services.cycles import amount
from renewdesk.services.records import CLOSE, Event, Lead
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import Close, close_problems
from renewdesk.services.worklist import GuardChange, LeadChange, Placement


@dataclass
class Closing:
    """Closes and reopens leads."""

    store: worklist.WorkStore
    # A lead closed this long ago is past its retention: its personal data is (to be) purged.
    retention_days: int
    is_active: Callable[[str], bool] = lambda username: True
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)
    # The lead's renewal cycle closes, reopens and rolls over in the lead's own transaction.
    cycles: CycleBook | None = None

    def close(self, actor: Actor, lead_id: str, close: Close) -> Lead:
        """Close an open lead: its holder or a supervisor. Closing won may name a quote of the
        lead (``quote_id``), whose premium and insurer it takes."""
        now = self.now()
        now_iso = clock.iso(now)
        if close.quote_id:
            found, history = self.store.lead_with_history(lead_id)
        else:
            found, history = self.store.get_lead(lead_id), []
        lead = worklist.require_lead(found, lead_id)
        if worklist.effective_status(lead, now_iso) in worklist.CLOSED:
            raise WrongState("lead_closed")
        owner = worklist.holder(lead, now_iso)
        if not actor.is_supervisor:
            owner = worklist.require_workable(lead, actor, now_iso)
        problems = close_problems(close, lead.type)
        quote = _quote(history, close.quote_id) if close.quote_id else None
        if close.quote_id and (quote is None or close.outcome != "won"):
            problems["quote_id"] = "unknown" if quote is None else "only_when_won"
        if problems:
            raise InvalidFields(problems)
        cid = self.new_id(now)
        lost = close.outcome == "lost"
        premium, insurer = close.premium, close.insurer
        if quote is not None:
            premium, insurer = amount(quote.premium), quote.insurer
        values: dict[str, Any] = {
            "status": close.outcome,
            "outcome": close.outcome,
            "reason": close.reason if lost else None,
            "close_note": close.note or None,
            "premium": None if lost else premium,
            "insurer": None if lost else insurer,
            "quote_id": quote.quote_id if quote else None,
            "closed_at": now_iso,
            "closed_by": actor.username,
            "owner": owner or actor.username,
            "holder": None,
            "lease_until": None,
            "attention_at": None,
            "close_event_at": now_iso,
            "close_event_id": cid,
        }
        step = NOTHING
        if self.cycles is not None:
            won = None if lost else Won(amount(premium), insurer, quote)
            step = self.cycles.closed(lead, close.outcome, values["owner"], values["reason"], won)
        if step.cycle_id and step.cycle_id != lead.cycle_id:
            values["cycle_id"] = step.cycle_id
        event = worklist.event(
            "close",
            actor,
            now,
            lead,
            owner=values["owner"],
            outcome=close.outcome,
            reason=values["reason"],
            note=values["close_note"],
            premium=values["premium"],
            insurer=values["insurer"],
            quote_id=values["quote_id"],
            lost_premium=step.last_premium if lost else None,
        )
        change = LeadChange(
            lead_id,
            lead.version,
            values,
            event=event,
            placement=Placement(),
            guard=GuardChange(lead.type, lead.identity, False),
            change_id=cid,
            cycle=step.update,
        )
        self._write_with_guard(change)
        return change.applied_to(lead)

    def reopen(self, actor: Actor, lead_id: str) -> Lead:
        """A supervisor reopens a closed lead: back to its owner's desk, or to the queue if the
        owner no longer works here. The close no longer counts in reports."""
        worklist.require_supervisor(actor)
        now = self.now()
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        if lead.status not in worklist.CLOSED:
            raise WrongState("lead_not_closed")
        if lead.erased_at:
            raise WrongState("lead_erased")  # the customer asked to be forgotten
        if worklist.retention_ended(lead, clock.iso(now), self.retention_days):
            raise WrongState("lead_expired")  # reopening would keep data past its retention
        owner = lead.owner
        values: dict[str, Any] = dict.fromkeys(CLOSE)
        values["bounces"] = 0
        if owner and self.is_active(owner):
            values.update(status="claimed", holder=owner, claimed_at=clock.iso(now))
            placement = worklist.desk_placement(lead.changed(**values), owner)
        else:
            values.update(status="queued", holder=None)
            placement = Placement(queue=(lead.rank, lead.due))
        supersede = None
        if lead.close_event_id and lead.close_event_at:
            supersede = (lead.close_event_at, lead.close_event_id)
        step = self.cycles.reopened(lead) if self.cycles is not None else NOTHING
        change = LeadChange(
            lead_id,
            lead.version,
            values,
            event=worklist.event(
                "reopen", actor, now, lead, outcome=lead.outcome, to=values["holder"]
            ),
            placement=placement,
            supersede=supersede,
            guard=GuardChange(lead.type, lead.identity, True),
            change_id=self.new_id(now),
            cycle=step.update,
        )
        self._write_with_guard(change)
        return change.applied_to(lead)

    def _write_with_guard(self, change: LeadChange) -> None:
        """Write the change; if the guard is not this lead's, without it (nothing of ours to
        free), unless another lead of the customer is open: reopening would make two."""
        try:
            self.store.write(change)
            return
        except StaleWrite:
            raise WrongState("changed_meanwhile") from None
        except GuardTaken as taken:
            if change.guard is not None and change.guard.is_open and taken.is_open:
                raise WrongState("newer_open_lead") from None
        try:
            self.store.write(dataclasses.replace(change, guard=None))
        except StaleWrite:
            raise WrongState("changed_meanwhile") from None


def _quote(history: list[Event], quote_id: str) -> Event | None:
    """The lead's quote of that id."""
    return next((e for e in history if e.kind == "quote" and e.quote_id == quote_id), None)
