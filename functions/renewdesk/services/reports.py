"""The supervisor's monthly report and targets.

A month is the store's local month and counts what happened in it: leads submitted, leads
claimed, customers reached, leads won and lost (a close later undone by a reopen does not
count). It reads two things, both by Query on the month index: the leads submitted in the month
and the events of the month. Conversion is won / (won + lost); time to first contact is from
submission to the first follow-up logged, for first follow-ups logged in the month.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Protocol

from renewdesk.errors import InvalidFields
from renewdesk.services import clock, worklist
from renewdesk.services.desk import month_partitions
from renewdesk.services.records import Event, Lead
from renewdesk.services.staff import Actor

MONTH_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
SOURCES = ("renewal_request", "referral", "roster")


class ReportStore(Protocol):
    """Month queries and targets (implemented by store.reports and store.staff)."""

    def leads_created(self, partitions: list[tuple[str, str, str]]) -> list[Lead]: ...

    def events_of_month(self, month: str) -> list[Event]: ...

    def get_target(self, year_month: str) -> dict[str, Any] | None: ...

    def put_target(self, year_month: str, values: dict[str, Any]) -> None: ...


def parse_month(month: str | None, now: dt.datetime) -> str:
    """A YYYY-MM month, the current local month when absent; InvalidFields if malformed."""
    if not month:
        return worklist.local_month(now)
    if not MONTH_RE.fullmatch(month) or not 2000 <= int(month[:4]) <= 2100:
        raise InvalidFields({"month": "invalid_month"})
    return month


@dataclass
class Reports:
    """Computes monthly reports and keeps targets."""

    store: ReportStore
    # Close notes of leads closed this long ago are personal data past retention: not shown.
    retention_days: int
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def set_target(
        self, actor: Actor, month: str, renewals_won: int, premium: Decimal
    ) -> dict[str, Any]:
        """The supervisor sets a month's target."""
        worklist.require_supervisor(actor)
        month = parse_month(month, self.now())
        values = {
            "renewals_won": renewals_won,
            "premium": premium,
            "set_by": actor.username,
            "set_at": clock.iso(self.now()),
        }
        self.store.put_target(month, values)
        return {"month": month, **values, "premium": _yuan(premium)}

    def monthly(self, actor: Actor, month: str | None) -> dict[str, Any]:
        """The month's figures (supervisor)."""
        worklist.require_supervisor(actor)
        month = parse_month(month, self.now())
        leads = self.store.leads_created(month_partitions(month))
        expired = clock.iso(self.now() - dt.timedelta(days=self.retention_days))
        # A close not undone by a reopen is its lead's last: at or before the cutoff, the lead
        # is past retention, and until the purge has erased its note the report must not show it.
        events = [
            dataclasses.replace(e, note=None) if e.kind == "close" and e.at <= expired else e
            for e in self.store.events_of_month(month)
        ]
        target = self.store.get_target(month)
        return build_report(month, leads, events, target)


def build_report(
    month: str, leads: list[Lead], events: list[Event], target: dict[str, Any] | None
) -> dict[str, Any]:
    """The report from the month's leads and events (pure: tested on its own)."""
    closes = [e for e in events if e.kind == "close" and not e.superseded]
    followups = [e for e in events if e.kind == "followup"]
    claims = [e for e in events if e.kind == "claim"]
    won = [e for e in closes if e.outcome == "won"]
    lost = [e for e in closes if e.outcome == "lost"]
    reached = {e.lead_id for e in followups if e.reached}
    firsts = [_hours(e.lead_created_at, e.at) for e in followups if e.first_contact]
    premium_won = sum((Decimal(str(e.premium or 0)) for e in won), Decimal(0))
    return {
        "month": month,
        "leads_in": len(leads),
        "claimed": len({e.lead_id for e in claims}),
        "followups": len(followups),
        "reached": len(reached),
        "won": len(won),
        "lost": len(lost),
        "conversion": _share(len(won), len(won) + len(lost)),
        "median_first_contact_hours": _median(firsts),
        "premium_won": _yuan(premium_won),
        "target": _target(target, len(won), premium_won),
        "by_specialist": _by_specialist(claims, followups, closes),
        "by_source": _by_source(leads, closes),
        "defeat_reasons": _defeats(lost),
        "by_day": _by_day(month, won, target),
        "attention": sum(1 for e in events if e.kind == "attention"),
    }


def _by_specialist(
    claims: list[Event], followups: list[Event], closes: list[Event]
) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "claimed": set(),
            "followups": 0,
            "reached": set(),
            "won": 0,
            "lost": 0,
            "premium_won": Decimal(0),
            "first_contact": [],
        }
    )
    for e in claims:
        rows[e.by]["claimed"].add(e.lead_id)
    for e in followups:
        row = rows[e.owner or e.by]
        row["followups"] += 1
        if e.reached:
            row["reached"].add(e.lead_id)
        if e.first_contact:
            row["first_contact"].append(_hours(e.lead_created_at, e.at))
    for e in closes:
        row = rows[e.owner or e.by]
        row[e.outcome or "lost"] += 1
        if e.outcome == "won":
            row["premium_won"] += Decimal(str(e.premium or 0))
    return [
        {
            "username": name,
            "claimed": len(row["claimed"]),
            "followups": row["followups"],
            "reached": len(row["reached"]),
            "won": row["won"],
            "lost": row["lost"],
            "conversion": _share(row["won"], row["won"] + row["lost"]),
            "premium_won": _yuan(row["premium_won"]),
            "median_first_contact_hours": _median(row["first_contact"]),
        }
        for name, row in sorted(rows.items())
    ]


