"""The customer who takes the initiative: leads created for callers and walk-ins, the speed-to-lead
rule, and the queued leads that wait on the supervisor's attention list.

- **A caller or a walk-in** (``InboundLeads.create``): a specialist creates the lead with the
  consent the person gave (verbal or written, by whom, when), under the public intake's dedupe
  rules (an open or recent lead of the vehicle, or of the referral's phone, is answered instead);
  a renewal takes what the roster knows of the vehicle (grade, expiry, plan, last year's
  figures). The new lead is held by its creator, on a lease like a claim.
- **Speed to lead** (``SpeedToLead.check``, the outbox's ``check`` timer): a customer's own
  request nobody claimed within ``speed_to_lead_minutes`` of the store's working hours
  (content/store.yml ``opening_hours``) goes on the supervisor's attention list, still claimable,
  and the supervisor is pushed.
- **Past N-7** (``Attention.sweep``, hourly): a renewal lead nobody holds on its N-7 day or later
  joins the list too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Protocol

from renewdesk.errors import InvalidFields, StaleWrite
from renewdesk.services import clock, notifications, queue, worklist
from renewdesk.services.intake import NewLead, Outcome
from renewdesk.services.notifications import Notice
from renewdesk.services.records import Lead, Policy, new_lead
from renewdesk.services.staff import Actor
from renewdesk.services.worklist import LeadChange, Placement

log = logging.getLogger(__name__)

# Who the history names for what the product does by itself (never a valid username).
SYSTEM = Actor("@system", "system")
WAITING_REASONS = ("unclaimed", "past_n7")
# A renewal nobody holds from this many days before expiry is on the attention list.
LAST_CALL_DAYS = 7
SWEEP_PAGE = 200


# -- working hours ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingHours:
    """When the store works: for each weekday (0 Monday), (start, end) minutes after midnight."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    def deadline(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The moment ``minutes`` working minutes after ``start`` (outside the hours the clock
        stands still); plain minutes when the store has no hours at all."""
        if not any(self.days):
            return start + dt.timedelta(minutes=minutes)
        left = dt.timedelta(minutes=minutes)
        moment = start.astimezone(clock.CHINA)
        for _ in range(15):
            midnight = dt.datetime.combine(moment.date(), dt.time(), tzinfo=clock.CHINA)
            for first, last in self.days[moment.weekday()]:
                opens = midnight + dt.timedelta(minutes=first)
                closes = midnight + dt.timedelta(minutes=last)
                if closes <= moment:
                    continue
                begin = max(opens, moment)
                if begin + left <= closes:
                    return (begin + left).astimezone(dt.timezone.utc)
                left -= closes - begin
                moment = closes
            moment = midnight + dt.timedelta(days=1)
        return start + dt.timedelta(minutes=minutes)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@lru_cache(maxsize=4)
def load_hours(content_dir: Path) -> WorkingHours:
    """The store's hours from content/store.yml: every opening_hours entry counts (the store is
    open while any of its desks is)."""
    import yaml

    from renewdesk.content import hours

    data = yaml.safe_load((Path(content_dir) / "store.yml").read_text(encoding="utf-8")) or {}
    spans: list[list[tuple[int, int]]] = [[] for _ in hours.DAYS]
    for entry in data.get("opening_hours") or []:
        first, last = hours.parse_hours(str(entry["hours"]))
        for day in hours.parse_days(str(entry["days"])):
            spans[hours.DAYS.index(day)].append((_minutes(first), _minutes(last)))
    return WorkingHours(tuple(_merged(day) for day in spans))


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return tuple(merged)


# -- the speed-to-lead rule -------------------------------------------------------------------


def waiting_change(
    lead: Lead, reason: str, now: dt.datetime, change_id: str, notices: tuple[Notice, ...] = ()
) -> LeadChange:
    """Put a queued lead on the supervisor's attention list, leaving it claimable."""
    now_iso = clock.iso(now)
    return LeadChange(
        lead.lead_id,
        lead.version,
        {"waiting_reason": reason, "waiting_since": now_iso},
        event=worklist.event("waiting", SYSTEM, now, lead, cause=reason),
        placement=Placement(queue=(lead.rank, lead.due), waiting_since=now_iso),
        claimable_at=now_iso,
        change_id=change_id,
        notices=notices,
    )


