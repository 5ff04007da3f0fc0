"""Claim-next: order, exactly one holder, leases that lapse by themselves, the attention list."""

from __future__ import annotations

import datetime as dt

from renewdesk.services import clock
from tests.staff.conftest import LEASE_MINUTES, START, add_lead, add_staff, post, sign_in

RELEASE = {"reason": "no_answer"}


def claim(client, **body):
    return post(client, "/api/staff/leads/claim", body)


def test_claim_returns_the_lead_with_contact_data_and_lease(specialist, backend, fake_clock):
    """200 with full name, phone, plate and when the lease ends."""
    lead_id = add_lead(backend, name="陈静")
    answer = claim(specialist)
    assert answer.status_code == 200
    lead = answer.get_json()
    assert lead["lead_id"] == lead_id and lead["name"] == "陈静"
    assert lead["phone"].startswith("+86139") and lead["plate"].startswith("粤B")
    assert lead["status"] == "claimed" and lead["holder"] == "li.na"
    assert lead["lease_expires_at"] == clock.iso(fake_clock() + dt.timedelta(minutes=LEASE_MINUTES))


def test_claim_is_204_when_nothing_is_claimable(specialist):
    """An empty queue answers 204 No Content."""
    answer = claim(specialist)
    assert answer.status_code == 204 and answer.data == b""


def test_claim_order_is_grade_then_due_date_then_age(specialist, backend):
    """Customer-requested A before B before C; then earliest due; then oldest; roster last."""
    older = START - dt.timedelta(hours=3)
    expected = [
        add_lead(backend, grade="A", due="2026-05-20"),
        add_lead(backend, grade="B", due="2026-05-01", created=older),
        add_lead(backend, grade="B", due="2026-05-01"),
        add_lead(backend, grade="B", due="2026-05-09"),
        add_lead(backend, grade="C", due="2026-04-01"),
        add_lead(backend, grade="A", customer_requested=False, due="2026-04-01"),
    ]
    claimed = [claim(specialist).get_json()["lead_id"] for _ in expected]
    assert claimed == expected


def test_type_filter_claims_only_that_type(specialist, backend):
    """{"type": "referral"} skips renewals ahead of it."""
    add_lead(backend, grade="A")
    referral = add_lead(backend, grade="C", lead_type="referral")
    assert claim(specialist, type="referral").get_json()["lead_id"] == referral
    assert claim(specialist, type="referral").status_code == 204


def test_bad_claim_type_is_400(specialist):
    """Only renewal or referral."""
    answer = claim(specialist, type="claims")
    assert answer.status_code == 400
    assert answer.get_json()["fields"]["type"]["code"] == "invalid_choice"


def test_a_lapsed_lease_returns_the_lead_to_the_queue_without_any_job(
    app, backend, specialist, fake_clock
):
    """Once the lease passes, the next claimer gets the same lead; the first holder lost it."""
    lead_id = add_lead(backend)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert claim(specialist).get_json()["lead_id"] == lead_id
    assert claim(colleague).status_code == 204
    fake_clock.advance(minutes=LEASE_MINUTES + 1)
    assert claim(colleague).get_json()["lead_id"] == lead_id
    late = post(
        specialist,
        f"/api/staff/leads/{lead_id}/followups",
        {"channel": "phone", "result": "reached"},
    )
    assert late.status_code == 403 and late.get_json()["error"] == "not_your_lead"


def test_a_lapsed_lease_shows_as_queued_with_no_holder(specialist, backend, fake_clock, supervisor):
    """Nobody holds a lead whose lease has passed, even before anyone claims it again."""
    lead_id = add_lead(backend)
    claim(specialist)
    fake_clock.advance(minutes=LEASE_MINUTES + 1)
    lead = supervisor.get(f"/api/staff/leads/{lead_id}").get_json()["lead"]
    assert lead["status"] == "queued" and lead["holder"] is None
    assert lead["lease_expires_at"] is None


def test_the_holders_activity_renews_the_lease(specialist, backend, fake_clock, app):
    """Opening the lead before the lease ends pushes it out by a full lease again."""
    lead_id = add_lead(backend)
    claim(specialist)
    fake_clock.advance(minutes=LEASE_MINUTES - 4)
    renewed = specialist.get(f"/api/staff/leads/{lead_id}").get_json()["lead"]
    lease = fake_clock() + dt.timedelta(minutes=LEASE_MINUTES)
    assert renewed["lease_expires_at"] == clock.iso(lease)
    fake_clock.advance(minutes=LEASE_MINUTES - 4)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert claim(colleague).status_code == 204


def test_a_follow_up_makes_the_lead_the_holders_beyond_the_lease(
    specialist, backend, fake_clock, app
):
    """Once the customer has been called the lead stays on the holder's desk."""
    lead_id = add_lead(backend)
    claim(specialist)
    post(
        specialist,
        f"/api/staff/leads/{lead_id}/followups",
        {"channel": "phone", "result": "no_answer"},
    )
    fake_clock.advance(minutes=LEASE_MINUTES * 2)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert claim(colleague).status_code == 204
    mine = specialist.get("/api/staff/leads?mine=1").get_json()["leads"]
    assert [lead["lead_id"] for lead in mine] == [lead_id]
    assert mine[0]["lease_expires_at"] is None


