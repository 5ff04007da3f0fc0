"""Deletion on request (PIPL): what erasing a customer removes, what it keeps, what it counts.

A customer is named by their mainland mobile number. Erasing them:

- strips every lead of theirs (found through the customer index) down to the fields the monthly
  report and the defeat analysis read (those records.Lead marks ``kept``), sets ``status`` to
  ``erased`` and
  ``erased_at``, and takes it off the ready queue, desks and the customer index, so nobody calls
  them again and a second run no longer finds it;
- removes free text (``note``) from the lead's events, which may name or describe the customer;
- deletes the lead's dedupe guard (its key is the plate or the phone) when it is that lead's;
- deletes the roster policies, the referral code with its phone guard, the reminder opt-out and
  the honeypot submissions that carry the phone;
- takes the plate off the vehicle's renewal cycles (their figures stay: the store's work), and
  deletes the lead's close notes from stored defeat analyses.

Each lead is erased in one transaction with its events and guard, conditional on the version it
was read with: a crash leaves each lead untouched or fully erased, and running again finishes.

Retention (``Purge``, run daily): a lead closed ``LEAD_RETENTION_DAYS`` ago or longer is erased
the same way, found through its close event in the month index (``ACTIVITY#<month>``) rather
than by a Scan; roster policies that expired longer ago than that are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

from renewdesk.errors import InvalidFields, StaleWrite
from renewdesk.services import clock, worklist
from renewdesk.services.cycle_book import NOTHING, CycleBook
from renewdesk.services.cycles import CycleUpdate
from renewdesk.services.records import EVENT_FREE_TEXT, Event, Lead, Policy

log = logging.getLogger(__name__)

ERASED = "erased"
ATTEMPTS = 3
# RenewDesk's first release: no lead event is older, so a purge without a cursor starts here.
RECORDS_BEGIN = dt.datetime(2026, 1, 1, tzinfo=clock.CHINA)
# Leads and policies one purge run looks at; the next run goes on where it stopped.
PURGE_BUDGET = 200
# A run stops with this much Lambda time left, so it can still save where it stopped.
PURGE_SECONDS_MARGIN = 5
PURGE_KINDS = ("leads", "event_notes", "dedupe_guards", "policies")


@dataclass(frozen=True)
class LeadErasure:
    """One lead's erasure, written all or nothing: the lead as it was read (the store removes
    every field records.Lead does not keep), the events whose free text goes, and whether its
    dedupe guard (if it is this lead's) goes too."""

    lead: Lead
    erased_at: str
    events: tuple[Event, ...]
    guarded: bool
    # The lead's renewal cycle keeps its figures and loses the plate, in the same transaction.
    cycle: CycleUpdate | None = None


@dataclass
class Survey:
    """What is stored about one customer, found before anything is erased."""

    leads: list[tuple[Lead, list[Event], bool]] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)  # plates
    referral_code: str | None = None
    opted_out: bool = False
    spam: list[str] = field(default_factory=list)  # spam ids
    spam_records: list[dict[str, Any]] = field(default_factory=list)  # {spam_id, fields, ...}

    def counts(self) -> dict[str, int]:
        """How many items of each kind; every kind present, zero when none."""
        open_leads = sum(1 for lead, _, _ in self.leads if lead.status in worklist.OPEN)
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

    def lead_with_history(self, lead_id: str) -> tuple[Lead | None, list[Event]]: ...

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

    from renewdesk.services.fields import normalize_phone

    try:
        return normalize_phone(value)
    except PydanticCustomError as error:
        raise InvalidFields({"phone": error.type}) from None


def mask_phone(phone: str) -> str:
    """+86138****8000: what erasure may print about the customer."""
    return str(worklist.mask({"phone": phone})["phone"])


def notes_of(events: list[Event]) -> list[Event]:
    """The events that carry free text."""
    return [e for e in events if any(getattr(e, f) for f in EVENT_FREE_TEXT)]


def spam_matches(fields: dict[str, Any], phone: str) -> bool:
    """Whether a honeypot submission's raw fields carry this phone (in any accepted spelling)."""
    try:
        return parse_phone(fields.get("phone") or "") == phone
    except InvalidFields:
        return False


