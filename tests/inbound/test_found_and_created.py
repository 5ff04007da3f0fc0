"""Working the customer you found: claiming the queued lead search found, roster policies with no
open lead, and leads created by hand for a caller or walk-in (with their consent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from renewdesk.services import clock
from renewdesk.services.records import Policy
from tests.inbound.conftest import add_lead, add_staff, post, sign_in

CALLER = {
    "type": "renewal",
    "name": "周杰",
    "phone": "139 0013 7777",
    "plate": "粤b 77777",
    "source": "phone_in",
    "consent": "verbal",
}


def add_policy(backend, plate: str, phone: str, expires_in: int = 40, grade: str = "A"):
    """A roster record, as an import stores it."""
    from renewdesk.services.roster import ImportSummary, RosterImport

    expiry = clock.local_date(backend.now()) + dt.timedelta(days=expires_in)
    record = {
        "plate": plate,
        "name": "周杰",
        "phone": phone,
        "expiry_date": expiry.isoformat(),
        "grade": grade,
        "last_insurer": "平安财险",
        "commercial_premium": Decimal("4280.00"),
        "compulsory_premium": Decimal("950.00"),
        "model": "凯美瑞",
        "vin": None,
        "advisor": None,
    }
    RosterImport(backend.stores.roster, now=backend.now).import_records([record], ImportSummary())
    policy: Policy = backend.stores.roster.get_policies([plate])[plate]
    return policy


# -- claim what search found ------------------------------------------------------------------


def test_a_specialist_claims_the_queued_lead_search_found(specialist, backend, app, fake_clock):
    """Not the head of the queue: this one. 200 with the lease; a colleague then gets 409."""
    add_lead(backend, grade="A")  # the head of the queue, which claim-next would hand out
    found = add_lead(backend, grade="C", phone="+8613900137777")
    answer = post(specialist, f"/api/staff/leads/{found}/claim")
    assert answer.status_code == 200, answer.get_json()
    lead = answer.get_json()
    assert lead["lead_id"] == found and lead["holder"] == "li.na"
    assert lead["phone"] == "+8613900137777" and lead["lease_expires_at"]
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    taken = post(colleague, f"/api/staff/leads/{found}/claim")
    assert taken.status_code == 409 and taken.get_json()["error"] == "held_by_other"
    assert post(specialist, f"/api/staff/leads/{found}/claim").status_code == 200  # still mine
    fake_clock.advance(minutes=11)  # the lease lapses unworked: claimable again
    assert post(colleague, f"/api/staff/leads/{found}/claim").get_json()["holder"] == "zhao.min"


def test_a_closed_or_unknown_lead_cannot_be_claimed(specialist, supervisor, backend):
    lead_id = add_lead(backend)
    post(specialist, f"/api/staff/leads/{lead_id}/claim")
    post(specialist, f"/api/staff/leads/{lead_id}/close", {"outcome": "lost", "reason": "price"})
    closed = post(supervisor, f"/api/staff/leads/{lead_id}/claim")
    assert closed.status_code == 409 and closed.get_json()["error"] == "lead_closed"
    assert post(specialist, "/api/staff/leads/01ARZ3NDEKTSV4RRFFQ69G5FAV/claim").status_code == 404
    assert specialist.post(f"/api/staff/leads/{lead_id}/claim").status_code == 403  # no CSRF


def test_a_lead_on_the_attention_list_is_claimed_when_the_customer_calls(specialist, backend):
    """A wrong number put it on the supervisor's list; the customer calls in: claim it."""
    lead_id = add_lead(backend)
    post(specialist, f"/api/staff/leads/{lead_id}/claim")
    post(specialist, f"/api/staff/leads/{lead_id}/release", {"reason": "wrong_number"})
    again = post(specialist, f"/api/staff/leads/{lead_id}/claim")
    assert again.status_code == 200 and again.get_json()["status"] == "claimed"
    assert again.get_json()["attention_at"] is None


def test_the_search_page_offers_the_claim_and_the_lead_page_too(specialist, backend):
    lead_id = add_lead(backend, phone="+8613900137777")
    results = specialist.get("/staff/search?q=13900137777").get_data(as_text=True)
    assert f'action="/staff/leads/{lead_id}/claim"' in results
    page = specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    assert f'action="/staff/leads/{lead_id}/claim"' in page and "这条线索还没有人跟进" in page
    claimed = specialist.post(f"/staff/leads/{lead_id}/claim", data={"csrf_token": specialist.csrf})
    assert claimed.status_code == 303
    assert claimed.headers["Location"].endswith(f"/staff/leads/{lead_id}?notice=claimed")


# -- roster policies in search ------------------------------------------------------------------


def test_search_finds_a_callers_policy_with_no_open_lead(specialist, backend):
    """By phone or plate: the roster policy, masked, with the way to a new lead; a policy whose
    vehicle has an open lead is not offered."""
    add_policy(backend, "粤B77777", "+8613900137777")
    by_phone = specialist.get("/api/staff/leads?q=139 0013 7777").get_json()
    assert by_phone["leads"] == [] and by_phone["matched_by"] == "phone"
    [policy] = by_phone["policies"]
    assert policy["name"] == "周*" and policy["plate"] == "粤B***77"
    assert policy["phone"] == "+86139****7777" and policy["days_to_expiry"] == 40
    assert policy["roster_id"]
    by_plate = specialist.get("/api/staff/leads?q=粤b77777").get_json()
    assert [p["roster_id"] for p in by_plate["policies"]] == [policy["roster_id"]]
    page = specialist.get("/staff/search?q=13900137777").get_data(as_text=True)
    assert "从此保单新建线索" in page and f"policy={policy['roster_id']}" in page

    created = post(specialist, "/api/staff/leads", CALLER)
    assert created.status_code == 201
    assert specialist.get("/api/staff/leads?q=13900137777").get_json()["policies"] == []


