"""A generated year of a store of 20,000 policies (renewals_sample: roster, leads, contacts,
quotes, wins, losses, reopens, corrections, lapses): every figure of the board of every month,
read from DynamoDB through the API, equals a straightforward recount of what happened."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest

from renewdesk.app import create_app
from renewdesk.renewals_sample import generated_year
from renewdesk.services import clock
from renewdesk.services.insurers import load_insurers
from tests.conftest import TABLE
from tests.renewals.conftest import Requests, assert_board_matches, expected_group
from tests.staff.conftest import PASSWORD, HttpsClient

POLICIES = 20000
TODAY = dt.date(2026, 5, 12)
NOW = dt.datetime(2026, 5, 12, 2, 0, tzinfo=dt.timezone.utc)
GRACE = dt.timedelta(days=30)


@pytest.fixture(scope="module")
def year(dynamodb, tmp_path_factory):
    """The generated year, stored once for this module's tests, with a supervisor, in a table
    of its own that is deleted afterwards (DynamoDB Local in memory slows down for every test
    after it while it holds a whole store's year)."""
    from renewdesk.config import Settings

    settings = Settings(
        table_name=f"{TABLE}-year",
        dynamodb_endpoint=dynamodb.endpoint,
        store_id=f"y{uuid.uuid4().hex[:12]}",
        storage_backoff_seconds=0.01,
        secrets_dir=tmp_path_factory.mktemp("secrets"),
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
    )
    app = create_app(settings, now=lambda: NOW)
    app.test_client_class = HttpsClient
    backend = app.extensions["renewdesk"]
    backend.ensure_table()
    generated = generated_year(POLICIES, TODAY, load_insurers(settings.content_dir))
    backend.stores.cycles.load(generated.cycles, generated.totals, generated.lapsed_through)
    backend.staff.accounts.add("wang.boss", "supervisor", PASSWORD)
    client = HttpsClient(app, app.response_class, use_cookies=True)
    answer = client.post("/api/staff/session", json={"username": "wang.boss", "password": PASSWORD})
    client.csrf = answer.get_json()["csrf_token"]
    yield generated, backend, client
    backend.client.delete_table(TableName=settings.table_name)


def recount(log, insurers, today: dt.date):
    """Each policy's cycles, decided from the log alone: due or not, the state, the split it
    counts in, premiums; and next year's cycle of a policy renewed in the store."""
    policies: dict[str, dict] = {}
    for happening in log:
        p = happening.values
        if happening.kind == "policy":
            policy = p["policy"]
            policies[happening.plate] = {
                "expiry": dt.date.fromisoformat(policy.expiry_date),
                "start": policy.start_date,
                "status": policy.status,
                "grade": policy.grade,
                "insurer": insurers.canonical(policy.last_insurer),
                "premium": Decimal(policy.commercial_premium) + Decimal(policy.compulsory_premium),
                "outcome": None,
                "contact": None,
                "quoted": False,
            }
            continue
        r = policies[happening.plate]
        if happening.kind == "correct":
            r["expiry"] = dt.date.fromisoformat(p["expiry_date"])
            r["start"] = p.get("start_date", r["start"])
        elif happening.kind == "grade":
            r["grade"] = p["grade"]
        elif happening.kind == "contact":
            r["contact"] = r["contact"] or p["by"]
        elif happening.kind == "quote":
            r["quoted"] = True
        elif happening.kind == "close":
            r.update(outcome=p["outcome"], closed=happening.day, by=p["by"])
            r.update(won=p.get("premium"), won_insurer=p.get("insurer"))
        elif happening.kind == "reopen":
            r["outcome"] = None
    cycles = []
    for r in policies.values():
        length = (r["expiry"] - dt.date.fromisoformat(r["start"])).days if r["start"] else 365
        if r["status"] == "cancelled" or not 360 <= length <= 370:
            continue
        grace = r["expiry"] + GRACE
        if r["outcome"] == "won":
            state = "renewed" if r["closed"] <= grace else "lapsed"
        elif r["outcome"] == "lost":
            state = "lost"
        else:
            state = "lapsed" if today > grace else "open"
        cycles.append(
            {
                "expiry": r["expiry"],
                "state": state,
                "grade": r["grade"],
                "specialist": r["by"] if r["outcome"] else r["contact"],
                "insurer": r["insurer"],
                "premium": r["premium"],
                "won": r.get("won") if state == "renewed" else None,
                "closed": r.get("closed"),
                "quoted": r["quoted"] or r["outcome"] == "won",
                "contacted": r["contact"] is not None,
            }
        )
        if state == "renewed":
            begins = max(r["expiry"], r["closed"])
            try:
                expiry = begins.replace(year=begins.year + 1)
            except ValueError:
                expiry = begins.replace(year=begins.year + 1, day=28)
            cycles.append(
                {
                    "expiry": expiry,
                    "state": "open",
                    "grade": r["grade"],
                    "specialist": None,
                    "insurer": insurers.canonical(r["won_insurer"]),
                    "premium": r["won"],
                    "won": None,
                    "closed": None,
                    "quoted": False,
                    "contacted": False,
                }
            )
    return cycles


def figures_of(cycles: list[dict], month: str) -> dict[str, dict[str, Decimal]]:
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for c in cycles:
        if c["expiry"].strftime("%Y-%m") != month:
            continue
        for split in (
            "all",
            f"g:{c['grade'] or 'none'}",
            f"s:{c['specialist'] or 'none'}",
            f"i:{c['insurer'] or 'none'}",
        ):
            f = figures[split]
            f["due|n"] += 1
            f["due|p"] += c["premium"]
            f[f"{c['state']}|n"] += 1
            f[f"{c['state']}|p"] += c["won"] if c["state"] == "renewed" else c["premium"]
            f["quoted|n"] += 1 if c["quoted"] else 0
            if c["state"] == "open" and not c["contacted"]:
                f["fresh|n"] += 1
                f["fresh|p"] += c["premium"]
    return figures


def by_day_of(cycles: list[dict], month: str, today: dt.date) -> list[dict]:
    first = dt.date.fromisoformat(month + "-01")
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    mine = [c for c in cycles if c["expiry"].strftime("%Y-%m") == month]
    rows, day = [], first
    while day <= last + GRACE:
        due = sum(1 for c in mine if c["expiry"] <= day)
        renewed = [c for c in mine if c["state"] == "renewed" and max(c["closed"], first) <= day]
        rows.append(
            {
                "date": day.isoformat(),
                "due_to_date": due,
                "target_to_date": float((Decimal("0.80") * due).quantize(Decimal("0.1"))),
                "renewed_to_date": None if day > today else len(renewed),
                "renewed_premium_to_date": None
                if day > today
                else float(sum((c["won"] for c in renewed), Decimal(0))),
            }
        )
        day += dt.timedelta(days=1)
    return rows


def test_every_figure_of_every_month_equals_a_recount_of_what_happened(year):
    generated, backend, client = year
    insurers = load_insurers(backend.settings.content_dir)
    counted = recount(generated.log, insurers, TODAY)
    requests = Requests(backend.client)
    months = generated.months
    assert sum(1 for c in counted if c["expiry"].strftime("%Y-%m") in months) > 19000
    for month in months:
        requests.reset()
        board = client.get(f"/api/staff/reports/renewals?month={month}").get_json()
        assert requests.operations["Scan"] == 0
        assert requests.total <= 7, requests.operations  # 2 of them check the session
        figures = figures_of(counted, month)
        assert board["due"]["count"] > 1000, month
        for key, value in expected_group(figures["all"]).items():
            assert board[key] == (
                pytest.approx(value, abs=1e-4) if "rate" in key and value is not None else value
            ), (month, key)
        for name, prefix in (("by_grade", "g:"), ("by_specialist", "s:"), ("by_insurer", "i:")):
            splits = {s[len(prefix) :] for s in figures if s.startswith(prefix)}
            assert {k for k, v in board[name].items() if v["due"]["count"]} == splits, (month, name)
            for split in splits:
                want = expected_group(figures[prefix + split])
                got = board[name][split]
                for key, value in want.items():
                    assert got[key] == (
                        pytest.approx(value, abs=1e-4)
                        if "rate" in key and value is not None
                        else value
                    ), (month, name, split, key)
        assert board["by_day"] == by_day_of(counted, month, TODAY), month
        due = board["due"]["count"]
        assert due == sum(board[k]["count"] for k in ("renewed", "lost", "lapsed", "open"))
    trend = client.get(f"/api/staff/reports/renewals?month={months[-1]}").get_json()["trend"]
    assert [row["month"] for row in trend] == months
    for row in trend:
        f = figures_of(counted, row["month"])["all"]
        assert (row["due"], row["renewed"]) == (int(f["due|n"]), int(f["renewed|n"]))


def test_the_raw_cycles_agree_and_the_daily_job_changes_no_figure(year):
    generated, backend, client = year
    current = TODAY.strftime("%Y-%m")
    before = {
        m: client.get(f"/api/staff/reports/renewals?month={m}").get_json() for m in generated.months
    }
    pending = [
        c
        for c in backend.stores.cycles.cycles_of_month(generated.months[-4])
        if c.outcome is None and not c.lapsed_on and not c.excluded
    ]
    assert pending, "the job ran three days ago: some lapses are the board's to count"
    for month in (generated.months[0], generated.months[-4], current):
        assert_board_matches(before[month], backend.stores.cycles.cycles_of_month(month), TODAY)
    cutoff = (TODAY - dt.timedelta(days=31)).isoformat()
    assert backend.stores.cycles.lapsed_through() == generated.lapsed_through < cutoff
    report = backend.renewals.lapses.run(TODAY)
    assert backend.stores.cycles.lapsed_through() == cutoff
    assert (
        report.lapsed
        == len([c for c in pending if dt.date.fromisoformat(c.expiry_date) + GRACE < TODAY])
        or report.lapsed > 0
    )
    for month in generated.months:
        after = client.get(f"/api/staff/reports/renewals?month={month}").get_json()
        assert after == before[month], month
    assert list(backend.stores.cycles.open_cycles_through(cutoff, 10)) == []
    assert clock.local_date(NOW) == TODAY
