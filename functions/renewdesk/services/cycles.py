"""Renewal cycles: one policy and one expiry date, counted the way insurers count 续保率.

A cycle whose expiry date falls in month M is **due** in M. Its state:

- **renewed** — its lead was closed won on or before the expiry date plus 30 days;
- **lost** — its lead was closed lost (with its defeat reason);
- **lapsed** — 30 days past expiry with neither (a win after that counts as lapsed too: the
  customer went uninsured, which is what the insurer counts);
- **open** — otherwise.

Cancelled policies, short-term ones (under 360 days of cover) and multi-year ones are kept as
cycles but are not due (``excluded``), nor is a cycle whose expiry date the roster corrected
(``superseded``: its successor carries its lead and contacts).

The board never reads cycles: every write of a cycle adds the difference of its
``contribution`` before and after to small aggregate items of its month, in the same
transaction (store/cycles.py). Lapsing is a time transition: the daily job (``Lapses``) marks
cycles 30 days past expiry as lapsed and moves its cursor over the days it finished; until it
has, the board counts them as lapsed already, from the open counts kept per expiry day
(services/renewal_board.py). A cycle that is made, refreshed or reopened already past its
grace period is lapsed at once (``settled``), so no open cycle appears behind the cursor.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from renewdesk.services import clock
from renewdesk.services.insurers import NO_LIST, InsurerList
from renewdesk.services.records import Cycle, Policy

log = logging.getLogger(__name__)

GRACE_DAYS = 30
SHORT_TERM_DAYS = 360
MULTI_YEAR_DAYS = 370
# A changed expiry date this close to the old one corrects it; further off it is another policy.
CORRECTION_DAYS = 180
# A lead closed this long before a cycle's expiry date is last season's, not this cycle's.
SEASON_DAYS = 180
# How many recent cycles a policy remembers by expiry date.
REMEMBERED_CYCLES = 4
STATES = ("open", "renewed", "lost", "lapsed")
CANCELLED_WORDS = ("退保", "注销", "终止", "失效", "撤销", "批退", "作废", "cancel", "void")
ZERO = Decimal(0)

# (YYYY-MM of expiry, "MONTH" | "BY_DUE#<expiry date>" | "BY_WIN#<close date>"
#  | "OPEN#<expiry date>"): see ``contribution``.
AggregateKey = tuple[str, str]
Deltas = dict[AggregateKey, dict[str, Decimal]]


def amount(value: Decimal | float | int | None) -> Decimal:
    """A stored amount as an exact Decimal (floats come back from DynamoDB for cents)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def last_premium(cycle: Cycle) -> Decimal:
    """Last year's premium: commercial plus compulsory."""
    return amount(cycle.commercial_premium) + amount(cycle.compulsory_premium)


def grace_end(cycle: Cycle) -> dt.date:
    """The last day a win still renews the policy."""
    return dt.date.fromisoformat(cycle.expiry_date) + dt.timedelta(days=GRACE_DAYS)


def state(cycle: Cycle) -> str:
    """The state as stored (a cycle the daily job has not reached yet may be open still)."""
    if cycle.outcome == "won":
        won_on = cycle.closed_on or cycle.expiry_date
        return "renewed" if dt.date.fromisoformat(won_on) <= grace_end(cycle) else "lapsed"
    if cycle.outcome == "lost":
        return "lost"
    return "lapsed" if cycle.lapsed_on else "open"


def is_due(cycle: Cycle) -> bool:
    """Whether the cycle counts in its month's due set."""
    return cycle.excluded is None


def is_quoted(cycle: Cycle) -> bool:
    """A quote was recorded on its lead, or it was won (a sale is a quote taken)."""
    return cycle.quoted_at is not None or cycle.outcome == "won"


def dimensions(cycle: Cycle) -> tuple[str, ...]:
    """The splits a cycle counts in: all, its grade, its specialist, its last insurer."""
    return (
        "all",
        f"g:{cycle.grade or 'none'}",
        f"s:{cycle.specialist or 'none'}",
        f"i:{cycle.insurer or 'none'}",
    )


