"""The follow-up register and My day."""

from __future__ import annotations

import datetime as dt

from renewdesk.services import plan
from renewdesk.services.records import Lead
from tests.staff.conftest import START, add_lead, add_staff, after, post, sign_in


def claim_lead(client, backend, **lead):
    lead_id = add_lead(backend, **lead)
    assert post(client, "/api/staff/leads/claim").get_json()["lead_id"] == lead_id
    return lead_id


def follow_up(client, lead_id, **body):
    return post(
        client,
        f"/api/staff/leads/{lead_id}/followups",
        {"channel": "phone", "result": "reached", **body},
    )


def test_every_follow_up_is_kept_with_author_time_and_next_contact(
    specialist, backend, fake_clock, app
):
    """The lead page shows the whole register, newest first."""
    lead_id = claim_lead(specialist, backend)
    assert follow_up(specialist, lead_id, result="no_answer").status_code == 201
    specialist = after(app, fake_clock, "li.na", hours=2)
    quote = {"insurer": "人保", "commercial_premium": "3850", "compulsory_premium": "950"}
    assert post(specialist, f"/api/staff/leads/{lead_id}/quotes", quote).status_code == 201
    saved = follow_up(
        specialist,
        lead_id,
        channel="wechat",
        result="quoted",
        note="报价商业险4800元",
        next_contact_at="2026-05-13T15:00",
    )
    assert saved.status_code == 201
    assert saved.get_json()["next_contact_at"] == "2026-05-13T07:00:00.000Z"
    page = specialist.get(f"/api/staff/leads/{lead_id}").get_json()
    followups = [e for e in page["history"] if e["kind"] == "followup"]
    assert [(e["channel"], e["result"], e["by"]) for e in followups] == [
        ("wechat", "quoted", "li.na"),
        ("phone", "no_answer", "li.na"),
    ]
    assert followups[0]["note"] == "报价商业险4800元"
    assert followups[0]["at"] == "2026-05-12T04:00:00.000Z"
    assert page["history"][-1]["kind"] == "claim"
    assert page["lead"]["followups"] == 2


def test_the_lead_page_lists_the_customers_earlier_leads(specialist, backend):
    """A referral and a renewal from the same phone show each other."""
    phone = "+8613912345678"
    earlier = add_lead(
        backend, phone=phone, lead_type="referral", created=START - dt.timedelta(days=40)
    )
    lead_id = claim_lead(specialist, backend, phone=phone, grade="A")
    page = specialist.get(f"/api/staff/leads/{lead_id}").get_json()
    assert [lead["lead_id"] for lead in page["earlier_leads"]] == [earlier]


def test_follow_up_fields_are_checked(specialist, backend):
    """Unknown channel, missing result, a booking in the past: 400 naming each field."""
    lead_id = claim_lead(specialist, backend)
    answer = post(
        specialist,
        f"/api/staff/leads/{lead_id}/followups",
        {"channel": "pigeon", "next_contact_at": "yesterday"},
    )
    fields = answer.get_json()["fields"]
    assert answer.status_code == 400
    assert fields["channel"]["code"] == "invalid_choice"
    assert fields["result"]["code"] == "required"
    assert fields["next_contact_at"]["code"] == "invalid_datetime"
    past = follow_up(specialist, lead_id, next_contact_at="2026-05-01T09:00")
    assert past.get_json()["fields"]["next_contact_at"]["code"] == "in_past"
    assert "不能早于现在" in past.get_json()["fields"]["next_contact_at"]["message"]


def test_follow_up_on_a_colleagues_lead_is_403_and_on_a_queued_lead_409(specialist, backend, app):
    """Only the holder (or a supervisor) logs follow-ups."""
    lead_id = claim_lead(specialist, backend)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert follow_up(colleague, lead_id).status_code == 403
    queued = add_lead(backend)
    answer = follow_up(colleague, queued)
    assert answer.status_code == 409 and answer.get_json()["error"] == "not_claimed"