def test_release_puts_the_lead_back_at_its_place(specialist, backend, app):
    """A released lead is claimable again, ahead of lower-priority ones (by a colleague: its
    releaser gets it back only after a while, tests/inbound/test_release.py)."""
    first = add_lead(backend, grade="A")
    add_lead(backend, grade="C")
    claim(specialist)
    released = post(specialist, f"/api/staff/leads/{first}/release", RELEASE)
    assert released.status_code == 200 and released.get_json()["status"] == "queued"
    assert released.get_json()["bounces"] == 1
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert claim(colleague).get_json()["lead_id"] == first


def test_only_the_holder_may_release(specialist, backend, app):
    """Someone else's lead → 403; a queued lead → 409."""
    lead_id = add_lead(backend)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert post(colleague, f"/api/staff/leads/{lead_id}/release", RELEASE).status_code == 409
    claim(specialist)
    answer = post(colleague, f"/api/staff/leads/{lead_id}/release", RELEASE)
    assert answer.status_code == 403


def test_five_releases_and_lapses_send_a_lead_to_the_attention_list(
    specialist, supervisor, backend, fake_clock, app
):
    """Claimed and released by 3 specialists, lapsed with 2 others: off the queue, on the
    supervisor's list (bounces count across specialists, tests/inbound/test_release.py)."""
    lead_id = add_lead(backend)
    team = [specialist] + [sign_in(app, add_staff(backend, f"s{n}.wang")) for n in range(4)]
    for member in team[:3]:
        claim(member)
        post(member, f"/api/staff/leads/{lead_id}/release", RELEASE)
    for member in team[3:]:
        assert claim(member).get_json()["lead_id"] == lead_id
        fake_clock.advance(minutes=LEASE_MINUTES + 1)
    assert claim(specialist).status_code == 204  # the fifth bounce: to the attention list
    attention = supervisor.get("/api/staff/leads?status=attention").get_json()["leads"]
    assert [lead["lead_id"] for lead in attention] == [lead_id]
    assert attention[0]["bounces"] == 5 and attention[0]["status"] == "attention"
    assert specialist.get("/api/staff/leads?status=attention").status_code == 403


def test_supervisor_returns_an_attention_lead_to_the_queue(specialist, supervisor, backend):
    """A wrong number goes to the attention list at once; a supervisor's release puts it back
    with a clean count (and a reason of its own)."""
    lead_id = add_lead(backend)
    claim(specialist)
    gone = post(specialist, f"/api/staff/leads/{lead_id}/release", {"reason": "wrong_number"})
    assert gone.status_code == 200 and gone.get_json()["status"] == "attention"
    assert claim(specialist).status_code == 204
    back = post(
        supervisor,
        f"/api/staff/leads/{lead_id}/release",
        {"reason": "other", "note": "号码已核实更正"},
    )
    assert back.status_code == 200 and back.get_json()["bounces"] == 0
    assert claim(specialist).get_json()["lead_id"] == lead_id


def test_supervisor_reassigns_a_lead_to_another_specialist(specialist, supervisor, backend, app):
    """The new holder owns it (no lease); the old one gets 403; specialists cannot reassign."""
    lead_id = add_lead(backend)
    claim(specialist)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert (
        post(specialist, f"/api/staff/leads/{lead_id}/reassign", {"to": "zhao.min"}).status_code
        == 403
    )
    moved = post(supervisor, f"/api/staff/leads/{lead_id}/reassign", {"to": "zhao.min"})
    assert moved.status_code == 200 and moved.get_json()["holder"] == "zhao.min"
    assert moved.get_json()["lease_expires_at"] is None
    assert (
        post(
            specialist,
            f"/api/staff/leads/{lead_id}/followups",
            {"channel": "phone", "result": "reached"},
        ).status_code
        == 403
    )
    assert (
        post(
            colleague,
            f"/api/staff/leads/{lead_id}/followups",
            {"channel": "phone", "result": "reached"},
        ).status_code
        == 201
    )
    unknown = post(supervisor, f"/api/staff/leads/{lead_id}/reassign", {"to": "ghost"})
    assert unknown.status_code == 404


def test_unknown_lead_is_404(specialist):
    """A lead id that does not exist."""
    assert specialist.get("/api/staff/leads/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404


def test_a_claim_costs_two_dynamodb_requests(specialist, backend):
    """One Query on the ready index and one conditional transaction, whatever the queue size."""
    for _ in range(30):
        add_lead(backend)
    sent: list[str] = []
    handler = lambda request, **kwargs: sent.append(request.headers["X-Amz-Target"].decode())  # noqa: E731
    backend.client.meta.events.register("before-send.dynamodb", handler)
    try:
        backend.staff.claims.claim_next(_actor())
    finally:
        backend.client.meta.events.unregister("before-send.dynamodb", handler)
    assert [t.split(".")[1] for t in sent] == ["Query", "TransactWriteItems"]


def _actor():
    from renewdesk.services.staff import Actor

    return Actor("li.na", "specialist")
