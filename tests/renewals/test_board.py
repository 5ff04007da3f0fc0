"""Cycles and the 续保率 board through the real roster import, reminder run and staff API: every
figure equals a plain recount of the raw cycles after every kind of change."""

from __future__ import annotations

import dataclasses
import datetime as dt

from tests.renewals.conftest import (
    TODAY,
    Requests,
    assert_board_matches,
    import_rows,
    policy_row,
    post,
)
from tests.staff.conftest import add_staff, sign_in

MONTH = "2026-06"


def june_roster() -> list[dict]:
    rows = [
        policy_row("粤B10001", "2026-06-03", grade="A", last_insurer="中国人保财险"),
        policy_row("粤B10002", "2026-06-05", grade="A", last_insurer="人保"),
        policy_row("粤B10003", "2026-06-10", grade="B", last_insurer="平安产险"),
        policy_row("粤B10004", "2026-06-12", grade="B", last_insurer="太平洋保险"),
        policy_row("粤B10005", "2026-06-20", grade="C", last_insurer="某某保险"),
        policy_row("粤B10006", "2026-06-28", grade=None, last_insurer=None),
        # Not due: cancelled, and a short-term policy (five months of cover).
        policy_row("粤B10007", "2026-06-15", status="cancelled"),
        policy_row("粤B10008", "2026-06-16", start_date="2026-01-16"),
    ]
    return rows