def test_a_colleagues_lead_cannot_be_opened_but_a_queued_one_is_a_masked_preview(
    specialist, backend, app
):
    """403 for a lead someone else holds; contact data masked before claiming."""
    held = claim_lead(specialist, backend)
    queued = add_lead(backend, name="欧阳娜娜")
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert colleague.get(f"/api/staff/leads/{held}").status_code == 403
    preview = colleague.get(f"/api/staff/leads/{queued}").get_json()["lead"]
    assert preview["contact_masked"] and preview["name"] == "欧***"
    assert "****" in preview["phone"] and "***" in preview["plate"]


def test_my_day_lists_booked_calls_due_today_and_overdue_first(
    specialist, backend, fake_clock, app
):
    """Overdue before due today; tomorrow's call waits under later."""
    overdue = claim_lead(specialist, backend)
    follow_up(specialist, overdue, result="call_back", next_contact_at="2026-05-12T11:00")
    today = claim_lead(specialist, backend)
    follow_up(specialist, today, result="call_back", next_contact_at="2026-05-12T16:00")
    tomorrow = claim_lead(specialist, backend)
    follow_up(specialist, tomorrow, result="call_back", next_contact_at="2026-05-13T10:00")
    specialist = after(app, fake_clock, "li.na", hours=2)  # 12:00 in the store
    day = specialist.get("/api/staff/day").get_json()
    assert [(i["lead"]["lead_id"], i["reason"], i["overdue"]) for i in day["due"]] == [
        (overdue, "booked_call", True),
        (today, "booked_call", False),
    ]
    assert [lead["lead_id"] for lead in day["later"]] == [tomorrow]


def test_my_day_shows_plan_steps_due_and_missed(specialist, backend, fake_clock, app):
    """Called on 05-12; ten days later N-20 of a 06-11 expiry is due, N-15 of 05-30 was missed."""
    due_today = claim_lead(
        specialist, backend, expiry_date="2026-06-11", created=START - dt.timedelta(days=60)
    )
    follow_up(specialist, due_today, result="no_answer")
    missed = claim_lead(
        specialist, backend, expiry_date="2026-05-30", created=START - dt.timedelta(days=60)
    )
    follow_up(specialist, missed, result="no_answer")
    specialist = after(app, fake_clock, "li.na", days=10)
    day = specialist.get("/api/staff/day").get_json()
    assert [(i["lead"]["lead_id"], i["reason"], i["step"], i["overdue"]) for i in day["due"]] == [
        (missed, "plan_step", {"step": "N-15", "date": "2026-05-15", "state": "missed"}, True),
        (due_today, "plan_step", {"step": "N-20", "date": "2026-05-22", "state": "due"}, False),
    ]
    page = specialist.get(f"/api/staff/leads/{due_today}").get_json()
    assert [(s["step"], s["state"]) for s in page["plan"]] == [
        ("N-30", "done"),
        ("N-20", "due"),
        ("N-15", "upcoming"),
        ("N-7", "upcoming"),
    ]


def test_plan_steps_are_deadlines_each_met_by_a_call_since_the_previous_one():
    """Done when called in (previous step, step]; missed once the date passed without a call."""
    lead = Lead(type="renewal", expiry_date="2026-06-30", created_at="2026-04-01T00:00:00Z")
    days = [dt.date(2026, 5, 25), dt.date(2026, 6, 14)]
    states = plan.steps(lead, days, today=dt.date(2026, 6, 16))
    assert [(s.label, s.date.isoformat(), s.state) for s in states] == [
        ("N-30", "2026-05-31", "done"),
        ("N-20", "2026-06-10", "missed"),
        ("N-15", "2026-06-15", "done"),
        ("N-7", "2026-06-23", "upcoming"),
    ]


def test_a_roster_plan_on_the_lead_replaces_the_standard_one():
    """Issue 5's leads carry their own plan dates; steps before the lead existed do not apply."""
    lead = Lead(
        type="renewal",
        expiry_date="2026-06-30",
        created_at="2026-06-01T00:00:00Z",
        plan={"N-30": "2026-05-29", "N-20": "2026-06-08", "N-7": "2026-06-22"},
    )
    assert [s.label for s in plan.steps(lead, [], dt.date(2026, 6, 2))] == ["N-20", "N-7"]
