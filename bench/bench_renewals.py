"""The 续保率 board at 20,000 and at 200,000 policies, side by side, on DynamoDB Local.

Each store is a generated year (renewdesk.renewals_sample: twelve months of expiry, contacts,
quotes, wins, losses, lapses), its cycles and aggregate items stored in bulk (BatchWriteItem,
never one API call per policy). The board is then read for the current month and a finished
month, through the service and through the staff API, with the DynamoDB requests of each read
counted on the wire. The 20,000 store is measured again once the 200,000 one is in the table,
so both figures come from the same table.

Targets (issue 10): the 200,000 p50 within 2x of the 20,000 p50; the same bounded number of
requests at both sizes; no Scan.
"""

from __future__ import annotations

import os
import secrets
import statistics
import time

from bench.bench_claim import RequestCounter
from bench.bench_intake import verdict
from renewdesk import localdb
from renewdesk.app import create_app
from renewdesk.config import Settings
from renewdesk.renewals_sample import generated_year
from renewdesk.services import clock
from renewdesk.services.insurers import load_insurers
from renewdesk.services.staff import Actor
from renewdesk.wiring import Services

TABLE = "renewdesk-bench"
SIZES = (20_000, 200_000)
READS = 40
WARM_UP = 5
MAX_RATIO = 2.0
SUPERVISOR = Actor("boss", "supervisor")
PASSWORD = secrets.token_urlsafe(16)  # the bench's own supervisor, in its own table


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    db = localdb.start()
    today = clock.local_date(clock.now())
    try:
        base = Settings(
            table_name=TABLE,
            dynamodb_endpoint=db.endpoint,
            password_hash_memory_kib=1024,
            password_hash_time_cost=1,
        )
        Services(base).ensure_table()
        insurers = load_insurers(base.content_dir)
        figures: dict[str, dict] = {}
        for size in SIZES:
            backend = Services(base.with_(store_id=f"p{size}"))
            started = time.perf_counter()
            year = generated_year(size, today, insurers, specialists=max(6, size // 3500))
            generated = time.perf_counter() - started
            started = time.perf_counter()
            backend.stores.cycles.load(year.cycles, year.totals, year.lapsed_through)
            loaded = time.perf_counter() - started
            print(
                f"{size:,} policies: {len(year.cycles):,} cycles generated in {generated:.1f} s, "
                f"stored with their figures in {loaded:.1f} s"
            )
            figures[f"{size:,}"] = measure(backend, year.months)
        figures[f"{SIZES[0]:,} again"] = measure(
            Services(base.with_(store_id=f"p{SIZES[0]}")), year.months
        )
    finally:
        db.stop()
    report(figures)


def measure(backend: Services, months: list[str]) -> dict:
    """Board reads of the current month and of the first finished one: service p50/p95, API
    p50, DynamoDB requests per read."""
    current, finished = months[-3], months[1]
    counter = RequestCounter(backend.client)
    board = backend.renewals.board
    samples: list[float] = []
    for number in range(WARM_UP + READS):
        month = current if number % 2 else finished
        started = time.perf_counter()
        board.board(SUPERVISOR, month)
        if number >= WARM_UP:
            samples.append((time.perf_counter() - started) * 1000)
    counter.take()
    board.board(SUPERVISOR, current)
    requests = counter.take()
    app = create_app(backend.settings)
    if backend.staff.accounts.get("boss") is None:
        backend.staff.accounts.add("boss", "supervisor", PASSWORD)
    client = app.test_client()
    client.post("/api/staff/session", json={"username": "boss", "password": PASSWORD})
    api: list[float] = []
    for number in range(WARM_UP + READS // 2):
        started = time.perf_counter()
        answer = client.get(f"/api/staff/reports/renewals?month={current}")
        if answer.status_code != 200:
            raise SystemExit(f"the board answered {answer.status_code}: {answer.get_json()}")
        if number >= WARM_UP:
            api.append((time.perf_counter() - started) * 1000)
    due = board.board(SUPERVISOR, current)["due"]["count"]
    return {
        "p50": statistics.median(samples),
        "p95": sorted(samples)[int(len(samples) * 0.95) - 1],
        "api_p50": statistics.median(api),
        "requests": requests,
        "due": due,
    }


def report(figures: dict[str, dict]) -> None:
    baseline = figures[f"{SIZES[0]:,}"]
    print("\nGET the 续保率 board (a month of expiry), ms; requests per read")
    print(
        f"  {'store':<18}{'due/month':>10}{'p50':>8}{'p95':>8}{'API p50':>9}{'ratio':>7}  requests"
    )
    for name, row in figures.items():
        ratio = row["p50"] / baseline["p50"]
        operations = ", ".join(f"{op} {n}" for op, n in sorted(row["requests"].items()))
        print(
            f"  {name:<18}{row['due']:>10,}{row['p50']:8.1f}{row['p95']:8.1f}"
            f"{row['api_p50']:9.1f}{ratio:7.2f}  {sum(row['requests'].values())} ({operations})"
        )
    large = figures[f"{SIZES[1]:,}"]
    ratio = large["p50"] / baseline["p50"]
    same = sum(large["requests"].values()) == sum(baseline["requests"].values())
    scans = sum(row["requests"].get("Scan", 0) for row in figures.values())
    print(f"  200,000 / 20,000 p50: {ratio:.2f}x (target <= {MAX_RATIO}x) {verdict(ratio <= 2)}")
    print(f"  requests per read equal at both sizes: {verdict(same)}")
    print(f"  Scan requests: {scans} {verdict(scans == 0)}")
