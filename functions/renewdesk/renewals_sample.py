"""A generated year of a store's renewal work, for the tests and the benchmark.

Deterministic for a seed. It makes a roster whose expiry dates spread over twelve months of
expiry (nine past, the current one, two ahead), then lives the year day by day: the reminder
run's leads, first contacts, quotes from several insurers (spelt the way DMS exports and
colleagues spell them), wins (some late, some reopened), losses with their reasons, roster
corrections of expiry dates and grades, and the daily lapse job (run up to a few days ago, so
the board must account for the cycles it has not reached). Every change goes through the
product's own rules (services.cycles.CycleRules and services.cycle_book.CycleBook) on the cycles
held in memory, and the aggregate changes they make are summed as the transactions would ADD
them; ``log`` is what happened, in plain entries, for a recount that does not use those rules.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from renewdesk.services import clock
from renewdesk.services.cycle_book import CycleBook, Won
from renewdesk.services.cycles import GRACE_DAYS, CycleRules, CycleUpdate, CycleWrite, Deltas
from renewdesk.services.insurers import InsurerList
from renewdesk.services.records import Cycle, Event, Lead, Policy

# Spellings of the insurers as rosters and colleagues write them (content/insurers.yml).
INSURER_SPELLINGS = (
    "人保",
    "人保财险",
    "中国人保财险",
    "中国人民财产保险股份有限公司深圳市分公司",
    "平安",
    "平安产险",
    "中国平安",
    "太平洋产险",
    "太保",
    "国寿财险",
    "大地保险",
    "中华联合",
    "众安在线",
    "本地小保险公司",
)
QUOTE_INSURERS = ("人保", "平安", "太保", "国寿财险", "大地保险", "众安保险")
REASONS = ("friend", "price", "claims_experience", "corporate", "telesales", "other")
WIN_CHANCE = {"A": 0.92, "B": 0.78, "C": 0.55, None: 0.66}
NOTES = (
    "客户表示朋友在保险公司，已申请礼包仍不接受",
    "外面报价便宜约300元，已申请折扣",
    "去年理赔不满意，已解释今年理赔专员一对一服务",
    "单位统一投保",
    "已在网上投保",
    "",
)


@dataclass(frozen=True)
class Happening:
    """One thing that happened, for a recount: ``kind`` is policy, correct, grade, contact,
    quote, close or reopen; ``values`` what it says."""

    day: dt.date
    kind: str
    plate: str
    values: dict[str, Any]


class _Book:
    """The cycles and roster records of the generated store, read by the product's rules."""

    def __init__(self) -> None:
        self.cycles: dict[str, Cycle] = {}
        self.policies: dict[str, Policy] = {}

    def get_cycle(self, cycle_id: str) -> Cycle | None:
        return self.cycles.get(cycle_id)

    def get_policy(self, plate: str) -> Policy | None:
        return self.policies.get(plate)

    def apply(self, update: CycleUpdate | None, totals: dict[Any, dict[str, Decimal]]) -> None:
        if update is None:
            return
        for write in update.writes:
            if write.after is None:
                del self.cycles[write.cycle.cycle_id]
            else:
                self.cycles[write.after.cycle_id] = write.after
        if update.roll is not None:
            self.policies[update.roll.plate] = update.roll.policy
        for key, values in update.deltas().items():
            for attribute, value in values.items():
                totals[key][attribute] += value


@dataclass
class GeneratedYear:
    """The store as the year left it."""

    today: dt.date
    months: list[str]
    specialists: list[str]
    cycles: list[Cycle]
    totals: Deltas
    log: list[Happening] = field(default_factory=list)
    lapse_job_day: dt.date | None = None

    @property
    def lapsed_through(self) -> str | None:
        """The lapse job's cursor as its last run left it (the last expiry day it finished)."""
        if self.lapse_job_day is None:
            return None
        return (self.lapse_job_day - dt.timedelta(days=GRACE_DAYS + 1)).isoformat()