def never_claimed_since(lead: Lead, since: str, now_iso: str) -> bool:
    """Nobody holds the lead and nobody claimed it since ``since`` (the customer's request)."""
    if worklist.effective_status(lead, now_iso) != "queued":
        return False
    return not (lead.first_claimed_at and lead.first_claimed_at >= since) and not (
        lead.claimed_at and lead.claimed_at >= since
    )


@dataclass
class SpeedToLead:
    """Decides, when a request's ``check`` notice comes due, whether it waited too long."""

    store: worklist.WorkStore
    hours: Callable[[], WorkingHours]
    minutes: int = 15
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def deadline(self, lead: Lead) -> dt.datetime:
        """When the customer's request must have been claimed by."""
        since = clock.parse_iso(lead.requested_at or lead.created_at)
        return self.hours().deadline(since, self.minutes)

    def check(self, notice: Notice, lead: Lead | None, now: dt.datetime) -> Notice:
        """The check notice as it ends: rescheduled to the deadline, or done (after putting an
        unclaimed request on the attention list and pushing the supervisor)."""
        now_iso = clock.iso(now)
        done = notice.changed(state="done", finished_at=now_iso)
        if lead is None or not lead.customer_requested:
            return done
        if worklist.effective_status(lead, now_iso) not in ("queued", "claimed"):
            return done  # closed, erased, or already on the attention list (bounced)
        deadline = self.deadline(lead)
        if now < deadline:
            return notice.changed(due_at=clock.iso(deadline))
        since = lead.requested_at or lead.created_at
        if lead.waiting_reason == "unclaimed" or not never_claimed_since(lead, since, now_iso):
            return done
        push = notifications.unclaimed(lead.lead_id, now, self.new_id)
        try:
            self.store.write(waiting_change(lead, "unclaimed", now, self.new_id(now), (push,)))
        except StaleWrite:  # claimed (or changed) this very moment: look again shortly
            return notice.changed(due_at=clock.iso(now + dt.timedelta(seconds=30)))
        log.info("request unclaimed in time: lead_id=%s", lead.lead_id)
        return done


# -- the attention list -------------------------------------------------------------------------


class AttentionStore(worklist.WorkStore, Protocol):
    """Reads of the attention list (implemented by store.inbound)."""

    def waiting_page(
        self, limit: int, start_key: dict[str, Any] | None = None
    ) -> tuple[list[Lead], dict[str, Any] | None]: ...

    def unheld_renewals(
        self, rank: int, due_by: str, expiry_by: str, now_iso: str, start_key: dict[str, Any] | None
    ) -> tuple[list[Lead], dict[str, Any] | None]: ...