def board(client, month=MONTH):
    answer = client.get(f"/api/staff/reports/renewals?month={month}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def leads_by_plate(backend):
    backend.roster.reminders.run(TODAY, write_file=False)
    found = {}
    for cycle in backend.stores.cycles.cycles_of_month(MONTH):
        if cycle.lead_id:
            found[cycle.plate] = cycle.lead_id
    return found


def test_a_roster_import_makes_every_due_policy_a_cycle(app, backend, supervisor):
    import_rows(backend, june_roster())
    cycles = backend.stores.cycles.cycles_of_month(MONTH)
    assert len(cycles) == 8
    excluded = {c.plate: c.excluded for c in cycles if c.excluded}
    assert excluded == {"粤B10007": "cancelled", "粤B10008": "short_term"}
    insurers = {c.plate: c.insurer for c in cycles}
    assert insurers["粤B10001"] == insurers["粤B10002"] == "人保"
    assert insurers["粤B10004"] == "太保" and insurers["粤B10005"] == "某某保险"
    shown = board(supervisor)
    assert shown["due"] == {"count": 6, "premium": 6 * 3950.0}
    assert shown["not_contacted"]["count"] == 6 and shown["renewed"]["count"] == 0
    assert shown["rate_count"] == 0.0 and shown["quote_win_rate"] is None
    assert set(shown["by_insurer"]) == {"人保", "平安", "太保", "某某保险", "none"}
    assert shown["by_grade"]["A"]["due"]["count"] == 2
    assert shown["by_grade"]["none"]["due"]["count"] == 1
    assert shown["target"]["by_grade"]["A"] == 0.92 and shown["target"]["default"]
    assert_board_matches(shown, cycles, TODAY)


def test_working_the_leads_moves_the_board_and_it_always_equals_a_recount(
    app, backend, supervisor, fake_clock
):
    import_rows(backend, june_roster())
    leads = leads_by_plate(backend)
    assert len(leads) == 7  # no lead for the cancelled policy
    li = sign_in(app, add_staff(backend, "li.na"))
    zhou = sign_in(app, add_staff(backend, "zhou.min"))

    def mine(client, username, plate):
        lead_id = leads[plate]
        answer = post(supervisor, f"/api/staff/leads/{lead_id}/reassign", {"to": username})
        assert answer.status_code == 200, answer.get_json()
        return lead_id

    def check():
        assert_board_matches(board(supervisor), backend.stores.cycles.cycles_of_month(MONTH), TODAY)

    # li.na wins 粤B10001 with a quote: premium and insurer are not typed again.
    a1 = mine(li, "li.na", "粤B10001")
    contact = {"channel": "phone", "result": "reached"}
    assert post(li, f"/api/staff/leads/{a1}/followups", contact).status_code == 201
    quoted = post(li, f"/api/staff/leads/{a1}/followups", {**contact, "result": "quoted"})
    assert quoted.status_code == 400
    assert quoted.get_json()["fields"]["result"]["code"] == "quote_missing"
    quote = post(
        li,
        f"/api/staff/leads/{a1}/quotes",
        {"insurer": "中国人保", "commercial_premium": "4200", "compulsory_premium": "950"},
    )
    assert quote.status_code == 201, quote.get_json()
    body = quote.get_json()
    assert body["insurer"] == "人保" and body["premium"] == 5150.0
    assert body["gift_tier"]["band"] == "3000-5000"
    other = post(
        li,
        f"/api/staff/leads/{a1}/quotes",
        {"insurer": "平安", "commercial_premium": "0", "compulsory_premium": "950"},
    )
    assert other.get_json()["gift_tier"]["band"] == "compulsory_only"
    page = li.get(f"/api/staff/leads/{a1}").get_json()
    assert [q["insurer"] for q in page["quotes"]] == ["人保", "平安"]
    won = post(li, f"/api/staff/leads/{a1}/close", {"outcome": "won", "quote_id": body["quote_id"]})
    assert won.status_code == 200, won.get_json()
    assert won.get_json()["premium"] == 5150.0 and won.get_json()["insurer"] == "人保"
    check()

    # zhou.min loses 粤B10003 on price; 粤B10004 is quoted and still open.
    b3 = mine(zhou, "zhou.min", "粤B10003")
    lost = post(
        zhou,
        f"/api/staff/leads/{b3}/close",
        {"outcome": "lost", "reason": "price", "note": "外面便宜400元，已申请礼包仍不接受"},
    )
    assert lost.status_code == 200
    b4 = mine(zhou, "zhou.min", "粤B10004")
    post(
        zhou,
        f"/api/staff/leads/{b4}/quotes",
        {"insurer": "太保", "commercial_premium": "2800", "compulsory_premium": "950"},
    )
    check()
    shown = board(supervisor)
    assert shown["renewed"] == {"count": 1, "premium": 5150.0}
    assert shown["lost"]["count"] == 1 and shown["quoted"]["count"] == 2
    assert shown["by_specialist"]["li.na"]["renewed"]["count"] == 1
    assert shown["by_specialist"]["zhou.min"]["due"]["count"] == 2
    assert shown["quote_win_rate"] == 0.5 and shown["rate_count"] == round(1 / 6, 4)

    # The win rolled the policy over: next June's cycle is due, last premium the won one.
    next_year = board(supervisor, "2027-06")
    assert next_year["due"] == {"count": 1, "premium": 5150.0}
    assert next_year["by_insurer"] == {"人保": next_year["by_insurer"]["人保"]}

    # A reopen undoes the win and the rollover.
    assert post(supervisor, f"/api/staff/leads/{a1}/reopen").status_code == 200
    check()
    assert board(supervisor)["renewed"]["count"] == 0
    assert board(supervisor, "2027-06")["due"]["count"] == 0
    policy = backend.stores.cycles.get_policy("粤B10001")
    assert policy.expiry_date == "2026-06-03"


def test_a_policy_past_its_grace_period_is_lapsed_before_and_after_the_daily_job(
    app, backend, supervisor, fake_clock, requests: Requests
):
    import_rows(backend, june_roster())
    leads_by_plate(backend)
    store = backend.stores.cycles
    before = board(supervisor)
    assert before["lapsed"]["count"] == 0
    fake_clock.advance(days=53)  # 2026-07-04: 粤B10001 (06-03) is 31 days past expiry
    today = TODAY + dt.timedelta(days=53)
    supervisor = sign_in(app, "wang.boss")
    requests.reset()
    shown = board(supervisor)
    # The session (2 GetItem), one BatchGetItem (trend, targets, lapse cursor), the month's
    # figures, the days past grace the job has not marked, the week's reviews (2 Query).
    assert requests.operations == {"GetItem": 2, "BatchGetItem": 1, "Query": 4}
    assert shown["lapsed"] == {"count": 1, "premium": 3950.0}
    assert shown["open"]["count"] == 5 and shown["not_contacted"]["count"] == 5
    cycles = store.cycles_of_month(MONTH)
    assert not any(c.lapsed_on for c in cycles) and store.lapsed_through() is None
    assert_board_matches(shown, cycles, today)

    report = backend.renewals.lapses.run()
    assert report.lapsed == 1 and store.lapsed_through() == "2026-06-03"
    assert backend.renewals.lapses.run().lapsed == 0
    requests.reset()
    after = board(supervisor)
    assert requests.operations == {"GetItem": 2, "BatchGetItem": 1, "Query": 3}  # none unmarked
    assert after == shown  # counted once: as marked now, no longer from the open day
    assert_board_matches(after, store.cycles_of_month(MONTH), today)

    # Two days on, the job has not run: 粤B10002 (06-05) is lapsed from its open day alone.
    fake_clock.advance(days=2)
    supervisor = sign_in(app, "wang.boss")
    later = board(supervisor)
    assert later["lapsed"]["count"] == 2 and later["open"]["count"] == 4
    assert_board_matches(later, store.cycles_of_month(MONTH), today + dt.timedelta(days=2))
    assert backend.renewals.lapses.run().lapsed == 1
    assert store.lapsed_through() == "2026-06-05"
    assert board(supervisor) == later


def test_a_roster_record_that_expired_40_days_ago_is_lapsed_at_once(app, backend, supervisor):
    expired = (TODAY - dt.timedelta(days=40)).isoformat()
    in_grace = (TODAY - dt.timedelta(days=20)).isoformat()
    import_rows(backend, [policy_row("粤B30001", expired), policy_row("粤B30002", in_grace)])
    store = backend.stores.cycles
    cycles = {c.plate: c for c in store.cycles_of_month(expired[:7])}
    assert cycles["粤B30001"].lapsed_on == TODAY.isoformat()
    assert cycles["粤B30002"].lapsed_on is None
    still_open = store.open_cycles_through(TODAY.isoformat(), 10)
    assert [c.plate for c in still_open] == ["粤B30002"]
    shown = board(supervisor, expired[:7])
    assert shown["lapsed"]["count"] == 1 and shown["open"]["count"] == 1
    assert shown["not_contacted"]["count"] == 1
    assert_board_matches(shown, list(cycles.values()), TODAY)
    assert backend.renewals.lapses.run().lapsed == 0
    assert board(supervisor, expired[:7]) == shown


def test_a_lead_reopened_after_its_grace_period_is_lapsed_at_once(
    app, backend, supervisor, fake_clock
):
    import_rows(backend, june_roster())
    lead_id = leads_by_plate(backend)["粤B10001"]
    post(supervisor, f"/api/staff/leads/{lead_id}/reassign", {"to": "wang.boss"})
    note = {"outcome": "lost", "reason": "price", "note": "外面便宜400元，已申请礼包仍不接受"}
    assert post(supervisor, f"/api/staff/leads/{lead_id}/close", note).status_code == 200
    fake_clock.advance(days=60)  # 2026-07-11: 06-03 + 30 days is past
    today = TODAY + dt.timedelta(days=60)
    supervisor = sign_in(app, "wang.boss")
    backend.renewals.lapses.run()  # 06-05 and 06-10 marked; the cursor is at 06-10
    assert backend.stores.cycles.lapsed_through() == "2026-06-10"
    assert post(supervisor, f"/api/staff/leads/{lead_id}/reopen").status_code == 200
    cycle = backend.stores.cycles.get_cycle(backend.stores.queue.get_lead(lead_id).cycle_id)
    assert (cycle.outcome, cycle.lapsed_on) == (None, today.isoformat())
    shown = board(supervisor)
    assert shown["lapsed"]["count"] == 3 and shown["lost"]["count"] == 0
    assert_board_matches(shown, backend.stores.cycles.cycles_of_month(MONTH), today)


def test_the_lapse_cursor_stops_before_a_day_the_job_did_not_finish(
    app, backend, supervisor, fake_clock
):
    import_rows(backend, june_roster())
    fake_clock.advance(days=60)  # 2026-07-11: 06-03, 06-05 and 06-10 are past their grace
    today = TODAY + dt.timedelta(days=60)
    supervisor = sign_in(app, "wang.boss")
    store = backend.stores.cycles
    shown = board(supervisor)
    assert shown["lapsed"]["count"] == 3
    stopped = dataclasses.replace(backend.renewals.lapses, budget=1).run()
    assert (stopped.lapsed, stopped.incomplete) == (1, True)
    assert store.lapsed_through() == "2026-06-04"  # 06-05 is not finished
    assert board(supervisor) == shown
    assert_board_matches(shown, store.cycles_of_month(MONTH), today)
    assert backend.renewals.lapses.run().lapsed == 2
    assert store.lapsed_through() == "2026-06-10"
    assert board(supervisor) == shown
    # A run as of a later day marks what it marks, but the cursor stays at today's cutoff: the
    # board still finds the cycles whose grace period ends between now and then.
    backend.renewals.lapses.run(today + dt.timedelta(days=30))
    assert store.lapsed_through() == "2026-06-10"


def test_the_board_reads_a_bounded_number_of_requests_and_never_scans(
    app, backend, supervisor, requests: Requests
):
    import_rows(backend, june_roster())
    requests.reset()
    board(supervisor)
    assert requests.operations["Scan"] == 0
    assert requests.total <= 7, requests.operations


def test_the_board_is_for_supervisors(app, backend, specialist):
    assert specialist.get(f"/api/staff/reports/renewals?month={MONTH}").status_code == 403


def test_roster_changes_move_open_cycles_and_correct_expiry_dates(app, backend, supervisor):
    rows = june_roster()
    import_rows(backend, rows)
    changed = [dict(r) for r in rows]
    changed[2]["grade"] = "A"  # 粤B10003 becomes an A customer
    changed[3]["expiry_date"] = "2026-06-22"  # 粤B10004's date corrected
    changed[4]["expiry_date"] = "2027-06-20"  # 粤B10005 shows next year's policy
    changed[6]["status"] = None  # 粤B10007 no longer marked cancelled
    summary = import_rows(backend, changed)
    assert summary.updated == 4
    cycles = backend.stores.cycles.cycles_of_month(MONTH)
    by_plate = {}
    for c in cycles:
        by_plate.setdefault(c.plate, []).append(c)
    assert [c.excluded for c in by_plate["粤B10004"]] == ["superseded", None]
    assert len(by_plate["粤B10005"]) == 1  # June's stays and runs its course (it will lapse)
    shown = board(supervisor)
    assert shown["due"]["count"] == 7  # 粤B10007 is due again; 粤B10004 counted once
    assert shown["by_grade"]["A"]["due"]["count"] == 3
    assert_board_matches(shown, cycles, TODAY)
    assert board(supervisor, "2027-06")["due"]["count"] == 1
    again = import_rows(backend, changed)
    assert again.unchanged == len(changed)


def test_erasing_a_customer_keeps_the_figures_and_takes_the_plate_off_the_cycles(
    app, backend, supervisor
):
    import_rows(backend, june_roster())
    leads = leads_by_plate(backend)
    lead_id = leads["粤B10002"]
    post(supervisor, f"/api/staff/leads/{lead_id}/reassign", {"to": "wang.boss"})
    closed = post(
        supervisor,
        f"/api/staff/leads/{lead_id}/close",
        {"outcome": "won", "premium": "4100", "insurer": "人保"},
    )
    assert closed.status_code == 200
    before = board(supervisor)
    phone = backend.stores.queue.get_lead(lead_id).phone
    backend.privacy.erasure.erase(phone)
    after = board(supervisor)
    assert after == before
    plates = {c.cycle_id: c.plate for c in backend.stores.cycles.cycles_of_month(MONTH)}
    assert "粤B10002" not in plates.values() and None in plates.values()
    assert backend.stores.cycles.vehicle_cycles("粤B10002") == []
    assert board(supervisor, "2027-06")["due"]["count"] == 1  # next year's cycle, no plate


def test_records_stored_before_cycles_existed_get_theirs_from_the_backfill(
    backend, supervisor, cli
):
    from renewdesk.services.records import Policy
    from renewdesk.store.items import policy_item

    old = Policy(plate="粤B20001", name="王芳", phone="+8613900020001", expiry_date="2026-06-09")
    backend.stores.cycles.put_items([policy_item(backend.settings.store_id, old)])
    assert board(supervisor)["due"]["count"] == 0
    code, out, _ = cli("renewals", "backfill")
    assert (code, out.strip()) == (0, "1")
    assert board(supervisor)["due"]["count"] == 1
    assert cli("renewals", "backfill")[1].strip() == "0"
