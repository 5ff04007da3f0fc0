"""A lead as staff work it: its state, who holds it, what a change to it writes.

Stored status is ``queued``, ``claimed``, ``attention``, ``won`` or ``lost``. A claimed lead has
a ``holder``; while nobody has called the customer yet it also has a ``lease_until`` and stays
in the ready queue, so once the lease passes it is claimable again without any background job
(its *effective* status is then ``queued`` and it has no holder). The first follow-up turns the
lease into ownership: the lead leaves the queue and stays on the holder's desk until it is
closed, released or reassigned. Every change bumps ``version`` and is written only if the lead
still has the version it was read with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from renewdesk.errors import Forbidden, NotFound, WrongState
from renewdesk.services import clock, plan
from renewdesk.services.cycles import CycleUpdate
from renewdesk.services.records import LEAD_FIELDS, SHOWN, Event, Lead
from renewdesk.services.staff import Actor

CHANNELS = ("phone", "sms", "wechat", "in_store")
RESULTS = ("reached", "no_answer", "call_back", "quoted", "refused")
DEFEAT_REASONS = ("friend", "price", "claims_experience", "corporate", "telesales", "other")
# Why a specialist gives a lead back (``other`` needs a note; services/claims.py).
RELEASE_REASONS = ("no_answer", "call_back_later", "wrong_number", "not_mine", "other")
LEAD_TYPES = ("renewal", "referral")
STATUSES = ("queued", "claimed", "attention", "won", "lost")
OPEN = ("queued", "claimed", "attention")
# An erased lead (services.privacy: the customer asked to be deleted) is closed for good, as is
# the record a vehicle's former owner keeps of a lead handed to its new owner (roster_sync).
CLOSED = ("won", "lost", "erased", "handed_over")
# Follow-up results in which the customer was actually spoken to.
REACHED_RESULTS = frozenset({"reached", "call_back", "quoted", "refused"})


@dataclass(frozen=True)
class Placement:
    """The work lists a lead is on after a change: the ready queue (rank, due), a desk
    (username, due at), the attention list (since). Lists left None are left."""

    queue: tuple[int, str] | None = None
    desk: tuple[str, str] | None = None
    attention_since: str | None = None
    # Still in the queue, and on the supervisor's attention list since then (instead of a desk).
    waiting_since: str | None = None


@dataclass(frozen=True)
class GuardChange:
    """Open or close the customer's dedupe guard in the same transaction, if it is this lead's."""

    lead_type: str
    identity: str
    is_open: bool


@dataclass(frozen=True)
class LeadChange:
    """One conditional write of a lead (the fields it sets, None clearing one), with the event
    it adds to the lead's history."""

    lead_id: str
    version: int
    set: dict[str, Any]
    event: Event | None = None
    placement: Placement | None = None
    # Also require that the lead is still in the ready queue with no live lease at this time.
    claimable_at: str | None = None
    guard: GuardChange | None = None
    # (time, id) of the earlier close event the change cancels (reopen).
    supersede: tuple[str, str] | None = None
    change_id: str = field(default="")
    # Notifications (services.notifications.Notice) written in the same transaction.
    notices: tuple[Any, ...] = ()
    # What the change does to the lead's renewal cycle and the 续保率 figures (services.cycle_book).
    cycle: CycleUpdate | None = None

    def __post_init__(self) -> None:
        unknown = set(self.set) - LEAD_FIELDS
        if unknown:
            raise ValueError(f"not lead fields: {sorted(unknown)}")

    def applied_to(self, lead: Lead) -> Lead:
        """The lead as it is once this change is written."""
        return lead.changed(**self.set, version=self.version + 1)


class WorkStore(Protocol):
    """What working leads needs from storage (implemented by store.queue)."""

    def write(self, change: LeadChange) -> None: ...

    def get_lead(self, lead_id: str) -> Lead | None: ...

    def lead_with_history(self, lead_id: str) -> tuple[Lead | None, list[Event]]: ...


def effective_status(lead: Lead, now_iso: str) -> str:
    """The status as staff see it: a claim whose lease has passed is queued again."""
    if lead.status == "claimed" and lead.lease_until and lead.lease_until <= now_iso:
        return "queued"
    return lead.status


def holder(lead: Lead, now_iso: str) -> str | None:
    """Who holds the lead now (nobody once a lease has lapsed)."""
    return lead.holder if effective_status(lead, now_iso) == "claimed" else None


def require_lead(lead: Lead | None, lead_id: str) -> Lead:
    """The lead, or NotFound."""
    if lead is None:
        raise NotFound(lead_id)
    return lead


def require_workable(lead: Lead, actor: Actor, now_iso: str) -> str:
    """Check the actor may work this open lead; its holder.

    The holder may; a supervisor may act on anyone's lead. Closed → WrongState; held by someone
    else → Forbidden; held by nobody → WrongState (claim it first).
    """
    status = effective_status(lead, now_iso)
    if status in CLOSED:
        raise WrongState("lead_closed")
    current = holder(lead, now_iso)
    if current and (current == actor.username or actor.is_supervisor):
        return current
    if current:
        raise Forbidden("not_your_lead")
    if lead.holder == actor.username and lead.lease_until:
        raise WrongState("lease_lapsed")
    raise WrongState("not_claimed")


