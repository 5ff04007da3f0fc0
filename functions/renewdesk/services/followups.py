"""The follow-up register: every contact with a customer, by whom, when, and what comes next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from renewdesk.errors import InvalidFields, StaleWrite, WrongState
from renewdesk.services import clock, worklist
from renewdesk.services.cycle_book import NOTHING, CycleBook
from renewdesk.services.records import Lead
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import FollowUp
from renewdesk.services.worklist import LeadChange

# A booked call may be a few minutes in the past (the form was slow), not days.
PAST_TOLERANCE = dt.timedelta(minutes=5)
FURTHEST_BOOKING = dt.timedelta(days=400)


@dataclass
class FollowUps:
    """Records follow-ups on leads the actor works."""

    store: worklist.WorkStore
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)
    # A booked call is pushed to its holder this long before (services.notifications).
    call_notice_minutes: int = 10
    # The first contact on a renewal lead counts its cycle as contacted (not_contacted figure).
    cycles: CycleBook | None = None

    def record(self, actor: Actor, lead_id: str, follow_up: FollowUp) -> Lead:
        """Log a contact; the lead becomes the holder's (it leaves the queue) and is next due at
        the booked call or the next plan step."""
        now = self.now()
        if follow_up.next_contact_at is not None:
            if follow_up.next_contact_at < now - PAST_TOLERANCE:
                raise InvalidFields({"next_contact_at": "in_past"})
            if follow_up.next_contact_at > now + FURTHEST_BOOKING:
                raise InvalidFields({"next_contact_at": "too_far"})
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        now_iso = clock.iso(now)
        owner = worklist.require_workable(lead, actor, now_iso)
        if follow_up.result == "quoted" and lead.type == "renewal" and not lead.quotes:
            # The quote itself (insurer, premiums) is what the supervisor and the board read.
            raise InvalidFields({"result": "quote_missing"})
        reached = follow_up.result in worklist.REACHED_RESULTS
        first_contact = not lead.first_contact_at
        first_reached = reached and not lead.first_reached_at
        next_contact = clock.iso(follow_up.next_contact_at) if follow_up.next_contact_at else None
        values = {
            "status": "claimed",
            "lease_until": None,
            "last_contact_at": now_iso,
            "first_contact_at": lead.first_contact_at or now_iso,
            "first_reached_at": lead.first_reached_at or (now_iso if reached else None),
            "next_contact_at": next_contact,
            "followups": lead.followups + 1,
            "last_result": follow_up.result,
        }
        step = NOTHING
        if first_contact and self.cycles is not None:
            step = self.cycles.contacted(lead, owner)
        if step.cycle_id and step.cycle_id != lead.cycle_id:
            values["cycle_id"] = step.cycle_id
        updated = lead.changed(**values)
        change = LeadChange(
            lead_id,
            lead.version,
            values,
            event=worklist.event(
                "followup",
                actor,
                now,
                lead,
                owner=owner,
                channel=follow_up.channel,
                result=follow_up.result,
                note=follow_up.note or None,
                next_contact_at=next_contact,
                reached=reached,
                first_contact=first_contact or None,
                first_reached=first_reached or None,
            ),
            placement=worklist.desk_placement(updated, owner),
            change_id=self.new_id(now),
            notices=self._call_reminder(lead_id, owner, follow_up.next_contact_at, now),
            cycle=step.update,
        )
        try:
            self.store.write(change)
        except StaleWrite:
            raise WrongState("changed_meanwhile") from None
        return change.applied_to(lead)

    def _call_reminder(
        self, lead_id: str, owner: str, call_at: dt.datetime | None, now: dt.datetime
    ) -> tuple[Any, ...]:
        """The push to the holder before a booked call (it checks, when due, that the call is
        still booked then and still theirs)."""
        from renewdesk.services import notifications

        if call_at is None:
            return ()
        return (
            notifications.booked_call(
                lead_id, owner, call_at, self.call_notice_minutes, now, self.new_id
            ),
        )
