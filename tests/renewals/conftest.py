"""Renewal management fixtures: a small roster imported the real way, its leads made by the
reminder run, staff signed in, a DynamoDB request counter and a plain recount of the board."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from renewdesk.services import cycles as rules
from renewdesk.services.roster import DATA_FIELDS, ImportSummary
from tests.roster.conftest import cli  # noqa: F401  (a fixture used by name)
from tests.staff.conftest import (  # noqa: F401  (fixtures used by name)
    PASSWORD,
    START,
    HttpsClient,
    add_staff,
    app,
    backend,
    fake_clock,
    post,
    settings,
    sign_in,
    specialist,
    supervisor,
)

TODAY = dt.date(2026, 5, 12)  # START in the store's time


def policy_row(plate: str, expiry: str, **values) -> dict:
    """One checked roster record (as services.roster.check_rows gives them)."""
    number = int("".join(ch for ch in plate if ch.isdigit()) or 0)
    row = {
        "plate": plate,
        "name": "张伟",
        "phone": f"+86139{number:08d}",
        "expiry_date": expiry,
        "grade": "B",
        "last_insurer": "人保财险",
        "commercial_premium": Decimal("3000.00"),
        "compulsory_premium": Decimal("950.00"),
        **values,
    }
    return {f: row.get(f) for f in DATA_FIELDS}


def import_rows(backend, rows: list[dict]) -> ImportSummary:
    """Import records through the roster import (cycles are written with them)."""
    return backend.roster.imports.import_records(rows, ImportSummary())


class Requests:
    """Counts the DynamoDB requests of a client, by operation."""

    def __init__(self, client):
        self.operations: Counter[str] = Counter()
        client.meta.events.register("before-call.dynamodb", self._call)

    def _call(self, model, **kwargs) -> None:
        self.operations[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.operations.values())

    def reset(self) -> None:
        self.operations.clear()


@pytest.fixture
def requests(backend) -> Requests:
    return Requests(backend.client)


def recount(cycles: list, today: dt.date) -> dict:
    """The board's figures counted straight from a month's raw cycles: every cycle looked at,
    its state decided here, not by the aggregates (only what a cycle is, from services.cycles)."""
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for c in cycles:
        if c.excluded:
            continue
        last = Decimal(str(c.commercial_premium or 0)) + Decimal(str(c.compulsory_premium or 0))
        expiry = dt.date.fromisoformat(c.expiry_date)
        grace = expiry + dt.timedelta(days=30)
        if c.outcome == "won":
            state = "renewed" if dt.date.fromisoformat(c.closed_on) <= grace else "lapsed"
        elif c.outcome == "lost":
            state = "lost"
        elif c.lapsed_on or today > grace:
            state = "lapsed"
        else:
            state = "open"
        for split in (
            "all",
            f"g:{c.grade or 'none'}",
            f"s:{c.specialist or 'none'}",
            f"i:{c.insurer or 'none'}",
        ):
            f = figures[split]
            f["due|n"] += 1
            f["due|p"] += last
            f[f"{state}|n"] += 1
            f[f"{state}|p"] += Decimal(str(c.won_premium)) if state == "renewed" else last
            if c.quoted_at or c.outcome == "won":
                f["quoted|n"] += 1
            if state == "open" and not c.contacted_at:
                f["fresh|n"] += 1
                f["fresh|p"] += last
    return figures


def expected_group(f: dict) -> dict:
    """A recounted split in the board's shape (rates computed here, from the recount)."""

    def rate(part, whole):
        return round(float(part) / float(whole), 4) if whole else None

    def both(kind):
        return {"count": int(f[f"{kind}|n"]), "premium": float(f[f"{kind}|p"])}

    return {
        "due": both("due"),
        "renewed": both("renewed"),
        "rate_count": rate(f["renewed|n"], f["due|n"]),
        "rate_premium": rate(f["renewed|p"], f["due|p"]),
        "quoted": {"count": int(f["quoted|n"])},
        "quote_rate": rate(f["quoted|n"], f["due|n"]),
        "quote_win_rate": rate(f["renewed|n"], f["quoted|n"]),
        "lost": both("lost"),
        "lapsed": both("lapsed"),
        "not_contacted": both("fresh"),
        "open": both("open"),
    }


def assert_board_matches(board: dict, cycles: list, today: dt.date) -> None:
    """Every figure of the board, overall and per split, equals the recount."""
    counted = recount(cycles, today)
    keys = list(expected_group(counted["all"]))

    def close(board_group, split):
        want = (
            expected_group(counted[split])
            if split in counted
            else expected_group(defaultdict(Decimal))
        )
        for key in keys:
            got = board_group[key]
            if key.endswith("rate"):
                assert (
                    got == pytest.approx(want[key], abs=1e-4)
                    if want[key] is not None
                    else got is None
                ), (split, key)
            else:
                assert got == want[key], (split, key, got, want[key])

    close(board, "all")
    for name, prefix in (("by_grade", "g:"), ("by_specialist", "s:"), ("by_insurer", "i:")):
        shown = {f"{prefix}{k}" for k, v in board[name].items() if v["due"]["count"]}
        assert shown == {s for s in counted if s.startswith(prefix)}, name
        for key, group in board[name].items():
            close(group, f"{prefix}{key}")
    assert rules.GRACE_DAYS == 30