def contribution(cycle: Cycle | None) -> Deltas:
    """What one cycle adds to its month's aggregate items (services/renewal_board.py reads them):

    - ``MONTH``: per split, due, renewed, lost, lapsed, open and open-not-contacted (``fresh``)
      — count ``n`` and premium ``p``, renewed premium the won one, the others last year's —
      and quoted (count);
    - ``BY_DUE#<expiry date>``: all due that day (the by-day line's due);
    - ``BY_WIN#<close date>``: renewed count and premium by the day of the win;
    - ``OPEN#<expiry date>``: per split, the open and fresh cycles of that expiry day: once
      the grace period is over and until the daily job has marked them, the board counts them
      as lapsed (it reads only those days).
    """
    if cycle is None or not is_due(cycle):
        return {}
    month = cycle.expiry_date[:7]
    current = state(cycle)
    premium = last_premium(cycle)
    whole: dict[str, Decimal] = defaultdict(Decimal)
    opened: dict[str, Decimal] = defaultdict(Decimal)
    won = amount(cycle.won_premium)
    fresh = current == "open" and not cycle.contacted_at
    for split in dimensions(cycle):
        whole[f"{split}|due|n"] += 1
        whole[f"{split}|due|p"] += premium
        whole[f"{split}|{current}|n"] += 1
        whole[f"{split}|{current}|p"] += won if current == "renewed" else premium
        if current == "open":
            opened[f"{split}|open|n"] += 1
            opened[f"{split}|open|p"] += premium
        if fresh:
            whole[f"{split}|fresh|n"] += 1
            whole[f"{split}|fresh|p"] += premium
            opened[f"{split}|fresh|n"] += 1
            opened[f"{split}|fresh|p"] += premium
        if is_quoted(cycle):
            whole[f"{split}|quoted|n"] += 1
    parts: Deltas = {
        (month, "MONTH"): dict(whole),
        (month, f"BY_DUE#{cycle.expiry_date}"): {"all|due|n": Decimal(1), "all|due|p": premium},
    }
    if opened:
        parts[(month, f"OPEN#{cycle.expiry_date}")] = dict(opened)
    if current == "renewed" and cycle.closed_on:
        parts[(month, f"BY_WIN#{cycle.closed_on}")] = {
            "all|renewed|n": Decimal(1),
            "all|renewed|p": won,
        }
    return parts


def settled(cycle: Cycle, today: dt.date) -> Cycle:
    """The cycle, lapsed at once if it is open past its grace period (a roster record that
    expired long ago, a reopened lead of an old cycle): the board counts the lapses the job has
    not marked only on the expiry days after the job's cursor, so none may appear behind it."""
    if is_due(cycle) and state(cycle) == "open" and today > grace_end(cycle):
        return cycle.changed(lapsed_on=today.isoformat())
    return cycle


def merge(*parts: Deltas, sign: int = 1) -> Deltas:
    """Sums of aggregate contributions (``sign`` -1 takes them away); zero entries left out."""
    return combine([(part, sign) for part in parts])


def combine(signed: list[tuple[Deltas, int]]) -> Deltas:
    """Contributions added (sign 1) and taken away (sign -1) in one pass."""
    total: dict[AggregateKey, dict[str, Decimal]] = {}
    for part, sign in signed:
        for key, values in part.items():
            into = total.setdefault(key, {})
            for attribute, value in values.items():
                into[attribute] = into.get(attribute, ZERO) + (value if sign > 0 else -value)
    merged: Deltas = {}
    for key, values in total.items():
        kept = {a: v for a, v in values.items() if v}
        if kept:
            merged[key] = kept
    return merged


@dataclass(frozen=True)
class CycleWrite:
    """One cycle as it was read (None: new) and as it is to be (None: deleted)."""

    before: Cycle | None
    after: Cycle | None

    @property
    def cycle(self) -> Cycle:
        """The cycle written: as it is to be, or as it was when it is deleted."""
        cycle = self.after or self.before
        if cycle is None:
            raise ValueError("a cycle write needs a cycle before or after")
        return cycle

    def deltas(self) -> Deltas:
        """The aggregates' change: the new contribution less the old one."""
        return combine(self.signed())

    def signed(self) -> list[tuple[Deltas, int]]:
        """The new contribution to add and the old one to take away."""
        return [(contribution(self.after), 1), (contribution(self.before), -1)]


@dataclass(frozen=True)
class PolicyRoll:
    """A won close rolls the policy over to next year's expiry date (and a reopen rolls it
    back): written only if the policy is still at ``from_expiry`` with cycle ``from_cycle``."""

    plate: str
    from_expiry: str
    from_cycle: str
    policy: Policy  # the policy as it is to be


@dataclass(frozen=True)
class CycleUpdate:
    """The cycle writes of one change, written in the lead's own transaction."""

    writes: tuple[CycleWrite, ...]
    roll: PolicyRoll | None = None

    def deltas(self) -> Deltas:
        """Every aggregate change of the update."""
        return combine([pair for w in self.writes for pair in w.signed()])


def update_of(before: Cycle, after: Cycle) -> CycleUpdate | None:
    """A one-cycle update, or None when nothing changes."""
    return None if before == after else CycleUpdate((CycleWrite(before, after),))


# -- cycles from the roster ------------------------------------------------------------------


def policy_status(value: Any) -> str | None:
    """A roster's policy status cell: ``cancelled`` for 退保/注销/终止/失效..., else ``active``;
    None when blank."""
    import unicodedata

    text = unicodedata.normalize("NFKC", str(value or "")).strip().casefold()
    if not text:
        return None
    return "cancelled" if any(word in text for word in CANCELLED_WORDS) else "active"


