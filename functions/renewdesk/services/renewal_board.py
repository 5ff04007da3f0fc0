"""The 续保率 board: a month of expiry counted the insurer's way, from the month's aggregate items.

Reads one BatchGetItem (the 12-month trend's MONTH items, projected; the month's targets; the
lapse job's cursor), one Query of the month's figures (MONTH, BY_DUE#<day>, BY_WIN#<day>; see
services/cycles.py ``contribution``), at most one more of the OPEN#<day> items the job has not
reached, and the week's reviews: a bounded number of small items however many policies the
store has, and no cycle is read.

**Lapsed as of today.** A cycle is lapsed once its expiry date plus 30 days has passed with
neither outcome. The daily job marks such cycles (services/lapses.py) and then moves its cursor
to the last expiry day it has finished; a cycle that is created, refreshed or reopened already
past its grace period is lapsed at once (services/cycles.py ``settled``). So the only open
cycles past grace are those of the expiry days after the cursor and at least 31 days ago: the
board reads those days' OPEN# items and counts their open cycles as lapsed, not open (and not
"not contacted"). The figures are the same before and after the job runs, and on a day it did
not run.

Premium is commercial plus compulsory: last year's for due, lost, lapsed and open cycles, the
won premium for renewed ones. Rates are fractions (4 decimals), None when the denominator is 0.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Protocol

from renewdesk.services import clock, worklist
from renewdesk.services.cycles import GRACE_DAYS, amount
from renewdesk.services.renewal_inputs import RenewalTargets
from renewdesk.services.reports import parse_month
from renewdesk.services.staff import Actor

SPLITS = (("by_grade", "g:"), ("by_specialist", "s:"), ("by_insurer", "i:"))
GRADES = ("A", "B", "C", "none")
# What the store aims at when the supervisor has set nothing for the month (seed 000: 80% of
# the customer base; seed 002: A-grade customers 92%).
DEFAULT_TARGETS = {
    "rate_count": Decimal("0.80"),
    "rate_premium": Decimal("0.80"),
    "grade_a": Decimal("0.92"),
}
TARGET_GRADES = (("A", "grade_a"), ("B", "grade_b"), ("C", "grade_c"))
TREND_MONTHS = 12
TREND_ATTRIBUTES = ("all|due|n", "all|due|p", "all|renewed|n", "all|renewed|p", "all|quoted|n")
# Sort key prefixes of the month's aggregate items (services/cycles.py ``contribution``).
BY_DUE, BY_WIN, OPEN = "BY_DUE#", "BY_WIN#", "OPEN#"


class BoardStore(Protocol):
    """The month's figures, targets and the lapse job's cursor (implemented by store.cycles)."""

    def month_totals(
        self, month: str, open_days: tuple[str, str] | None = None
    ) -> dict[str, dict[str, Any]]: ...

    def board_context(
        self, months: list[str], month: str, attributes: tuple[str, ...]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None, str | None]: ...

    def get_targets(self, month: str) -> dict[str, Any] | None: ...

    def put_targets(self, month: str, values: dict[str, Any]) -> None: ...


def share(part: Decimal | int, whole: Decimal | int) -> float | None:
    """part / whole to 4 decimals (half up), None when whole is 0."""
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def yuan(value: Decimal) -> float:
    """An amount to the cent, as JSON shows it."""
    return float(value.quantize(Decimal("0.01")))


def _split_key(attribute: str) -> tuple[str, str]:
    """'g:A|due|n' → ('g:A', 'due|n'); a split's own name never holds '|'."""
    split, measure, unit = attribute.rsplit("|", 2)
    return split, f"{measure}|{unit}"


def unmarked_days(month: str, today: dt.date, lapsed_through: str | None) -> tuple[str, str] | None:
    """The month's expiry days whose grace period is over but which the lapse job has not
    finished (after its cursor), first and last; None when there are none."""
    first, last = month_days(month)
    if lapsed_through:
        first = max(first, dt.date.fromisoformat(lapsed_through) + dt.timedelta(days=1))
    last = min(last, today - dt.timedelta(days=GRACE_DAYS + 1))
    return (first.isoformat(), last.isoformat()) if first <= last else None


