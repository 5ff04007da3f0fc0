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
from renewdesk.services.records import CLOSE, Lead
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

    def close(self, actor: Actor, lead_id: str, close: Close) -> Lead:
        """Close an open lead: its holder or a supervisor."""
        now = self.now()
        now_iso = clock.iso(now)
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        if worklist.effective_status(lead, now_iso) in worklist.CLOSED:
            raise WrongState("lead_closed")
        owner = worklist.holder(lead, now_iso)
        if not actor.is_supervisor:
            owner = worklist.require_workable(lead, actor, now_iso)
        problems = close_problems(close, lead.type)
        if problems:
            raise InvalidFields(problems)
        cid = self.new_id(now)
        lost = close.outcome == "lost"
        values: dict[str, Any] = {
            "status": close.outcome,
            "outcome": close.outcome,
            "reason": close.reason if lost else None,
            "close_note": close.note or None,
            "premium": None if lost else close.premium,
            "insurer": None if lost else close.insurer,
            "closed_at": now_iso,
            "closed_by": actor.username,
            "owner": owner or actor.username,
            "holder": None,
            "lease_until": None,
            "attention_at": None,
            "close_event_at": now_iso,
            "close_event_id": cid,
        }
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
        )
        change = LeadChange(
            lead_id,
            lead.version,
            values,
            event=event,
            placement=Placement(),
            guard=GuardChange(lead.type, lead.identity, False),
            change_id=cid,
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
