"""Speed to lead: every customer's request is announced to the store's group robots exactly once,
through a durable outbox written with the lead, against a real local HTTP receiver."""

from __future__ import annotations

import datetime as dt
import json
import re

from renewdesk.services import notifications
from renewdesk.services.notifications import MAX_ATTEMPTS
from tests.inbound.conftest import add_staff, post, sign_in, submit


def backend_of(app):
    return app.extensions["renewdesk"]


def dispatcher(app):
    return backend_of(app).inbound.dispatcher


def notices_of(stored, lead_id: str | None = None) -> list[dict]:
    return [n for n in stored().get("notice", []) if lead_id in (None, n["lead_id"])]


def test_a_request_writes_its_notices_in_the_same_single_request(robot_app, stored):
    """One TransactWriteItems for lead, guard, counters and both notices; nothing personal in
    a notice."""
    backend = robot_app.extensions["renewdesk"]
    sent: list[str] = []

    def count(request, **kwargs):
        sent.append(request.headers["X-Amz-Target"].decode().split(".")[1])

    backend.client.meta.events.register("before-send.dynamodb", count)
    try:
        lead_id = submit(robot_app)
    finally:
        backend.client.meta.events.unregister("before-send.dynamodb", count)
    assert sent == ["TransactWriteItems"]
    notices = notices_of(stored, lead_id)
    assert sorted(n["kind"] for n in notices) == ["check", "new_lead"]
    assert all(n["state"] == "pending" for n in notices)
    for notice in notices:
        text = json.dumps(notice, ensure_ascii=False)
        assert "张伟" not in text and "13900139000" not in text and "粤B12345" not in text


def test_a_duplicate_request_announces_nothing_more(robot_app, stored):
    """The second press of the same vehicle is no new lead: no second announcement."""
    lead_id = submit(robot_app)
    assert submit(robot_app) == lead_id
    assert len(notices_of(stored, lead_id)) == 2


def test_a_failing_then_hanging_robot_announces_each_lead_exactly_once(
    robot_app, receiver, fake_clock, stored
):
    """WeCom fails (500), then hangs past the timeout, then accepts; DingTalk accepts at once.
    Retried with backoff, each robot is told of the lead once, masked, with a link."""
    receiver.plan["wecom"] = ["fail", "timeout"]
    lead_id = submit(robot_app, name="欧阳娜娜", phone="13800138686", plate="粤B86868")
    work = dispatcher(robot_app)

    first = work.run_once()
    assert (first.messages, first.retried) == (1, 1)  # DingTalk took it, WeCom failed
    assert work.run_once().taken == 0  # not due again before its backoff
    fake_clock.advance(seconds=notifications.backoff(1) + 1)
    assert work.run_once().retried == 1  # WeCom timed out
    fake_clock.advance(seconds=notifications.backoff(2) + 1)
    assert work.run_once().sent == 1
    for _ in range(3):  # later passes (the 15-minute check among them) announce it no more
        fake_clock.advance(minutes=10)
        work.run_once()

    announcements = [r for r in receiver.received if "新线索" in r.text]
    assert [r.answered for r in announcements if r.robot == "wecom"] == [
        "fail",
        "timeout",
        "accept",
    ]
    for robot in ("wecom", "dingtalk"):
        [message] = [r for r in announcements if r.robot == robot and r.answered == "accept"]
        assert f"/staff/leads/{lead_id}" in message.text
        assert message.text.count(lead_id) == 1
        assert (
            "欧*" in message.text
            and "粤B***68" in message.text
            and "+86138****8686" in message.text
        )
        assert "欧阳娜娜" not in message.text and "13800138686" not in message.text
        assert "粤B86868" not in message.text
    assert receiver.accepted("wecom")[0].body["msgtype"] == "markdown"
    assert "content" in receiver.accepted("wecom")[0].body["markdown"]
    assert receiver.accepted("dingtalk")[0].body["markdown"]["title"]
    [announced] = [n for n in notices_of(stored, lead_id) if n["kind"] == "new_lead"]
    assert announced["state"] == "sent" and sorted(announced["sent_to"]) == ["dingtalk", "wecom"]
    assert "ready_pk" not in announced and announced["expires_at"]


def test_dingtalk_requests_carry_the_hmac_timestamp_and_sign(robot_app, receiver):
    """The receiver checks DingTalk's signature itself: a wrong secret would be refused."""
    submit(robot_app)
    dispatcher(robot_app).run_once()
    [message] = receiver.accepted("dingtalk")
    assert re.fullmatch(r"[0-9]{13}", message.query["timestamp"])
    assert message.query["sign"]


def test_a_burst_is_batched_under_each_robots_per_minute_limit(robot_app, receiver, fake_clock):
    """Thirty requests at once: few messages, each lead in exactly one of them per robot, never
    more than the minute's budget."""
    work = dispatcher(robot_app)
    work.per_minute, work.leads_per_message = 2, 4
    leads = [submit(robot_app, phone=f"1390013{n:04d}", plate=f"粤B{n:05d}") for n in range(30)]
    first = work.run_once()
    assert first.messages == 4 and first.deferred == 30 - 8  # 2 messages of 4 per robot
    for robot in ("wecom", "dingtalk"):
        assert len(receiver.accepted(robot)) == 2
    for _ in range(8):
        fake_clock.advance(minutes=1)
        work.run_once()
    for robot in ("wecom", "dingtalk"):
        texts = [r.text for r in receiver.accepted(robot)]
        assert len(texts) == 8  # 30 leads, 4 a message
        for lead_id in leads:
            assert sum(text.count(lead_id) for text in texts) == 1, lead_id