@dataclass
class Erasure:
    """Finds and erases one customer's personal data; knows neither click nor DynamoDB."""

    store: PrivacyStore
    now: Callable[[], dt.datetime] = field(default=clock.now)
    cycles: CycleBook | None = None

    def survey(self, phone: str) -> Survey:
        """Everything stored about the customer that erasing would touch (reads only)."""
        survey = Survey()
        for lead_id in self.store.customer_lead_ids(phone):
            found = self.lead_of(lead_id)
            if found is not None:
                survey.leads.append(found)
        survey.policies, spam = self.store.scan_phone(phone)
        survey.spam_records = [item for item in spam if spam_matches(item["fields"], phone)]
        survey.spam = [item["spam_id"] for item in survey.spam_records]
        survey.referral_code = self.store.referral_code_of(phone)
        survey.opted_out = self.store.has_optout(phone)
        return survey

    def erase(self, phone: str) -> dict[str, int]:
        """Erase the customer; the counts of what was erased (all zero when nothing was left)."""
        survey = self.survey(phone)
        for lead, events, guarded in survey.leads:
            self.erase_lead(lead, events, guarded)
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

    def lead_of(self, lead_id: str) -> tuple[Lead, list[Event], bool] | None:
        """(lead, its events, whether its dedupe guard is its own), or None if already erased."""
        lead, events = self.store.lead_with_history(lead_id)
        if lead is None or lead.erased_at:
            return None
        holder = self.store.guard_holder(lead.type, lead.identity)
        return lead, events, holder == lead_id

    def erase_lead(
        self,
        lead: Lead,
        events: list[Event],
        guarded: bool,
        still: Callable[[Lead], bool] = lambda lead: True,
    ) -> bool:
        """Write the erasure; if the lead moved on meanwhile (a claim, a follow-up), read it
        again and erase what it is now, if ``still`` holds for it. Whether it was erased."""
        for _ in range(ATTEMPTS):
            step = self.cycles.erased(lead) if self.cycles is not None else NOTHING
            try:
                self.store.erase_lead(
                    LeadErasure(
                        lead, clock.iso(self.now()), tuple(notes_of(events)), guarded, step.update
                    )
                )
                return True
            except StaleWrite:
                found = self.lead_of(lead.lead_id)
                if found is None or not still(found[0]):
                    return False
                lead, events, guarded = found
        raise StaleWrite(lead.lead_id)


# -- retention ------------------------------------------------------------------------------


class PurgeStore(Protocol):
    """What the retention purge needs from storage besides erasure (implemented by
    store.privacy; every read a Query, never a Scan)."""

    def purge_cursor(self) -> str | None: ...

    def set_purge_cursor(self, cursor: str) -> None: ...

    def close_events(
        self, months: list[str], start: str, through: str
    ) -> Iterator[tuple[str, str]]: ...

    def delete_expired_policy(self, plate: str, expiry_date: str) -> bool: ...


class ExpiringPolicies(Protocol):
    """The roster's expiry index (implemented by store.roster)."""

    def policies_expiring(self, first: str, last: str) -> list[Policy]: ...


@dataclass
class PurgeReport:
    """What one purge run erased (or, dry, would erase); counts only, never personal data."""

    as_of: str
    dry_run: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PURGE_KINDS, 0))
    looked_at: int = 0
    incomplete: bool = False  # stopped at the budget or the clock: the next run goes on

    def summary(self) -> dict[str, Any]:
        """The run as the scheduled event answers and logs it."""
        return {
            "as_of": self.as_of,
            "dry_run": self.dry_run,
            **self.counts,
            "incomplete": self.incomplete,
        }


