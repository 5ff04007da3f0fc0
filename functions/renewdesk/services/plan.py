"""The renewal follow-up plan (N-30, N-20, N-15, N-7 before expiry) and when a lead is next due.

A step is a deadline: it is done when some follow-up falls after the previous step's date and on
or before its own; a step whose date has passed without one is missed. Roster leads (issue 5)
may carry their own ``plan`` ({"N-30": "YYYY-MM-DD", ...}); a renewal lead that only has an
expiry date gets the standard plan. Steps dated before the lead existed do not apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from renewdesk.services import clock
from renewdesk.services.records import Lead

STANDARD_STEPS = (("N-30", 30), ("N-20", 20), ("N-15", 15), ("N-7", 7))


@dataclass(frozen=True)
class Step:
    """One plan step and where it stands today: done, due (today), missed or upcoming."""

    label: str
    date: dt.date
    state: str


def plan_dates(lead: Lead) -> list[tuple[str, dt.date]]:
    """The lead's plan steps in date order (empty when it has no plan and no expiry date)."""
    if lead.plan:
        steps = [(label, dt.date.fromisoformat(day)) for label, day in lead.plan.items()]
    elif lead.type == "renewal" and lead.expiry_date:
        expiry = dt.date.fromisoformat(lead.expiry_date)
        steps = [(label, expiry - dt.timedelta(days=n)) for label, n in STANDARD_STEPS]
    else:
        return []
    created = clock.local_date(clock.parse_iso(lead.created_at)) if lead.created_at else None
    return sorted(
        ((label, day) for label, day in steps if created is None or day >= created),
        key=lambda step: step[1],
    )


def steps(lead: Lead, contact_days: Iterable[dt.date], today: dt.date) -> list[Step]:
    """Every plan step with its state, given the local dates of the lead's follow-ups."""
    contacts = sorted(contact_days)
    result = []
    previous: dt.date | None = None
    for label, day in plan_dates(lead):
        done = any((previous is None or c > previous) and c <= day for c in contacts)
        if done:
            state = "done"
        elif day < today:
            state = "missed"
        elif day == today:
            state = "due"
        else:
            state = "upcoming"
        result.append(Step(label, day, state))
        previous = day
    return result


def next_step(lead: Lead, last_contact: dt.date | None) -> tuple[str, dt.date] | None:
    """The first step after the last follow-up (a missed one stays first until someone calls)."""
    for label, day in plan_dates(lead):
        if last_contact is None or day > last_contact:
            return label, day
    return None


def next_due_at(lead: Lead) -> str:
    """When the holder must next act on the lead, as a stored UTC timestamp.

    A fresh claim is due at once. Otherwise the earlier of the booked call and the next plan
    step (from the start of its day); with neither, the lead is due at once: the next step must
    be booked.
    """
    last = lead.last_contact_at
    if lead.lease_until and not last:
        return lead.claimed_at or lead.created_at
    candidates = []
    if lead.next_contact_at:
        candidates.append(lead.next_contact_at)
    upcoming = next_step(lead, clock.local_date(clock.parse_iso(last)) if last else None)
    if upcoming:
        start = dt.datetime.combine(upcoming[1], dt.time(), tzinfo=clock.CHINA)
        candidates.append(clock.iso(start))
    if candidates:
        return min(candidates)
    return last or lead.claimed_at or lead.created_at
