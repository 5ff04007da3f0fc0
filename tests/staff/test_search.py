"""Finding a customer who phones in: by mobile number, plate or lead id."""

from __future__ import annotations

import re

import pytest

from renewdesk.services.records import Policy
from renewdesk.services.staff import Actor
from tests.staff.conftest import add_lead, add_staff, post, sign_in

PHONE = "+8613900139000"


def find(client, text: str):
    return client.get("/api/staff/leads", query_string={"q": text})


def found_ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_json()
    return [lead["lead_id"] for lead in answer.get_json()["leads"]]


def plate_of(backend, lead_id: str) -> str:
    return backend.stores.queue.get_lead(lead_id).plate


def add_policy(backend, plate: str, phone: str) -> None:
    backend.stores.roster.add_policies(
        [
            Policy(
                plate=plate,
                name="张伟",
                phone=phone,
                expiry_date="2026-07-01",
                grade="A",
                row_hash="h",
                roster_id=f"R{plate[-5:]}",
            )
        ]
    )


@pytest.fixture
def sent(backend):
    """The DynamoDB operations sent while the test runs, from botocore's before-send hook."""
    operations: list[str] = []

    def record(request, **kwargs):
        operations.append(request.headers["X-Amz-Target"].decode().split(".")[1])

    backend.client.meta.events.register("before-send.dynamodb", record)
    yield operations
    backend.client.meta.events.unregister("before-send.dynamodb", record)


@pytest.mark.parametrize(
    "spelling", ["139 0013 9000", "+86 139-0013-9000", "8613900139000", "１３９００１３９０００"]
)
def test_a_customer_is_found_by_mobile_number_in_any_spelling(specialist, backend, spelling):
    """Spaces, dashes, +86/86 and full-width digits all find the customer's leads."""
    lead_id = add_lead(backend, phone=PHONE)
    add_lead(backend)  # someone else
    answer = find(specialist, spelling)
    assert found_ids(answer) == [lead_id]
    assert answer.get_json()["matched_by"] == "phone"


def test_a_vehicle_is_found_by_plate_in_lower_case_with_spaces(supervisor, backend):
    """The plate's renewal lead, and the policy holder's other leads through the roster."""
    renewal = add_lead(backend, phone=PHONE)
    referral = add_lead(backend, phone=PHONE, lead_type="referral")
    add_lead(backend)  # another vehicle
    plate = plate_of(backend, renewal)
    add_policy(backend, plate, PHONE)
    spelled = f"{plate[0]}{plate[1].lower()} {plate[2:4]} {plate[4:]}"
    answer = find(supervisor, spelled)
    assert found_ids(answer) == [renewal, referral]  # the vehicle's own lead first
    assert answer.get_json()["matched_by"] == "plate"


def test_a_plate_finds_its_lead_when_the_customer_gave_another_number(supervisor, backend):
    """The dedupe guard names the lead even when its phone is not the roster's."""
    renewal = add_lead(backend, phone="+8613700001111")
    other_car = add_lead(backend, phone=PHONE)
    add_policy(backend, plate_of(backend, renewal), PHONE)
    assert set(found_ids(find(supervisor, plate_of(backend, renewal)))) == {renewal, other_car}


def test_a_lead_is_found_by_its_id(specialist, backend):
    """A lead id, in any case."""
    lead_id = add_lead(backend)
    assert found_ids(find(specialist, lead_id.lower())) == [lead_id]
    assert find(specialist, lead_id).get_json()["matched_by"] == "lead_id"


def test_nobody_found_is_an_empty_list_and_a_message_in_the_console(specialist, backend):
    """A well-formed number nobody has: no leads, and the console says so."""
    add_lead(backend)
    assert found_ids(find(specialist, "13811112222")) == []
    page = specialist.get("/staff/search", query_string={"q": "13811112222"})
    assert page.status_code == 200
    assert "没有找到相关线索" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "text, code, message",
    [
        ("", "required", "请输入手机号、车牌或线索编号"),
        ("9000", "bad_phone", "请输入11位手机号"),
        ("粤B12", "bad_plate", "车牌格式不对"),
        ("张伟", "unrecognised", "无法识别"),
    ],
)
def test_bad_input_gets_a_clear_chinese_message(specialist, text, code, message):
    """400 naming the field q in the API; the same message in the search page, not an error
    page."""
    answer = find(specialist, text)
    assert answer.status_code == 400
    problem = answer.get_json()["fields"]["q"]
    assert problem["code"] == code and message in problem["message"]
    page = specialist.get("/staff/search", query_string={"q": text})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert message in html and 'id="q"' in html and 'aria-invalid="true"' in html


def test_a_colleagues_claimed_lead_shows_masked_with_who_holds_it(
    app, backend, specialist, supervisor
):
    """Specialists see a colleague's claimed lead masked and cannot open it; supervisors see
    it in full."""
    lead_id = add_lead(backend, phone=PHONE, name="陈静")
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert post(colleague, "/api/staff/leads/claim").get_json()["lead_id"] == lead_id

    [seen] = find(specialist, PHONE).get_json()["leads"]
    assert seen["contact_masked"] and seen["holder"] == "zhao.min" and not seen["may_open"]
    assert seen["phone"] == "+86139****9000" and seen["name"] == "陈*"
    html = specialist.get("/staff/search", query_string={"q": PHONE}).get_data(as_text=True)
    results = html[html.index('class="card search-results"') :]
    assert "zhao.min 跟进中" in results and "陈*" in results and "+86139****9000" in results
    assert f"/staff/leads/{lead_id}" not in html
    assert PHONE not in results and "陈静" not in results

    [full] = find(supervisor, PHONE).get_json()["leads"]
    assert not full["contact_masked"] and full["phone"] == PHONE and full["may_open"]
    html = supervisor.get("/staff/search", query_string={"q": PHONE}).get_data(as_text=True)
    assert f"/staff/leads/{lead_id}" in html


def test_a_search_costs_at_most_three_dynamodb_requests_and_never_a_scan(backend, sent):
    """Phone: one Query of its leads, one of its roster policies. Lead id: one GetItem. Plate:
    guard and policy in one request, the holder's leads, and the guard's lead when that Query
    did not bring it."""
    actor = Actor("li.na", "specialist")
    renewal = add_lead(backend, phone="+8613700001111")
    add_lead(backend, phone=PHONE)
    plate = plate_of(backend, renewal)
    add_policy(backend, plate, PHONE)
    for _ in range(20):
        add_lead(backend)
    searches = {
        "13900139000": ["Query", "Query"],
        renewal: ["GetItem"],
        plate: ["TransactGetItems", "Query", "GetItem"],
    }
    for text, expected in searches.items():
        sent.clear()
        _, found = backend.staff.search.find(actor, text)
        assert found and sent == expected, text


def test_the_top_bar_searches_from_every_page(specialist):
    """The search box is in the top bar and goes to the search page."""
    html = specialist.get("/staff/queue").get_data(as_text=True)
    form = re.search(r'<form class="topbar-search"[^>]*action="([^"]+)"', html)
    assert form and form.group(1) == "/staff/search"
    assert 'name="q"' in html
