"""The renewal pages of the console, through Flask's client (the browser test looks at them)."""

from __future__ import annotations

import re

from tests.renewals.conftest import TODAY, import_rows, policy_row, post
from tests.staff.conftest import add_lead


def form_post(client, path, data):
    return client.post(path, data={**data, "csrf_token": client.csrf})


def test_the_board_page_charts_and_targets_form(app, backend, supervisor):
    import_rows(backend, [policy_row("粤B30001", "2026-06-05", grade="A")])
    page = supervisor.get("/staff/renewals?month=2026-06")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "续保率 · 2026-06" in html and "件数续保率" in html and "按上年承保公司" in html
    for chart in ("daily", "trend", "grades"):
        svg = supervisor.get(f"/staff/renewals/2026-06/{chart}.svg")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert b"<svg" in svg.data
    saved = form_post(
        supervisor,
        "/staff/renewals/targets",
        {"month": "2026-06", "rate_count": "85", "grade_a": "95"},
    )
    assert saved.status_code == 303 and "renewal_targets_saved" in saved.headers["Location"]
    board = supervisor.get("/api/staff/reports/renewals?month=2026-06").get_json()
    assert board["target"]["rate_count"] == 0.85 and board["target"]["by_grade"]["A"] == 0.95
    assert board["target"]["by_grade"]["B"] is None and board["target"]["set_by"] == "wang.boss"
    bad = form_post(
        supervisor, "/staff/renewals/targets", {"month": "2026-06", "rate_count": "120"}
    )
    assert bad.status_code == 400 and "请填写0%到100%之间的比例" in bad.get_data(as_text=True)


def test_a_specialist_records_a_quote_on_the_lead_page_and_closes_on_it(app, backend, specialist):
    lead_id = add_lead(backend, grade="B", expiry_date="2026-06-20")
    post(specialist, "/api/staff/leads/claim")
    added = form_post(
        specialist,
        f"/staff/leads/{lead_id}/quotes",
        {
            "insurer": "太保",
            "commercial_premium": "5200",
            "compulsory_premium": "950",
            "valid_until": "",
            "note": "",
        },
    )
    assert added.status_code == 303 and "quote_saved" in added.headers["Location"]
    page = specialist.get(added.headers["Location"]).get_data(as_text=True)
    assert "报价已登记" in page and "商业险 ¥5,000–8,000" in page and "按报价成交" in page
    quote_id = re.search(r'name="quote_id" value="([0-9A-Z]+)"', page).group(1)
    refused = form_post(
        specialist,
        f"/staff/leads/{lead_id}/quotes",
        {"insurer": "", "commercial_premium": "x", "compulsory_premium": "950"},
    )
    assert refused.status_code == 400 and "请填写" in refused.get_data(as_text=True)
    closed = form_post(
        specialist,
        f"/staff/leads/{lead_id}/close",
        {"outcome": "won", "quote_id": quote_id, "premium": "", "insurer": "", "note": ""},
    )
    assert closed.status_code == 303
    lead = backend.stores.queue.get_lead(lead_id)
    assert lead.insurer == "太保" and float(lead.premium) == 6150.0


def test_the_register_page_signs_a_week_and_shows_the_signature(
    app, backend, supervisor, specialist
):
    week = "2026-W20"
    page = supervisor.get(f"/staff/register/li.na?week={week}")
    assert page.status_code == 200 and "签字确认" in page.get_data(as_text=True)
    signed = form_post(
        supervisor, "/staff/register/li.na/review", {"week": week, "comment": "本周联系量偏少"}
    )
    assert signed.status_code == 303
    again = supervisor.get(signed.headers["Location"]).get_data(as_text=True)
    assert "wang.boss 于" in again and "本周联系量偏少" in again
    twice = form_post(
        supervisor, "/staff/register/li.na/review", {"week": week, "comment": "again"}
    )
    assert twice.status_code == 409
    own = specialist.get("/staff/register", follow_redirects=True).get_data(as_text=True)
    assert "本周联系量偏少" in own
    assert specialist.get("/staff/register/wang.boss").status_code == 403


def test_the_defeat_page_is_printable(app, backend, supervisor):
    page = supervisor.get("/staff/defeats?month=2026-05")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-print" in html and "尚未生成" in html
    assert TODAY.isoformat().startswith("2026-05")
