"""The weekly review of the follow-up register (续保跟进登记本, seed 003).

A specialist's register of a week is every follow-up, quote and close they logged in it, read
from the index kept for it (one specialist, one ISO week, in the store's time). The supervisor
sees it with the checks the source documents ask for — contacts per day (is the workload
reasonable?), quotes from insurers the store does not work with, defeat records that do not say
what was tried — writes a comment and signs. A review is kept once per specialist and week
(who, when, the comment, the figures seen) and shown on the specialist's register page; the
board lists the specialists whose last finished week nobody signed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from renewdesk.errors import InvalidFields, WrongState
from renewdesk.services import clock, worklist
from renewdesk.services.insurers import NO_LIST, InsurerList
from renewdesk.services.records import EVENT_FREE_TEXT, Event, Review
from renewdesk.services.renewal_inputs import ReviewInput, parse_week
from renewdesk.services.staff import Actor

# A defeat record shorter than this says nothing of what was tried.
BARE_NOTE = 8
# More contacts than this in a day is not a register but a dialler; fewer than QUIET on a
# working day (Monday to Saturday) leaves customers waiting.
HEAVY_DAY = 80
QUIET_DAY = 1
HISTORY = 12


class ReviewStore(Protocol):
    """The register index and reviews (implemented by store.reviews)."""

    def register(self, username: str, week: str) -> list[Event]: ...

    def add_review(self, review: Review) -> bool: ...

    def reviews_of_week(self, week: str) -> list[Review]: ...

    def reviews_of(self, username: str, limit: int) -> list[Review]: ...


def week_of(day: dt.date) -> str:
    """The ISO week of a day, YYYY-Www."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(week: str) -> list[dt.date]:
    """Monday to Sunday of an ISO week."""
    year, number = int(week[:4]), int(week[6:])
    monday = dt.date.fromisocalendar(year, number, 1)
    return [monday + dt.timedelta(days=i) for i in range(7)]


def checks(
    entries: list[Event], days: list[dt.date], insurers: InsurerList, today: dt.date
) -> dict[str, Any]:
    """What the supervisor looks for in a week of the register (days after today get no
    flag: they have not happened)."""
    contacts = [e for e in entries if e.kind == "followup"]
    per_day = Counter(clock.local_date(clock.parse_iso(e.at)) for e in contacts)
    quoted = [e for e in entries if e.kind == "quote" or (e.kind == "close" and e.outcome == "won")]
    lost = [e for e in entries if e.kind == "close" and e.outcome == "lost"]
    return {
        "contacts": len(contacts),
        "reached": sum(1 for e in contacts if e.reached),
        "quotes": sum(1 for e in entries if e.kind == "quote"),
        "won": sum(1 for e in entries if e.kind == "close" and e.outcome == "won"),
        "lost": len(lost),
        "per_day": [
            {
                "date": day.isoformat(),
                "contacts": per_day[day],
                "first_at": _edge(contacts, day, min),
                "last_at": _edge(contacts, day, max),
                "flag": None
                if day > today
                else "heavy"
                if per_day[day] > HEAVY_DAY
                else "quiet"
                if per_day[day] < QUIET_DAY and day.isoweekday() < 7
                else None,
            }
            for day in days
        ],
        "non_partner_quotes": [
            _entry(e) for e in quoted if e.insurer and not insurers.is_partner(e.insurer)
        ],
        "bare_defeats": [_entry(e) for e in lost if len((e.note or "").strip()) < BARE_NOTE],
    }


def _edge(contacts: list[Event], day: dt.date, pick: Callable[..., str]) -> str | None:
    times = [e.at for e in contacts if clock.local_date(clock.parse_iso(e.at)) == day]
    return pick(times) if times else None


def _entry(event: Event) -> dict[str, Any]:
    """A register entry as the review shows it."""
    return {
        k: v
        for k, v in event.as_dict().items()
        if k not in ("lead_type", "source", "lead_created_at", "month")
    }


