"""The records that cross layers: a lead, its history events, a roster policy.

Each is a frozen dataclass; store/ converts DynamoDB items to and from them at its boundary and is
the only code that sees keys and index attributes. What a field *is* is declared once, on the
field: ``kept`` (it survives erasure: it describes the store's work, not the customer),
``shown`` (a specialist's view lists it), ``contact`` (masked unless the reader may see the
customer's contact data), ``close`` (set by a close, cleared by a reopen). Everything not kept
is personal data and goes on erasure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

LeadType = Literal["renewal", "referral"]
LeadStatus = Literal["queued", "claimed", "attention", "won", "lost", "erased", "handed_over"]


def _kept(default: Any = None, shown: bool = False, close: bool = False) -> Any:
    return field(default=default, metadata={"kept": True, "shown": shown, "close": close})


def _personal(
    default: Any = None, shown: bool = True, contact: bool = False, close: bool = False
) -> Any:
    return field(
        default=default,
        metadata={"kept": False, "shown": shown, "contact": contact, "close": close},
    )


@dataclass(frozen=True)
class Lead:
    """One request to work: a renewal (one vehicle's policy) or a referral (one person)."""

    lead_id: str = _kept(shown=True)
    type: LeadType = _kept("renewal", shown=True)
    status: LeadStatus = _kept("queued")
    created_at: str = _kept("", shown=True)
    source: str | None = _kept(shown=True)
    version: int = _kept(0)
    # The customer: personal data.
    name: str | None = _personal(contact=True)
    phone: str | None = _personal(contact=True)
    plate: str | None = _personal(contact=True)
    expiry_date: str | None = _personal()
    contact_time: str | None = _personal()
    note: str | None = _personal()
    interest: str | None = _kept(shown=True)
    referral_code: str | None = _personal()
    corrections: dict[str, Any] | None = _personal(shown=False)  # shown masked, apart
    policy: dict[str, Any] | None = _personal(shown=False)  # the roster's figures, apart
    plan: dict[str, str] | None = _personal(shown=False)
    consent_version: str | None = _kept()
    consent_at: str | None = _kept()
    # Its place in the queue.
    rank: int = _kept(5, shown=True)
    due: str = _kept("", shown=True)
    grade: str | None = _kept(shown=True)
    customer_requested: bool = _kept(False, shown=True)
    requested_at: str | None = _personal(shown=False)
    requested_via: str | None = _kept(shown=True)
    # Who works it.
    holder: str | None = _personal(shown=False)
    lease_until: str | None = _personal(shown=False)
    claimed_at: str | None = _kept(shown=True)
    first_claimed_at: str | None = _kept()
    claims: int = _kept(0)
    bounces: int = _kept(0, shown=True)
    attention_at: str | None = _kept(shown=True)
    owner: str | None = _kept(shown=True)
    desk_due_at: str | None = _personal(shown=False)  # when its holder must next act
    # Contacts with the customer.
    first_contact_at: str | None = _kept(shown=True)
    last_contact_at: str | None = _kept(shown=True)
    first_reached_at: str | None = _personal(shown=False)
    next_contact_at: str | None = _personal()
    followups: int = _kept(0, shown=True)
    last_result: str | None = _personal(shown=False)
    # The close.
    outcome: str | None = _kept(shown=True, close=True)
    reason: str | None = _kept(shown=True, close=True)
    close_note: str | None = _personal(close=True)
    premium: Decimal | float | None = _kept(shown=True, close=True)
    insurer: str | None = _kept(shown=True, close=True)
    closed_at: str | None = _kept(shown=True, close=True)
    closed_by: str | None = _kept(shown=True, close=True)
    close_event_at: str | None = _kept(close=True)
    close_event_id: str | None = _kept(close=True)
    erased_at: str | None = _kept(shown=True)
    # Inbound work (services/inbound.py): consent a caller or walk-in gave a specialist (verbal
    # or written) and who recorded it; the last release (not handed back to the same
    # specialist for a while) and the last bounce that counted; why a queued lead is on the
    # supervisor's attention list while still claimable (unclaimed in time, or past N-7).
    consent_method: str | None = _kept()
    consent_by: str | None = _kept()
    released_by: str | None = _kept()
    released_at: str | None = _kept()
    last_bounce_by: str | None = _kept()
    last_bounce_at: str | None = _kept()
    waiting_reason: str | None = _kept(shown=True)
    waiting_since: str | None = _kept(shown=True)
    # Renewal management: the policy cycle the lead works, its quotes, the quote a win took.
    cycle_id: str | None = _kept()
    quotes: int = _kept(0, shown=True)
    quote_id: str | None = _kept(shown=True, close=True)

    def changed(self, **values: Any) -> Lead:
        """The lead with these fields set (a field set to None is cleared)."""
        return dataclasses.replace(self, **values)

    @property
    def identity(self) -> str:
        """What the dedupe guard of the lead's type is keyed by: the plate, or the phone."""
        return (self.plate if self.type == "renewal" else self.phone) or ""

    def erased(self, at: str) -> Lead:
        """The lead as erasure leaves it: the kept fields only, status erased."""
        kept = {name: getattr(self, name) for name in KEPT_ON_ERASURE}
        return Lead(**{**kept, "status": "erased", "erased_at": at})


def _field_names(**flags: bool) -> frozenset[str]:
    return frozenset(
        f.name
        for f in dataclasses.fields(Lead)
        if all(bool(f.metadata.get(k)) == v for k, v in flags.items())
    )


LEAD_FIELDS = _field_names()
KEPT_ON_ERASURE = _field_names(kept=True)
PERSONAL = LEAD_FIELDS - KEPT_ON_ERASURE
SHOWN = tuple(f.name for f in dataclasses.fields(Lead) if f.metadata.get("shown"))
CONTACT = _field_names(contact=True)
CLOSE = _field_names(close=True)


def new_lead(
    *,
    lead_id: str,
    lead_type: LeadType,
    source: str,
    now: dt.datetime,
    customer_requested: bool,
    rank: int,
    due: str | None = None,
    **values: Any,
) -> Lead:
    """A queued lead as it is first stored: intake, reminders, renewal links, tests, benchmarks
    all make theirs here."""
    from renewdesk.services import clock

    return Lead(
        lead_id=lead_id,
        type=lead_type,
        status="queued",
        source=source,
        created_at=clock.iso(now),
        customer_requested=customer_requested,
        rank=rank,
        due=due or clock.local_date(now).isoformat(),
        **values,
    )


@dataclass(frozen=True)
class Event:
    """One entry of a lead's history: claim, release, follow-up, close, reopen, reassign,
    attention, requeue. It carries what the reports need without reading the lead."""

    kind: str
    at: str
    month: str  # the store's local month of ``at``: reports count by it
    by: str
    lead_id: str
    lead_type: str
    lead_created_at: str
    source: str | None = None
    event_id: str = ""
    owner: str | None = None
    channel: str | None = None
    result: str | None = None
    note: str | None = None
    next_contact_at: str | None = None
    reached: bool | None = None
    first_contact: bool | None = None
    first_reached: bool | None = None
    outcome: str | None = None
    reason: str | None = None
    premium: Decimal | float | None = None
    insurer: str | None = None
    holder: str | None = None
    to: str | None = None
    lapsed_from: str | None = None
    cause: str | None = None
    bounces: int | None = None
    superseded: bool | None = None
    consent: str | None = None  # a lead created by staff: verbal or written
    # A quote (kind "quote") and what a lost close loses (last year's premium of the policy).
    quote_id: str | None = None
    commercial_premium: Decimal | float | None = None
    compulsory_premium: Decimal | float | None = None
    valid_until: str | None = None
    gift_tier: str | None = None
    gifts: list[str] | None = None
    lost_premium: Decimal | float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The set fields, for views and reports."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


EVENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Event))
# Free text on events (follow-up, close notes): staff may have written the customer's details.
EVENT_FREE_TEXT = ("note",)