def test_the_robots_own_throttle_answer_holds_the_rest_for_the_next_minute(
    robot_app, receiver, fake_clock
):
    """errcode 45009 (WeCom's limit) is no failure of the lead: retried next minute, sent once."""
    receiver.plan["wecom"] = ["throttle"]
    lead_id = submit(robot_app)
    work = dispatcher(robot_app)
    work.run_once()
    fake_clock.advance(minutes=1)
    work.run_once()
    assert [r.text.count(lead_id) for r in receiver.accepted("wecom")] == [1]


def test_repeated_failure_goes_to_the_dead_letters_and_a_resend_delivers_once(
    robot_app, receiver, fake_clock, app, backend
):
    """WeCom keeps failing: after MAX_ATTEMPTS rounds the notice is dead (DingTalk got it once);
    the supervisor's resend sends it to WeCom only."""
    from renewdesk.services.staff import Actor

    receiver.plan["wecom"] = ["fail"] * MAX_ATTEMPTS
    lead_id = submit(robot_app)
    # Claimed at once (so no "unclaimed" push joins in): still announced, once.
    backend_of(robot_app).staff.claims.claim_next(Actor("li.na", "specialist"))
    work = dispatcher(robot_app)
    for _ in range(MAX_ATTEMPTS + 2):
        work.run_once()
        fake_clock.advance(minutes=11)
    [dead] = work.dead_letters()
    assert dead.lead_id == lead_id and dead.sent_to == ("dingtalk",)
    assert dead.last_error == "wecom:http_500"

    boss = sign_in(robot_app, add_staff(backend_of(robot_app), "wang.boss", "supervisor"))
    listed = boss.get("/api/staff/notifications").get_json()["notices"]
    assert [n["notice_id"] for n in listed] == [dead.notice_id]
    page = boss.get("/staff/team").get_data(as_text=True)
    assert "未能发送的通知" in page and "wecom:http_500" in page
    again = post(boss, f"/api/staff/notifications/{dead.notice_id}/resend")
    assert again.status_code == 200 and again.get_json()["state"] == "pending"
    assert post(boss, f"/api/staff/notifications/{dead.notice_id}/resend").status_code == 409
    work.run_once()
    assert len(receiver.accepted("wecom")) == 1 and len(receiver.accepted("dingtalk")) == 1
    assert work.dead_letters() == []


def test_only_a_supervisor_sees_and_resends_dead_letters(robot_app):
    backend = robot_app.extensions["renewdesk"]
    specialist = sign_in(robot_app, add_staff(backend, "li.na"))
    assert specialist.get("/api/staff/notifications").status_code == 403
    assert post(specialist, "/api/staff/notifications/X/resend").status_code == 403


def test_without_robots_notices_are_settled_unsent(app, stored):
    """No webhook configured: nothing is sent, nothing piles up in the outbox."""
    lead_id = submit(app)
    report = app.extensions["renewdesk"].inbound.dispatcher.run_once()
    assert report.skipped == 1
    [announced] = [n for n in notices_of(stored, lead_id) if n["kind"] == "new_lead"]
    assert announced["state"] == "skipped" and announced["last_error"] == "no_robot"
    assert "ready_pk" not in announced


def test_an_erased_customer_is_not_announced(robot_app, receiver):
    """The customer asked to be forgotten before the worker ran: no message names them."""
    submit(robot_app)
    robot_app.extensions["renewdesk"].privacy.erasure.erase("+8613900139000")
    report = dispatcher(robot_app).run_once()
    assert report.skipped == 1 and receiver.received == []


def test_an_sms_link_tap_and_a_referral_are_announced_too(robot_app, receiver, fake_clock):
    """Every customer-initiated lead: the renewal link's tap on a queued roster lead, and a
    referral sign-up."""
    from renewdesk.services.roster import ImportSummary, RosterImport
    from tests.roster.test_renew_page_in_browser import policy_record

    backend = robot_app.extensions["renewdesk"]

    record = policy_record("粤B86868", "+8613800138686", 60)
    record["expiry_date"] = (START_DAY + dt.timedelta(days=60)).isoformat()
    RosterImport(backend.stores.roster, now=fake_clock).import_records([record], ImportSummary())
    backend.roster.reminders.run()
    [policy] = backend.stores.roster.get_policies(["粤B86868"]).values()
    token = backend.roster.links.issue(policy.roster_id)
    tapped = robot_app.test_client().post("/api/renewals", json={"token": token, "consent": True})
    assert tapped.status_code == 201 and tapped.get_json()["lead_id"] == policy.lead_id
    code = backend.referrals.referrers.issue("李娜", "+8613900139111").code
    joined = robot_app.test_client().post(
        "/api/referrals",
        json={
            "code": code,
            "name": "赵磊",
            "phone": "13700137000",
            "interest": "insurance",
            "consent": True,
        },
    )
    assert joined.status_code == 201
    dispatcher(robot_app).run_once()
    [message] = receiver.accepted("wecom")
    assert policy.lead_id in message.text and joined.get_json()["lead_id"] in message.text
    assert "赵*" in message.text and "转介绍" in message.text


START_DAY = dt.date(2026, 5, 12)