def generated_year(
    policies: int,
    today: dt.date,
    insurers: InsurerList,
    specialists: int = 6,
    seed: int = 11,
) -> GeneratedYear:
    """A store of ``policies`` roster records and its year of renewal work up to ``today``."""
    # Repeatable sample data, not a secret: bandit's B311 (random) does not apply.
    rng = random.Random(seed)  # nosec B311
    first = today.replace(day=1)
    for _ in range(9):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    months = _months(first, 12)
    last = dt.date.fromisoformat(months[-1] + "-28") + dt.timedelta(days=4)
    last = last.replace(day=1) - dt.timedelta(days=1)
    span = (last - first).days + 1
    staff = [f"zy{n:02d}" for n in range(1, specialists + 1)]
    moment = [dt.datetime.combine(first, dt.time(9), tzinfo=clock.CHINA)]
    counter = [0]

    def now() -> dt.datetime:
        return moment[0]

    prefixes: dict[dt.date, str] = {}

    def new_id(at: dt.datetime) -> str:
        # ULIDs sort by time; a counter after the day's time part keeps them unique and cheap.
        counter[0] += 1
        day = at.date()
        if day not in prefixes:
            prefixes[day] = clock.new_id(at)[:10]
        return f"{prefixes[day]}{counter[0]:016d}"

    book = _Book()
    rules = CycleRules(lambda: insurers, now=now, new_id=new_id)
    cycles = CycleBook(book, lambda: insurers, now=now, new_id=new_id)
    totals: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    log: list[Happening] = []
    plans: list[
        tuple[dt.date, int, str, str, dict[str, Any]]
    ] = []  # (day, order, kind, plate, values)

    for index in range(policies):
        plate = f"粤{'ABCDEFGHJK'[index // 100000 % 10]}{index % 100000:05d}"
        expiry = first + dt.timedelta(days=(index * 7919) % span)
        grade = rng.choices(("A", "B", "C", None), weights=(2, 5, 3, 1))[0]
        commercial = rng.choice((Decimal(0), Decimal(rng.randint(1800, 16000))))
        start: dt.date | None = expiry - dt.timedelta(days=365)
        status = None
        roll = rng.random()
        if roll < 0.02:
            start = expiry - dt.timedelta(days=rng.randint(90, 300))  # short-term cover
        elif roll < 0.04:
            status = "cancelled"
        elif roll < 0.10:
            start = None
        policy = Policy(
            plate=plate,
            name="王芳",
            phone=f"+86139{index:08d}",
            expiry_date=expiry.isoformat(),
            roster_id=f"R{index:08d}",
            grade=grade,
            last_insurer=rng.choice(INSURER_SPELLINGS),
            commercial_premium=commercial,
            compulsory_premium=Decimal(rng.choice((950, 665, 1100))),
            start_date=start.isoformat() if start else None,
            status=status,
        )
        plans.append((first - dt.timedelta(days=200), 0, "policy", plate, {"policy": policy}))
        if status == "cancelled":
            continue
        _plan_season(rng, plans, plate, expiry, grade, commercial, staff, today, start)

    lapse_day = today - dt.timedelta(days=3)
    plans.append((lapse_day, 9, "lapse_job", "", {}))
    plans.sort(key=lambda p: (p[0], p[1]))
    leads: dict[str, Lead] = {}
    quotes: dict[str, Event] = {}
    for day, _, kind, plate, values in plans:
        moment[0] = dt.datetime.combine(day, dt.time(10), tzinfo=clock.CHINA)
        if kind == "policy":
            policy, write = rules.added(values["policy"])
            book.policies[plate] = policy
            book.apply(CycleUpdate((write,)), totals)
            log.append(Happening(day, "policy", plate, {"policy": values["policy"]}))
            continue
        if kind == "lapse_job":
            _lapse(book, totals, day)
            continue
        policy = book.policies[plate]
        if kind in ("correct", "grade"):
            changed = policy.changed(**values)
            current = book.cycles.get(policy.cycle_id or "")
            rolled, writes = rules.changed(policy, changed, current)
            book.policies[plate] = rolled
            book.apply(CycleUpdate(tuple(writes)), totals)
            log.append(Happening(day, kind, plate, dict(values)))
            continue
        lead = leads.get(plate)
        if lead is None:
            lead = Lead(lead_id=new_id(moment[0]), plate=plate, cycle_id=policy.cycle_id)
            leads[plate] = lead
        if kind == "contact":
            step = cycles.contacted(lead, values["by"])
        elif kind == "quote":
            step = cycles.quoted(lead, values["by"])
            quotes[plate] = Event(
                kind="quote",
                at=clock.iso(moment[0]),
                month=day.strftime("%Y-%m"),
                by=values["by"],
                lead_id=lead.lead_id,
                lead_type="renewal",
                lead_created_at="",
                insurer=values["insurer"],
                premium=values["commercial"] + values["compulsory"],
                commercial_premium=values["commercial"],
                compulsory_premium=values["compulsory"],
                quote_id=new_id(moment[0]),
            )
        elif kind == "close":
            won = None
            if values["outcome"] == "won":
                quote = quotes.get(plate)
                won = Won(values["premium"], values["insurer"], quote)
            step = cycles.closed(lead, values["outcome"], values["by"], values.get("reason"), won)
        else:
            step = cycles.reopened(lead)
        book.apply(step.update, totals)
        if step.cycle_id and step.cycle_id != lead.cycle_id:
            lead = lead.changed(cycle_id=step.cycle_id)
            leads[plate] = lead
        log.append(Happening(day, kind, plate, dict(values)))
    return GeneratedYear(
        today=today,
        months=months,
        specialists=staff,
        cycles=list(book.cycles.values()),
        totals={k: dict(v) for k, v in totals.items()},
        log=log,
        lapse_job_day=lapse_day,
    )


