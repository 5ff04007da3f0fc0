"""The one-click renewal link: preview, request, opt-out.

A request through a link is the customer's own renewal request for the policy the link names.
When the reminders already queued the policy's lead, that lead is marked customer-requested and
moves up the queue (``queue.rank(grade, True)``, due today): one Query for the policy and one
transaction (lead + rate counters). The answer is 201, as for any request the customer makes
for the first time: the request is new even though the lead id is not. A second tap finds the
lead already customer-requested and answers 200 duplicate, writing nothing. Without a queued lead
(before N-90, or the lead was closed) it is a new request like the site's form, with the roster's
data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Protocol

from pydantic import Field

from renewdesk.errors import LinkRejected
from renewdesk.services import clock, queue
from renewdesk.services.intake import Intake, Outcome
from renewdesk.services.limits import RateLimit
from renewdesk.services.links import EXPIRED, INVALID, TOKEN_PATTERN, LinkTokens
from renewdesk.services.records import Lead, Policy
from renewdesk.services.reminders import follow_up_plan
from renewdesk.services.roster import policy_values
from renewdesk.services.short_links import ShortLinks
from renewdesk.services.submissions import (
    ExpiryDate,
    Name,
    Phone,
    Plate,
    RenewalRequest,
    Submission,
)
from renewdesk.services.worklist import OPEN

CONTACT = ("name", "phone", "plate")


class LinkedRenewal(Submission):
    """A renewal request through an SMS link: the roster supplies name, phone and plate; given
    ones that differ are kept as the customer's corrections for the specialist."""

    token: str = Field(pattern=TOKEN_PATTERN, description="Signed token from an SMS link")
    name: Name | None = None
    phone: Phone | None = None
    plate: Plate | None = None
    expiry_date: ExpiryDate | None = None
    contact_time: Literal["morning", "afternoon", "evening", "anytime"] | None = None


class LinkStore(Protocol):
    """What the link needs from storage (implemented by store.roster)."""

    def find_by_roster_id(self, roster_id: str) -> Policy | None: ...

    def request_lead(
        self,
        lead_id: str,
        values: dict[str, Any],
        limits: list[RateLimit],
        token: str,
        queue_at: tuple[int, str] | None = None,
        version: int | None = None,
        notices: tuple[Any, ...] = (),
    ) -> tuple[bool, Lead | None]: ...

    def put_optout(self, phone: str, via: str, at: str) -> None: ...


@dataclass
class OneClick:
    """Preview, request and opt-out for the policy a renewal link names."""

    store: LinkStore
    intake: Intake
    tokens: Callable[[], LinkTokens]
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)
    short_links: Callable[[], ShortLinks] | None = None

    def read_token(self, token: Any) -> str:
        """The roster id a token names (no storage read); LinkRejected if forged or expired."""
        return self.tokens().read(token)

    def read_code(self, code: Any) -> tuple[str, str]:
        """(The roster id a short link's code stands for, the token the page confirms with,
        expiring when the short link does); LinkRejected if forged, expired or gone."""
        if self.short_links is None:
            raise LinkRejected(INVALID)
        roster_id, issued_at = self.short_links().read(code)
        return roster_id, self.tokens().issue_at(roster_id, issued_at)

    def preview(self, roster_id: str) -> dict[str, str]:
        """What the page shows before the customer confirms: masked name and plate, expiry."""
        from renewdesk.services.worklist import mask

        policy = self._policy(roster_id)
        masked = mask({"name": policy.name, "plate": policy.plate})
        return {"name": masked["name"], "plate": masked["plate"], "expiry_date": policy.expiry_date}

    def opt_out(self, roster_id: str) -> None:
        """The customer wants no more reminder SMS."""
        policy = self._policy(roster_id)
        self.store.put_optout(policy.phone, "link", clock.iso(self.now()))

    def request(self, roster_id: str, submission: LinkedRenewal, client_address: str) -> Outcome:
        """Record the customer's renewal request for the linked policy (see the module doc)."""
        policy = self._policy(roster_id)
        now = self.now()
        corrections = {
            f: getattr(submission, f)
            for f in CONTACT
            if getattr(submission, f) and getattr(submission, f) != getattr(policy, f)
        }
        values = {
            "customer_requested": True,
            "requested_at": clock.iso(now),
            "requested_via": "renewal_link",
            "consent_version": self.intake.consent_version,
            "consent_at": clock.iso(now),
            "contact_time": submission.contact_time,
            "note": submission.note or None,
            "corrections": corrections or None,
        }
        values = {k: v for k, v in values.items() if v is not None}
        limits = list(self.intake.rate_limits(policy.phone, client_address, now))
        request_id = self.new_id(now)
        tried: set[str] = set()
        lead_id = policy.lead_id if policy.in_current_cycle else None
        for _ in range(3):
            if lead_id and lead_id not in tried:
                tried.add(lead_id)
                marked = self._mark_requested(lead_id, policy, values, limits, request_id, now)
                if marked is not None:
                    return marked
            outcome = self._new_request(policy, submission, values, client_address)
            if not outcome.duplicate or outcome.lead_id in tried:
                return outcome
            # Another open lead holds the vehicle (a reminder run made it a moment ago): mark it.
            lead_id = outcome.lead_id
        return outcome

    def _mark_requested(
        self,
        lead_id: str,
        policy: Policy,
        values: dict[str, Any],
        limits: list[RateLimit],
        request_id: str,
        now: dt.datetime,
    ) -> Outcome | None:
        """Mark an open lead customer-requested; None if it is closed or gone."""
        from renewdesk.services import notifications

        rank = queue.rank(policy.grade, customer_requested=True)
        today = clock.local_date(now).isoformat()
        marked = {**values, "rank": rank, "due": today}
        # The customer's own request: announced to the group, checked for a claim in time.
        notices = notifications.customer_request(lead_id, now, self.new_id)
        written, lead = self.store.request_lead(
            lead_id, marked, limits, request_id, queue_at=(rank, today), notices=notices
        )
        if written:
            return Outcome(lead_id, duplicate=False)
        if lead is None or lead.status not in OPEN:
            return None
        if lead.customer_requested:
            return Outcome(lead_id, duplicate=True)
        # Open but off the ready queue (on a desk, or on the attention list): mark it where it is.
        written, lead = self.store.request_lead(
            lead_id, marked, limits, request_id + "H", version=lead.version, notices=notices
        )
        if written:
            return Outcome(lead_id, duplicate=False)
        if lead and lead.customer_requested and lead.status in OPEN:
            return Outcome(lead_id, duplicate=True)
        return None

    def _new_request(
        self, policy: Policy, submission: LinkedRenewal, values: dict[str, Any], client_address: str
    ) -> Outcome:
        request = RenewalRequest.model_validate(
            {
                "name": policy.name,
                "phone": policy.phone,
                "plate": policy.plate,
                "expiry_date": policy.expiry_date,
                "consent": True,
                "contact_time": submission.contact_time,
                "note": submission.note or None,
            }
        )
        roster = {
            "source": "renewal_link",
            "grade": policy.grade,
            "plan": follow_up_plan(dt.date.fromisoformat(policy.expiry_date)),
            "policy": policy_values(policy),
            "requested_via": values["requested_via"],
            "corrections": values.get("corrections"),
        }
        return self.intake.submit_renewal(request, client_address, roster=roster)

    def _policy(self, roster_id: str) -> Policy:
        policy = self.store.find_by_roster_id(roster_id)
        if policy is None:
            # A genuine link whose record is gone (a new owner, a removed policy) no longer works.
            raise LinkRejected(EXPIRED)
        return policy
