"""Public intake: turn a validated renewal request or referral sign-up into one queued lead."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from renewdesk.errors import FieldRejected
from renewdesk.services import clock, queue
from renewdesk.services.limits import RateLimit
from renewdesk.services.records import Lead, LeadType, new_lead
from renewdesk.services.submissions import ReferralSignup, RenewalRequest

REFERRAL_CODE_RE = re.compile(r"^[2-9A-HJ-NP-Z]{6}$")


@dataclass(frozen=True)
class NewLead:
    """A new lead and what is written with it: its dedupe guard, the rate counters it counts
    against and, for a referral, the referrer's code it must name."""

    lead: Lead
    rate_limits: tuple[RateLimit, ...]
    referral_code: str | None = None
    dedupe_cutoff: str = ""  # a guard older than this, of a closed lead, no longer blocks
    # Written in the same transaction: notifications (services.notifications.Notice), and for
    # a lead a specialist creates, its history events and the desk it starts on (username,
    # due at).
    notices: tuple[Any, ...] = ()
    events: tuple[Any, ...] = ()
    desk: tuple[str, str] | None = None


@dataclass(frozen=True)
class Outcome:
    """The answer to a submission: the lead and whether it already existed."""

    lead_id: str
    duplicate: bool
    # False when the vehicle's existing lead came from another mobile number: its reference is
    # that person's, not to be shown to this one.
    same_customer: bool = True


class LeadIntakeStore(Protocol):
    """What intake needs from storage (implemented by store.leads)."""

    def add_lead(self, lead: NewLead) -> Outcome: ...

    def add_spam(
        self, spam_id: str, values: dict[str, Any], expires_at: int, limit: RateLimit
    ) -> None: ...


@dataclass
class Intake:
    """Applies the intake rules; knows neither HTTP nor DynamoDB."""

    store: LeadIntakeStore
    consent_version: str
    phone_limit_per_day: int
    address_limit_per_hour: int
    dedupe_days: int = 30
    spam_retention_days: int = 30
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def submit_renewal(
        self, request: RenewalRequest, client_address: str, roster: dict[str, Any] | None = None
    ) -> Outcome:
        """Queue a customer's renewal request, once per vehicle (``roster``: what the policy
        roster adds when the request comes from a renewal link: grade, plan, source...)."""
        values = {
            "name": request.name,
            "phone": request.phone,
            "plate": request.plate,
            "expiry_date": request.expiry_date.isoformat() if request.expiry_date else None,
            "contact_time": request.contact_time,
            "note": request.note or None,
            "source": "renewal_request",
            **(roster or {}),
        }
        return self._submit("renewal", request.phone, values, client_address)

    def submit_referral(self, signup: ReferralSignup, client_address: str) -> Outcome:
        """Queue a referred person's sign-up, once per phone, if the code is a real referrer's."""
        code = signup.code.strip().upper()  # folded by the model (services.fields)
        if not REFERRAL_CODE_RE.fullmatch(code):
            raise FieldRejected("code", "unknown")
        values = {
            "name": signup.name,
            "phone": signup.phone,
            "plate": signup.plate,
            "interest": signup.interest,
            "note": signup.note or None,
            "referral_code": code,
            "source": "referral",
        }
        return self._submit("referral", signup.phone, values, client_address, referral_code=code)

    def record_spam(
        self, fields: dict[str, Any], known: Iterable[str], client_address: str
    ) -> Outcome:
        """Keep a honeypot submission apart, for a while, and answer as if it were accepted; it
        counts against the client address's limit like any submission (RateLimited)."""
        now = self.now()
        spam_id = self.new_id(now)
        expires = now + dt.timedelta(days=self.spam_retention_days)
        # The form's own fields only, as text: a bot's invented keys are not worth keeping.
        kept = {k: str(v)[:500] for k, v in fields.items() if k in set(known)}
        self.store.add_spam(
            spam_id,
            {"received_at": clock.iso(now), "fields": kept},
            int(expires.timestamp()),
            self.address_limit(client_address, now),
        )
        return Outcome(spam_id, duplicate=False)

    def _submit(
        self,
        lead_type: LeadType,
        phone: str,
        values: dict[str, Any],
        client_address: str,
        referral_code: str | None = None,
    ) -> Outcome:
        from renewdesk.services import notifications

        now = self.now()
        source = values.pop("source")
        lead_id = self.new_id(now)
        lead = new_lead(
            lead_id=lead_id,
            lead_type=lead_type,
            source=source,
            now=now,
            customer_requested=True,
            rank=queue.rank(grade=values.get("grade"), customer_requested=True),
            consent_version=self.consent_version,
            consent_at=clock.iso(now),
            **values,
        )
        return self.store.add_lead(
            NewLead(
                lead=lead,
                rate_limits=self.rate_limits(phone, client_address, now),
                referral_code=referral_code,
                dedupe_cutoff=clock.iso(now - dt.timedelta(days=self.dedupe_days)),
                notices=notifications.customer_request(lead_id, now, self.new_id),
            )
        )

    def rate_limits(self, phone: str, address: str, now: dt.datetime) -> tuple[RateLimit, ...]:
        """The per-phone and per-address counters a submission at ``now`` counts against."""
        day_start, day_end = clock.local_day_window(now)
        return (
            RateLimit(
                "phone",
                phone,
                day_start.strftime("%Y%m%d"),
                self.phone_limit_per_day,
                int(day_end.timestamp()) + 86400,
                clock.seconds_until(now, day_end),
            ),
            self.address_limit(address, now),
        )

    def address_limit(self, address: str, now: dt.datetime) -> RateLimit:
        """The per-address counter of the clock hour of ``now``."""
        hour_start, hour_end = clock.hour_window(now)
        return RateLimit(
            "address",
            address,
            hour_start.strftime("%Y%m%d%H"),
            self.address_limit_per_hour,
            int(hour_end.timestamp()) + 86400,
            clock.seconds_until(now, hour_end),
        )
