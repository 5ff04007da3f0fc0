"""Roster import and the daily reminder run at 20,000 policies; DynamoDB requests of a link tap.

One run, one DynamoDB Local (in memory), each figure beside a baseline from the same run:
- importing a generated 20,000-row roster (CSV and XLSX: read, check, write) against a raw
  BatchWriteItem of the very same items; then the same file again (nothing to write) and a newer
  file in which every tenth row changed;
- `reminders run` on those 20,000 policies (the first run of the day, which queues every lead due
  in the next 90 days and the SMS due in the next 60, then a second run that finds nothing to
  do) against raw TransactWriteItems of the very transactions the run sent;
- DynamoDB requests of each renewal-link answer, counted on the wire on the app's own client.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from bench.bench_intake import Recorder, raw_copy, verdict
from renewdesk import localdb
from renewdesk.app import create_app
from renewdesk.config import Settings
from renewdesk.roster_sample import sample_rows, write_roster
from renewdesk.services import clock
from renewdesk.services.records import Policy
from renewdesk.services.roster import ImportSummary, RosterImport, check_rows
from renewdesk.services.roster_files import read_roster
from renewdesk.store import keys
from renewdesk.store.dynamo import make_client
from renewdesk.wiring import Services

ROWS = 20000
MAX_IMPORT_SECONDS = 60
# A link tap reads the policy its token names (one Query) and writes once (one transaction).
MAX_TAP_REQUESTS = 2
TODAY = clock.local_date(clock.now())


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    db = localdb.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-roster-") as tmp:
            settings = Settings(
                table_name="renewdesk-bench",
                dynamodb_endpoint=db.endpoint,
                store_id="roster",
                site_origin="https://www.example-4s.cn",
                secrets_dir=Path(tmp) / "secrets",
                sms_outbox_dir=Path(tmp) / "sms",
                rate_limit_per_address_per_hour=10**6,
            )
            backend = Services(settings)
            backend.ensure_table()
            imports = measure_imports(backend, Path(tmp))
            reminders = measure_reminders(backend)
            taps = measure_taps(settings.with_(store_id="taps"))
    finally:
        db.stop()
    report(imports, reminders, taps)


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def import_file(backend: Services, path: Path) -> tuple[dict[str, float], ImportSummary]:
    """Read, check and write one roster file; seconds per phase."""
    read_s, sheet = timed(lambda: read_roster(path))
    check_s, checked = timed(lambda: check_rows(sheet, TODAY))
    summary = ImportSummary(rejections=checked.rejections)
    importer = RosterImport(backend.stores.roster, follower=backend.roster.imports.follower)
    write_s, _ = timed(lambda: importer.import_records(checked.records, summary))
    return {
        "read": read_s,
        "check": check_s,
        "write": write_s,
        "total": read_s + check_s + write_s,
    }, summary


def measure_imports(backend: Services, tmp: Path) -> dict[str, tuple]:
    rows = sample_rows(ROWS, TODAY)
    csv_path = write_roster(tmp / "roster.csv", rows)
    xlsx_path = write_roster(tmp / "roster.xlsx", rows)
    figures = {"CSV, new": import_file(backend, csv_path)}
    figures["raw BatchWriteItem"] = ({"total": raw_batch_write(backend)}, None)
    figures["same CSV again"] = import_file(backend, csv_path)
    changed = [
        row[:4] + ("太平洋产险",) + row[5:] if n % 10 == 0 else row for n, row in enumerate(rows)
    ]
    figures["newer CSV, 10% changed"] = import_file(
        backend, write_roster(tmp / "newer.csv", changed)
    )
    figures["first file as XLSX, 10% differ"] = import_file(backend, xlsx_path)
    return figures


def raw_batch_write(backend: Services) -> float:
    """Seconds to write the stored policy items again, under another store id, with nothing
    but BatchWriteItem: the floor for the import's writes."""
    settings = backend.settings
    client = backend.client
    items, kwargs = [], {"TableName": settings.table_name, "IndexName": "month"}
    for month in {(TODAY + dt.timedelta(days=d)).strftime("%Y-%m") for d in range(0, 366, 20)}:
        kwargs["KeyConditionExpression"] = "month_pk = :p"
        kwargs["ExpressionAttributeValues"] = {
            ":p": {"S": keys.expiry_month(settings.store_id, month)}
        }
        kwargs.pop("ExclusiveStartKey", None)
        while True:
            page = client.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    copies = [raw_copy({"Item": item}, settings.store_id)["Item"] for item in items]
    raw = make_client(settings)
    started = time.perf_counter()
    for start in range(0, len(copies), 25):
        pending = {
            settings.table_name: [{"PutRequest": {"Item": i}} for i in copies[start : start + 25]]
        }
        while pending:
            pending = raw.batch_write_item(RequestItems=pending).get("UnprocessedItems")
    return time.perf_counter() - started


