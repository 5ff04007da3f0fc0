"""Deletion on request (PIPL): what erasing a customer removes, what it keeps, what it counts.

A customer is named by their mainland mobile number. Erasing them:

- strips every lead of theirs (found through the customer index) down to the fields the monthly
  report and the defeat analysis read (``KEPT_LEAD_FIELDS``), sets ``status`` to ``erased`` and
  ``erased_at``, and takes it off the ready queue, desks and the customer index, so nobody calls
  them again and a second run no longer finds it;
- removes free text (``note``) from the lead's events, which may name or describe the customer;
- deletes the lead's dedupe guard (its key is the plate or the phone) when it is that lead's;
- deletes the roster policies, the referral code with its phone guard, the reminder opt-out and
  the honeypot submissions that carry the phone.

Each lead is erased in one transaction with its events and guard, conditional on the version it
was read with: a crash leaves each lead untouched or fully erased, and running again finishes.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from renewdesk.errors import InvalidFields, StaleWrite
from renewdesk.services import clock, worklist

log = logging.getLogger(__name__)

ERASED = "erased"
# What an erased lead keeps: its place in the month index (leads in), type, source and outcome
# (won/lost, defeat reason, premium, insurer) for reports, and the work timestamps and counters
# that describe the store's work rather than the customer. Everything else goes, including
# fields added after this list was written.
KEPT_LEAD_FIELDS = frozenset({
    "pk", "sk", "lead_id", "type", "source", "status", "version", "month_pk", "month_sk",
    "created_at", "customer_requested", "requested_via", "interest", "grade", "rank", "due",
    "consent_version", "consent_at", "claims", "bounces", "followups", "claimed_at",
    "first_claimed_at", "first_contact_at", "last_contact_at", "attention_at", "outcome",
    "reason", "premium", "insurer", "closed_at", "closed_by", "owner", "close_event_at",
    "close_event_id",
})
# Free text on events (follow-up, close notes): staff may have written the customer's details.
EVENT_FREE_TEXT = ("note",)
ATTEMPTS = 3


@dataclass(frozen=True)
class LeadErasure:
    """One lead's erasure, written all or nothing: the lead's update, the events to clear, and
    the dedupe guard to delete (if it is this lead's)."""

    lead_id: str
    version: int
    removes: tuple[str, ...]
    sets: dict[str, Any]
    event_keys: tuple[dict[str, str], ...]
    guard: tuple[str, str] | None  # (lead type, identity)


@dataclass
class Survey:
    """What is stored about one customer, found before anything is erased."""

    leads: list[tuple[dict[str, Any], list[dict[str, Any]], bool]] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)  # plates
    referral_code: str | None = None
    opted_out: bool = False
    spam: list[str] = field(default_factory=list)  # spam ids

    def counts(self) -> dict[str, int]:
        """How many items of each kind; every kind present, zero when none."""
        open_leads = sum(1 for lead, _, _ in self.leads if lead["status"] in worklist.OPEN)
        return {
            "open_leads": open_leads,
            "closed_leads": len(self.leads) - open_leads,
            "event_notes": sum(len(notes_of(events)) for _, events, _ in self.leads),
            "dedupe_guards": sum(1 for _, _, guarded in self.leads if guarded),
            "policies": len(self.policies),
            "referral_codes": 1 if self.referral_code else 0,
            "optouts": 1 if self.opted_out else 0,
            "spam": len(self.spam),
        }


class PrivacyStore(Protocol):
    """What erasure needs from storage (implemented by store.privacy)."""

    def customer_lead_ids(self, phone: str) -> list[str]: ...

    def lead_with_history(self, lead_id: str) -> tuple[dict[str, Any] | None,
                                                       list[dict[str, Any]]]: ...

    def guard_holder(self, lead_type: str, identity: str) -> str | None: ...

    def erase_lead(self, erasure: LeadErasure) -> None: ...

    def scan_phone(self, phone: str) -> tuple[list[str], list[dict[str, Any]]]: ...

    def delete_policy(self, plate: str, phone: str) -> bool: ...

    def referral_code_of(self, phone: str) -> str | None: ...

    def delete_referrer(self, code: str, phone: str) -> None: ...

    def has_optout(self, phone: str) -> bool: ...

    def delete_optout(self, phone: str) -> bool: ...

    def delete_spam(self, spam_id: str) -> None: ...