@dataclass
class Purge:
    """Erases the personal data the retention limit no longer allows to keep.

    Leads: a lead closed ``retention_days`` ago or longer (open leads never) is erased like a
    customer's erasure. Its close event sits in the month index under the local month it
    happened (``ACTIVITY#<month>``, sorted by time), so each run queries only the close events
    from its cursor (where the last run stopped) to the cutoff, and each lead is looked at about
    once, the day its retention ends. The lead itself is read again and decides: one reopened
    and still open, or closed again later, is left; already erased ones are skipped.

    Roster policies: a record whose expiry date is more than ``retention_days`` past is deleted,
    unless an import changed its expiry meanwhile. They are found in the expiry index from the
    oldest date an import accepts, so a stale record imported again goes on the next run.

    At most ``PURGE_BUDGET`` leads and policies per run; a run short of budget or time saves
    where it stopped. A dry run reads the same and writes nothing, not even the cursor.
    """

    erasure: Erasure
    store: PurgeStore
    roster: ExpiringPolicies
    retention_days: int
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def run(
        self,
        as_of: dt.datetime | None = None,
        dry_run: bool = False,
        seconds_left: Callable[[], float] | None = None,
    ) -> PurgeReport:
        """Purge as of a moment (now by default; a later one only for a dry run)."""
        moment = as_of or self.now()
        if moment > self.now() and not dry_run:
            raise InvalidFields({"as_of": "future"})
        report = PurgeReport(clock.iso(moment), dry_run)

        def spent() -> bool:
            late = seconds_left is not None and seconds_left() < PURGE_SECONDS_MARGIN
            report.incomplete = report.looked_at >= PURGE_BUDGET or late
            return report.incomplete

        self._leads(moment, report, spent)
        if not spent():
            self._policies(moment, report, spent)
        # Counts only: the log never names a customer.
        log.info("retention purge: %s", " ".join(f"{k}={v}" for k, v in report.summary().items()))
        return report

    def _leads(self, moment: dt.datetime, report: PurgeReport, spent: Callable[[], bool]) -> None:
        now_iso = clock.iso(moment)
        start = self.store.purge_cursor() or clock.iso(RECORDS_BEGIN)
        through = clock.iso(moment - dt.timedelta(days=self.retention_days))
        if through <= start:
            return
        months = _local_months(clock.parse_iso(start[:24]), clock.parse_iso(through))
        stopped_at = through
        for lead_id, position in self.store.close_events(months, start, through):
            if spent():
                stopped_at = position  # not handled yet: the next run starts with it
                break
            report.looked_at += 1
            self._lead(lead_id, now_iso, report)
        if not report.dry_run:
            self.store.set_purge_cursor(stopped_at)

    def _lead(self, lead_id: str, now_iso: str, report: PurgeReport) -> None:
        def expired(lead: Lead) -> bool:
            return worklist.retention_ended(lead, now_iso, self.retention_days) is not None

        found = self.erasure.lead_of(lead_id)
        if found is None or not expired(found[0]):
            return
        lead, events, guarded = found
        if not report.dry_run and not self.erasure.erase_lead(lead, events, guarded, expired):
            return
        report.counts["leads"] += 1
        report.counts["event_notes"] += len(notes_of(events))
        report.counts["dedupe_guards"] += int(guarded)

    def _policies(
        self, moment: dt.datetime, report: PurgeReport, spent: Callable[[], bool]
    ) -> None:
        from renewdesk.services.roster import DATE_SPAN_YEARS

        # The oldest expiry date an import ever accepted, and the newest one past retention.
        first = RECORDS_BEGIN.date().replace(year=RECORDS_BEGIN.year - DATE_SPAN_YEARS[0])
        last = clock.local_date(moment) - dt.timedelta(days=self.retention_days + 1)
        if last < first:
            return
        for policy in self.roster.policies_expiring(first.isoformat(), last.isoformat()):
            if spent():
                return
            report.looked_at += 1
            if report.dry_run or self.store.delete_expired_policy(policy.plate, policy.expiry_date):
                report.counts["policies"] += 1


def _local_months(first: dt.datetime, last: dt.datetime) -> list[str]:
    """Every local (China) month from one moment's to another's, as YYYY-MM."""
    months, day = [], clock.local_date(first).replace(day=1)
    end = clock.local_date(last)
    while day <= end:
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months
