"""The roster stays true: when an import changes a policy, the vehicle's open lead follows it.

- **Figures and dates.** Changed premiums, insurer, model, VIN, advisor or grade replace what the
  lead shows for the call (``policy``, ``grade``); a changed expiry date moves the lead's expiry,
  its follow-up plan and, on the queue, its due date. A roster lead also takes a corrected name.
- **A new owner** (the plate now has another mobile number: the car was sold). The open lead of
  the former owner is re-pointed to the new owner: their name and phone, their place in the
  customer index, the dedupe guard's phone digest. What the lead held of the former owner
  leaves it: the contact history (follow-up register), notes, corrections, consent, the request
  they made. It is kept only in the former owner's own record: a closed lead of theirs
  (``handed_over``, in their customer index) holding the lead's data as it was and its history,
  erased like any closed lead once ``LEAD_RETENTION_DAYS`` have passed (services.privacy).
  The re-pointed lead keeps its holder and its place in the queue, ranked as not requested.
- A lead that came from someone other than the roster's owner (a relative asked on the site)
  keeps its contact; only its policy figures follow.

Each lead is written with the policy's marker (``lead_synced``: the row hash the lead reflects)
in one transaction, conditional on the lead's version, so an import stopped in between (a
Lambda timeout) finishes the lead on its next run, and a lead changed meanwhile is read again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from renewdesk.errors import StaleWrite
from renewdesk.services import clock, plan, queue
from renewdesk.services.records import Event, Lead, Policy
from renewdesk.services.reminders import follow_up_plan
from renewdesk.services.roster import ImportSummary, policy_values

ROSTER_ACTOR = "roster"
ROUNDS = 3
# What a lead holds of the person it was for (beyond name and phone): it leaves with them.
FORMER_OWNERS_FIELDS = (
    "note",
    "contact_time",
    "corrections",
    "referral_code",
    "requested_at",
    "requested_via",
    "consent_version",
    "consent_at",
    "first_contact_at",
    "last_contact_at",
    "first_reached_at",
    "next_contact_at",
    "last_result",
)
# The lead fields a roster change is named by in the lead's history (``cause`` of the event).
ROSTER_FIELDS = ("policy", "grade", "expiry_date", "name", "phone")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Handover:
    """A lead handed to the vehicle's new owner: the former owner's record of it (a closed
    lead with the lead's history), and the events that mark the change on both."""

    archive: Lead
    history: tuple[Event, ...]  # the lead's events, moved to the archive
    marked: Event  # "owner_changed", on the re-pointed lead
    closed: Event  # "handed_over", on the archive (the retention purge finds it)
    phone_digest: str  # the new owner's, for the dedupe guard


@dataclass(frozen=True)
class LeadFollow:
    """One open lead brought in line with its policy: the fields set (None clears one), its new
    place on the ready queue or its desk, and for a new owner the handover."""

    policy: Policy
    lead: Lead
    sets: dict[str, Any]
    event: Event
    queue_at: tuple[int, str] | None = None
    desk_due_at: str | None = None
    handover: Handover | None = None


class FollowStore(Protocol):
    """What following needs from storage (implemented by store.roster_sync)."""

    def vehicle_open_leads(self, plates: list[str]) -> dict[str, Lead]: ...

    def lead_with_history(self, lead_id: str) -> tuple[Lead | None, list[Event]]: ...

    def mark_followed(self, policies: list[Policy]) -> None: ...

    def write_follows(self, follows: list[LeadFollow]) -> list[str]: ...

    def hand_over(self, follow: LeadFollow) -> None: ...


@dataclass
class LeadSync:
    """Brings the open leads of changed roster policies in line with them."""

    store: FollowStore
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def follow(self, policies: list[Policy], summary: ImportSummary) -> None:
        """Update each policy's open lead (if it has one and it differs), then mark the policy
        followed; counts go to the summary."""
        pending = list(policies)
        for _ in range(ROUNDS):
            if not pending:
                return
            leads = self.store.vehicle_open_leads([p.plate for p in pending])
            now = self.now()
            quiet, plain, handovers = [], [], []
            for policy in pending:
                lead = leads.get(policy.plate)
                change = self._follow(policy, lead, now) if lead is not None else None
                if change is None:
                    quiet.append(policy)
                elif "phone" in change.sets:
                    handovers.append(change)
                else:
                    plain.append(change)
            self.store.mark_followed(quiet)
            stale = set(self.store.write_follows(plain))
            summary.leads_updated += len(plain) - len(stale)
            for change in handovers:
                try:
                    self._hand_over(change, now)
                except StaleWrite:
                    stale.add(change.policy.plate)
                    continue
                summary.leads_updated += 1
                summary.owners_changed += 1
            pending = [p for p in pending if p.plate in stale]
        if pending:
            raise StaleWrite("leads kept changing while the roster import followed them")

    def _follow(self, policy: Policy, lead: Lead, now: dt.datetime) -> LeadFollow | None:
        sets: dict[str, Any] = {}
        figures = policy_values(policy)
        if _comparable(lead.policy) != _comparable(figures):
            sets["policy"] = figures or None
        if lead.grade != policy.grade:
            sets["grade"] = policy.grade
        if lead.expiry_date != policy.expiry_date:
            sets["expiry_date"] = policy.expiry_date
            if lead.cycle_id:
                # The lead now works the policy's cycle of the new date (services.cycle_book
                # finds it from the plate): the one it had stays with the old date.
                sets["cycle_id"] = None
            if lead.plan:
                sets["plan"] = follow_up_plan(dt.date.fromisoformat(policy.expiry_date))
        former = policy.lead_phone or policy.phone
        if policy.phone != former and lead.phone == former:
            sets.update(_new_owner(policy))
        elif lead.phone == policy.phone and lead.source == "roster" and lead.name != policy.name:
            sets["name"] = policy.name
        if not sets:
            return None
        after = lead.changed(**sets)
        requested = bool(after.customer_requested)
        queue_at = None
        if _on_ready_queue(lead) and ("grade" in sets or "plan" in sets or "phone" in sets):
            today = clock.local_date(now).isoformat()
            due = lead.due
            if "plan" in sets and not requested:
                due = min((d for d in sets["plan"].values() if d >= today), default=today)
            queue_at = (queue.rank(after.grade, requested), due)
            sets.update(rank=queue_at[0], due=due)
        desk_due_at = None
        if lead.holder and not lead.lease_until and lead.status == "claimed":
            desk_due_at = plan.next_due_at(lead.changed(**sets))
        kind = "owner_changed" if "phone" in sets else "roster_update"
        changed = ",".join(sorted(k for k in sets if k in ROSTER_FIELDS))
        event = _event(kind, now, lead, self.new_id(now), cause=changed)
        return LeadFollow(policy, lead, sets, event, queue_at, desk_due_at)

    def _hand_over(self, change: LeadFollow, now: dt.datetime) -> None:
        """Write a handover, reading the lead's history first; once more if the lead moved on."""
        from renewdesk.services.fields import phone_digest

        for attempt in range(ROUNDS):
            lead, history = self.store.lead_with_history(change.lead.lead_id)
            if lead is None or lead.status not in ("queued", "claimed", "attention"):
                return
            if attempt:  # the lead changed meanwhile: decide again on what it is now
                again = self._follow(change.policy, lead, now)
                if again is None or "phone" not in again.sets:
                    self.store.mark_followed([change.policy])
                    return
                change = again
            archive_id = _archive_id(lead.lead_id, change.policy.roster_id)
            archive = lead.changed(
                lead_id=archive_id,
                status="handed_over",
                cycle_id=None,  # the vehicle's renewal cycle stays with the lead, not the archive
                closed_at=clock.iso(now),
                closed_by=ROSTER_ACTOR,
                holder=None,
                lease_until=None,
                desk_due_at=None,
            )
            handover = Handover(
                archive=archive,
                history=tuple(history),
                marked=change.event,
                closed=_event("handed_over", now, archive, self.new_id(now)),
                phone_digest=phone_digest(change.policy.phone),
            )
            try:
                self.store.hand_over(_with(change, lead, handover))
                return
            except StaleWrite:
                continue
        raise StaleWrite(change.lead.lead_id)


def _with(change: LeadFollow, lead: Lead, handover: Handover) -> LeadFollow:
    return LeadFollow(
        change.policy,
        lead,
        change.sets,
        change.event,
        change.queue_at,
        change.desk_due_at,
        handover,
    )


def _new_owner(policy: Policy) -> dict[str, Any]:
    """The re-pointed lead's contact: the new owner's, nothing of the former owner's."""
    return {
        "name": policy.name,
        "phone": policy.phone,
        "customer_requested": False,
        "source": "roster",
        **dict.fromkeys(FORMER_OWNERS_FIELDS),
        "followups": 0,
    }


def _on_ready_queue(lead: Lead) -> bool:
    """Queued leads and claimed ones still on a lease sit on the ready queue."""
    return lead.status == "queued" or (lead.status == "claimed" and bool(lead.lease_until))


def _comparable(values: dict[str, Any] | None) -> str:
    """Policy figures as text that compares equal whether amounts are Decimal or float."""
    numbers = {
        k: f"{float(v):.2f}" if isinstance(v, (int, float)) or hasattr(v, "quantize") else v
        for k, v in (values or {}).items()
        if v not in (None, "")
    }
    return json.dumps(numbers, sort_keys=True, ensure_ascii=False)


def _event(
    kind: str, now: dt.datetime, lead: Lead, event_id: str, cause: str | None = None
) -> Event:
    from renewdesk.services.worklist import local_month

    return Event(
        kind=kind,
        at=clock.iso(now),
        month=local_month(now),
        by=ROSTER_ACTOR,
        lead_id=lead.lead_id,
        lead_type=lead.type,
        lead_created_at=lead.created_at,
        source=lead.source,
        event_id=event_id,
        cause=cause or None,
    )


def _archive_id(lead_id: str, roster_id: str) -> str:
    """The former owner's record of a lead: a ULID of the lead's time, the same for the same
    handover every time it is tried (a resumed import writes the same record)."""
    digest = int.from_bytes(hashlib.sha256(f"{lead_id}:{roster_id}".encode()).digest()[:10])
    tail = "".join(CROCKFORD[(digest >> (5 * i)) & 31] for i in range(16))
    return lead_id[:10] + tail