@dataclass(frozen=True)
class Policy:
    """A roster record: one vehicle's policy, and where the reminder steps of its current cycle
    (one expiry date) stand."""

    plate: str
    name: str
    phone: str
    expiry_date: str
    roster_id: str = ""
    grade: str | None = None
    last_insurer: str | None = None
    commercial_premium: Decimal | float | None = None
    compulsory_premium: Decimal | float | None = None
    model: str | None = None
    vin: str | None = None
    advisor: str | None = None
    row_hash: str = ""
    imported_at: str | None = None
    updated_at: str | None = None
    # The cycle (expiry date) the reminder steps were taken for, and how far they are.
    cycle: str | None = None
    lead_id: str | None = None
    lead_step: str | None = None
    sms_step: str | None = None
    sms_on: str | None = None
    sms_sent_at: str | None = None
    # The row hash and owner phone the vehicle's open lead last took (services.roster_sync).
    lead_synced: str | None = None
    lead_phone: str | None = None
    # The upload (import job) that last wrote the record: a resumed job counts its own writes.
    written_by: str | None = None
    # Renewal management: when cover started and whether the policy stands (roster columns),
    # the renewal cycle of the current expiry date, and the recent cycles by expiry date.
    start_date: str | None = None
    status: str | None = None
    cycle_id: str | None = None
    cycles: dict[str, str] | None = None

    def changed(self, **values: Any) -> Policy:
        """The policy with these fields set."""
        return dataclasses.replace(self, **values)

    @property
    def in_current_cycle(self) -> bool:
        """Whether the reminder steps recorded are this expiry date's."""
        return self.cycle == self.expiry_date


