"""What a renewal specialist sees of the policy being renewed: the roster's figures on the lead,
the customer's request through the SMS link and the contact details they corrected, in the
staff API and on the console's lead page."""

from __future__ import annotations

import html
import re

import pytest

from renewdesk.services import worklist
from renewdesk.services.records import Lead
from tests.roster.conftest import START, day, row
from tests.staff.conftest import add_staff, post, sign_in

PLATE = "粤B70001"
ROSTER_PHONE = "13800138001"
NEW_PHONE = "13900139002"
ROSTER_POLICY = {
    "last_insurer": "人保财险",
    "commercial_premium": 4280.0,
    "compulsory_premium": 950.0,
    "model": "凯美瑞",
    "vin": "LVGBE40K8GG123456",
    "advisor": "陈顾问",
}


@pytest.fixture
def settings(settings):
    """Cheap password hashing for the staff sign-in."""
    return settings.with_(password_hash_memory_kib=1024, password_hash_time_cost=1)


@pytest.fixture
def policy(import_rows, stored):
    """An A-grade policy on the roster expiring in 60 days."""
    import_rows([row(PLATE, 60, grade="A", phone=ROSTER_PHONE, name="欧阳娜娜")])
    return next(p for p in stored()["policy"] if p["plate"] == PLATE)


@pytest.fixture
def specialist(app, backend):
    return sign_in(app, add_staff(backend, "li.na"))


def claimed(specialist) -> dict:
    """Claim the next renewal lead; the lead."""
    answer = post(specialist, "/api/staff/leads/claim", {"type": "renewal"})
    assert answer.status_code == 200
    return answer.get_json()


def request_through_link(client, backend, policy, **changes) -> str:
    """The customer taps the SMS link and confirms (with corrected details); the lead id."""
    token = backend.roster.links.issue(policy["roster_id"])
    answer = client.post("/api/renewals", json={"token": token, "consent": True, **changes})
    assert answer.status_code == 201
    return answer.get_json()["lead_id"]


def policy_card(page: str) -> str:
    """The text of the lead page's policy card, tags stripped."""
    found = re.search(r'<section class="card policy".*?</section>', page, re.S)
    assert found, "no policy card on the page"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))))


def test_a_reminder_lead_shows_the_rosters_policy_in_the_staff_api(policy, backend, specialist):
    """Premiums come as numbers, not strings."""
    backend.roster.reminders.run()
    lead_id = claimed(specialist)["lead_id"]
    lead = specialist.get(f"/api/staff/leads/{lead_id}").get_json()["lead"]
    assert lead["policy"] == ROSTER_POLICY
    assert all(
        type(lead["policy"][k]) is float for k in ("commercial_premium", "compulsory_premium")
    )
    assert (lead["grade"], lead["expiry_date"]) == ("A", day(60))
    assert lead["requested_via"] is None and lead["corrections"] is None


def test_a_reminder_lead_page_shows_the_policy_card(policy, backend, specialist):
    """Expiry, insurer, both premiums and their total, grade, model, VIN and advisor."""
    backend.roster.reminders.run()
    lead_id = claimed(specialist)["lead_id"]
    page = specialist.get(f"/staff/leads/{lead_id}")
    assert page.status_code == 200
    card = policy_card(page.get_data(as_text=True))
    for text in (
        "保单信息",
        f"到期日 {day(60)}",
        "上年承保公司 人保财险",
        "商业险保费 ¥4,280.00",
        "交强险保费 ¥950.00",
        "保费合计 ¥5,230.00",
        "客户等级 A",
        "车型 凯美瑞",
        "车架号 LVGBE40K8GG123456",
        "服务顾问 陈顾问",
    ):
        assert text in card
    assert "客户已通过短信链接申请续保" not in card and "客户更正" not in card


def test_the_policy_card_is_in_english_when_english_is_chosen(policy, backend, specialist):
    backend.roster.reminders.run()
    lead_id = claimed(specialist)["lead_id"]
    specialist.get("/staff/lang/en")
    card = policy_card(specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True))
    assert "Policy" in card and "Total premium ¥5,230.00" in card and "保单信息" not in card


