"""Speed to lead: notifications to the store's WeCom and DingTalk group robots, from an outbox.

A notification is an outbox item (``Notice``) written in the same DynamoDB transaction as the
change it announces (a customer's request, a booked call), so it exists exactly when the change
does and costs no extra request. It carries no personal data at all: the lead id, what to say
and when. The message is made when it is sent, from the lead as it is then, masked (张*,
+86138****8000, 粤B***45), with a link to the lead in the console; a lead erased meanwhile is
not announced.

The ``Dispatcher`` (run by a scheduled function on AWS, a thread of ``make run`` locally) takes
the due notices, sends each robot what it has not accepted yet (several leads in one message,
so a burst stays under each robot's 20 messages a minute, counted per minute in DynamoDB), and
settles every notice: sent once every robot accepted it; else retried with backoff; after
``MAX_ATTEMPTS`` failed rounds, on the dead-letter list of the supervisor's page (with a
resend). A robot that accepted a notice never gets it again, whatever the other robot does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from renewdesk.services import clock, worklist
from renewdesk.services.records import Lead

log = logging.getLogger(__name__)

# What a notice is for: announce a customer's request to the group, remind a booked call's
# holder, tell the supervisor a request waits unclaimed; ``check`` is a timer with no message
# (is the customer's request still unclaimed once its time is up?).
KINDS = ("new_lead", "unclaimed", "booked_call", "check")
MESSAGE_KINDS = ("new_lead", "unclaimed", "booked_call")
STATES = ("pending", "sent", "dead", "skipped", "done")
# Seconds to wait after the n-th failed round (then the last figure again).
BACKOFF_SECONDS = (30, 60, 120, 300, 600)
MAX_ATTEMPTS = 6
# Messages a minute each robot is sent at most: both allow 20 (DingTalk then mutes the robot
# for 10 minutes), so two stay spare for a worker whose count came late.
PER_MINUTE = 18
LEADS_PER_MESSAGE = 8
# A notice taken by a worker is not taken by another for this long (its sends must be done).
TAKE_SECONDS = 120
# Notices one pass reads; the rest wait for the next pass.
PASS_SIZE = 100
# Sent and dead notices are kept this long for the supervisor's page, then expire.
KEEP_DAYS = 30


class DeliveryFailed(Exception):
    """A robot did not accept a message: ``reason`` is a short code for the supervisor's page
    (``http_500``, ``timeout``, ``errcode_45009``...), never the robot's URL or key;
    ``throttled``: the robot asked us to slow down (no more messages to it this minute)."""

    def __init__(self, reason: str, throttled: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.throttled = throttled


@dataclass(frozen=True)
class Message:
    """One message to a group: a title and its lines (Markdown: bold, links)."""

    title: str
    lines: tuple[str, ...]


class Robot(Protocol):
    """A group robot (implemented by renewdesk.robots): ``name`` is wecom or dingtalk."""

    name: str

    def send(self, message: Message) -> None: ...


@dataclass(frozen=True)
class Notice:
    """One outbox item: what to tell, about which lead, when, and how far it got."""

    notice_id: str
    kind: str
    lead_id: str
    created_at: str
    due_at: str
    state: str = "pending"
    attempts: int = 0
    sent_to: tuple[str, ...] = ()
    to: str | None = None  # a booked call's holder
    for_time: str | None = None  # the booked call's time
    last_error: str | None = None
    finished_at: str | None = None
    version: int = 0

    def changed(self, **values: Any) -> Notice:
        """The notice with these fields set."""
        return dataclasses.replace(self, **values)


NOTICE_FIELDS = frozenset(f.name for f in dataclasses.fields(Notice))


def customer_request(
    lead_id: str, now: dt.datetime, new_id: Callable[[dt.datetime], str]
) -> tuple[Notice, Notice]:
    """What a customer's own request (site form, SMS link, referral) writes with it: the
    announcement to the group, due at once, and the timer that checks it was claimed in time."""
    at = clock.iso(now)
    return (
        Notice(new_id(now), "new_lead", lead_id, at, at),
        Notice(new_id(now), "check", lead_id, at, at),
    )


def booked_call(
    lead_id: str,
    holder: str,
    call_at: dt.datetime,
    minutes_before: int,
    now: dt.datetime,
    new_id: Callable[[dt.datetime], str],
) -> Notice:
    """The reminder to a booked call's holder, due ``minutes_before`` the call (at once if that
    is past)."""
    due = max(now, call_at - dt.timedelta(minutes=minutes_before))
    return Notice(
        new_id(now),
        "booked_call",
        lead_id,
        clock.iso(now),
        clock.iso(due),
        to=holder,
        for_time=clock.iso(call_at),
    )


def unclaimed(lead_id: str, now: dt.datetime, new_id: Callable[[dt.datetime], str]) -> Notice:
    """The supervisor's push about a customer's request nobody claimed in time."""
    at = clock.iso(now)
    return Notice(new_id(now), "unclaimed", lead_id, at, at)


def backoff(attempts: int) -> int:
    """Seconds before the next round after ``attempts`` failed ones."""
    return BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]


class OutboxStore(Protocol):
    """What the dispatcher needs from storage (implemented by store.outbox)."""

    def due_notices(self, now_iso: str, limit: int) -> list[Notice]: ...

    def take(self, notices: list[Notice], until: str) -> list[Notice]: ...

    def settle(self, notices: list[Notice]) -> None: ...

    def leads_by_id(self, lead_ids: Iterable[str]) -> dict[str, Lead]: ...

    def reserve(self, robot: str, window: str, limit: int, expires_at: int) -> bool: ...

    def notices(self, state: str, limit: int) -> list[Notice]: ...

    def get_notice(self, notice_id: str) -> Notice | None: ...


@dataclass
class PassReport:
    """What one pass did (counts only: it is logged)."""

    taken: int = 0
    sent: int = 0
    messages: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    deferred: int = 0
    checked: int = 0

    def counts(self) -> dict[str, int]:
        return dataclasses.asdict(self)


# The SLA check of a customer's request (services.inbound.SpeedToLead.check): the notice as
# it ends up (rescheduled to its deadline, or done).
Check = Callable[[Notice, Lead | None, dt.datetime], Notice]
Text = Callable[..., str]


@dataclass
class Dispatcher:
    """Sends what the outbox holds; see the module doc."""

    store: OutboxStore
    robots: Callable[[], list[Robot]]
    text: Text  # catalog text by key (the group's language)
    console_origin: str
    check: Check
    now: Callable[[], dt.datetime] = field(default=clock.now)
    per_minute: int = PER_MINUTE
    leads_per_message: int = LEADS_PER_MESSAGE

    def run_once(self) -> PassReport:
        """One pass over the due notices."""
        report = PassReport()
        now = self.now()
        now_iso = clock.iso(now)
        due = self.store.due_notices(now_iso, PASS_SIZE)
        if not due:
            return report
        taken = self.store.take(due, clock.iso(now + dt.timedelta(seconds=TAKE_SECONDS)))
        report.taken = len(taken)
        leads = self.store.leads_by_id({n.lead_id for n in taken})
        settled: list[Notice] = []
        messages: list[Notice] = []
        for notice in taken:
            lead = leads.get(notice.lead_id)
            if notice.kind == "check":
                report.checked += 1
                settled.append(self.check(notice, lead, now))
            elif notice.kind in MESSAGE_KINDS and _still_true(notice, lead, now_iso):
                messages.append(notice)
            else:
                report.skipped += 1
                settled.append(_finished(notice, "skipped", now_iso))
        settled += self._deliver(messages, leads, now, report)
        self.store.settle(settled)
        log.info("notifications pass: %s", " ".join(f"{k}={v}" for k, v in report.counts().items()))
        return report

    def run(
        self,
        seconds: float,
        pause: Callable[[float], Any] = time.sleep,
        interval: float = 5.0,
        elapsed: Callable[[], float] = time.monotonic,
    ) -> None:
        """Pass after pass for about ``seconds`` (a scheduled invocation), pausing ``interval``
        when there was nothing to do, so a request is announced within seconds."""
        end = elapsed() + seconds
        while True:
            report = self.run_once()
            if elapsed() + interval > end:
                return
            if not report.taken:
                pause(interval)

    def resend(self, notice_id: str) -> Notice:
        """A dead notice goes back to the outbox, with its rounds counted afresh (robots that
        accepted it are not sent it again)."""
        from renewdesk.errors import NotFound, WrongState

        notice = self.store.get_notice(notice_id)
        if notice is None:
            raise NotFound(notice_id)
        if notice.state != "dead":
            raise WrongState("notice_not_dead")
        again = notice.changed(
            state="pending", attempts=0, due_at=clock.iso(self.now()), finished_at=None
        )
        self.store.settle([again])
        return again.changed(version=notice.version + 1)

    def dead_letters(self, limit: int = 50) -> list[Notice]:
        """Notices no robot took after every round, newest first."""
        return self.store.notices("dead", limit)

    def pending(self, limit: int = 50) -> list[Notice]:
        """Notices still to send (or timers still to fire), soonest due first."""
        return self.store.notices("pending", limit)

    # -- sending --------------------------------------------------------------------------

    def _deliver(
        self, messages: list[Notice], leads: dict[str, Lead], now: dt.datetime, report: PassReport
    ) -> list[Notice]:
        now_iso = clock.iso(now)
        if not messages:
            return []
        robots = self.robots()
        if not robots:
            report.skipped += len(messages)
            return [_finished(n, "skipped", now_iso, "no_robot") for n in messages]
        accepted: dict[str, set[str]] = {n.notice_id: set(n.sent_to) for n in messages}
        failed: dict[str, str] = {}
        deferred: set[str] = set()
        window = now.astimezone(clock.CHINA).strftime("%Y%m%d%H%M")
        minute_end = int(now.timestamp()) // 60 * 60 + 60
        for robot in robots:
            pending = [n for n in messages if robot.name not in accepted[n.notice_id]]
            batches = list(self._batches(pending))
            for number, batch in enumerate(batches):
                if not self.store.reserve(robot.name, window, self.per_minute, minute_end + 3600):
                    deferred |= {n.notice_id for b in batches[number:] for n in b}
                    break
                try:
                    robot.send(self._message(batch, leads, now_iso))
                except DeliveryFailed as failure:
                    log.warning("robot refused: robot=%s reason=%s", robot.name, failure.reason)
                    for n in batch:
                        failed[n.notice_id] = f"{robot.name}:{failure.reason}"
                    if failure.throttled:
                        deferred |= {n.notice_id for b in batches[number + 1 :] for n in b}
                        break
                    continue
                report.messages += 1
                for n in batch:
                    accepted[n.notice_id].add(robot.name)
        wanted = {r.name for r in robots}
        settled = []
        for notice in messages:
            sent_to = tuple(sorted(accepted[notice.notice_id]))
            if wanted <= set(sent_to):
                report.sent += 1
                settled.append(_finished(notice.changed(sent_to=sent_to), "sent", now_iso))
            elif notice.notice_id in failed:
                attempts = notice.attempts + 1
                error = failed[notice.notice_id]
                if attempts >= MAX_ATTEMPTS:
                    report.dead += 1
                    log.warning("notice dead: notice_id=%s kind=%s", notice.notice_id, notice.kind)
                    settled.append(
                        _finished(
                            notice.changed(sent_to=sent_to, attempts=attempts),
                            "dead",
                            now_iso,
                            error,
                        )
                    )
                else:
                    report.retried += 1
                    retry_at = now + dt.timedelta(seconds=backoff(attempts))
                    settled.append(
                        notice.changed(
                            sent_to=sent_to,
                            attempts=attempts,
                            last_error=error,
                            due_at=clock.iso(retry_at),
                        )
                    )
            else:  # over the minute's budget: next minute, not counted as a failed round
                report.deferred += 1
                next_minute = dt.datetime.fromtimestamp(minute_end, dt.timezone.utc)
                settled.append(notice.changed(sent_to=sent_to, due_at=clock.iso(next_minute)))
        return settled

    def _batches(self, notices: list[Notice]) -> Iterable[list[Notice]]:
        """Notices of one kind together, at most ``leads_per_message`` a message, oldest first."""
        for kind in MESSAGE_KINDS:
            same = sorted((n for n in notices if n.kind == kind), key=lambda n: n.created_at)
            for start in range(0, len(same), self.leads_per_message):
                yield same[start : start + self.leads_per_message]

    def _message(self, batch: list[Notice], leads: dict[str, Lead], now_iso: str) -> Message:
        kind = batch[0].kind
        title = self.text(f"notify.title.{kind}", n=str(len(batch)))
        lines = [self._line(n, leads[n.lead_id], now_iso) for n in batch]
        return Message(title, (f"**{title}**", *lines))

    def _line(self, notice: Notice, lead: Lead, now_iso: str) -> str:
        """One lead, masked: type, grade, the customer, days to expiry, source, link."""
        shown = worklist.mask({"name": lead.name, "phone": lead.phone, "plate": lead.plate})
        parts = [self.text(f"type.{lead.type}")]
        parts.append(self.text("notify.grade", grade=lead.grade) if lead.grade else "")
        if lead.customer_requested:
            parts.append(self.text("notify.requested"))
        who = " ".join(str(shown[k]) for k in ("name", "plate", "phone") if shown.get(k))
        days = worklist.days_to_expiry(lead.expiry_date, now_iso)
        if days is not None:
            who += " · " + self.text(
                "notify.days_left" if days >= 0 else "notify.days_over", days=str(abs(days))
            )
        if lead.source:
            who += " · " + self.text(f"source.{lead.source}")
        link = f"{self.console_origin.rstrip('/')}/staff/leads/{lead.lead_id}"
        head = " · ".join(p for p in parts if p)
        line = f"{head}：{who} [{self.text('notify.open')}]({link})"
        if notice.kind == "booked_call" and notice.for_time:
            at = clock.parse_iso(notice.for_time).astimezone(clock.CHINA).strftime("%H:%M")
            line = self.text("notify.call_for", name=notice.to or "", time=at) + " " + line
        elif notice.kind == "new_lead" and worklist.holder(lead, now_iso):
            line += " " + self.text("notify.held_by", name=worklist.holder(lead, now_iso) or "")
        return line


def _still_true(notice: Notice, lead: Lead | None, now_iso: str) -> bool:
    """Whether the message is still worth sending: the lead exists and is open; a booked call is
    still booked at that time with the same holder; an unclaimed request is still unclaimed."""
    if lead is None or worklist.effective_status(lead, now_iso) in worklist.CLOSED:
        return False
    if notice.kind == "booked_call":
        return lead.next_contact_at == notice.for_time and worklist.holder(lead, now_iso) == (
            notice.to
        )
    if notice.kind == "unclaimed":
        return lead.waiting_reason == "unclaimed" and worklist.holder(lead, now_iso) is None
    return True


def _finished(notice: Notice, state: str, now_iso: str, error: str | None = None) -> Notice:
    return notice.changed(state=state, finished_at=now_iso, last_error=error or notice.last_error)