def test_a_lead_made_from_a_policy_takes_the_rosters_data(specialist, backend):
    """The form starts from the policy; the lead gets its grade, expiry, plan and figures."""
    policy = add_policy(backend, "粤B77777", "+8613900137777", expires_in=40, grade="A")
    form = specialist.get(f"/staff/leads/new?policy={policy.roster_id}").get_data(as_text=True)
    assert (
        'value="周杰"' in form and 'value="+8613900137777"' in form and 'value="粤B77777"' in form
    )
    created = post(specialist, "/api/staff/leads", CALLER)
    lead = created.get_json()
    assert lead["grade"] == "A" and lead["expiry_date"] == policy.expiry_date
    assert lead["policy"]["last_insurer"] == "平安财险" and lead["days_to_expiry"] == 40
    page = specialist.get(f"/api/staff/leads/{lead['lead_id']}").get_json()
    assert [step["step"] for step in page["plan"]] == ["N-30", "N-20", "N-15", "N-7"]


# -- a lead for a caller or walk-in -------------------------------------------------------------


def test_a_caller_gets_a_lead_held_by_its_creator_with_their_consent(specialist, backend, stored):
    """201: held on a lease like a claim; consent verbal, by li.na, now; in the history."""
    created = post(specialist, "/api/staff/leads", CALLER)
    assert created.status_code == 201, created.get_json()
    lead = created.get_json()
    assert lead["duplicate"] is False and lead["holder"] == "li.na"
    assert lead["status"] == "claimed" and lead["lease_expires_at"]
    assert lead["phone"] == "+8613900137777" and lead["plate"] == "粤B77777"
    assert lead["source"] == "phone_in" and lead["customer_requested"]
    [item] = [i for i in stored()["lead"] if i.get("sk") == "LEAD"]
    assert item["consent_method"] == "verbal" and item["consent_by"] == "li.na"
    assert item["consent_at"] == item["created_at"] and item["consent_version"]
    page = specialist.get(f"/api/staff/leads/{lead['lead_id']}").get_json()
    kinds = [(e["kind"], e.get("consent")) for e in reversed(page["history"])]
    assert kinds == [("create", "verbal"), ("claim", None)]
    mine = specialist.get("/api/staff/leads?mine=1").get_json()["leads"]
    assert [m["lead_id"] for m in mine] == [lead["lead_id"]]


def test_the_intakes_dedupe_rules_apply(specialist, backend, app):
    """The vehicle's open lead (here the customer's own site request) answers 200 duplicate."""
    site = app.test_client().post(
        "/api/renewals",
        json={"name": "周杰", "phone": "13900137777", "plate": "粤B77777", "consent": True},
    )
    existing = site.get_json()["lead_id"]
    again = post(specialist, "/api/staff/leads", CALLER)
    assert again.status_code == 200
    assert again.get_json() == {"lead_id": existing, "duplicate": True}
    referral = {**CALLER, "type": "referral", "interest": "new_car", "plate": None}
    first = post(specialist, "/api/staff/leads", {k: v for k, v in referral.items() if v})
    assert first.status_code == 201
    second = post(specialist, "/api/staff/leads", {k: v for k, v in referral.items() if v})
    assert second.get_json() == {"lead_id": first.get_json()["lead_id"], "duplicate": True}


def test_a_walk_in_lead_says_what_is_missing(specialist):
    """A renewal needs its plate; a referral its interest; consent is verbal or written."""
    no_plate = post(specialist, "/api/staff/leads", {**CALLER, "plate": ""})
    assert no_plate.status_code == 400
    assert no_plate.get_json()["fields"]["plate"]["code"] == "required"
    referral = post(specialist, "/api/staff/leads", {**CALLER, "type": "referral"})
    assert referral.get_json()["fields"]["interest"]["code"] == "required"
    nodding = post(specialist, "/api/staff/leads", {**CALLER, "consent": "nodded"})
    assert nodding.get_json()["fields"]["consent"]["code"] == "invalid_choice"
    missing = post(specialist, "/api/staff/leads", {"type": "renewal"})
    assert set(missing.get_json()["fields"]) >= {"name", "phone", "source", "consent"}
    wrong = post(specialist, "/api/staff/leads", {**CALLER, "phone": "12345"})
    assert "手机" in wrong.get_json()["fields"]["phone"]["message"]


def test_the_console_form_creates_the_lead_or_opens_the_existing_one(specialist, backend):
    form = specialist.get("/staff/leads/new?q=139 0013 7777").get_data(as_text=True)
    assert 'value="+8613900137777"' in form and "口头同意" in form
    fields = {**CALLER, "csrf_token": specialist.csrf}
    created = specialist.post("/staff/leads/new", data=fields)
    assert created.status_code == 303 and "notice=lead_created" in created.headers["Location"]
    lead_id = created.headers["Location"].split("/staff/leads/")[1].split("?")[0]
    again = specialist.post("/staff/leads/new", data=fields)
    assert again.headers["Location"].endswith(f"/staff/leads/{lead_id}?notice=duplicate_lead")
    bad = specialist.post("/staff/leads/new", data={**fields, "consent": ""})
    assert bad.status_code == 400 and "请从选项中选择个人信息授权" in bad.get_data(as_text=True)
