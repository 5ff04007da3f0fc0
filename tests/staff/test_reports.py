"""The supervisor's monthly report: figures, defeat analysis, targets, CSV, and Query not Scan."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import Close, FollowUp
from tests.staff.conftest import add_lead, add_staff, post, sign_in

LI = Actor("li.na", "specialist")
ZHAO = Actor("zhao.min", "specialist")


@pytest.fixture
def may(backend, fake_clock):
    """A May: four leads in (one on May 1st local, submitted April 30th UTC), one won, two lost."""
    add_staff(backend, "li.na")
    add_staff(backend, "zhao.min")
    first = add_lead(backend, due="2026-05-01")
    second = add_lead(backend, due="2026-05-02")
    referral = add_lead(backend, due="2026-05-03", lead_type="referral")
    add_lead(
        backend, due="2026-05-04", created=dt.datetime(2026, 4, 30, 17, tzinfo=dt.timezone.utc)
    )
    add_lead(
        backend, due="2026-06-01", created=dt.datetime(2026, 5, 31, 17, tzinfo=dt.timezone.utc)
    )
    fake_clock.advance(hours=2)
    assert backend.staff.claims.claim_next(LI).lead_id == first
    backend.staff.followups.record(LI, first, FollowUp(channel="phone", result="reached"))
    fake_clock.advance(hours=2)
    assert backend.staff.claims.claim_next(ZHAO).lead_id == second
    backend.staff.followups.record(ZHAO, second, FollowUp(channel="phone", result="no_answer"))
    backend.staff.closing.close(
        ZHAO, second, Close(outcome="lost", reason="price", note="外面便宜500")
    )
    backend.staff.closing.close(
        LI, first, Close(outcome="won", premium=Decimal("5000.50"), insurer="平安财险")
    )
    assert backend.staff.claims.claim_next(LI).lead_id == referral
    backend.staff.followups.record(LI, referral, FollowUp(channel="wechat", result="refused"))
    backend.staff.closing.close(
        LI, referral, Close(outcome="lost", reason="friend", note="表哥在保险公司")
    )
    return {"first": first, "second": second, "referral": referral}


def test_monthly_report_counts_what_happened_in_the_local_month(may, supervisor):
    """Leads in, claimed, reached, won, lost, conversion and median time to first contact."""
    post(supervisor, "/api/staff/leads/claim")  # the supervisor claims the fourth lead too
    report = supervisor.get("/api/staff/reports/monthly?month=2026-05").get_json()
    assert {
        k: report[k]
        for k in (
            "leads_in",
            "claimed",
            "followups",
            "reached",
            "won",
            "lost",
            "conversion",
            "median_first_contact_hours",
            "premium_won",
        )
    } == {
        "leads_in": 4,
        "claimed": 4,
        "followups": 3,
        "reached": 2,
        "won": 1,
        "lost": 2,
        "conversion": 0.3333,
        "median_first_contact_hours": 4.0,
        "premium_won": 5000.5,
    }


def test_report_by_specialist_and_by_source(may, supervisor):
    """Each specialist's own figures; renewal requests against referrals."""
    report = supervisor.get("/api/staff/reports/monthly?month=2026-05").get_json()
    rows = {row["username"]: row for row in report["by_specialist"]}
    assert rows["li.na"] == {
        "username": "li.na",
        "claimed": 2,
        "followups": 2,
        "reached": 2,
        "won": 1,
        "lost": 1,
        "conversion": 0.5,
        "premium_won": 5000.5,
        "median_first_contact_hours": 3.0,
    }
    assert (rows["zhao.min"]["won"], rows["zhao.min"]["lost"], rows["zhao.min"]["reached"]) == (
        0,
        1,
        0,
    )
    assert report["by_source"] == [
        {"source": "renewal_request", "leads_in": 3, "won": 1, "lost": 1, "conversion": 0.5},
        {"source": "referral", "leads_in": 1, "won": 0, "lost": 1, "conversion": 0.0},
    ]


