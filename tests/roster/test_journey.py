"""The whole path: a generated roster imported from XLSX, the reminder run queues its leads and
SMS, a customer taps the link in one, and a specialist claims that request first."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from renewdesk.roster_sample import sample_rows, write_roster
from tests.roster.conftest import TODAY
from tests.staff.conftest import add_staff, sign_in


@pytest.fixture
def settings(settings):
    """Cheap password hashing for the staff sign-in."""
    return settings.with_(password_hash_memory_kib=1024, password_hash_time_cost=1)


def claim(client):
    return client.post(
        "/api/staff/leads/claim", json={"type": "renewal"}, headers={"X-CSRF-Token": client.csrf}
    )


def test_from_roster_import_to_a_specialist_claiming_the_customers_one_click_request(
    app, backend, cli, client, settings, tmp_path, stored
):
    rows = sample_rows(300, TODAY, seed=11)
    path = write_roster(tmp_path / "dms-export.xlsx", rows)
    code, out, _ = cli("roster", "import", str(path))
    assert code == 0 and "新增 300，更新 0，未变 0，拒绝 0 行" in out

    report = backend.roster.reminders.run()
    n90 = (TODAY + dt.timedelta(days=90)).isoformat()
    due = [r for r in rows if TODAY.isoformat() < r[3] <= n90]
    assert report.leads_created == len(due) > 0
    sms_path = Path(settings.sms_outbox_dir) / f"{TODAY.isoformat()}.csv"
    with sms_path.open(encoding="utf-8-sig", newline="") as day_file:
        messages = list(csv.DictReader(day_file))
    assert len(messages) == report.sms_queued > 0

    # The customer of the last message opens the short link, sees the masked preview, confirms.
    chosen = messages[-1]
    code = re.search(r"/r/([0-9A-Za-z]{12}) ", chosen["message"]).group(1)
    preview = client.get(f"/api/renewals/link?c={code}").get_json()
    token = preview["token"]
    [source_row] = [r for r in rows if r[2] == chosen["mobile"]]
    assert preview["plate"] == source_row[0][:2] + "***" + source_row[0][-2:]
    assert preview["expiry_date"] == source_row[3]
    tapped = client.post("/api/renewals", json={"token": token, "consent": True})
    assert tapped.status_code == 201

    # A specialist's claim-next gets that request before every roster lead the run queued.
    first = claim(sign_in(app, add_staff(backend, "li.na")))
    assert first.status_code == 200
    lead = first.get_json()
    assert lead["lead_id"] == tapped.get_json()["lead_id"]
    assert lead["customer_requested"] is True
    assert (lead["plate"], lead["phone"]) == (source_row[0], "+86" + chosen["mobile"])
    assert lead["lease_expires_at"]

    # The next specialist gets a roster lead: A grade first.
    assert any(r[7] == "A" for r in due)
    second = claim(sign_in(app, add_staff(backend, "zhang.wei"))).get_json()
    assert second["source"] == "roster" and second["customer_requested"] is False
    assert second["grade"] == "A"
