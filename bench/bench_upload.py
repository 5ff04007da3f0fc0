"""A 20,000-row roster uploaded in the console's way: POST the file (202), the background job
imports it, poll until done; then the same file again, which must change nothing.

Baseline from the same run and the same DynamoDB Local: the same file imported the CLI's way
(read, check, write in this process, no job), into a store of its own. Target: the upload done
within 60 s of the POST, and the second upload all unchanged.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path

from bench.bench_intake import verdict
from renewdesk import localdb
from renewdesk.app import create_app
from renewdesk.config import Settings
from renewdesk.roster_sample import HEADERS, sample_rows
from renewdesk.services import clock
from renewdesk.services.roster import ImportSummary, check_rows
from renewdesk.services.roster_files import read_table

ROWS = 20000
MAX_SECONDS = 60
# The benchmark's own throw-away account in its own in-memory table, not a secret.
PASSWORD = "a long benchmark passphrase"  # nosec B105
TODAY = clock.local_date(clock.now())


def dms_export(path: Path) -> bytes:
    """A DMS-like XLSX: a merged title row above the header, the rows, a totals row (written
    as Excel writes it, with its dimension)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "续保名单"
    sheet.append(["续保客户名单（基准测试）"])
    sheet.merge_cells("A1:K1")
    sheet.append([])
    sheet.append(list(HEADERS["zh"]))
    for row in sample_rows(ROWS, TODAY):
        sheet.append(list(row))
    sheet.append(["合计", f"共 {ROWS} 辆"])
    book.save(path)
    return path.read_bytes()


def baseline(settings: Settings, data: bytes) -> float:
    """Seconds to import the file the CLI's way, in this process."""
    app = create_app(settings)
    backend = app.extensions["renewdesk"]
    started = time.perf_counter()
    checked = check_rows(read_table(data, "r.xlsx"), TODAY)
    backend.roster.imports.import_records(checked.records, ImportSummary())
    return time.perf_counter() - started


def upload(client, csrf: str, data: bytes) -> tuple[float, dict]:
    """Seconds from the POST to the job's end, and the job's last state."""
    started = time.perf_counter()
    answer = client.post(
        "/api/staff/roster/imports",
        data={"file": (io.BytesIO(data), "续保名单.xlsx")},
        content_type="multipart/form-data",
        headers={"X-CSRF-Token": csrf},
        base_url="https://localhost",
    )
    if answer.status_code != 202:
        raise SystemExit(f"upload refused: {answer.get_data(as_text=True)}")
    url = f"/api/staff/roster/imports/{answer.get_json()['import_id']}"
    while True:
        state = client.get(url, base_url="https://localhost").get_json()
        if state["state"] in ("done", "failed"):
            return time.perf_counter() - started, state
        time.sleep(0.2)


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    db = localdb.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
            settings = Settings(
                table_name="renewdesk-bench",
                dynamodb_endpoint=db.endpoint,
                store_id="upload",
                secrets_dir=Path(tmp) / "secrets",
                sms_outbox_dir=Path(tmp) / "sms",
                upload_dir=Path(tmp) / "uploads",
                password_hash_memory_kib=1024,
                password_hash_time_cost=1,
            )
            app = create_app(settings)
            backend = app.extensions["renewdesk"]
            backend.ensure_table()
            data = dms_export(Path(tmp) / "export.xlsx")
            # DynamoDB Local's JIT warms up on a first import; neither figure should pay for it.
            baseline(settings.with_(store_id="warm-up"), data)
            base_s = baseline(settings.with_(store_id="baseline"), data)
            backend.staff.accounts.add("bench.boss", "supervisor", PASSWORD)
            client = app.test_client()
            login = client.post(
                "/api/staff/session",
                json={"username": "bench.boss", "password": PASSWORD},
                base_url="https://localhost",
            )
            csrf = login.get_json()["csrf_token"]
            first_s, first = upload(client, csrf, data)
            second_s, second = upload(client, csrf, data)
    finally:
        db.stop()
    print(f"roster upload, {ROWS} rows (XLSX, {len(data) / 1e6:.1f} MB), seconds")
    print(f"  {'CLI import of the same file (base)':<38}{base_s:7.1f}")
    for name, seconds, state, expected in (
        ("upload, new records", first_s, first, (ROWS, 0, 0)),
        ("same file uploaded again", second_s, second, (0, 0, ROWS)),
    ):
        counts = (state["added"], state["updated"], state["unchanged"])
        ok = state["state"] == "done" and seconds < MAX_SECONDS and counts == expected
        print(
            f"  {name:<38}{seconds:7.1f}  {seconds / base_s:4.2f}x base  "
            f"added/updated/unchanged {'/'.join(map(str, counts))}  "
            f"< {MAX_SECONDS} s, expected {'/'.join(map(str, expected))} {verdict(ok)}"
        )