def test_defeat_analysis_gives_count_share_and_notes(may, supervisor):
    """Every defeat reason with its share of lost leads and what the specialists wrote."""
    defeats = supervisor.get("/api/staff/reports/monthly?month=2026-05").get_json()[
        "defeat_reasons"
    ]
    assert [(d["reason"], d["count"], d["share"]) for d in defeats] == [
        ("friend", 1, 0.5),
        ("price", 1, 0.5),
    ]
    notes = {d["reason"]: [n["note"] for n in d["notes"]] for d in defeats}
    assert notes == {"price": ["外面便宜500"], "friend": ["表哥在保险公司"]}


def test_target_vs_actual_by_day(may, supervisor):
    """The month's target spread evenly over its days, against renewals won to date."""
    answer = supervisor.put(
        "/api/staff/targets/2026-05",
        json={"renewals_won": 31, "premium": "155000"},
        headers={"X-CSRF-Token": supervisor.csrf},
    )
    assert answer.status_code == 200
    report = supervisor.get("/api/staff/reports/monthly?month=2026-05").get_json()
    assert report["target"]["renewals_won"] == 31 and report["target"]["premium"] == 155000.0
    by_day = {row["date"]: row for row in report["by_day"]}
    assert len(by_day) == 31
    assert (by_day["2026-05-11"]["won_to_date"], by_day["2026-05-12"]["won_to_date"]) == (0, 1)
    assert by_day["2026-05-12"]["target_to_date"] == 12.0
    assert by_day["2026-05-31"]["premium_to_date"] == 5000.5


def test_a_reopened_close_no_longer_counts(may, supervisor):
    """The supervisor reopens the price defeat: one lost lead left."""
    post(supervisor, f"/api/staff/leads/{may['second']}/reopen")
    report = supervisor.get("/api/staff/reports/monthly?month=2026-05").get_json()
    assert report["lost"] == 1
    assert [d["reason"] for d in report["defeat_reasons"]] == ["friend"]


def test_csv_opens_in_excel_with_chinese(may, supervisor):
    """UTF-8 with BOM, CRLF lines, Chinese headings, the defeat notes."""
    answer = supervisor.get("/api/staff/reports/monthly?month=2026-05&format=csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.data.startswith(b"\xef\xbb\xbf") and b"\r\n" in answer.data
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0] == ["续保月报", "2026-05"]
    assert ["战败", "2"] in rows and ["成交率", "33.3%"] in rows
    assert ["价格比外面贵", "1", "50.0%", "外面便宜500"] in rows


def test_reports_are_for_supervisors_only(may, app):
    """A specialist gets 403, JSON or CSV."""
    specialist = sign_in(app, "li.na")
    assert specialist.get("/api/staff/reports/monthly?month=2026-05").status_code == 403
    assert specialist.get("/staff/reports/2026-05.csv").status_code == 403


def test_a_malformed_month_is_400(supervisor):
    """YYYY-MM only."""
    answer = supervisor.get("/api/staff/reports/monthly?month=2026-13")
    assert (
        answer.status_code == 400
        and answer.get_json()["fields"]["month"]["code"] == "invalid_month"
    )


def test_the_monthly_report_queries_by_month_and_never_scans(may, supervisor, backend):
    """Every DynamoDB call behind the report is a Query (or a GetItem), none a Scan."""
    operations: list[str] = []

    def record(request, **kwargs):
        operations.append(request.headers["X-Amz-Target"].decode().split(".")[1])

    backend.client.meta.events.register("before-send.dynamodb", record)
    try:
        assert supervisor.get("/api/staff/reports/monthly?month=2026-05").status_code == 200
    finally:
        backend.client.meta.events.unregister("before-send.dynamodb", record)
    assert "Scan" not in operations and operations.count("Query") >= 3
    assert set(operations) <= {"Query", "GetItem"}


def test_leads_list_by_month_and_status(may, supervisor, backend):
    """Leads submitted in the month, filtered by status; the June one is not there."""
    lost = supervisor.get("/api/staff/leads?status=lost&month=2026-05").get_json()["leads"]
    assert {lead["lead_id"] for lead in lost} == {may["second"], may["referral"]}
    every = supervisor.get("/api/staff/leads?month=2026-05").get_json()["leads"]
    assert len(every) == 4