POLICY_FIELDS = frozenset(f.name for f in dataclasses.fields(Policy))


@dataclass(frozen=True)
class Guard:
    """A dedupe guard: which lead holds the vehicle (renewal) or person (referral), and whether
    that lead is still open."""

    lead_id: str
    is_open: bool


@dataclass(frozen=True)
class OptOut:
    """A customer's opt-out from reminder SMS: when, and how they said so."""

    phone: str
    opted_out_at: str
    via: str


@dataclass(frozen=True)
class Cycle:
    """A renewal cycle: one policy and one expiry date, the unit 续保率 counts (services/cycles.py
    says what state it is in). It keeps what the store's figures need; only the plate is the
    customer's, and erasure removes it."""

    cycle_id: str
    expiry_date: str
    created_at: str = ""
    version: int = 0
    source: str = "roster"  # roster | rollover (made by a won close)
    plate: str | None = None
    start_date: str | None = None
    # Why the policy is not due: cancelled, short_term, multi_year, superseded (a corrected date).
    excluded: str | None = None
    grade: str | None = None
    insurer: str | None = None  # last year's insurer, by its name in content/insurers.yml
    commercial_premium: Decimal | float | None = None  # last year's
    compulsory_premium: Decimal | float | None = None
    lead_id: str | None = None
    specialist: str | None = None
    contacted_at: str | None = None  # the first follow-up logged on its lead
    quoted_at: str | None = None  # the first quote recorded on its lead
    outcome: str | None = None  # won | lost, from the lead's close
    closed_at: str | None = None
    closed_on: str | None = None  # the store's local date of the close
    reason: str | None = None
    won_premium: Decimal | float | None = None
    won_insurer: str | None = None
    quote_id: str | None = None
    lapsed_on: str | None = None  # the daily job found it 30 days past expiry with neither
    next_cycle_id: str | None = None  # next year's cycle its won close made

    def changed(self, **values: Any) -> Cycle:
        """The cycle with these fields set."""
        return dataclasses.replace(self, **values)

    def bumped(self) -> Cycle:
        """The cycle as a rewrite stores it: one version on (written only onto the one read)."""
        return dataclasses.replace(self, version=self.version + 1)


CYCLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Cycle))


@dataclass(frozen=True)
class Review:
    """A supervisor's signed review of one specialist's week of the follow-up register."""

    specialist: str
    week: str  # ISO week, YYYY-Www
    comment: str
    by: str
    at: str
    checks: dict[str, Any] | None = None  # the figures the supervisor saw when signing