def exclusion(policy: Policy) -> str | None:
    """Why a roster policy is not due, or None: cancelled, short-term or multi-year cover."""
    if policy.status == "cancelled":
        return "cancelled"
    if policy.start_date:
        days = (
            dt.date.fromisoformat(policy.expiry_date) - dt.date.fromisoformat(policy.start_date)
        ).days
        if days < SHORT_TERM_DAYS:
            return "short_term"
        if days > MULTI_YEAR_DAYS:
            return "multi_year"
    return None


def one_year_later(day: str) -> str:
    """The same date next year (29 February becomes 28 February)."""
    date = dt.date.fromisoformat(day)
    try:
        return date.replace(year=date.year + 1).isoformat()
    except ValueError:
        return date.replace(year=date.year + 1, day=28).isoformat()


def remembered(cycles: dict[str, str] | None, expiry: str, cycle_id: str) -> dict[str, str]:
    """A policy's recent cycles with one more, the oldest forgotten beyond REMEMBERED_CYCLES."""
    known = {**(cycles or {}), expiry: cycle_id}
    return dict(sorted(known.items())[-REMEMBERED_CYCLES:])


@dataclass
class CycleRules:
    """Makes and refreshes cycles from roster policies (the roster store calls it as it writes)."""

    insurers: Callable[[], InsurerList] = lambda: NO_LIST
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def new_cycle(self, policy: Policy, **values: Any) -> Cycle:
        """A policy's cycle for its current expiry date (lapsed already if it expired more
        than 30 days ago)."""
        moment = self.now()
        cycle = self._from_policy(
            Cycle(cycle_id=self.new_id(moment), expiry_date=policy.expiry_date, version=1),
            policy,
        ).changed(created_at=clock.iso(moment), **values)
        return settled(cycle, clock.local_date(moment))

    def refresh(self, cycle: Cycle, policy: Policy) -> Cycle:
        """An open cycle with the roster's current figures; a closed one stays as it closed."""
        if state(cycle) != "open" or cycle.excluded == "superseded":
            return cycle
        return settled(self._from_policy(cycle, policy), clock.local_date(self.now()))

    def _from_policy(self, cycle: Cycle, policy: Policy) -> Cycle:
        return cycle.changed(
            plate=policy.plate,
            start_date=policy.start_date,
            excluded=exclusion(policy),
            grade=policy.grade,
            insurer=self.insurers().canonical(policy.last_insurer),
            commercial_premium=_decimal(policy.commercial_premium),
            compulsory_premium=_decimal(policy.compulsory_premium),
        )

    def added(self, policy: Policy) -> tuple[Policy, CycleWrite]:
        """A new roster policy and its first cycle."""
        cycle = self.new_cycle(policy)
        return (
            policy.changed(
                cycle_id=cycle.cycle_id,
                cycles=remembered(None, cycle.expiry_date, cycle.cycle_id),
            ),
            CycleWrite(None, cycle),
        )

    def changed(
        self, stored: Policy, changed: Policy, current: Cycle | None
    ) -> tuple[Policy, list[CycleWrite]]:
        """A roster policy whose data changed, and what that does to its cycles:

        - same expiry date: the current cycle takes the new figures (if it is still open);
        - an expiry date it had a cycle for already (a stale export): that cycle is current;
        - a new expiry date within CORRECTION_DAYS of an open current cycle: a correction, the
          old cycle is superseded and the new one carries its lead, specialist and contacts;
        - any other new expiry date: a new cycle; the old one stays and runs its course.
        """
        if current is None:
            policy, first = self.added(changed)
            return policy.changed(cycles=remembered(stored.cycles, *_entry(first))), [first]
        if changed.expiry_date == current.expiry_date:
            fresh = self.refresh(current, changed)
            return changed, [] if fresh == current else [CycleWrite(current, fresh.bumped())]
        known = (stored.cycles or {}).get(changed.expiry_date)
        if known:
            return changed.changed(cycle_id=known), []
        carried: dict[str, Any] = {}
        gap = abs(
            (
                dt.date.fromisoformat(changed.expiry_date)
                - dt.date.fromisoformat(current.expiry_date)
            ).days
        )
        correction = state(current) == "open" and current.excluded is None
        correction = correction and gap < CORRECTION_DAYS
        if correction:
            carried = {
                "lead_id": current.lead_id,
                "specialist": current.specialist,
                "contacted_at": current.contacted_at,
                "quoted_at": current.quoted_at,
            }
        cycle = self.new_cycle(changed, **carried)
        writes = [CycleWrite(None, cycle)]
        if correction:
            superseded = current.changed(excluded="superseded", next_cycle_id=cycle.cycle_id)
            writes.insert(0, CycleWrite(current, superseded.bumped()))
        return (
            changed.changed(
                cycle_id=cycle.cycle_id,
                cycles=remembered(stored.cycles, cycle.expiry_date, cycle.cycle_id),
            ),
            writes,
        )


def _entry(write: CycleWrite) -> tuple[str, str]:
    return write.cycle.expiry_date, write.cycle.cycle_id


def _decimal(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else amount(value)
