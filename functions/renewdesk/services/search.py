"""Find a customer who phones in: by mobile number, plate or lead id, in at most 3 requests.

A mobile number (any common spelling: 139 0013 9000, +86 139-0013-9000, 8613900139000) is
normalised as intake stores it and read from the customer index (one Query). A plate
(lower case and spaces are fine) reads the vehicle's renewal dedupe guard and roster policy in one
request, then the leads of the policy's phone (one Query), and the guard's lead if that Query
did not bring it (one GetItem). A lead id is one GetItem. Never a Scan.

Results follow the rules of every other list: full contact data only for those who may see it
(worklist.may_see_contact), masked otherwise, with who holds the lead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from renewdesk.errors import Forbidden, InvalidFields
from renewdesk.services import clock, worklist
from renewdesk.services.records import Lead, Policy
from renewdesk.services.staff import Actor

LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s\-]+$")
MAX_QUERY = 40
CUSTOMER_LEADS = 20


class SearchStore(Protocol):
    """Reads behind a search (implemented by store.queue)."""

    def get_lead(self, lead_id: str) -> Lead | None: ...

    def customer_leads(self, phone: str, limit: int = 20) -> list[Lead]: ...

    def vehicle_records(self, plate: str) -> tuple[str | None, Policy | None]: ...

    def policies_of_phone(self, phone: str) -> list[Policy]: ...


@dataclass(frozen=True)
class Query:
    """What was searched for: ``phone``, ``plate`` or ``lead_id``, normalised."""

    kind: str
    value: str


def parse(text: str | None) -> Query:
    """The search box's text as a phone, plate or lead id; InvalidFields ``q`` if none fits."""
    from pydantic_core import PydanticCustomError

    from renewdesk.services.fields import PROVINCES, folded, normalize_phone, normalize_plate

    # Full-width digits and letters from a Chinese input method count as ASCII (the one
    # normaliser); digits of other scripts are refused, as at intake.
    try:
        query = folded(text or "").strip()
    except PydanticCustomError as error:
        raise InvalidFields({"q": error.type}) from None
    if not query:
        raise InvalidFields({"q": "required"})
    if len(query) > MAX_QUERY:
        raise InvalidFields({"q": "unrecognised"})
    if _is_lead_id(query.upper()):
        return Query("lead_id", query.upper())
    for kind, normalize in (("phone", normalize_phone), ("plate", normalize_plate)):
        try:
            return Query(kind, normalize(query))
        except PydanticCustomError:
            continue
    if LOOKS_LIKE_PHONE.match(query):
        raise InvalidFields({"q": "bad_phone"})
    if query[0] in PROVINCES:
        raise InvalidFields({"q": "bad_plate"})
    raise InvalidFields({"q": "unrecognised"})


def _is_lead_id(text: str) -> bool:
    """Whether the text is a ULID, the shape of every lead id (clock.new_id)."""
    from ulid import ULID

    try:
        ULID.from_str(text)
    except ValueError:
        return False
    return True


@dataclass
class Search:
    """Finds leads for staff."""

    store: SearchStore
    # Leads closed this long ago show as erased, even before the retention purge erased them.
    retention_days: int
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def find(self, actor: Actor, text: str | None) -> tuple[Query, list[dict[str, Any]]]:
        """(The query understood, the matching leads newest first, as the actor may see them)."""
        found = self.find_all(actor, text)
        return found.query, found.leads

    def find_all(self, actor: Actor, text: str | None) -> Found:
        """The leads, and the roster policies with no open lead (a caller whose renewal is not
        queued yet, or whose last lead is closed): a phone's policies cost one more Query."""
        query = parse(text)
        policies: list[Policy] = []
        if query.kind == "lead_id":
            lead = self.store.get_lead(query.value)
            found = [lead] if lead else []
        elif query.kind == "phone":
            found = self.store.customer_leads(query.value, CUSTOMER_LEADS)
            policies = self.store.policies_of_phone(query.value)
        else:
            found, policy = self._vehicle_leads(query.value)
            policies = [policy] if policy else []
        now_iso = clock.iso(self.now())
        worked = {
            lead.plate
            for lead in found
            if worklist.effective_status(lead, now_iso) in worklist.OPEN and lead.plate
        }
        return Found(
            query,
            [_shown(lead, actor, now_iso, self.retention_days) for lead in found],
            [_policy_shown(p, now_iso) for p in policies if p.plate not in worked],
        )

    def _vehicle_leads(self, plate: str) -> tuple[list[Lead], Policy | None]:
        """The vehicle's latest renewal lead and every lead of its policy holder's phone, the
        vehicle's own first; and its roster policy."""
        guarded, policy = self.store.vehicle_records(plate)
        found = self.store.customer_leads(policy.phone, CUSTOMER_LEADS) if policy else []
        if guarded and guarded not in {lead.lead_id for lead in found}:
            lead = self.store.get_lead(guarded)
            found += [lead] if lead else []
        found.sort(key=lambda lead: lead.created_at, reverse=True)
        found.sort(key=lambda lead: lead.plate != plate)
        return found, policy


@dataclass(frozen=True)
class Found:
    """What a search found: leads (as shown) and roster policies without an open lead."""

    query: Query
    leads: list[dict[str, Any]]
    policies: list[dict[str, Any]]


def _policy_shown(policy: Policy, now_iso: str) -> dict[str, Any]:
    """A roster policy in a search's results: masked contact, what the call needs, and the
    opaque roster id a new lead is made from."""
    masked = worklist.mask({"name": policy.name, "phone": policy.phone, "plate": policy.plate})
    return {
        **masked,
        "roster_id": policy.roster_id,
        "expiry_date": policy.expiry_date,
        "days_to_expiry": worklist.days_to_expiry(policy.expiry_date, now_iso),
        "grade": policy.grade,
        "last_insurer": policy.last_insurer,
        "model": policy.model,
    }


def _shown(lead: Lead, actor: Actor, now_iso: str, retention_days: int) -> dict[str, Any]:
    """The lead as the list shows it, and whether the actor may open its page."""
    try:
        with_contact, may_open = worklist.require_visible(lead, actor, now_iso), True
    except Forbidden:
        with_contact, may_open = False, False
    return {**worklist.view(lead, now_iso, with_contact, retention_days), "may_open": may_open}