def review_view(review: Review) -> dict[str, Any]:
    """A review as the staff API shows it."""
    return {
        "specialist": review.specialist,
        "week": review.week,
        "comment": review.comment,
        "by": review.by,
        "at": review.at,
        "checks": review.checks,
    }


@dataclass
class Reviews:
    """Registers by week and their reviews."""

    store: ReviewStore
    # Active specialists' usernames (the staff accounts).
    specialists: Callable[[], list[str]]
    insurers: Callable[[], InsurerList] = lambda: NO_LIST
    retention_days: int = 1095
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def register(self, actor: Actor, username: str, week: str | None) -> dict[str, Any]:
        """A specialist's week of the register with its checks and review: their own, or
        anyone's for a supervisor."""
        if username != actor.username:
            worklist.require_supervisor(actor)
        week = self._week(week)
        days = week_days(week)
        entries = self._readable(self.store.register(username, week))
        signed = next(
            (r for r in self.store.reviews_of_week(week) if r.specialist == username), None
        )
        return {
            "specialist": username,
            "week": week,
            "from": days[0].isoformat(),
            "to": days[-1].isoformat(),
            "entries": [_entry(e) for e in entries],
            "checks": checks(entries, days, self.insurers(), clock.local_date(self.now())),
            "review": review_view(signed) if signed else None,
            "reviews": [review_view(r) for r in self.store.reviews_of(username, HISTORY)],
            "finished": days[-1] < clock.local_date(self.now()),
        }

    def sign(self, actor: Actor, signed: ReviewInput) -> dict[str, Any]:
        """The supervisor signs a specialist's week; a second review of it → WrongState."""
        worklist.require_supervisor(actor)
        if signed.specialist not in self.specialists():
            raise InvalidFields({"specialist": "unknown"})
        days = week_days(signed.week)
        if days[0] > clock.local_date(self.now()):
            raise InvalidFields({"week": "future"})
        entries = self.store.register(signed.specialist, signed.week)
        found = checks(entries, days, self.insurers(), clock.local_date(self.now()))
        review = Review(
            specialist=signed.specialist,
            week=signed.week,
            comment=signed.comment,
            by=actor.username,
            at=clock.iso(self.now()),
            checks={
                "contacts": found["contacts"],
                "quotes": found["quotes"],
                "won": found["won"],
                "lost": found["lost"],
                "non_partner_quotes": len(found["non_partner_quotes"]),
                "bare_defeats": len(found["bare_defeats"]),
            },
        )
        if not self.store.add_review(review):
            raise WrongState("already_reviewed")
        return review_view(review)

    def of_week(self, actor: Actor, week: str | None) -> dict[str, Any]:
        """A week's reviews, and the active specialists nobody signed yet."""
        worklist.require_supervisor(actor)
        week = self._week(week)
        reviews = self.store.reviews_of_week(week)
        return {
            "week": week,
            "reviews": [review_view(r) for r in reviews],
            "missing": self.unsigned(week, reviews),
        }

    def unsigned(self, week: str, reviews: list[Review] | None = None) -> list[str]:
        """Active specialists without a review of the week."""
        done = {
            r.specialist
            for r in (reviews if reviews is not None else self.store.reviews_of_week(week))
        }
        return sorted(s for s in self.specialists() if s not in done)

    def _week(self, week: str | None) -> str:
        if not week:
            return week_of(clock.local_date(self.now()))
        from pydantic_core import PydanticCustomError

        try:
            return parse_week(week)
        except PydanticCustomError as error:
            raise InvalidFields({"week": error.type}) from None

    def _readable(self, entries: list[Event]) -> list[Event]:
        """Entries of leads past their retention show without free text (as the lead page)."""
        cutoff = clock.iso(self.now() - dt.timedelta(days=self.retention_days))
        blank: dict[str, Any] = dict.fromkeys(EVENT_FREE_TEXT)
        return [dataclasses.replace(e, **blank) if e.at <= cutoff else e for e in entries]