def measure_reminders(backend: Services) -> dict[str, tuple]:
    recorder = Recorder(backend.client)
    first_s, first = timed(lambda: backend.roster.reminders.run(TODAY))
    sent = list(recorder.transactions)
    second_s, second = timed(lambda: backend.roster.reminders.run(TODAY))
    raw = make_client(backend.settings)
    started = time.perf_counter()
    for transaction in sent:
        replay = without_cycle_checks(raw_copy(transaction, backend.settings.store_id))
        raw.transact_write_items(**replay)
    raw_s = time.perf_counter() - started
    return {
        "first run of the day": (first_s, first),
        "second run": (second_s, second),
        "raw TransactWriteItems": (raw_s, len(sent)),
    }


def without_cycle_checks(transaction: dict) -> dict:
    """The raw store has the policies (raw_batch_write) but not their renewal cycles: the check
    that a cycle exists is left out of the replay, its write stays."""
    for entry in transaction["TransactItems"]:
        update = entry.get("Update") or {}
        if "#CYCLE#" in update.get("Key", {}).get("pk", {}).get("S", ""):
            if update.get("ConditionExpression") == "attribute_exists(pk)":
                del update["ConditionExpression"]
    return transaction


def measure_taps(settings: Settings) -> dict[str, tuple[int, int]]:
    """DynamoDB requests (and the answer's status) of each renewal-link answer."""
    app = create_app(settings)
    backend = app.extensions["renewdesk"]
    backend.ensure_table()
    client = app.test_client()
    expiry = (TODAY + dt.timedelta(days=60)).isoformat()
    later = (TODAY + dt.timedelta(days=200)).isoformat()
    backend.stores.roster.add_policies(
        [
            Policy(
                plate="粤B00001",
                name="张伟",
                phone="+8613900000001",
                expiry_date=expiry,
                grade="B",
                row_hash="a",
                roster_id="queuedLeadPolicy",
            ),
            Policy(
                plate="粤B00002",
                name="李娜",
                phone="+8613900000002",
                expiry_date=later,
                grade="A",
                row_hash="b",
                roster_id="noLeadYetPolicy1",
            ),
        ]
    )
    backend.roster.reminders.run(TODAY, write_file=False)
    recorder = Recorder(backend.client)
    tokens = {
        rid: backend.roster.links.issue(rid) for rid in ("queuedLeadPolicy", "noLeadYetPolicy1")
    }

    def count(call) -> tuple[int, int]:
        before = recorder.requests
        status = call().status_code
        return recorder.requests - before, status

    def tap(rid: str):
        return lambda: client.post("/api/renewals", json={"token": tokens[rid], "consent": True})

    return {
        "preview (GET link)": count(
            lambda: client.get(f"/api/renewals/link?t={tokens['queuedLeadPolicy']}")
        ),
        "tap, lead queued at N-90": count(tap("queuedLeadPolicy")),
        "second tap": count(tap("queuedLeadPolicy")),
        "tap, before N-90 (new lead)": count(tap("noLeadYetPolicy1")),
        "forged token": count(
            lambda: client.post(
                "/api/renewals",
                json={"token": tokens["queuedLeadPolicy"][:-2] + "xx", "consent": True},
            )
        ),
    }


def report(imports, reminders, taps) -> None:
    print(f"roster import, {ROWS} rows (generated), seconds")
    print(
        f"  {'file':<28}{'read':>7}{'check':>7}{'write':>7}{'total':>8}{'rows/s':>9}"
        "  added/updated/unchanged"
    )
    raw_total = imports.pop("raw BatchWriteItem")[0]["total"]
    print(f"  {'raw BatchWriteItem (base)':<28}{'':>21}{raw_total:8.1f}{ROWS / raw_total:9.0f}")
    for name, (phases, summary) in imports.items():
        target = f"  < {MAX_IMPORT_SECONDS} s {verdict(phases['total'] < MAX_IMPORT_SECONDS)}"
        print(
            f"  {name:<28}{phases['read']:7.1f}{phases['check']:7.1f}{phases['write']:7.1f}"
            f"{phases['total']:8.1f}{ROWS / phases['total']:9.0f}  "
            f"{summary.added}/{summary.updated}/{summary.unchanged}{target}"
        )
    print(f"reminders run on {ROWS} policies (as of {TODAY}), seconds")
    raw_s, transactions = reminders.pop("raw TransactWriteItems")
    print(
        f"  {'raw TransactWriteItems (base)':<30}{raw_s:7.1f}  "
        f"({transactions} transactions of the first run, replayed)"
    )
    for name, (seconds, run) in reminders.items():
        print(
            f"  {name:<30}{seconds:7.1f}  leads {run.leads_created}, SMS {len(run.messages)} "
            f"({run.sms_queued} new); {seconds / raw_s:.1f}x base"
        )
    print("DynamoDB requests per renewal-link answer")
    for case, (requests, status) in taps.items():
        limit = MAX_TAP_REQUESTS if case.startswith("tap") or case == "second tap" else 1
        print(
            f"  {case:<30}{requests:>4}  (HTTP {status})  <= {limit} {verdict(requests <= limit)}"
        )