def tally(
    totals: dict[str, dict[str, Any]], unmarked: tuple[str, str] | None
) -> dict[str, dict[str, Decimal]]:
    """Per split (all, g:A, s:li.na, i:人保...), every measure of the month: as MONTH holds
    them, except that the open cycles of the ``unmarked`` days (past grace, not yet marked by
    the job) move from open and not contacted to lapsed."""
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for attribute, value in totals.get("MONTH", {}).items():
        split, measure = _split_key(attribute)
        figures[split][measure] += amount(value)
    for sort_key, item in totals.items():
        day = sort_key.removeprefix(OPEN)
        if day == sort_key or unmarked is None or not unmarked[0] <= day <= unmarked[1]:
            continue
        for attribute, value in item.items():
            split, measure = _split_key(attribute)
            kind, unit = measure.split("|")
            figures[split][measure] -= amount(value)
            if kind == "open":
                figures[split][f"lapsed|{unit}"] += amount(value)
    return figures


def group(measures: dict[str, Decimal]) -> dict[str, Any]:
    """One split's figures in the contract's shape."""
    m = defaultdict(Decimal, measures)

    def both(kind: str) -> dict[str, Any]:
        return {"count": int(m[f"{kind}|n"]), "premium": yuan(m[f"{kind}|p"])}

    due, renewed, quoted = m["due|n"], m["renewed|n"], m["quoted|n"]
    return {
        "due": both("due"),
        "renewed": both("renewed"),
        "rate_count": share(renewed, due),
        "rate_premium": share(m["renewed|p"], m["due|p"]),
        "quoted": {"count": int(quoted)},
        "quote_rate": share(quoted, due),
        "quote_win_rate": share(renewed, quoted),
        "lost": both("lost"),
        "lapsed": both("lapsed"),
        "not_contacted": both("fresh"),
        "open": both("open"),
    }


def month_days(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of a YYYY-MM month."""
    year, number = (int(p) for p in month.split("-"))
    return dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])


def by_day(
    month: str, totals: dict[str, dict[str, Any]], today: dt.date, target: Decimal | None
) -> list[dict[str, Any]]:
    """From the 1st to the last day a win still renews the month's last policies (month end
    plus 30): cumulative due by expiry date, the target's share of it, and cumulative renewed
    by the day of the win (wins before the 1st count from the start), ending today."""
    first, last = month_days(month)
    due: dict[dt.date, Decimal] = defaultdict(Decimal)
    won: dict[dt.date, Decimal] = defaultdict(Decimal)
    won_premium: dict[dt.date, Decimal] = defaultdict(Decimal)
    for sort_key, item in totals.items():
        if sort_key.startswith(BY_DUE):
            due[dt.date.fromisoformat(sort_key[len(BY_DUE) :])] += amount(item.get("all|due|n"))
        elif sort_key.startswith(BY_WIN):
            day = max(first, dt.date.fromisoformat(sort_key[len(BY_WIN) :]))
            won[day] += amount(item.get("all|renewed|n"))
            won_premium[day] += amount(item.get("all|renewed|p"))
    rows = []
    due_total = renewed_total = Decimal(0)
    premium_total = Decimal(0)
    day = first
    while day <= last + dt.timedelta(days=GRACE_DAYS):
        due_total += due[day]
        renewed_total += won[day]
        premium_total += won_premium[day]
        future = day > today
        rows.append(
            {
                "date": day.isoformat(),
                "due_to_date": int(due_total),
                "target_to_date": float((target * due_total).quantize(Decimal("0.1")))
                if target is not None
                else None,
                "renewed_to_date": None if future else int(renewed_total),
                "renewed_premium_to_date": None if future else yuan(premium_total),
            }
        )
        day += dt.timedelta(days=1)
    return rows


def last_signed_week(today: dt.date) -> str:
    """The ISO week whose Sunday is the latest one before today: the week to be signed."""
    sunday = today - dt.timedelta(days=today.isoweekday())
    year, week, _ = sunday.isocalendar()
    return f"{year}-W{week:02d}"


def previous_months(month: str, count: int) -> list[str]:
    """``count`` months ending with this one, oldest first."""
    year, number = (int(p) for p in month.split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return list(reversed(months))


def trend(months: list[str], found: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Due, renewed and the rates of the trend's months, from their MONTH items (projected)."""
    rows = []
    for m in months:
        item = {k: amount(v) for k, v in found.get(m, {}).items()}
        due, renewed = item.get("all|due|n", Decimal(0)), item.get("all|renewed|n", Decimal(0))
        quoted = item.get("all|quoted|n", Decimal(0))
        rows.append(
            {
                "month": m,
                "due": int(due),
                "renewed": int(renewed),
                "rate_count": share(renewed, due),
                "rate_premium": share(
                    item.get("all|renewed|p", Decimal(0)), item.get("all|due|p", Decimal(0))
                ),
                "quote_rate": share(quoted, due),
            }
        )
    return rows