def _plan_season(
    rng: random.Random,
    plans: list[tuple[dt.date, int, str, str, dict[str, Any]]],
    plate: str,
    expiry: dt.date,
    grade: str | None,
    commercial: Decimal,
    staff: list[str],
    today: dt.date,
    start: dt.date | None,
) -> None:
    """What happens to one policy's renewal, on the days it happens (only those up to today)."""
    grace = expiry + dt.timedelta(days=30)

    def plan(day: dt.date, order: int, kind: str, **values: Any) -> bool:
        if day > today:
            return False
        plans.append((day, order, kind, plate, values))
        return True

    if rng.random() < 0.02:  # the next roster file corrects the expiry date by a few days
        shift = dt.timedelta(days=rng.choice((-6, -3, 4, 9)))
        corrected = expiry + shift
        values = {"expiry_date": corrected.isoformat()}
        if start is not None:
            values["start_date"] = (start + shift).isoformat()
        if plan(expiry - dt.timedelta(days=100), 1, "correct", **values):
            expiry, grace = corrected, corrected + dt.timedelta(days=30)
    if rng.random() < 0.03:
        plan(expiry - dt.timedelta(days=80), 1, "grade", grade=rng.choice(("A", "B", "C")))
    who = rng.choice(staff)
    if rng.random() > 0.9:
        return  # nobody ever reached out
    contact = expiry - dt.timedelta(days=rng.randint(0, 60))
    if not plan(contact, 2, "contact", by=who):
        return
    quoted = rng.random() < 0.8
    quote_day = min(contact + dt.timedelta(days=rng.randint(0, 6)), grace)
    compulsory = Decimal(950)
    offered = (commercial * Decimal(rng.choice(("0.9", "0.95", "1.0", "1.05")))).quantize(
        Decimal("1")
    )
    insurer = rng.choice(QUOTE_INSURERS)
    if quoted and not plan(
        quote_day, 3, "quote", by=who, insurer=insurer, commercial=offered, compulsory=compulsory
    ):
        return
    chance = WIN_CHANCE[grade] if quoted else WIN_CHANCE[grade] / 3
    fate = rng.random()
    start = quote_day if quoted else contact
    if fate < chance:
        late = rng.random() < 0.01
        close = (
            grace + dt.timedelta(days=rng.randint(1, 10))
            if late
            else min(start + dt.timedelta(days=rng.randint(0, 20)), grace)
        )
        premium = offered + compulsory if quoted else commercial + compulsory
        if plan(close, 4, "close", outcome="won", by=who, premium=premium, insurer=insurer):
            if rng.random() < 0.01:
                reopened = close + dt.timedelta(days=rng.randint(1, 5))
                if plan(reopened, 5, "reopen") and rng.random() < 0.5:
                    plan(
                        reopened + dt.timedelta(days=1),
                        6,
                        "close",
                        outcome="lost",
                        by=who,
                        reason="price",
                    )
    elif fate < chance + 0.15:
        close = min(start + dt.timedelta(days=rng.randint(0, 25)), grace + dt.timedelta(days=5))
        plan(close, 4, "close", outcome="lost", by=who, reason=rng.choice(REASONS))


def _lapse(book: _Book, totals: dict[Any, dict[str, Decimal]], day: dt.date) -> None:
    """The daily lapse job as it ran on ``day`` (services.lapses marks the same cycles)."""
    from renewdesk.services.cycles import is_due, state

    cutoff = day - dt.timedelta(days=GRACE_DAYS + 1)
    for cycle in list(book.cycles.values()):
        if (
            is_due(cycle)
            and state(cycle) == "open"
            and dt.date.fromisoformat(cycle.expiry_date) <= cutoff
        ):
            lapsed = cycle.changed(lapsed_on=day.isoformat()).bumped()
            book.apply(CycleUpdate((CycleWrite(cycle, lapsed),)), totals)


def _months(first: dt.date, count: int) -> list[str]:
    months, day = [], first
    for _ in range(count):
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months