def require_supervisor(actor: Actor) -> None:
    """Only supervisors may go on."""
    if not actor.is_supervisor:
        raise Forbidden("supervisor_only")


def may_see_contact(lead: Lead, actor: Actor, now_iso: str) -> bool:
    """Full name, phone and plate: supervisors, the holder, and whoever closed or owned it."""
    if actor.is_supervisor:
        return True
    return actor.username in (holder(lead, now_iso), lead.owner)


def require_visible(lead: Lead, actor: Actor, now_iso: str) -> bool:
    """May the actor open this lead; True if with contact data. A colleague's lead → Forbidden."""
    if may_see_contact(lead, actor, now_iso):
        return True
    status = effective_status(lead, now_iso)
    if status == "claimed" or status in CLOSED:
        raise Forbidden("not_your_lead")
    return False  # still in the queue: a masked preview


def retention_ended(lead: Lead, now_iso: str, retention_days: int) -> str | None:
    """When the personal data of a lead closed at least ``retention_days`` ago had to go, or
    None while it may be kept (open leads are kept; erased ones have nothing left to keep).

    The daily purge (services.privacy.Purge) erases such leads; until it has, reads check this.
    """
    if lead.status not in ("won", "lost", "handed_over") or not lead.closed_at:
        return None
    ended = clock.iso(clock.parse_iso(lead.closed_at) + dt.timedelta(days=retention_days))
    return ended if ended <= now_iso else None


def within_retention(lead: Lead, now_iso: str, retention_days: int | None) -> Lead:
    """The lead as staff may read it now: past its retention, as erased, purged or not."""
    ended = retention_days and retention_ended(lead, now_iso, retention_days)
    return lead.erased(ended) if ended else lead


def mask(values: dict[str, Any]) -> dict[str, Any]:
    """Contact data (a lead's, a policy's, a lead's corrections) masked: 张*, +86138****8000,
    粤B***45, LVG**********3456."""
    masked = dict(values)
    if values.get("name"):
        masked["name"] = values["name"][0] + "*" * max(1, len(values["name"]) - 1)
    if values.get("phone"):
        masked["phone"] = values["phone"][:6] + "****" + values["phone"][-4:]
    if values.get("plate"):
        masked["plate"] = values["plate"][:2] + "***" + values["plate"][-2:]
    if values.get("vin"):
        masked["vin"] = values["vin"][:3] + "*" * (len(values["vin"]) - 7) + values["vin"][-4:]
    return masked


def view(
    lead: Lead, now_iso: str, with_contact: bool = True, retention_days: int | None = None
) -> dict[str, Any]:
    """The lead as the staff API shows it (the fields records.Lead marks ``shown``); with
    ``retention_days``, a lead closed longer ago shows as erased even before the purge has
    erased it (views of open leads may leave it out: an open lead is never past its
    retention)."""
    lead = within_retention(lead, now_iso, retention_days)
    shown = {name: getattr(lead, name) for name in SHOWN}
    if not with_contact:
        shown = mask(shown)
    status = effective_status(lead, now_iso)
    leased = status == "claimed" and lead.lease_until
    result = {
        **shown,
        "status": status,
        "holder": holder(lead, now_iso),
        "lease_expires_at": lead.lease_until if leased else None,
        "contact_masked": not with_contact,
        "premium": float(lead.premium) if lead.premium is not None else None,
        "days_to_expiry": days_to_expiry(lead.expiry_date, now_iso),
    }
    # The roster's figures for the call, and the contact details the customer corrected on the
    # renewal page (masked with the lead's own: they name the same person).
    for part in ("policy", "corrections"):
        values = getattr(lead, part)
        if values and not with_contact:
            values = mask(values)
        result[part] = (
            {k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()}
            if values
            else None
        )
    return result


def days_to_expiry(expiry_date: str | None, now_iso: str) -> int | None:
    """Days from the store's today to a policy's expiry date (negative once it has passed)."""
    if not expiry_date:
        return None
    today = clock.local_date(clock.parse_iso(now_iso))
    return (dt.date.fromisoformat(expiry_date) - today).days


def local_month(moment: dt.datetime) -> str:
    """The store's calendar month (YYYY-MM) at that moment: reports count by it."""
    return clock.local_date(moment).strftime("%Y-%m")


def event(kind: str, actor: Actor, now: dt.datetime, lead: Lead, **details: Any) -> Event:
    """A history event, carrying what the monthly report needs without reading the lead (its
    id is the id of the change that writes it)."""
    return Event(
        kind=kind,
        at=clock.iso(now),
        month=local_month(now),
        by=actor.username,
        lead_id=lead.lead_id,
        lead_type=lead.type,
        source=lead.source,
        lead_created_at=lead.created_at,
        **{k: v for k, v in details.items() if v is not None},
    )


def desk_placement(lead: Lead, username: str) -> Placement:
    """On a desk only, due when plan.next_due_at says."""
    return Placement(desk=(username, plan.next_due_at(lead)))
