"""What staff look at: My day, a lead with its register and the customer's earlier leads, lists.

My day is one Query of the specialist's desk up to the end of today: the desk is sorted by when
each lead is next due (booked call or plan step), so overdue items come first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from renewdesk.services import clock, plan, worklist
from renewdesk.services.claims import Claims
from renewdesk.services.staff import Actor

LIST_LIMIT = 100


class DeskStore(worklist.WorkStore, Protocol):
    """Reads of work lists (implemented by store.queue)."""

    def desk_page(self, username: str, due_before: str | None = None, limit: int = 200,
                  start_key: dict | None = None): ...

    def ready_page(self, lead_type, now_iso, limit, start_key=None): ...

    def attention_page(self, limit: int, start_key: dict | None = None): ...

    def month_leads_page(self, utc_month, after, before, limit, start_key=None,
                         newest_first=False): ...

    def customer_leads(self, phone: str, limit: int = 20) -> list[dict[str, Any]]: ...


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
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def my_day(self, actor: Actor) -> tuple[list[DayItem], list[dict[str, Any]]]:
        """(Due today or overdue, in due order; the rest of the desk, later)."""
        now = self.now()
        now_iso = clock.iso(now)
        _, day_end = clock.local_day_window(now)
        items, _ = self.store.desk_page(actor.username, limit=500)
        today = clock.local_date(now)
        due, later = [], []
        for lead in items:
            if worklist.holder(lead, now_iso) != actor.username:
                continue  # a lapsed lease: back in the queue
            due_at = lead["desk_sk"].rsplit("#", 1)[0]
            shown = worklist.view(lead, now_iso)
            if due_at < clock.iso(day_end):
                due.append(self._day_item(lead, shown, due_at, now_iso, today))
            else:
                later.append({**shown, "due_at": due_at})
        return due, later

    def _day_item(self, lead, shown, due_at: str, now_iso: str, today: dt.date) -> DayItem:
        if lead.get("lease_until"):
            return DayItem(shown, "new_claim", due_at, False)
        last = lead.get("last_contact_at")
        upcoming = plan.next_step(lead, clock.local_date(clock.parse_iso(last)) if last else None)
        if lead.get("next_contact_at") == due_at or (not upcoming and lead.get("next_contact_at")):
            return DayItem(shown, "booked_call", due_at, due_at < now_iso)
        if upcoming:
            label, day = upcoming
            state = "due" if day == today else "missed" if day < today else "upcoming"
            return DayItem(shown, "plan_step", due_at, day < today,
                           plan.Step(label, day, state))
        return DayItem(shown, "no_next_step", due_at, True)

    def lead_page(self, actor: Actor, lead_id: str) -> dict[str, Any]:
        """A lead with its history, plan steps and the customer's other leads; the holder's
        visit renews the lease."""
        now = self.now()
        now_iso = clock.iso(now)
        lead, events = self.store.lead_with_history(lead_id)
        lead = worklist.require_lead(lead, lead_id)
        with_contact = worklist.require_visible(lead, actor, now_iso)
        lead = self.claims.renew(lead, actor)
        contact_days = [clock.local_date(clock.parse_iso(e["at"]))
                        for e in events if e["kind"] == "followup"]
        steps = plan.steps(lead, contact_days, clock.local_date(now))
        earlier = []
        if with_contact and not lead.get("erased_at"):
            earlier = [worklist.view(other, now_iso, worklist.may_see_contact(other, actor, now_iso))
                       for other in self.store.customer_leads(lead["phone"])
                       if other["lead_id"] != lead_id]
        return {
            "lead": worklist.view(lead, now_iso, with_contact),
            "history": [_event_view(e) for e in reversed(events)],
            "plan": [{"step": s.label, "date": s.date.isoformat(), "state": s.state}
                     for s in steps],
            "earlier_leads": earlier,
        }

    def queue(self, actor: Actor, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
        """The claimable leads in claim order (contact masked for specialists)."""
        now_iso = clock.iso(self.now())
        items, _ = self.store.ready_page(None, now_iso, limit)
        return [worklist.view(i, now_iso, actor.is_supervisor) for i in items]

    def attention(self, actor: Actor) -> list[dict[str, Any]]:
        """Leads that bounced too often (supervisor)."""
        worklist.require_supervisor(actor)
        now_iso = clock.iso(self.now())
        items, _ = self.store.attention_page(LIST_LIMIT)
        return [worklist.view(i, now_iso) for i in items]

    def desk(self, actor: Actor, username: str) -> list[dict[str, Any]]:
        """Open leads someone holds, by due time (one's own; anyone's for a supervisor)."""
        if username != actor.username:
            worklist.require_supervisor(actor)
        now_iso = clock.iso(self.now())
        items, _ = self.store.desk_page(username, limit=500)
        return [{**worklist.view(i, now_iso), "due_at": i["desk_sk"].rsplit("#", 1)[0]}
                for i in items if worklist.holder(i, now_iso) == username]

    def month_leads(self, actor: Actor, month: str, status: str | None = None,
                    limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
        """Leads submitted in a local month, newest first, optionally of one status."""
        now_iso = clock.iso(self.now())
        found: list[dict[str, Any]] = []
        for utc_month, after, before in reversed(month_partitions(month)):
            start = None
            while len(found) < limit:
                items, start = self.store.month_leads_page(utc_month, after, before, 200, start,
                                                           newest_first=True)
                for lead in items:
                    if status and worklist.effective_status(lead, now_iso) != status:
                        continue
                    if not actor.is_supervisor and lead.get("owner") != actor.username \
                            and worklist.holder(lead, now_iso) != actor.username:
                        continue
                    found.append(worklist.view(lead, now_iso))
                if start is None:
                    break
        return found[:limit]

    def team(self, actor: Actor, usernames: list[str]) -> list[dict[str, Any]]:
        """Per staff member: leads held, due today and overdue (supervisor)."""
        worklist.require_supervisor(actor)
        now = self.now()
        now_iso = clock.iso(now)
        _, day_end = clock.local_day_window(now)
        rows = []
        for username in usernames:
            held = self.desk(actor, username)
            rows.append({
                "username": username,
                "held": len(held),
                "due_today": sum(1 for i in held if i["due_at"] < clock.iso(day_end)),
                "overdue": sum(1 for i in held if i["due_at"] < now_iso),
            })
        return rows


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
    return [(first, start_iso, f"{last}-01T00:00:00.000Z"), (last, f"{last}-01T00:00:00.000Z",
                                                               end_iso)]


def _event_view(event: dict[str, Any]) -> dict[str, Any]:
    hidden = {"pk", "sk", "month_pk", "month_sk", "lead_type", "source", "lead_created_at",
              "lead_id"}
    return {k: v for k, v in event.items() if k not in hidden}
