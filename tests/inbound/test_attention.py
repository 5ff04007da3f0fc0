"""Nothing waits unseen: a customer's request unclaimed after 15 working minutes goes to the
supervisor (pushed, and on the attention list while still claimable); a booked call is pushed to
its holder 10 minutes before; renewals past N-7 that nobody holds join the list; every row and
lead page says how many days are left to expiry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from renewdesk.config import PROJECT_ROOT
from renewdesk.services import clock
from renewdesk.services.inbound import WorkingHours, load_hours
from renewdesk.services.staff import Actor
from tests.inbound.conftest import add_lead, post, sign_in, submit

CHINA = clock.CHINA
LI_NA = Actor("li.na", "specialist")


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in the store's time zone in May 2026 (the 11th is a Monday)."""
    return dt.datetime(2026, 5, day, hour, minute, tzinfo=CHINA)


# -- working hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (local(12, 10, 0), local(12, 10, 15)),  # open: fifteen minutes
        (local(12, 18, 20), local(13, 8, 35)),  # ten minutes left today, five tomorrow
        (local(12, 23, 0), local(13, 8, 45)),  # at night: from opening time
        (local(12, 7, 0), local(12, 8, 45)),  # before opening
    ],
)
def test_the_deadline_counts_only_the_stores_working_minutes(start, deadline):
    """content/store.yml: service 08:30–18:00 and showroom 09:00–18:30, every day: the store
    works 08:30–18:30."""
    hours = load_hours(PROJECT_ROOT / "content")
    assert hours.deadline(start, 15) == deadline


def test_days_the_store_is_closed_are_skipped():
    weekdays = (((540, 1080),),) * 5 + ((), ())  # Monday to Friday 09:00–18:00
    hours = WorkingHours(weekdays)
    friday_evening = local(15, 17, 55)
    assert hours.deadline(friday_evening, 15) == local(18, 9, 10)  # Monday morning
    assert WorkingHours(((),) * 7).deadline(friday_evening, 15) == local(15, 18, 10)


# -- a request nobody claims in time -----------------------------------------------------------


def test_an_unclaimed_request_goes_to_the_supervisor_after_15_working_minutes(
    robot_app, receiver, fake_clock
):
    """At 10:14 nothing happens; at 10:16 it is on the attention list (still claimable) and the
    supervisor is pushed, once; claiming it takes it off the list."""
    backend = robot_app.extensions["renewdesk"]
    lead_id = submit(robot_app)
    work = backend.inbound.dispatcher
    work.run_once()  # the announcement
    fake_clock.advance(minutes=14)
    work.run_once()
    boss = Actor("wang.boss", "supervisor")
    assert backend.inbound.attention.waiting(boss) == []
    fake_clock.advance(minutes=2)
    work.run_once()  # the check: unclaimed; it writes the supervisor's push
    work.run_once()  # which goes out on the next pass
    [waiting] = backend.inbound.attention.waiting(boss)
    assert waiting["lead_id"] == lead_id and waiting["waiting_reason"] == "unclaimed"
    pushed = [r for r in receiver.accepted("wecom") if "超时无人领取" in r.text]
    assert len(pushed) == 1 and lead_id in pushed[0].text
    for _ in range(3):
        fake_clock.advance(minutes=20)
        work.run_once()
    assert len([r for r in receiver.accepted("wecom") if "超时无人领取" in r.text]) == 1
    claimed = backend.staff.claims.claim_next(LI_NA)
    assert claimed is not None and claimed.lead_id == lead_id  # still claimable, first in line
    assert backend.inbound.attention.waiting(boss) == []


def test_a_request_claimed_in_time_bothers_nobody(robot_app, receiver, fake_clock):
    backend = robot_app.extensions["renewdesk"]
    submit(robot_app)
    fake_clock.advance(minutes=5)
    backend.staff.claims.claim_next(LI_NA)
    for _ in range(4):
        backend.inbound.dispatcher.run_once()
        fake_clock.advance(minutes=10)
    assert backend.inbound.attention.waiting(Actor("wang.boss", "supervisor")) == []
    assert not [r for r in receiver.received if "超时无人领取" in r.text]


def test_the_attention_list_shows_waiting_leads_in_the_api_and_on_the_team_page(
    app, backend, fake_clock, supervisor, specialist
):
    lead_id = submit(app)
    work = backend.inbound.dispatcher
    work.run_once()
    fake_clock.advance(minutes=16)
    work.run_once()
    listed = supervisor.get("/api/staff/attention").get_json()
    assert [lead["lead_id"] for lead in listed["waiting"]] == [lead_id]
    assert listed["bounced"] == []
    assert specialist.get("/api/staff/attention").status_code == 403
    team = supervisor.get("/staff/team").get_data(as_text=True)
    assert "等待过久的线索" in team and "超时未领取" in team
    queue = supervisor.get("/staff/queue").get_data(as_text=True)
    assert "超时未领取" in queue


# -- booked calls --------------------------------------------------------------------------------


