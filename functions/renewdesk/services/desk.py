"""What staff look at: My day, a lead with its register and the customer's earlier leads, lists.

My day is one Query of the specialist's desk up to the end of today: the desk is sorted by when
each lead is next due (booked call or plan step), so overdue items come first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Protocol

from renewdesk.services import clock, plan, worklist
from renewdesk.services.claims import Claims
from renewdesk.services.insurers import InsurerList
from renewdesk.services.quotes import quotes_of
from renewdesk.services.records import EVENT_FREE_TEXT, Event, Lead
from renewdesk.services.staff import Actor

LIST_LIMIT = 100


class DeskStore(worklist.WorkStore, Protocol):
    """Reads of work lists (implemented by store.queue)."""

    def desk_page(
        self,
        username: str,
        due_before: str | None = None,
        limit: int = 200,
        start_key: dict[str, Any] | None = None,
    ) -> tuple[list[Lead], dict[str, Any] | None]: ...

    def ready_page(
        self,
        lead_type: str | None,
        now_iso: str,
        limit: int,
        start_key: dict[str, Any] | None = None,
    ) -> tuple[list[Lead], dict[str, Any] | None]: ...

    def attention_page(
        self, limit: int, start_key: dict[str, Any] | None = None
    ) -> tuple[list[Lead], dict[str, Any] | None]: ...

    def month_leads_page(
        self,
        utc_month: str,
        after: str,
        before: str,
        limit: int,
        start_key: dict[str, Any] | None = None,
        newest_first: bool = False,
    ) -> tuple[list[Lead], dict[str, Any] | None]: ...

    def customer_leads(self, phone: str, limit: int = 20) -> list[Lead]: ...

    def resume(
        self, cursor: str, listing: str, months: list[tuple[str, str, str]] | None = None
    ) -> tuple[int, dict[str, Any]]: ...

    def cursor_after(self, lead: Lead, listing: str) -> str: ...


@dataclass(frozen=True)
class Page:
    """One page of a list, and the opaque cursor of the next one (None on the last page)."""

    leads: list[dict[str, Any]]  # views
    next_cursor: str | None = None


@dataclass(frozen=True)
class DayItem:
    """A lead on My day and why it is there."""

    lead: dict[str, Any]
    reason: str  # new_claim | booked_call | plan_step | no_next_step
    due_at: str
    overdue: bool
    step: plan.Step | None = None


@dataclass
class Desk:
    """Read-only views of leads for staff."""

    store: DeskStore
    claims: Claims
    # Leads closed this long ago show as erased, even before the retention purge erased them.
    retention_days: int
    now: Callable[[], dt.datetime] = field(default=clock.now)
    # The insurer list, to mark quotes from insurers the store does not work with.
    insurers: Callable[[], InsurerList] | None = None

    def my_day(self, actor: Actor) -> tuple[list[DayItem], list[dict[str, Any]]]:
        """(Due today or overdue, in due order; the rest of the desk, later)."""
        return self._day(actor.username)

    def _day(self, username: str) -> tuple[list[DayItem], list[dict[str, Any]]]:
        """One person's day, as their My day and the team page both count it. A later lead
        says why it is due (``due_reason``) and, for a plan step, which and on what day."""
        now = self.now()
        now_iso = clock.iso(now)
        _, day_end = clock.local_day_window(now)
        items, _ = self.store.desk_page(username, limit=500)
        today = clock.local_date(now)
        due, later = [], []
        for lead in items:
            if worklist.holder(lead, now_iso) != username:
                continue  # a lapsed lease: back in the queue
            due_at = lead.desk_due_at or lead.created_at
            shown = worklist.view(lead, now_iso)
            item = self._day_item(lead, shown, due_at, now_iso, today)
            if due_at < clock.iso(day_end):
                due.append(item)
            else:
                step = item.step
                later.append(
                    {
                        **shown,
                        "due_at": due_at,
                        "due_reason": item.reason,
                        "due_step": {"step": step.label, "date": step.date.isoformat()}
                        if step
                        else None,
                    }
                )
        return due, later

    def _day_item(
        self, lead: Lead, shown: dict[str, Any], due_at: str, now_iso: str, today: dt.date
    ) -> DayItem:
        if lead.lease_until:
            return DayItem(shown, "new_claim", due_at, False)
        last = lead.last_contact_at
        upcoming = plan.next_step(lead, clock.local_date(clock.parse_iso(last)) if last else None)
        if lead.next_contact_at == due_at or (not upcoming and lead.next_contact_at):
            return DayItem(shown, "booked_call", due_at, due_at < now_iso)
        if upcoming:
            label, day = upcoming
            state = "due" if day == today else "missed" if day < today else "upcoming"
            return DayItem(shown, "plan_step", due_at, day < today, plan.Step(label, day, state))
        return DayItem(shown, "no_next_step", due_at, True)

    def lead_page(self, actor: Actor, lead_id: str) -> dict[str, Any]:
        """A lead with its history, plan steps and the customer's other leads; the holder's
        visit renews the lease."""
        now = self.now()
        now_iso = clock.iso(now)
        found, events = self.store.lead_with_history(lead_id)
        lead = worklist.within_retention(
            worklist.require_lead(found, lead_id), now_iso, self.retention_days
        )
        if lead.erased_at:
            # Past retention (purged or not): no free text the customer may be named in.
            blank: dict[str, Any] = dict.fromkeys(EVENT_FREE_TEXT)
            events = [dataclasses.replace(e, **blank) for e in events]
        with_contact = worklist.require_visible(lead, actor, now_iso)
        lead = self.claims.renew(lead, actor)
        contact_days = [
            clock.local_date(clock.parse_iso(e.at)) for e in events if e.kind == "followup"
        ]
        steps = plan.steps(lead, contact_days, clock.local_date(now))
        earlier = []
        if with_contact and not lead.erased_at and lead.phone:
            earlier = [
                worklist.view(
                    other,
                    now_iso,
                    worklist.may_see_contact(other, actor, now_iso),
                    self.retention_days,
                )
                for other in self.store.customer_leads(lead.phone)
                if other.lead_id != lead_id
            ]
        return {
            "lead": worklist.view(lead, now_iso, with_contact),
            "history": [_event_view(e) for e in reversed(events)],
            "plan": [
                {"step": s.label, "date": s.date.isoformat(), "state": s.state} for s in steps
            ],
            "earlier_leads": earlier,
            "quotes": quotes_of(events, self.insurers() if self.insurers else None),
        }

    def queue(self, actor: Actor, limit: int = LIST_LIMIT, cursor: str | None = None) -> Page:
        """The claimable leads in claim order (contact masked for specialists)."""
        now_iso = clock.iso(self.now())
        start = self.store.resume(cursor, "ready")[1] if cursor else None
        pages = _pages(lambda key: self.store.ready_page(None, now_iso, limit, key), start)
        items, next_cursor = self._fill(pages, limit, "ready")
        return Page([worklist.view(i, now_iso, actor.is_supervisor) for i in items], next_cursor)

    def attention(self, actor: Actor, limit: int = LIST_LIMIT, cursor: str | None = None) -> Page:
        """Leads that bounced too often (supervisor)."""
        worklist.require_supervisor(actor)
        now_iso = clock.iso(self.now())
        start = self.store.resume(cursor, "attention")[1] if cursor else None
        pages = _pages(lambda key: self.store.attention_page(limit, key), start)
        items, next_cursor = self._fill(pages, limit, "attention")
        return Page([worklist.view(i, now_iso) for i in items], next_cursor)

    def desk(self, actor: Actor, username: str) -> list[dict[str, Any]]:
        """Open leads someone holds, by due time (one's own; anyone's for a supervisor)."""
        if username != actor.username:
            worklist.require_supervisor(actor)
        now_iso = clock.iso(self.now())
        leads, _ = self.store.desk_page(username, limit=500)
        return [
            {**worklist.view(lead, now_iso), "due_at": lead.desk_due_at}
            for lead in leads
            if worklist.holder(lead, now_iso) == username
        ]

    def month_leads(
        self,
        actor: Actor,
        month: str,
        status: str | None = None,
        limit: int = LIST_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Leads submitted in a local month, newest first, optionally of one status."""
        now_iso = clock.iso(self.now())
        months = list(reversed(month_partitions(month)))
        first, start = self.store.resume(cursor, "month", months) if cursor else (0, None)

        def reads() -> Iterator[tuple[list[Lead], bool]]:
            for number in range(first, len(months)):
                utc_month, after, before = months[number]
                later_months = number < len(months) - 1

                def page(
                    key: dict[str, Any] | None, m: str = utc_month, a: str = after, b: str = before
                ) -> tuple[list[Lead], dict[str, Any] | None]:
                    return self.store.month_leads_page(m, a, b, 200, key, newest_first=True)

                for items, more in _pages(page, start if number == first else None):
                    yield items, more or later_months

        def shown(lead: Lead) -> bool:
            if status and worklist.effective_status(lead, now_iso) != status:
                return False
            return actor.is_supervisor or actor.username in (
                lead.owner,
                worklist.holder(lead, now_iso),
            )

        items, next_cursor = self._fill(reads(), limit, "month", shown)
        return Page(
            [worklist.view(i, now_iso, retention_days=self.retention_days) for i in items],
            next_cursor,
        )

    def _fill(
        self,
        reads: Iterable[tuple[list[Lead], bool]],
        limit: int,
        listing: str,
        keep: Callable[[Lead], bool] = lambda item: True,
    ) -> tuple[list[Lead], str | None]:
        """Up to ``limit`` kept items from successive Query pages ((items, more follow)), and
        the cursor after the last one shown. The cursor is that item's own key, not the page's
        LastEvaluatedKey: a page cut short must not skip the items it read but did not show."""
        found: list[Lead] = []
        for items, more in reads:
            for position, item in enumerate(items):
                if not keep(item):
                    continue
                found.append(item)
                if len(found) == limit:
                    rest = more or position < len(items) - 1
                    return found, self.store.cursor_after(item, listing) if rest else None
        return found, None

    def team(self, actor: Actor, usernames: list[str]) -> list[dict[str, Any]]:
        """Per staff member: leads held, due today and overdue (supervisor), counted exactly as
        each one's My day counts them (a plan step due today is due, not overdue; a new claim
        is due now, not overdue)."""
        worklist.require_supervisor(actor)
        rows = []
        for username in usernames:
            due, later = self._day(username)
            rows.append(
                {
                    "username": username,
                    "held": len(due) + len(later),
                    "due_today": len(due),
                    "overdue": sum(1 for item in due if item.overdue),
                }
            )
        return rows


def _pages(
    read: Callable[[dict[str, Any] | None], tuple[list[Lead], dict[str, Any] | None]],
    start: dict[str, Any] | None,
) -> Iterator[tuple[list[Lead], bool]]:
    """Successive Query pages from a start key: (items, whether another page follows)."""
    key = start
    while True:
        items, key = read(key)
        yield items, key is not None
        if key is None:
            return


def month_partitions(month: str) -> list[tuple[str, str, str]]:
    """The UTC month partitions and timestamp bounds that make up one local (China) month.

    Leads are indexed by the UTC month of created_at; a China month starts 8 hours earlier.
    """
    year, number = (int(p) for p in month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=clock.CHINA)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=clock.CHINA)
    start_iso, end_iso = clock.iso(start), clock.iso(end)
    first, last = start_iso[:7], end_iso[:7]
    if first == last:
        return [(first, start_iso, end_iso)]
    return [
        (first, start_iso, f"{last}-01T00:00:00.000Z"),
        (last, f"{last}-01T00:00:00.000Z", end_iso),
    ]


def _event_view(event: Event) -> dict[str, Any]:
    hidden = {"lead_type", "source", "lead_created_at", "lead_id", "month"}
    return {k: v for k, v in event.as_dict().items() if k not in hidden}
