"""Customers' replies to the reminder SMS, from the SMS platform's reply export (mobile, text,
time; CSV or XLSX, read like a roster: services.roster_files).

- An opt-out (TD, T, R, N, 退订, 拒收 and the like, and the keyword of sms.yml's own wording)
  stops the number's reminders, as a reply TD always did (``roster optout --via sms_reply``).
- Any other reply is a follow-up task on the customer's open renewal lead: an event
  "客户回复短信：…" in its register, and the lead due at once, on its holder's desk (or, on the
  queue, due today), so whoever works it calls back.

Importing the same export again changes nothing: a reply's event has an id made from its
number, time and text, and a reply already in the lead's history is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from renewdesk.errors import StaleWrite
from renewdesk.services import clock, plan
from renewdesk.services.records import Event, Lead
from renewdesk.services.roster_files import Columns, RosterSheet

REPLY_COLUMNS: Columns = {
    "phone": (
        True,
        ("手机号码", "手机号", "手机", "号码", "回复号码", "发送号码", "mobile", "phone", "number"),
    ),
    "text": (
        True,
        ("回复内容", "上行内容", "短信内容", "内容", "回复", "text", "content", "message", "reply"),
    ),
    "at": (
        False,
        (
            "回复时间",
            "上行时间",
            "接收时间",
            "发送时间",
            "时间",
            "time",
            "received at",
            "reply time",
        ),
    ),
}
# Wording that asks for no more messages, besides the reply keywords (a short reply only).
STOP_WORDS = ("退订", "拒收", "取消", "不要再发", "别再发", "不要发", "勿扰")
STOP_REPLY_LENGTH = 8
SMS_ACTOR = "sms"
TIME_TEXT = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


@dataclass
class RepliesReport:
    """What an import of replies did (counts, and the rows it could not use)."""

    opted_out: int = 0
    tasks: int = 0
    already: int = 0
    no_lead: list[str] = field(default_factory=list)  # phones with no open lead
    unreadable: list[int] = field(default_factory=list)  # row numbers


class ReplyStore(Protocol):
    """What replies need from storage (implemented by store.queue)."""

    def customer_leads(self, phone: str, limit: int = 20) -> list[Lead]: ...

    def lead_with_history(self, lead_id: str) -> tuple[Lead | None, list[Event]]: ...

    def write(self, change: Any) -> None: ...


class OptOutRecorder(Protocol):
    def add(self, phone: str, via: str) -> Any: ...


def is_opt_out(text: str, keywords: frozenset[str]) -> bool:
    """Whether a reply asks for no more reminders: a keyword alone (TD, R, ...), or a short
    reply with 退订, 拒收 or the like."""
    bare = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).upper()
    if not bare:
        return False
    if bare in keywords or re.fullmatch(r"回复?(" + "|".join(map(re.escape, keywords)) + ")", bare):
        return True
    return len(bare) <= STOP_REPLY_LENGTH and any(word in bare for word in STOP_WORDS)


def parse_reply_time(value: Any, fallback: dt.datetime) -> dt.datetime:
    """A reply's time as the platform writes it (China time), or ``fallback``."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=clock.CHINA) if value.tzinfo is None else value
    match = TIME_TEXT.fullmatch(str(value or "").strip())
    if not match:
        return fallback
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=clock.CHINA)
    except ValueError:
        return fallback


@dataclass
class SmsReplies:
    """Imports the SMS platform's reply export."""

    store: ReplyStore
    optouts: OptOutRecorder
    keywords: Callable[[], frozenset[str]]
    note: Callable[[str], str]  # the task's note for a reply's text ("客户回复短信：…")
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def import_replies(self, sheet: RosterSheet) -> RepliesReport:
        """Opt the numbers out, or give the open leads their follow-up tasks."""
        from pydantic_core import PydanticCustomError

        from renewdesk.services.fields import normalize_phone

        report = RepliesReport()
        keywords = self.keywords()
        for row in sheet.rows:
            text = str(row.values.get("text") or "").strip()
            try:
                phone = normalize_phone(_cell_text(row.values.get("phone")))
            except PydanticCustomError:
                report.unreadable.append(row.number)
                continue
            if not text:
                report.unreadable.append(row.number)
                continue
            if is_opt_out(text, keywords):
                self.optouts.add(phone, "sms_reply")
                report.opted_out += 1
                continue
            at = parse_reply_time(row.values.get("at"), self.now())
            self._task(phone, text, at, report)
        return report

    def _task(self, phone: str, text: str, at: dt.datetime, report: RepliesReport) -> None:
        event_id = _reply_id(phone, at, text)
        for _ in range(3):
            lead = next(
                (
                    lead
                    for lead in self.store.customer_leads(phone)
                    if lead.type == "renewal" and lead.status in ("queued", "claimed", "attention")
                ),
                None,
            )
            if lead is None:
                report.no_lead.append(phone)
                return
            current, history = self.store.lead_with_history(lead.lead_id)
            if current is None:
                continue
            if any(e.event_id == event_id for e in history):
                report.already += 1
                return
            try:
                self.store.write(self._change(current, text, at, event_id))
            except StaleWrite:
                continue
            report.tasks += 1
            return
        raise StaleWrite(phone)

    def _change(self, lead: Lead, text: str, at: dt.datetime, event_id: str) -> Any:
        from renewdesk.services.worklist import LeadChange, Placement, local_month

        now = self.now()
        due_at = clock.iso(min(at, now))
        sets: dict[str, Any] = {"next_contact_at": due_at}
        placement: Placement | None
        if lead.status == "claimed" and lead.holder:
            desk = (lead.holder, plan.next_due_at(lead.changed(**sets)))
            leased = (lead.rank, lead.due) if lead.lease_until else None
            placement = Placement(queue=leased, desk=desk)
        elif lead.status == "queued":
            today = clock.local_date(now).isoformat()
            sets["due"] = min(lead.due or today, today)
            placement = Placement(queue=(lead.rank, sets["due"]))
        else:
            placement = None  # on the attention list: the supervisor sees the note there
        event = Event(
            kind="sms_reply",
            at=clock.iso(at),
            month=local_month(at),
            by=SMS_ACTOR,
            lead_id=lead.lead_id,
            lead_type=lead.type,
            lead_created_at=lead.created_at,
            source=lead.source,
            note=self.note(text),
        )
        return LeadChange(
            lead.lead_id, lead.version, sets, event=event, placement=placement, change_id=event_id
        )


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


def _reply_id(phone: str, at: dt.datetime, text: str) -> str:
    """The same reply always gets the same id (an import repeated finds it)."""
    digest = hashlib.sha256(f"{phone}|{clock.iso(at)}|{text}".encode()).hexdigest()
    return "R" + digest[:25].upper()