@dataclass
class Attention:
    """Queued leads on the supervisor's attention list, and the hourly sweep for renewals past
    their last call."""

    store: AttentionStore
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def waiting(self, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
        """Still-claimable leads waiting for someone (supervisor), longest waiting first."""
        worklist.require_supervisor(actor)
        now_iso = clock.iso(self.now())
        leads, _ = self.store.waiting_page(limit)
        return [
            worklist.view(lead, now_iso)
            for lead in leads
            if lead.waiting_reason and worklist.effective_status(lead, now_iso) == "queued"
        ]

    def sweep(self) -> int:
        """Put every renewal lead nobody holds on or after its N-7 day on the list; how many."""
        now = self.now()
        now_iso = clock.iso(now)
        today = clock.local_date(now)
        expiry_by = (today + dt.timedelta(days=LAST_CALL_DAYS)).isoformat()
        marked = 0
        for rank in range(1, 2 * len(queue.GRADE_RANK) + 1):
            start: dict[str, Any] | None = None
            while True:
                leads, start = self.store.unheld_renewals(
                    rank, today.isoformat(), expiry_by, now_iso, start
                )
                for lead in leads:
                    try:
                        self.store.write(waiting_change(lead, "past_n7", now, self.new_id(now)))
                        marked += 1
                    except StaleWrite:
                        continue  # claimed meanwhile: not waiting any more
                if start is None:
                    break
        log.info("attention sweep: past_n7=%d", marked)
        return marked


# -- leads for callers and walk-ins -------------------------------------------------------------


class NewLeadStore(Protocol):
    """Writes a new lead under the intake's dedupe rules (store.leads)."""

    def add_lead(self, lead: NewLead) -> Outcome: ...


class PolicyStore(Protocol):
    """The roster (store.roster)."""

    def get_policies(self, plates: list[str]) -> dict[str, Policy]: ...

    def find_by_roster_id(self, roster_id: str) -> Policy | None: ...


@dataclass
class InboundLeads:
    """Leads staff create for the customer in front of them."""

    store: NewLeadStore
    roster: PolicyStore
    consent_version: Callable[[], str]
    lease_minutes: int = 30
    dedupe_days: int = 30
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def create(self, actor: Actor, form: Any) -> tuple[Outcome, Lead | None]:
        """A lead for a caller or walk-in (a services.staff_inputs.StaffLead), held by the
        actor: (the outcome, the new lead); (a duplicate outcome naming the existing lead, None)
        when the dedupe rules say so."""
        from renewdesk.services.reminders import follow_up_plan
        from renewdesk.services.roster import policy_values
        from renewdesk.services.staff_inputs import staff_lead_problems

        problems = staff_lead_problems(form)
        if problems:
            raise InvalidFields(problems)
        now = self.now()
        now_iso = clock.iso(now)
        lead_id = self.new_id(now)
        values: dict[str, Any] = {
            "name": form.name,
            "phone": form.phone,
            "plate": form.plate,
            "interest": form.interest,
            "note": form.note or None,
        }
        policy = self.roster.get_policies([form.plate]).get(form.plate) if form.plate else None
        if form.type == "renewal" and policy is not None:
            expiry = dt.date.fromisoformat(policy.expiry_date)
            values.update(
                grade=policy.grade,
                expiry_date=policy.expiry_date,
                plan=follow_up_plan(expiry) if expiry > clock.local_date(now) else None,
                policy=policy_values(policy) or None,
            )
        lease_until = clock.iso(now + dt.timedelta(minutes=self.lease_minutes))
        lead = new_lead(
            lead_id=lead_id,
            lead_type=form.type,
            source=form.source,
            now=now,
            customer_requested=True,
            rank=queue.rank(values.get("grade"), customer_requested=True),
            consent_version=self.consent_version(),
            consent_at=now_iso,
            consent_method=form.consent,
            consent_by=actor.username,
            **{k: v for k, v in values.items() if v is not None},
        ).changed(
            status="claimed",
            holder=actor.username,
            lease_until=lease_until,
            claimed_at=now_iso,
            first_claimed_at=now_iso,
            claims=1,
        )
        events = tuple(
            dataclasses.replace(e, event_id=self.new_id(now))
            for e in (
                worklist.event("create", actor, now, lead, consent=form.consent),
                worklist.event("claim", actor, now, lead),
            )
        )
        outcome = self.store.add_lead(
            NewLead(
                lead=lead,
                rate_limits=(),
                dedupe_cutoff=clock.iso(now - dt.timedelta(days=self.dedupe_days)),
                events=events,
                desk=(actor.username, now_iso),
            )
        )
        return outcome, None if outcome.duplicate else lead

    def policy_form(self, roster_id: str) -> dict[str, Any] | None:
        """What the new-lead form starts with for a roster policy (search's "create a lead")."""
        policy = self.roster.find_by_roster_id(roster_id)
        if policy is None:
            return None
        return {
            "type": "renewal",
            "name": policy.name,
            "phone": policy.phone,
            "plate": policy.plate,
        }