def test_a_lead_without_a_policy_has_no_policy_card(specialist, client):
    """A request from the site's form: nothing from the roster to show."""
    answer = client.post(
        "/api/renewals",
        json={"name": "王芳", "phone": "13700137000", "plate": "粤B12345", "consent": True},
    )
    assert answer.status_code == 201
    page = specialist.get(f"/staff/leads/{claimed(specialist)['lead_id']}")
    assert page.status_code == 200 and 'class="card policy"' not in page.get_data(as_text=True)


@pytest.mark.parametrize("queued_by_reminders", [True, False], ids=["queued", "new_request"])
def test_a_link_request_with_a_corrected_phone_shows_the_request_and_the_correction(
    policy, backend, client, specialist, queued_by_reminders
):
    """Whether the reminders queued the lead or the tap creates it, the specialist sees both
    numbers and can call the new one."""
    if queued_by_reminders:
        backend.roster.reminders.run()
    lead_id = request_through_link(client, backend, policy, phone=NEW_PHONE)
    assert claimed(specialist)["lead_id"] == lead_id

    lead = specialist.get(f"/api/staff/leads/{lead_id}").get_json()["lead"]
    assert lead["requested_via"] == "renewal_link" and lead["customer_requested"] is True
    assert lead["corrections"] == {"phone": "+86" + NEW_PHONE}
    assert lead["phone"] == "+86" + ROSTER_PHONE
    assert lead["policy"] == ROSTER_POLICY

    page = specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    card = policy_card(page)
    assert "客户已通过短信链接申请续保" in card and "客户更正" in card
    assert f"手机 +86{ROSTER_PHONE} → +86{NEW_PHONE}" in card
    assert f'href="tel:+86{NEW_PHONE}"' in page


def test_a_link_request_without_changes_shows_the_request_but_no_corrections(
    policy, backend, client, specialist
):
    backend.roster.reminders.run()
    lead_id = request_through_link(client, backend, policy, phone=ROSTER_PHONE)
    lead = specialist.get(f"/api/staff/leads/{lead_id}").get_json()["lead"]
    assert lead["requested_via"] == "renewal_link" and lead["corrections"] is None
    card = policy_card(specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True))
    assert "客户已通过短信链接申请续保" in card and "客户更正" not in card


def test_a_masked_preview_masks_the_corrections_and_the_vin(policy, backend, client, specialist):
    """A specialist looking at a queued lead they have not claimed sees no full number."""
    backend.roster.reminders.run()
    lead_id = request_through_link(client, backend, policy, phone=NEW_PHONE)

    lead = specialist.get(f"/api/staff/leads/{lead_id}").get_json()["lead"]
    assert lead["contact_masked"] is True
    assert lead["corrections"] == {"phone": "+86139****9002"}
    assert lead["policy"]["vin"] == "LVG**********3456"
    assert lead["policy"]["last_insurer"] == "人保财险"

    page = specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    assert "+86139****9002" in policy_card(page)
    for secret in (NEW_PHONE, ROSTER_PHONE, ROSTER_POLICY["vin"]):
        assert secret not in page
    assert 'href="tel:' not in page


def test_the_masked_view_masks_every_corrected_contact_detail():
    """Name, phone and plate, as the lead's own are masked."""
    lead = Lead(
        lead_id="L1",
        type="renewal",
        status="queued",
        name="欧阳娜娜",
        phone="+8613800138001",
        plate=PLATE,
        created_at="2026-03-02T01:00:00Z",
        corrections={"name": "欧阳娜", "phone": "+8613900139002", "plate": "粤B70002"},
    )
    masked = worklist.view(lead, START.isoformat(), with_contact=False)
    assert masked["corrections"] == {"name": "欧**", "phone": "+86139****9002", "plate": "粤B***02"}
    assert worklist.view(lead, START.isoformat())["corrections"] == lead.corrections
