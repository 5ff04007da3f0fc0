"""Load: 200 concurrent clients for 60 s against the local server, beside one client alone.

The app is served by the local server `make run` uses (waitress, 8 threads) on DynamoDB Local in
memory; the clients run in a separate process (an asyncio loop of keep-alive HTTP/1.1
connections, so 200 of them cost little CPU and no GIL of the server), each from its own
loopback address (127.0.1.x), as customers come from their own phones. Every request is a new
customer's renewal request (own phone, own plate), so every answer should be 201.

Bounded: loopback only, CLIENTS connections, DURATION seconds (and at most MAX_REQUESTS), then
every client stops. Rate limits are raised in the app's settings so they do not count.

Printed: requests per second, p50/p99 latency, errors by kind (target 0), and leads counted in
DynamoDB Local afterwards against the 2xx answers (target equal), each beside one client alone.
On a 2-core machine the clients, the server and DynamoDB Local share the cores: read the ratio.

BENCH_LOAD_SECONDS shortens the run (the single client gets a quarter of it); the local server's
connection limit is raised above the 200 clients (waitress's default, which `make run` keeps, is
100: the rest wait unserved) and BENCH_CONNECTION_LIMIT sets it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import subprocess  # nosec B404
import sys
import time
from collections import Counter

from renewdesk import devserver, localdb
from renewdesk.config import Settings
from renewdesk.wiring import Services

CLIENTS = 200
DURATION = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
SINGLE_DURATION = DURATION / 4
WARM_UP_SECONDS = 10.0
MAX_REQUESTS = 200_000  # a bound far above what a 2-core machine reaches in the time
REQUEST_TIMEOUT = 30.0
# waitress's default connection limit is 100: more connections wait unserved in the backlog.
CONNECTION_LIMIT = int(os.environ.get("BENCH_CONNECTION_LIMIT", CLIENTS + 16))
PROVINCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def customer(number: int) -> dict:
    """The number-th car owner: their own mobile and plate."""
    letter = PROVINCE_LETTERS[number // 100_000 % len(PROVINCE_LETTERS)]
    plate = f"粤{letter}{number % 100_000:05d}"
    return {"name": "张伟", "phone": f"139{number:08d}", "plate": plate, "consent": True}


# -- the clients (their own process) ---------------------------------------------------------


async def read_answer(reader: asyncio.StreamReader) -> int:
    """One HTTP/1.1 answer: its status; the body is read (by Content-Length) and dropped."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def one_client(
    index: int, host: str, port: int, first: int, step: int, deadline: float, results: dict
) -> None:
    """Customers first, first + step, ... on one keep-alive connection until the deadline."""
    source = f"127.0.1.{index % 250 + 1}"
    number = first
    connection = None
    while time.monotonic() < deadline and results["sent"] < MAX_REQUESTS:
        results["sent"] += 1
        body = json.dumps(customer(number), ensure_ascii=False).encode()
        request = (
            f"POST /api/renewals HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        started = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.open_connection(host, port, local_addr=(source, 0))
            connection[1].write(request)
            status = await asyncio.wait_for(read_answer(connection[0]), REQUEST_TIMEOUT)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            results["errors"][type(error).__name__] += 1
            if connection is not None:
                connection[1].close()
            connection = None
            number += step
            continue
        results["ms"].append((time.perf_counter() - started) * 1000)
        results["statuses"][status] += 1
        number += step
    if connection is not None:
        connection[1].close()


async def load(url: str, clients: int, seconds: float, first: int) -> dict:
    host, port = url.removeprefix("http://").split(":")
    results = {"ms": [], "statuses": Counter(), "errors": Counter(), "sent": 0}
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(
            one_client(i, host, int(port), first + i, clients, deadline, results)
            for i in range(clients)
        )
    )
    results["seconds"] = time.monotonic() - started
    return results


def client_process(url: str, clients: int, seconds: float, first: int) -> None:
    """Entry point of the client process: the results as one JSON line on stdout."""
    results = asyncio.run(load(url, clients, seconds, first))
    print(
        json.dumps(
            {
                **results,
                "statuses": {str(k): v for k, v in results["statuses"].items()},
                "errors": dict(results["errors"]),
            }
        )
    )


def run_clients(url: str, clients: int, seconds: float, first: int) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench.bench_load",
        url,
        str(clients),
        str(seconds),
        str(first),
    ]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,  # nosec B603
        timeout=seconds + REQUEST_TIMEOUT + 60,
    ).stdout
    results = json.loads(out.strip().splitlines()[-1])
    results["statuses"] = Counter({int(k): v for k, v in results["statuses"].items()})
    results["errors"] = Counter(results["errors"])
    return results


