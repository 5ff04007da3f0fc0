"""Release means something: a reason from the fixed list, no instant hand-back to the releaser,
bounces counted across specialists or days, a reassign list that suggests nobody, and one click
to the next lead after a close."""

from __future__ import annotations

import re

import pytest

from tests.inbound.conftest import add_lead, add_staff, post, sign_in


def claim(client):
    return post(client, "/api/staff/leads/claim")


def release(client, lead_id: str, reason: str = "no_answer", **more):
    return post(client, f"/api/staff/leads/{lead_id}/release", {"reason": reason, **more})


@pytest.mark.parametrize(
    ("body", "field", "code", "message"),
    [
        ({}, "reason", "release_reason_required", "请选择放回原因"),
        ({"reason": "bored"}, "reason", "release_reason_unknown", "放回原因请从列表中选择"),
        ({"reason": "other"}, "note", "release_note_required", "原因选“其他”时请写明原因"),
    ],
)
def test_a_release_needs_a_reason_from_the_list(specialist, backend, body, field, code, message):
    lead_id = add_lead(backend)
    claim(specialist)
    answer = post(specialist, f"/api/staff/leads/{lead_id}/release", body)
    assert answer.status_code == 400
    problem = answer.get_json()["fields"][field]
    assert problem["code"] == code and problem["message"] == message
    assert backend.stores.queue.get_lead(lead_id).holder == "li.na"  # nothing changed


def test_the_reason_and_note_are_in_the_history(specialist, backend):
    lead_id = add_lead(backend)
    claim(specialist)
    assert release(specialist, lead_id, "other", note="客户在开会").status_code == 200
    page = post(specialist, f"/api/staff/leads/{lead_id}/claim")
    history = specialist.get(f"/api/staff/leads/{lead_id}").get_json()["history"]
    [released] = [e for e in history if e["kind"] == "release"]
    assert released["reason"] == "other" and released["note"] == "客户在开会"
    assert page.status_code == 200
    html = specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    assert "客户在开会" in html and "其他" in html


def test_the_releaser_gets_other_leads_first_for_30_minutes(specialist, backend, fake_clock, app):
    """Released by li.na: claim-next hands her the next leads, a colleague this one; after half
    an hour it is hers again like any other."""
    first = add_lead(backend, grade="A")
    second = add_lead(backend, grade="B")
    third = add_lead(backend, grade="C")
    assert claim(specialist).get_json()["lead_id"] == first
    release(specialist, first)
    assert claim(specialist).get_json()["lead_id"] == second
    call = {"channel": "phone", "result": "call_back"}
    post(specialist, f"/api/staff/leads/{second}/followups", call)  # hers now, no lease
    fake_clock.advance(minutes=29)
    li_na = sign_in(app, "li.na")
    assert claim(li_na).get_json()["lead_id"] == third
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert claim(colleague).get_json()["lead_id"] == first
    release(colleague, first)
    again = add_lead(backend, grade="A")  # li.na released it 31 minutes ago: fair game again
    fake_clock.advance(minutes=2)
    release(li_na, third)
    assert claim(colleague).get_json()["lead_id"] == again
    assert claim(sign_in(app, "li.na")).get_json()["lead_id"] == first


def test_when_nothing_else_is_claimable_the_releaser_gets_it_at_once(specialist, backend):
    lead_id = add_lead(backend)
    claim(specialist)
    release(specialist, lead_id)
    assert claim(specialist).get_json()["lead_id"] == lead_id


def test_five_releases_in_a_minute_by_one_specialist_are_one_bounce(specialist, backend):
    """The story of the issue: five rounds in a minute no longer send the lead to the
    supervisor."""
    lead_id = add_lead(backend)
    for _ in range(5):
        post(specialist, f"/api/staff/leads/{lead_id}/claim")
        answer = release(specialist, lead_id)
    assert answer.get_json()["status"] == "queued" and answer.get_json()["bounces"] == 1


def test_releases_count_across_specialists_and_over_more_than_a_day(
    specialist, backend, fake_clock, app
):
    lead_id = add_lead(backend)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    post(specialist, f"/api/staff/leads/{lead_id}/claim")
    assert release(specialist, lead_id).get_json()["bounces"] == 1
    post(colleague, f"/api/staff/leads/{lead_id}/claim")
    assert release(colleague, lead_id).get_json()["bounces"] == 2
    fake_clock.advance(hours=25)
    again = sign_in(app, "li.na")
    post(again, f"/api/staff/leads/{lead_id}/claim")
    assert release(again, lead_id).get_json()["bounces"] == 3


def test_the_reassign_list_suggests_nobody_and_marks_who_gave_it_back(
    specialist, supervisor, backend, app
):
    """The lead on the attention list: the select starts on "choose", the releaser is marked,
    and sending the placeholder is refused."""
    add_staff(backend, "zhao.min")
    lead_id = add_lead(backend)
    claim(specialist)
    release(specialist, lead_id, "wrong_number")
    html = supervisor.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    select = re.search(r'<select name="to" required>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"\s*(selected)?>([^<]*)<', select)
    assert options[0][:2] == ("", "selected")
    assert not [o for o in options[1:] if o[1]]
    [li_na] = [o for o in options if o[0] == "li.na"]
    assert "曾放回" in li_na[2]
    refused = supervisor.post(
        f"/staff/leads/{lead_id}/reassign", data={"to": "", "csrf_token": supervisor.csrf}
    )
    assert refused.status_code == 400


def test_after_a_close_one_click_claims_the_next(specialist, backend):
    first = add_lead(backend, grade="A")
    second = add_lead(backend, grade="B")
    claim(specialist)
    closed = specialist.post(
        f"/staff/leads/{first}/close",
        data={"outcome": "lost", "reason": "price", "csrf_token": specialist.csrf},
    )
    page = specialist.get(closed.headers["Location"]).get_data(as_text=True)
    assert 'id="next-lead"' in page and 'action="/staff/claim"' in page
    nxt = specialist.post("/staff/claim", data={"csrf_token": specialist.csrf})
    assert nxt.headers["Location"].endswith(f"/staff/leads/{second}?notice=claimed")


def test_the_console_release_form_asks_the_reason(specialist, backend):
    lead_id = add_lead(backend)
    claim(specialist)
    page = specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    assert all(
        f'name="reason" value="{r}"' in page
        for r in ("no_answer", "call_back_later", "wrong_number", "not_mine", "other")
    )
    missing = specialist.post(
        f"/staff/leads/{lead_id}/release", data={"csrf_token": specialist.csrf}
    )
    assert missing.status_code == 400 and "请选择放回原因" in missing.get_data(as_text=True)
    done = specialist.post(
        f"/staff/leads/{lead_id}/release",
        data={"csrf_token": specialist.csrf, "reason": "not_mine"},
    )
    assert done.status_code == 303 and "notice=released" in done.headers["Location"]