def _by_source(leads: list[Lead], closes: list[Event]) -> list[dict[str, Any]]:
    leads_in = Counter(lead.source or "unknown" for lead in leads)
    won = Counter(e.source or "unknown" for e in closes if e.outcome == "won")
    lost = Counter(e.source or "unknown" for e in closes if e.outcome == "lost")
    present = [s for s in SOURCES if leads_in[s] or won[s] or lost[s]]
    others = sorted((set(leads_in) | set(won) | set(lost)) - set(SOURCES))
    return [
        {
            "source": s,
            "leads_in": leads_in[s],
            "won": won[s],
            "lost": lost[s],
            "conversion": _share(won[s], won[s] + lost[s]),
        }
        for s in present + others
    ]


def _defeats(lost: list[Event]) -> list[dict[str, Any]]:
    counts = Counter(e.reason or "other" for e in lost)
    rows = []
    for reason in worklist.DEFEAT_REASONS:
        if not counts[reason]:
            continue
        notes = [
            {"lead_id": e.lead_id, "by": e.owner or e.by, "at": e.at, "note": e.note}
            for e in lost
            if (e.reason or "other") == reason and e.note
        ]
        rows.append(
            {
                "reason": reason,
                "count": counts[reason],
                "share": _share(counts[reason], len(lost)),
                "notes": notes,
            }
        )
    return sorted(rows, key=lambda r: -r["count"])


def _by_day(month: str, won: list[Event], target: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Renewals won per local day, cumulative, against the target's even pace."""
    year, number = (int(p) for p in month.split("-"))
    days = calendar.monthrange(year, number)[1]
    per_day = Counter(clock.local_date(clock.parse_iso(e.at)).day for e in won)
    premium: dict[int, Decimal] = defaultdict(Decimal)
    for e in won:
        premium[clock.local_date(clock.parse_iso(e.at)).day] += Decimal(str(e.premium or 0))
    goal = int(target["renewals_won"]) if target else None
    rows: list[dict[str, Any]] = []
    total = 0
    total_premium = Decimal(0)
    for day in range(1, days + 1):
        total += per_day[day]
        total_premium += premium[day]
        rows.append(
            {
                "date": f"{month}-{day:02d}",
                "won": per_day[day],
                "won_to_date": total,
                "premium_to_date": _yuan(total_premium),
                "target_to_date": round(goal * day / days, 1) if goal is not None else None,
            }
        )
    return rows


def _target(target: dict[str, Any] | None, won: int, premium: Decimal) -> dict[str, Any] | None:
    if not target:
        return None
    goal_won = int(target["renewals_won"])
    goal_premium = Decimal(str(target["premium"]))
    return {
        "renewals_won": goal_won,
        "premium": _yuan(goal_premium),
        "renewals_won_share": _share(won, goal_won),
        "premium_share": _share(float(premium), float(goal_premium)),
    }


def _yuan(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01")))


def _hours(start: str, end: str) -> float:
    return (clock.parse_iso(end) - clock.parse_iso(start)).total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def to_csv(report: dict[str, Any], label: Callable[[str], str]) -> bytes:
    """The report as CSV that Excel opens with Chinese intact, one block per table, no cell able
    to run a formula (services.exports). ``label`` turns a message key into reader's text."""
    from renewdesk.services.exports import csv_bytes

    rows: list[list[Any]] = [
        [label("report.title"), report["month"]],
        [],
        [label("report.metric"), label("report.value")],
    ]
    for key in (
        "leads_in",
        "claimed",
        "followups",
        "reached",
        "won",
        "lost",
        "conversion",
        "median_first_contact_hours",
        "premium_won",
        "attention",
    ):
        rows.append([label(f"report.{key}"), _cell(report[key], key)])
    if report["target"]:
        rows.append([label("report.target_renewals"), report["target"]["renewals_won"]])
        rows.append([label("report.target_premium"), report["target"]["premium"]])
    rows.append([])
    columns = (
        "claimed",
        "followups",
        "reached",
        "won",
        "lost",
        "conversion",
        "premium_won",
        "median_first_contact_hours",
    )
    rows.append([label("report.by_specialist"), *(label(f"report.{c}") for c in columns)])
    rows += [
        [row["username"], *(_cell(row[c], c) for c in columns)] for row in report["by_specialist"]
    ]
    rows.append([])
    source_columns = ("leads_in", "won", "lost", "conversion")
    rows.append([label("report.by_source"), *(label(f"report.{c}") for c in source_columns)])
    rows += [
        [label(f"source.{row['source']}"), *(_cell(row[c], c) for c in source_columns)]
        for row in report["by_source"]
    ]
    rows.append([])
    rows.append(
        [
            label("report.defeat_reasons"),
            label("report.count"),
            label("report.share"),
            label("report.notes"),
        ]
    )
    rows += [
        [
            label(f"reason.{row['reason']}"),
            row["count"],
            _cell(row["share"], "share"),
            " | ".join(n["note"] for n in row["notes"]),
        ]
        for row in report["defeat_reasons"]
    ]
    rows.append([])
    rows.append(
        [
            label("report.date"),
            label("report.won"),
            label("report.won_to_date"),
            label("report.target_to_date"),
            label("report.premium_to_date"),
        ]
    )
    rows += [
        [row["date"], row["won"], row["won_to_date"], row["target_to_date"], row["premium_to_date"]]
        for row in report["by_day"]
    ]
    return csv_bytes(rows)


def _cell(value: Any, key: str = "") -> Any:
    """Shares as percentages; everything else as it is (numbers stay numbers)."""
    if value is not None and key in ("conversion", "share"):
        return f"{value * 100:.1f}%"
    return value
