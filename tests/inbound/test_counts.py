"""Consistent counts: the team page counts each desk as its owner's My day does; plan steps show
their date, not 00:00; the target chart's actual line stops at today."""

from __future__ import annotations

import datetime as dt
import re

from renewdesk.services import clock
from tests.inbound.conftest import add_lead, post, sign_in


def followup(client, lead_id: str, **more):
    body = {"channel": "phone", "result": "call_back", **more}
    assert post(client, f"/api/staff/leads/{lead_id}/followups", body).status_code == 201


def test_the_team_page_and_my_day_agree(backend, fake_clock, app):
    """Yesterday: two calls, one booked for 10:00 today. Today at 11:00: the N-30 step due
    today is due, not overdue (the team page used to count it overdue); a fresh claim is due now,
    not overdue; the booked call is overdue, in both."""
    from tests.inbound.conftest import add_staff

    today = clock.local_date(fake_clock())
    fake_clock.advance(days=-1)
    specialist = sign_in(app, add_staff(backend, "li.na"))
    step_today = add_lead(
        backend, customer_requested=False, expiry_date=(today + dt.timedelta(days=30)).isoformat()
    )
    booked = add_lead(backend, customer_requested=False)
    post(specialist, f"/api/staff/leads/{step_today}/claim")
    post(specialist, f"/api/staff/leads/{booked}/claim")
    followup(specialist, step_today)
    followup(specialist, booked, next_contact_at=clock.iso(fake_clock() + dt.timedelta(days=1)))
    fake_clock.advance(days=1, hours=1)
    specialist = sign_in(app, "li.na")
    supervisor = sign_in(app, add_staff(backend, "wang.boss", "supervisor"))
    fresh = add_lead(backend)
    post(specialist, f"/api/staff/leads/{fresh}/claim")

    day = specialist.get("/api/staff/day").get_json()
    reasons = {item["lead"]["lead_id"]: (item["reason"], item["overdue"]) for item in day["due"]}
    assert reasons == {
        step_today: ("plan_step", False),
        booked: ("booked_call", True),
        fresh: ("new_claim", False),
    }
    team = supervisor.get("/api/staff/team").get_json()["team"]
    [row] = [r for r in team if r["username"] == "li.na"]
    assert (row["held"], row["due_today"], row["overdue"]) == (3, 3, 1)
    page = specialist.get("/staff/").get_data(as_text=True)
    assert re.search(r'stat bad"><span class="stat-n">1<', page)
    team_page = supervisor.get("/staff/team").get_data(as_text=True)
    assert re.search(r'<span class="badge bad">1</span>', team_page)


def test_later_plan_steps_show_their_date_not_midnight(specialist, backend, fake_clock):
    today = clock.local_date(fake_clock())
    expiry = today + dt.timedelta(days=50)
    lead_id = add_lead(backend, customer_requested=False, expiry_date=expiry.isoformat())
    post(specialist, "/api/staff/leads/claim")
    followup(specialist, lead_id)
    [later] = specialist.get("/api/staff/day").get_json()["later"]
    step_day = (expiry - dt.timedelta(days=30)).isoformat()
    assert later["due_reason"] == "plan_step"
    assert later["due_step"] == {"step": "N-30", "date": step_day}
    page = specialist.get("/staff/").get_data(as_text=True)
    assert f"N-30 · {step_day}" in page and "00:00" not in page


def test_the_target_charts_actual_line_stops_at_today():
    """31 days in the month, today the 12th: the actual line has 12 points, the target 31."""
    from renewdesk.api import charts

    days = [
        {"date": f"2026-05-{d:02d}", "won_to_date": d // 3, "target_to_date": d * 2.0}
        for d in range(1, 32)
    ]
    svg = charts.target_vs_actual(days, lambda key: key, "2026-05-12").decode()
    series = re.findall(r'<g class="series serie-(\d) color-\d">(.*?)</g>', svg, re.S)
    points = {n: len(re.findall(r"-?\d+(?:\.\d+)? -?\d+(?:\.\d+)?", body)) for n, body in series}
    assert points["0"] == 12 and points["1"] == 31


def test_the_report_chart_in_the_console_is_cut_at_today(supervisor, fake_clock):
    month = clock.local_date(fake_clock()).strftime("%Y-%m")
    svg = supervisor.get(f"/staff/reports/{month}/target.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
