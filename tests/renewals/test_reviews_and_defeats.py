"""The weekly review of the follow-up register, and the monthly defeat analysis."""

from __future__ import annotations

import io

import pytest

from renewdesk.scheduled import monthly_defeats
from tests.staff.conftest import add_lead, add_staff, post, sign_in


@pytest.fixture
def team(app, backend, supervisor):
    """Two specialists; li.na's week: contacts, a partner and a non-partner quote, two losses
    (one without a word of what was tried), a win."""
    li = sign_in(app, add_staff(backend, "li.na"))
    sign_in(app, add_staff(backend, "zhou.min"))
    leads = [add_lead(backend, grade="B", expiry_date="2026-06-20") for _ in range(4)]
    for lead_id in leads:
        post(supervisor, f"/api/staff/leads/{lead_id}/reassign", {"to": "li.na"})
    for lead_id in leads:
        post(li, f"/api/staff/leads/{lead_id}/followups", {"channel": "phone", "result": "reached"})
    q = {"commercial_premium": "3800", "compulsory_premium": "950"}
    post(li, f"/api/staff/leads/{leads[0]}/quotes", {"insurer": "人保", **q})
    post(li, f"/api/staff/leads/{leads[1]}/quotes", {"insurer": "众安在线", **q})
    post(li, f"/api/staff/leads/{leads[1]}/close", {"outcome": "lost", "reason": "telesales"})
    post(
        li,
        f"/api/staff/leads/{leads[2]}/close",
        {
            "outcome": "lost",
            "reason": "price",
            "note": "外面便宜300元，已送礼包并申请折扣，客户仍选电销",
        },
    )
    post(
        li,
        f"/api/staff/leads/{leads[3]}/close",
        {"outcome": "won", "premium": "4750", "insurer": "平安"},
    )
    return li, leads


def test_the_supervisor_reads_a_week_with_its_checks_and_signs_it_once(
    team, supervisor, fake_clock, app
):
    li, _ = team
    week = supervisor.get("/api/staff/register?specialist=li.na&week=2026-W20").get_json()
    assert (week["from"], week["to"]) == ("2026-05-11", "2026-05-17")
    kinds = [e["kind"] for e in week["entries"]]
    assert kinds.count("followup") == 4 and kinds.count("quote") == 2 and kinds.count("close") == 3
    checks = week["checks"]
    assert checks["contacts"] == 4 and checks["quotes"] == 2
    assert [e["insurer"] for e in checks["non_partner_quotes"]] == ["众安保险"]
    assert [e["reason"] for e in checks["bare_defeats"]] == ["telesales"]
    tuesday = next(d for d in checks["per_day"] if d["date"] == "2026-05-12")
    assert tuesday["contacts"] == 4 and tuesday["flag"] is None
    assert next(d for d in checks["per_day"] if d["date"] == "2026-05-11")["flag"] == "quiet"
    body = {
        "specialist": "li.na",
        "week": "2026-W20",
        "comment": "众安报价请换成合作公司；电销战败要写清话术",
    }
    signed = post(supervisor, "/api/staff/reviews", body)
    assert signed.status_code == 201
    assert (
        signed.get_json()["by"] == "wang.boss" and signed.get_json()["checks"]["bare_defeats"] == 1
    )
    assert post(supervisor, "/api/staff/reviews", body).status_code == 409
    listed = supervisor.get("/api/staff/reviews?week=2026-W20").get_json()
    assert [r["specialist"] for r in listed["reviews"]] == ["li.na"]
    assert listed["missing"] == ["zhou.min"]
    own = li.get("/api/staff/register?week=2026-W20").get_json()
    assert own["review"]["comment"] == body["comment"]
    assert li.get("/api/staff/register?specialist=zhou.min").status_code == 403
    assert post(li, "/api/staff/reviews", {**body, "week": "2026-W19"}).status_code == 403


def test_bad_reviews_name_their_fields(team, supervisor):
    answer = post(
        supervisor,
        "/api/staff/reviews",
        {"specialist": "nobody", "week": "2026-W60", "comment": " "},
    )
    fields = {k: v["code"] for k, v in answer.get_json()["fields"].items()}
    assert fields == {"week": "invalid_week", "comment": "required"}
    unknown = post(
        supervisor,
        "/api/staff/reviews",
        {"specialist": "nobody", "week": "2026-W20", "comment": "ok"},
    )
    assert unknown.get_json()["fields"]["specialist"]["code"] == "unknown"
    future = post(
        supervisor,
        "/api/staff/reviews",
        {"specialist": "li.na", "week": "2026-W30", "comment": "ok"},
    )
    assert future.get_json()["fields"]["week"]["code"] == "future"


def test_the_board_lists_specialists_whose_last_week_is_unsigned(team, supervisor, fake_clock, app):
    fake_clock.advance(days=6)  # Monday 2026-05-18: week 20 is over
    supervisor = sign_in(app, "wang.boss")
    board = supervisor.get("/api/staff/reports/renewals?month=2026-06").get_json()
    assert board["reviews_missing"] == {"week": "2026-W20", "specialists": ["li.na", "zhou.min"]}


def test_the_defeat_analysis_is_stored_on_the_first_and_downloads_as_xlsx(
    team, supervisor, backend, fake_clock, app, settings
):
    live = supervisor.get("/api/staff/reports/defeats?month=2026-05").get_json()
    assert live["ready"] is False
    assert live["lost"]["count"] == 2
    assert {r["reason"]: r["count"] for r in live["reasons"]} == {"telesales": 1, "price": 1}
    assert live["matrix"]["li.na"]["total"] == 2 and live["matrix"]["li.na"]["price"] == 1
    assert [n["reason"] for n in live["notes"]] == ["price"]  # every note, not only "other"
    fake_clock.advance(days=20)  # 2026-06-01, the job's day
    counts = monthly_defeats(settings=settings, now=fake_clock)
    assert counts["month"] == "2026-05" and counts["lost"]["count"] == 2
    supervisor = sign_in(app, "wang.boss")
    stored = supervisor.get("/api/staff/reports/defeats?month=2026-05").get_json()
    assert stored["ready"] is True and stored["generated_at"]
    assert stored["notes"] == live["notes"]
    xlsx = supervisor.get("/api/staff/reports/defeats?month=2026-05&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["战败原因", "专员×原因", "战败记录"]
    notes = list(book["战败记录"].values)
    assert "外面便宜300元" in notes[1][3]


def test_erasing_the_customer_takes_the_note_out_of_the_stored_analysis(
    team, supervisor, backend, fake_clock, app
):
    _, leads = team
    backend.renewals.defeats.prepare("2026-05")
    phone = backend.stores.queue.get_lead(leads[2]).phone
    backend.privacy.erasure.erase(phone)
    stored = supervisor.get("/api/staff/reports/defeats?month=2026-05").get_json()
    assert stored["ready"] is True and stored["notes"] == []
    assert stored["lost"]["count"] == 2  # the figures stay: the store's work


def test_the_command_stores_a_month_and_writes_the_excel_file(team, cli, tmp_path):
    path = tmp_path / "战败分析.xlsx"
    code, out, err = cli("reports", "defeats", "--month", "2026-05", "--xlsx", str(path))
    assert code == 0, out + err
    assert "2026-05 战败分析已保存：战败 2 件" in out
    assert path.stat().st_size > 1000
    code, out, err = cli("reports", "defeats", "--month", "2026-13")
    assert code == 2 and "月份请按 年-月 填写" in err