# -- the benchmark ----------------------------------------------------------------------------


def stored_leads(settings: Settings) -> int:
    """Leads of the store in DynamoDB Local, counted by a consistent Scan."""
    client = Services(settings.with_(storage_timeout_seconds=60)).client
    prefix = f"ST#{settings.store_id}#LEAD#"
    kwargs = {"TableName": settings.table_name, "ConsistentRead": True}
    count = 0
    while True:
        page = client.scan(**kwargs)
        count += sum(
            1
            for raw in page["Items"]
            if raw["pk"]["S"].startswith(prefix) and raw["sk"]["S"] == "LEAD"
        )
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def figures(results: dict) -> dict:
    ms = sorted(results["ms"])
    answered = sum(results["statuses"].values())
    ok = results["statuses"][201] + results["statuses"][200]
    return {
        "requests": answered + sum(results["errors"].values()),
        "ok": ok,
        "rps": answered / results["seconds"],
        "p50": statistics.median(ms) if ms else float("nan"),
        "p99": ms[min(len(ms) - 1, int(0.99 * len(ms)))] if ms else float("nan"),
        "errors": sum(results["errors"].values()) + answered - ok,
        "kinds": {
            **{f"HTTP {s}": n for s, n in results["statuses"].items() if s not in (200, 201)},
            **results["errors"],
        },
    }


def main() -> None:
    logging.getLogger("waitress").setLevel(logging.ERROR)  # "Task queue depth" under load
    print(f"load average at start: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    db = localdb.start()
    try:
        base = Settings(
            table_name="renewdesk-bench",
            dynamodb_endpoint=db.endpoint,
            site_origin="https://www.example-4s.cn",
            rate_limit_per_address_per_hour=10**9,
            rate_limit_per_phone_per_day=10**9,
        )
        Services(base).ensure_table()
        runs = {}
        # A warm-up first, in a store of its own (DynamoDB Local's JIT, the app's first calls).
        for name, clients, seconds, first in (
            ("warm-up", 8, WARM_UP_SECONDS, 20_000_000),
            ("1 client", 1, SINGLE_DURATION, 0),
            (f"{CLIENTS} clients", CLIENTS, DURATION, 10_000_000),
        ):
            settings = base.with_(store_id=f"load{clients}")
            url, stop = devserver.serve_in_thread(settings, connection_limit=CONNECTION_LIMIT)
            try:
                print(f"{name}: {seconds:.0f} s ...", flush=True)
                results = run_clients(url, clients, seconds, first)
            finally:
                stop()
            runs[name] = {
                **figures(results),
                "stored": stored_leads(settings),
                "seconds": results["seconds"],
            }
    finally:
        db.stop()
    report(runs)


def report(runs: dict) -> None:
    single, many = runs["1 client"], runs[f"{CLIENTS} clients"]
    print(
        f"\nPOST /api/renewals, new customers, local server (waitress, 8 threads, "
        f"connection limit {CONNECTION_LIMIT}) on DynamoDB Local in memory"
    )
    print(
        f"bound: loopback only, {CLIENTS} keep-alive clients for {DURATION:.0f} s "
        f"(1 client for {SINGLE_DURATION:.0f} s), at most {MAX_REQUESTS:,} requests; "
        f"clients, server and DynamoDB Local share {os.cpu_count()} cores"
    )
    print(f"  {'':<26}{'1 client':>12}{f'{CLIENTS} clients':>14}{'ratio':>9}")
    for key, label in (
        ("rps", "requests per second"),
        ("p50", "p50 latency (ms)"),
        ("p99", "p99 latency (ms)"),
    ):
        print(
            f"  {label:<26}{single[key]:>12.1f}{many[key]:>14.1f}{many[key] / single[key]:>8.2f}x"
        )
    for key, label in (
        ("requests", "requests sent"),
        ("ok", "2xx answers"),
        ("stored", "leads stored"),
        ("errors", "errors"),
    ):
        print(f"  {label:<26}{single[key]:>12,}{many[key]:>14,}")
    for name, run in runs.items():
        if run["kinds"]:
            kinds = ", ".join(f"{kind} x{n}" for kind, n in run["kinds"].items())
            print(f"  errors with {name}: {kinds}")
    no_errors = single["errors"] == many["errors"] == 0
    all_stored = all(run["stored"] == run["ok"] for run in runs.values())
    print(
        f"  target: 0 errors: {'met' if no_errors else 'MISSED'}; "
        f"leads stored == 2xx answers: {'met' if all_stored else 'MISSED'}"
    )


if __name__ == "__main__":
    client_process(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
