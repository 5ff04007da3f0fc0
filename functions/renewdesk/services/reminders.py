"""The daily reminder run: the renewal timeline of domain.md applied to the policy roster.

For every policy expiring in the next 90 days:

- **N-90, the lead.** Once per policy cycle (a cycle is one expiry date) it puts one renewal lead
  on the specialists' queue, with its follow-up plan (N-30, N-20, N-15, N-7) and what the roster
  knows for the call (last insurer, premiums, grade). C-grade customers get the lowest priority,
  never no lead. If the vehicle already has an open lead (the customer asked on the site), that
  lead becomes the cycle's lead instead of a second one. If it has a lead closed this season
  (won: already renewed; lost: the specialist has been told no), the policy is left alone.
- **N-60, the SMS.** Once per cycle it queues the reminder with a personal one-click link,
  unless the customer opted out, has asked for a quote already, or the cycle's lead is closed.
  A mobile number gets at most one reminder a day, whatever the templates: a second policy of
  the same number waits for the next day. The link is the short ``<site>/r/<code>``
  (services.short_links), the same for a policy all day. The day's messages are written to
  ``build/sms/YYYY-MM-DD.csv`` (rewritten whole on every run of that day) and, when a sender is
  configured, sent between 08:00 and 21:00 China time; a message the run could not send then
  (too late, too early, failed) goes out in the next run that may send, up to three days on.

A policy found late (imported after its N-90 or N-60 day) gets the steps it missed on the next
run; a missed daily run is caught up by the next one. Running twice on a day creates nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from renewdesk.services import clock, queue
from renewdesk.services.plan import STANDARD_STEPS
from renewdesk.services.records import Guard, Lead, Policy, new_lead
from renewdesk.services.roster import policy_values
from renewdesk.services.sms import (
    SmsMessage,
    SmsSender,
    SmsTemplates,
    TemplateSize,
    in_sending_window,
    short_link,
    write_outbox,
)

log = logging.getLogger(__name__)

LEAD_DAYS = 90
SMS_DAYS = 60
# A closed lead of the vehicle created within this many days before expiry belongs to this
# season's renewal; an older one (last year's) does not stop a new lead.
SEASON_DAYS = 180
CLOSED_STEPS = ("won", "lost")
# Leads are created in chunks of this many policies; a run short of time stops between chunks
# (Lambda's timeout) and the next run goes on where it stopped.
LEAD_CHUNK = 330
SAFETY_SECONDS = 8
# A queued message not sent (quiet hours, a failed send) is tried again for this many days.
RESEND_DAYS = 3


@dataclass
class RunReport:
    """What one run did (counts only: it is logged)."""

    as_of: dt.date
    leads_created: int = 0
    leads_adopted: int = 0
    already_renewed: int = 0
    already_lost: int = 0
    sms_queued: int = 0
    sms_opted_out: int = 0
    sms_lead_closed: int = 0
    sms_requested: int = 0
    sms_sent: int = 0
    sms_failed: int = 0
    sms_postponed: int = 0  # a second policy of a number already reminded today: tomorrow
    sms_deferred: int = 0  # not sent now (quiet hours, the number had one today): next run
    messages: list[SmsMessage] = field(default_factory=list)
    sizes: list[TemplateSize] = field(default_factory=list)  # each template's longest message
    sms_file: Path | None = None
    incomplete: bool = False  # stopped early for lack of time; the next run goes on

    def counts(self) -> dict[str, Any]:
        """The figures, for logs and the scheduled handler's answer."""
        return {
            "as_of": self.as_of.isoformat(),
            "leads_created": self.leads_created,
            "leads_adopted": self.leads_adopted,
            "already_renewed": self.already_renewed,
            "already_lost": self.already_lost,
            "sms_queued": self.sms_queued,
            "sms_opted_out": self.sms_opted_out,
            "sms_lead_closed": self.sms_lead_closed,
            "sms_requested": self.sms_requested,
            "sms_today": len(self.messages),
            "sms_segments": sum(m.segments for m in self.messages),
            "sms_postponed": self.sms_postponed,
            "sms_deferred": self.sms_deferred,
            "sms_sent": self.sms_sent,
            "sms_failed": self.sms_failed,
            "incomplete": self.incomplete,
        }