def test_a_booked_call_is_pushed_to_its_holder_ten_minutes_before(robot_app, receiver, fake_clock):
    """Booked for 14:30: pushed at 14:20, naming the holder; a call booked again for later is
    pushed for the new time only."""
    backend = robot_app.extensions["renewdesk"]
    add_lead(backend, name="陈静")
    backend.staff.claims.claim_next(LI_NA)
    li_na = sign_in(robot_app, _staff(backend, "li.na"))
    [lead] = li_na.get("/api/staff/leads?mine=1").get_json()["leads"]
    booked = post(
        li_na,
        f"/api/staff/leads/{lead['lead_id']}/followups",
        {"channel": "phone", "result": "call_back", "next_contact_at": "2026-05-12T14:30"},
    )
    assert booked.status_code == 201
    work = backend.inbound.dispatcher
    fake_clock.moment = local(12, 14, 19).astimezone(dt.timezone.utc)
    work.run_once()
    assert not [r for r in receiver.received if "预约回电" in r.text]
    fake_clock.moment = local(12, 14, 20).astimezone(dt.timezone.utc)
    work.run_once()
    [pushed] = [r for r in receiver.accepted("wecom") if "预约回电" in r.text]
    assert "li.na 14:30" in pushed.text and "陈*" in pushed.text and "陈静" not in pushed.text

    li_na = sign_in(robot_app, "li.na")  # hours later: a new session
    post(
        li_na,
        f"/api/staff/leads/{lead['lead_id']}/followups",
        {"channel": "phone", "result": "call_back", "next_contact_at": "2026-05-12T16:00"},
    )
    post(
        li_na,
        f"/api/staff/leads/{lead['lead_id']}/followups",
        {"channel": "phone", "result": "call_back", "next_contact_at": "2026-05-12T17:00"},
    )
    fake_clock.moment = local(12, 16, 55).astimezone(dt.timezone.utc)
    report = work.run_once()
    assert report.skipped >= 1  # 16:00 is no longer booked
    fake_clock.moment = local(12, 16, 51).astimezone(dt.timezone.utc)
    work.run_once()
    pushes = [r.text for r in receiver.accepted("wecom") if "预约回电" in r.text]
    assert len(pushes) == 2 and "17:00" in pushes[1] and "16:00" not in "".join(pushes)


def _staff(backend, username):
    if backend.staff.accounts.get(username) is None:
        from tests.staff.conftest import add_staff

        add_staff(backend, username)
    return username


# -- renewals past N-7 ---------------------------------------------------------------------------


def test_renewals_past_n7_that_nobody_holds_join_the_attention_list(backend, fake_clock):
    """Expiring in 5 days and queued: on the list; in 20 days, or held by someone: not."""
    today = clock.local_date(fake_clock())
    soon = add_lead(
        backend,
        customer_requested=False,
        expiry_date=(today + dt.timedelta(days=5)).isoformat(),
        due=(today - dt.timedelta(days=25)).isoformat(),
    )
    add_lead(
        backend,
        customer_requested=False,
        expiry_date=(today + dt.timedelta(days=20)).isoformat(),
        due=(today - dt.timedelta(days=10)).isoformat(),
    )
    held = add_lead(
        backend,
        grade="A",
        expiry_date=(today + dt.timedelta(days=3)).isoformat(),
        due=(today - dt.timedelta(days=27)).isoformat(),
    )
    assert backend.staff.claims.claim_next(LI_NA).lead_id == held
    assert backend.inbound.attention.sweep() == 1
    assert backend.inbound.attention.sweep() == 0  # once on the list, not marked again
    boss = Actor("wang.boss", "supervisor")
    [waiting] = backend.inbound.attention.waiting(boss)
    assert waiting["lead_id"] == soon and waiting["waiting_reason"] == "past_n7"
    assert waiting["days_to_expiry"] == 5


def test_days_to_expiry_on_every_list_and_the_lead_page(
    specialist, supervisor, backend, fake_clock, app
):
    today = clock.local_date(fake_clock())
    lead_id = add_lead(backend, expiry_date=(today + dt.timedelta(days=12)).isoformat())
    assert "12天后到期" in supervisor.get("/staff/queue").get_data(as_text=True)
    assert "12天后到期" in supervisor.get("/staff/leads").get_data(as_text=True)
    phone = backend.stores.queue.get_lead(lead_id).phone
    assert "12天后到期" in specialist.get(f"/staff/search?q={phone[3:]}").get_data(as_text=True)
    post(specialist, "/api/staff/leads/claim")
    assert "12天后到期" in specialist.get("/staff/").get_data(as_text=True)
    assert "12天后到期" in specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    assert specialist.get(f"/api/staff/leads/{lead_id}").get_json()["lead"]["days_to_expiry"] == 12
    fake_clock.advance(days=14)
    supervisor = sign_in(app, "wang.boss")
    page = supervisor.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    assert "已过期2天" in page


def test_the_scheduled_functions_run_the_worker_and_the_sweep(settings):
    """What zappa's events call: a bounded run of passes, and the sweep."""
    from renewdesk import scheduled

    assert scheduled.notifications(settings=settings.with_(notify_poll_seconds=1)) == {
        "ran_seconds": 1.0
    }
    assert scheduled.attention_sweep(settings=settings) == {"past_n7": 0}
    events = {e["function"] for e in _zappa_events()}
    assert {"renewdesk.scheduled.notifications", "renewdesk.scheduled.attention_sweep"} <= events


def _zappa_events() -> list[dict]:
    import json

    stage = json.loads(Path(PROJECT_ROOT / "zappa_settings.json").read_text())["dev"]
    return stage["events"]