def with_defaults(stored: dict[str, Any] | None) -> dict[str, Any]:
    """A month's targets: as set, else the defaults."""
    return {**DEFAULT_TARGETS, **stored} if stored else dict(DEFAULT_TARGETS)


@dataclass
class RenewalBoard:
    """The 续保率 board and its targets (supervisor only)."""

    store: BoardStore
    # Specialists with no signed review of a week (services.reviews), for the board's reminder.
    unsigned: Callable[[str], list[str]] = lambda week: []
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def board(self, actor: Actor, month: str | None) -> dict[str, Any]:
        """The board of a month of expiry (this month by default)."""
        worklist.require_supervisor(actor)
        month = parse_month(month, self.now())
        today = clock.local_date(self.now())
        months = previous_months(month, TREND_MONTHS)
        summaries, stored, lapsed_through = self.store.board_context(
            months, month, TREND_ATTRIBUTES
        )
        unmarked = unmarked_days(month, today, lapsed_through)
        totals = self.store.month_totals(month, unmarked)
        figures = tally(totals, unmarked)
        targets = with_defaults(stored)
        rate_target = targets["rate_count"]
        board: dict[str, Any] = {"month": month, "as_of": today.isoformat()}
        board.update(group(figures["all"]))
        for name, prefix in SPLITS:
            found = {
                split[len(prefix) :]: group(m)
                for split, m in figures.items()
                if split.startswith(prefix)
            }
            if name == "by_grade":
                found = {g: found.get(g) or group({}) for g in GRADES}
            board[name] = dict(sorted(found.items()))
        board["target"] = {
            **{k: _rate(v) for k, v in targets.items() if k in ("rate_count", "rate_premium")},
            "by_grade": {grade: _rate(targets.get(key)) for grade, key in TARGET_GRADES},
            "default": targets.get("set_by") is None,
            "set_by": targets.get("set_by"),
            "set_at": targets.get("set_at"),
        }
        board["by_day"] = by_day(
            month, totals, today, Decimal(str(rate_target)) if rate_target is not None else None
        )
        board["trend"] = trend(months, summaries)
        week = last_signed_week(today)
        board["reviews_missing"] = {"week": week, "specialists": self.unsigned(week)}
        return board

    def set_targets(self, actor: Actor, month: str, wanted: RenewalTargets) -> dict[str, Any]:
        """The supervisor sets a month's targets (a grade left out has none)."""
        worklist.require_supervisor(actor)
        month = parse_month(month, self.now())
        values: dict[str, Any] = {
            "rate_count": wanted.rate_count,
            "rate_premium": wanted.rate_premium
            if wanted.rate_premium is not None
            else wanted.rate_count,
            "grade_a": wanted.grade_a,
            "grade_b": wanted.grade_b,
            "grade_c": wanted.grade_c,
            "set_by": actor.username,
            "set_at": clock.iso(self.now()),
        }
        stored = {k: v for k, v in values.items() if v is not None}
        # A grade the supervisor cleared has no target, rather than the default's.
        stored.update({key: "none" for _, key in TARGET_GRADES if values[key] is None})
        self.store.put_targets(month, stored)
        targets = with_defaults(self.store.get_targets(month))
        return {
            "month": month,
            "rate_count": _rate(targets["rate_count"]),
            "rate_premium": _rate(targets["rate_premium"]),
            "by_grade": {grade: _rate(targets.get(key)) for grade, key in TARGET_GRADES},
            "set_by": actor.username,
        }


def _rate(value: Any) -> float | None:
    if value is None or value == "none":
        return None
    return float(amount(value))