@dataclass(frozen=True)
class CycleStart:
    """A renewal lead to create for a policy's cycle, and from when a closed lead of the same
    vehicle is last season's (and may be replaced) rather than this one's."""

    plate: str
    expiry_date: str
    lead: Lead
    season_start: str


@dataclass(frozen=True)
class DuePolicy:
    """A policy on the due list, with where this cycle's lead and SMS steps stand."""

    policy: Policy
    lead_state: str
    sms_state: str


class ReminderStore(Protocol):
    """What the run needs from storage (implemented by store.roster)."""

    def policies_expiring(self, first: str, last: str) -> list[Policy]: ...

    def get_policies(self, plates: list[str]) -> dict[str, Policy]: ...

    def start_cycles(self, starts: list[CycleStart]) -> dict[str, Guard | str | None]: ...

    def adopt_lead(
        self, plate: str, expiry_date: str, lead_id: str, additions: dict[str, Any]
    ) -> bool: ...

    def record_cycle(self, plate: str, expiry_date: str, lead_id: str, step: str) -> bool: ...

    def get_leads(self, lead_ids: Iterable[str]) -> dict[str, Lead]: ...

    def opted_out(self, phones: Iterable[str]) -> set[str]: ...

    def mark_sms(self, marks: list[tuple[str, str, str, str]]) -> None: ...

    def mark_sent(self, plate: str, expiry_date: str, at: str) -> None: ...


def follow_up_plan(expiry: dt.date) -> dict[str, str]:
    """The phone follow-ups before expiry: {"N-30": "YYYY-MM-DD", ...}."""
    return {label: (expiry - dt.timedelta(days=days)).isoformat() for label, days in STANDARD_STEPS}


def renewal_link(site_origin: str, token: str) -> str:
    """The one-click page a reminder links to."""
    return f"{site_origin.rstrip('/')}/renew/?t={token}"