def parse_phone(value: str) -> str:
    """The phone as intake stores it (+86XXXXXXXXXXX); InvalidFields naming the problem."""
    from pydantic_core import PydanticCustomError

    from renewdesk.services.submissions import normalize_phone

    try:
        return normalize_phone(value)
    except PydanticCustomError as error:
        raise InvalidFields({"phone": error.type}) from None


def mask_phone(phone: str) -> str:
    """+86138****8000: what erasure may print about the customer."""
    return worklist.mask({"phone": phone})["phone"]


def notes_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events that carry free text."""
    return [e for e in events if any(e.get(f) for f in EVENT_FREE_TEXT)]


def lead_erasure(lead: dict[str, Any], events: list[dict[str, Any]], guarded: bool,
                 now: dt.datetime) -> LeadErasure:
    """What erasing this lead writes."""
    guard = (lead["type"], worklist.identity(lead)) if guarded else None
    return LeadErasure(
        lead_id=lead["lead_id"],
        version=int(lead.get("version") or 0),
        removes=tuple(sorted(set(lead) - KEPT_LEAD_FIELDS)),
        sets={"status": ERASED, "erased_at": clock.iso(now)},
        event_keys=tuple({"pk": e["pk"], "sk": e["sk"]} for e in notes_of(events)),
        guard=guard,
    )


def spam_matches(fields: dict[str, Any], phone: str) -> bool:
    """Whether a honeypot submission's raw fields carry this phone (in any accepted spelling)."""
    from pydantic_core import PydanticCustomError

    from renewdesk.services.submissions import normalize_phone

    try:
        return normalize_phone(fields.get("phone") or "") == phone
    except PydanticCustomError:
        return False


@dataclass
class Erasure:
    """Finds and erases one customer's personal data; knows neither click nor DynamoDB."""

    store: PrivacyStore
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def survey(self, phone: str) -> Survey:
        """Everything stored about the customer that erasing would touch (reads only)."""
        survey = Survey()
        for lead_id in self.store.customer_lead_ids(phone):
            found = self._lead(lead_id)
            if found is not None:
                survey.leads.append(found)
        survey.policies, spam = self.store.scan_phone(phone)
        survey.spam = [item["spam_id"] for item in spam if spam_matches(item["fields"], phone)]
        survey.referral_code = self.store.referral_code_of(phone)
        survey.opted_out = self.store.has_optout(phone)
        return survey

    def erase(self, phone: str) -> dict[str, int]:
        """Erase the customer; the counts of what was erased (all zero when nothing was left)."""
        survey = self.survey(phone)
        for lead, events, guarded in survey.leads:
            self._erase_lead(lead, events, guarded)
        gone = [plate for plate in survey.policies if self.store.delete_policy(plate, phone)]
        survey.policies = gone
        if survey.referral_code:
            self.store.delete_referrer(survey.referral_code, phone)
        survey.opted_out = self.store.delete_optout(phone)
        for spam_id in survey.spam:
            self.store.delete_spam(spam_id)
        counts = survey.counts()
        # Counts only: the log never names the customer.
        log.info("customer erased: %s", " ".join(f"{k}={v}" for k, v in counts.items()))
        return counts

    def _lead(self, lead_id: str):
        """(lead, its events, whether its dedupe guard is its own), or None if already erased."""
        lead, events = self.store.lead_with_history(lead_id)
        if lead is None or lead.get("erased_at"):
            return None
        holder = self.store.guard_holder(lead["type"], worklist.identity(lead))
        return lead, events, holder == lead_id

    def _erase_lead(self, lead: dict[str, Any], events: list[dict[str, Any]],
                    guarded: bool) -> None:
        """Write the erasure; if the lead moved on meanwhile (a claim, a follow-up), read it
        again and erase what it is now."""
        for _ in range(ATTEMPTS):
            try:
                self.store.erase_lead(lead_erasure(lead, events, guarded, self.now()))
                return
            except StaleWrite:
                found = self._lead(lead["lead_id"])
                if found is None:
                    return
                lead, events, guarded = found
        raise StaleWrite(lead["lead_id"])