@dataclass
class Reminders:
    """Runs the reminder steps; templates, link tokens and the sender load only when needed."""

    store: ReminderStore
    templates: Callable[[], SmsTemplates]
    issue_token: Callable[[str], str]
    site_origin: str
    outbox_dir: Path
    sender: Callable[[], SmsSender | None] = lambda: None
    # Short links (services.short_links.ShortLinks.issue): codes by roster id, for one day.
    short_codes: Callable[[list[str], dt.date], dict[str, str]] | None = None
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def run(
        self,
        as_of: dt.date | None = None,
        write_file: bool = True,
        seconds_left: Callable[[], float] | None = None,
    ) -> RunReport:
        """Take every step due on ``as_of`` (default: today in China); ``seconds_left``: how
        long the run may still take (Lambda's remaining time)."""
        now = self.now()
        as_of = as_of or clock.local_date(now)
        report = RunReport(as_of)
        first = (as_of + dt.timedelta(days=1)).isoformat()
        policies = self.store.policies_expiring(first, _plus(as_of, LEAD_DAYS))
        # A policy the roster marks cancelled has nothing to renew: no lead, no reminder.
        policies = [p for p in policies if p.status != "cancelled"]
        waiting = [p for p in policies if not p.in_current_cycle]
        for start in range(0, len(waiting), LEAD_CHUNK):
            if seconds_left is not None and seconds_left() < SAFETY_SECONDS:
                report.incomplete = True
                break
            self._lead_step(waiting[start : start + LEAD_CHUNK], now, as_of, report)
        in_sms_window = [p for p in policies if p.expiry_date <= _plus(as_of, SMS_DAYS)]
        # Read those again, consistently: the index may lag behind a run a moment ago, and the
        # day's file must list every message of the day.
        fresh = self.store.get_policies([p.plate for p in in_sms_window])
        current = [fresh[p.plate] for p in in_sms_window if p.plate in fresh]
        opted_out = self.store.opted_out(p.phone for p in current)
        current = self._sms_step(current, opted_out, as_of, report)
        todays = [
            p for p in self._unsent(current, opted_out, as_of) if p.sms_on == as_of.isoformat()
        ]
        report.messages = self._messages(todays, include_sent=True)
        if report.messages:
            report.sizes = self.templates().sizes(self.site_origin)
        if write_file:
            report.sms_file = write_outbox(self.outbox_dir, as_of, report.messages)
        sender = self.sender()
        if sender is not None:
            self._send(sender, current, opted_out, as_of, report)
        log.info("reminders run: %s", report.counts())
        return report

    def due(self, as_of: dt.date | None, days: int) -> list[DuePolicy]:
        """The due list: policies expiring within ``days``, with where this cycle's steps stand
        (an opt-out shows even before N-60)."""
        as_of = as_of or clock.local_date(self.now())
        policies = self.store.policies_expiring(_plus(as_of, 1), _plus(as_of, days))
        opted_out = self.store.opted_out(p.phone for p in policies)
        due = []
        for policy in policies:
            current = policy.in_current_cycle
            sms = policy.sms_step if current else None
            if sms == "queued" and policy.sms_sent_at:
                sms = "sent"
            due.append(
                DuePolicy(
                    policy,
                    (policy.lead_step or "none") if current else "none",
                    sms or ("opted_out" if policy.phone in opted_out else "none"),
                )
            )
        return due

    # -- N-90 ----------------------------------------------------------------------------

    def _lead_step(
        self, due: list[Policy], now: dt.datetime, as_of: dt.date, report: RunReport
    ) -> None:
        starts = [
            CycleStart(
                policy.plate,
                policy.expiry_date,
                self._lead_of(policy, self.new_id(now), now, as_of),
                _season_start(policy.expiry_date),
            )
            for policy in due
        ]
        outcomes = self.store.start_cycles(starts)
        taken: dict[str, tuple[CycleStart, Guard]] = {}
        for start in starts:
            result = outcomes[start.plate]
            if result is None:
                report.leads_created += 1
            elif isinstance(result, Guard):
                taken[start.plate] = (start, result)
        closed = self.store.get_leads(g.lead_id for _, g in taken.values() if not g.is_open)
        for start, guard in taken.values():
            if guard.is_open:
                lead = start.lead
                additions = {
                    "plan": lead.plan,
                    "policy": lead.policy,
                    "grade": lead.grade,
                    "cycle_id": lead.cycle_id,
                }
                if self.store.adopt_lead(start.plate, start.expiry_date, guard.lead_id, additions):
                    report.leads_adopted += 1
                continue
            known = closed.get(guard.lead_id)
            status = known.status if known else "lost"
            if self.store.record_cycle(start.plate, start.expiry_date, guard.lead_id, status):
                if status == "won":
                    report.already_renewed += 1
                else:
                    report.already_lost += 1

    def _lead_of(self, policy: Policy, lead_id: str, now: dt.datetime, as_of: dt.date) -> Lead:
        expiry = dt.date.fromisoformat(policy.expiry_date)
        today = as_of.isoformat()
        plan = follow_up_plan(expiry)
        return new_lead(
            lead_id=lead_id,
            lead_type="renewal",
            source="roster",
            now=now,
            customer_requested=False,
            rank=queue.rank(policy.grade, customer_requested=False),
            # The first phone follow-up still ahead (or today, when all have passed).
            due=min((day for day in plan.values() if day >= today), default=today),
            name=policy.name,
            phone=policy.phone,
            plate=policy.plate,
            expiry_date=policy.expiry_date,
            grade=policy.grade,
            plan=plan,
            policy=policy_values(policy),
            cycle_id=policy.cycle_id,
        )

    # -- N-60 ----------------------------------------------------------------------------

    def _sms_step(
        self, policies: list[Policy], opted_out: set[str], as_of: dt.date, report: RunReport
    ) -> list[Policy]:
        """Take the SMS step of each policy whose cycle has not taken it; the policies as
        they are after it."""
        from renewdesk.services.worklist import CLOSED

        waiting = sorted(
            (p for p in policies if p.in_current_cycle and not p.sms_step),
            key=lambda p: (p.expiry_date, p.plate),
        )
        today = as_of.isoformat()
        reminded = {
            p.phone for p in policies if p.sms_step == "queued" and p.sms_on == today
        }  # a number gets one reminder a day, whatever the templates
        leads = self.store.get_leads(
            p.lead_id for p in waiting if p.lead_id and p.lead_step not in CLOSED_STEPS
        )
        marks, taken = [], {}
        for policy in waiting:
            lead = leads.get(policy.lead_id or "")
            if policy.lead_step in CLOSED_STEPS or (lead and lead.status in CLOSED):
                step = "lead_closed"
                report.sms_lead_closed += 1
            elif lead and lead.customer_requested:
                # The customer has asked already: a reminder to ask would only annoy.
                step = "requested"
                report.sms_requested += 1
            elif policy.phone in opted_out:
                step = "opted_out"
                report.sms_opted_out += 1
            elif policy.phone in reminded:
                report.sms_postponed += 1  # its turn comes tomorrow
                continue
            else:
                step = "queued"
                reminded.add(policy.phone)
                report.sms_queued += 1
            marks.append((policy.plate, policy.expiry_date, step, as_of.isoformat()))
            taken[policy.plate] = policy.changed(sms_step=step, sms_on=as_of.isoformat())
        self.store.mark_sms(marks)
        return [taken.get(p.plate, p) for p in policies]

    def _unsent(self, policies: list[Policy], opted_out: set[str], as_of: dt.date) -> list[Policy]:
        """Policies whose reminder is queued this cycle and not yet sent (or, today's, sent),
        from the last RESEND_DAYS days, oldest first."""
        since = (as_of - dt.timedelta(days=RESEND_DAYS)).isoformat()
        return sorted(
            (
                p
                for p in policies
                if p.in_current_cycle
                and p.sms_step == "queued"
                and p.sms_on
                and since <= p.sms_on <= as_of.isoformat()
                and p.phone not in opted_out
            ),
            key=lambda p: (p.sms_on or "", p.expiry_date, p.plate),
        )

    def _messages(self, policies: list[Policy], include_sent: bool) -> list[SmsMessage]:
        """The reminders of these policies, each with the link of the day it was queued."""
        chosen = [p for p in policies if include_sent or not p.sms_sent_at]
        if not chosen:
            return []
        templates = self.templates()
        links: dict[str, str] = {}
        for day in sorted({p.sms_on or "" for p in chosen}):
            links.update(self._links([p for p in chosen if p.sms_on == day], day))
        return [
            SmsMessage(
                p.plate,
                p.expiry_date,
                p.phone,
                templates.render(p, links[p.roster_id]),
                sent=bool(p.sms_sent_at),
                template_id=templates.template_for(p.grade).template_id,
            )
            for p in chosen
        ]

    def _links(self, policies: list[Policy], day: str) -> dict[str, str]:
        """Each policy's link of that day: the short one, else (no short links, or a code
        taken by another policy) the token link."""
        codes: dict[str, str] = {}
        if self.short_codes is not None:
            codes = self.short_codes([p.roster_id for p in policies], dt.date.fromisoformat(day))
        return {
            p.roster_id: short_link(self.site_origin, codes[p.roster_id])
            if p.roster_id in codes
            else renewal_link(self.site_origin, self.issue_token(p.roster_id))
            for p in policies
        }

    def _send(
        self,
        sender: SmsSender,
        policies: list[Policy],
        opted_out: set[str],
        as_of: dt.date,
        report: RunReport,
    ) -> None:
        """Send the queued, unsent reminders, within carriers' hours, one a number a day."""
        waiting = self._messages(self._unsent(policies, opted_out, as_of), include_sent=False)
        if not in_sending_window(self.now()):
            report.sms_deferred += len(waiting)
            return
        today = clock.local_date(self.now())
        sent_today = {
            p.phone
            for p in policies
            if p.sms_sent_at and clock.local_date(clock.parse_iso(p.sms_sent_at)) == today
        }
        for message in waiting:
            if message.phone in sent_today:
                report.sms_deferred += 1
                continue
            try:
                sender.send(message.phone, message.text)
            except Exception as error:  # one failed message must not stop the others
                report.sms_failed += 1
                log.warning("reminder SMS not sent: %s", type(error).__name__)
                continue
            sent_today.add(message.phone)
            self.store.mark_sent(message.plate, message.expiry_date, clock.iso(self.now()))
            report.sms_sent += 1


def _plus(day: dt.date, days: int) -> str:
    return (day + dt.timedelta(days=days)).isoformat()


def _season_start(expiry_date: str) -> str:
    start = dt.date.fromisoformat(expiry_date) - dt.timedelta(days=SEASON_DAYS)
    return clock.iso(dt.datetime.combine(start, dt.time(), tzinfo=clock.CHINA))
