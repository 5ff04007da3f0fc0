"""Closing won or lost, reopening, and the customer's dedupe guard."""

from __future__ import annotations

from renewdesk.store import keys
from renewdesk.store.dynamo import from_item, to_item
from tests.staff.conftest import add_lead, add_staff, post, sign_in


def claimed(client, backend, **lead):
    lead_id = add_lead(backend, **lead)
    assert post(client, "/api/staff/leads/claim").get_json()["lead_id"] == lead_id
    return lead_id


def close(client, lead_id, **body):
    return post(client, f"/api/staff/leads/{lead_id}/close", body)


def guard_is_open(backend, lead_id) -> bool:
    lead = backend.stores.queue.get_lead(lead_id)
    key = keys.dedupe_guard(backend.settings.store_id, "renewal", lead.plate)
    item = backend.client.get_item(
        TableName=backend.settings.table_name, Key=to_item(key), ConsistentRead=True
    )["Item"]
    return from_item(item)["is_open"]


def test_closing_lost_needs_a_defeat_reason_and_other_needs_a_note(specialist, backend):
    """400 naming the field, in Chinese."""
    lead_id = claimed(specialist, backend)
    no_reason = close(specialist, lead_id, outcome="lost")
    assert no_reason.status_code == 400
    assert no_reason.get_json()["fields"]["reason"]["message"] == "请填写战败原因"
    other = close(specialist, lead_id, outcome="lost", reason="other")
    assert other.get_json()["fields"]["note"]["code"] == "required_for_other"
    bad = close(specialist, lead_id, outcome="lost", reason="weather")
    assert bad.get_json()["fields"]["reason"]["code"] == "invalid_choice"


def test_a_won_renewal_needs_premium_and_insurer(specialist, backend):
    """Premium in yuan with at most two decimals."""
    lead_id = claimed(specialist, backend)
    missing = close(specialist, lead_id, outcome="won")
    assert set(missing.get_json()["fields"]) == {"premium", "insurer"}
    bad = close(specialist, lead_id, outcome="won", premium="48.001", insurer="平安")
    assert bad.get_json()["fields"]["premium"]["code"] == "invalid_amount"
    won = close(specialist, lead_id, outcome="won", premium="4,860.50", insurer="平安财险")
    assert won.status_code == 200
    assert won.get_json()["status"] == "won" and won.get_json()["premium"] == 4860.5


def test_closing_frees_the_customers_dedupe_guard_and_reopening_takes_it_back(
    specialist, supervisor, backend
):
    """is_open flips in the same transaction as the close, and back on reopen."""
    lead_id = claimed(specialist, backend)
    assert guard_is_open(backend, lead_id) is True
    close(specialist, lead_id, outcome="lost", reason="friend")
    assert guard_is_open(backend, lead_id) is False
    reopened = post(supervisor, f"/api/staff/leads/{lead_id}/reopen")
    assert reopened.status_code == 200
    assert guard_is_open(backend, lead_id) is True


def test_a_closed_lead_cannot_be_closed_or_followed_up_again(specialist, backend):
    """Wrong state → 409."""
    lead_id = claimed(specialist, backend)
    close(specialist, lead_id, outcome="lost", reason="price")
    again = close(specialist, lead_id, outcome="lost", reason="price")
    assert again.status_code == 409 and again.get_json()["error"] == "lead_closed"
    assert (
        post(
            specialist,
            f"/api/staff/leads/{lead_id}/followups",
            {"channel": "phone", "result": "reached"},
        ).status_code
        == 409
    )


def test_only_the_holder_or_a_supervisor_closes(specialist, supervisor, backend, app):
    """A colleague gets 403; the supervisor may close anyone's lead."""
    lead_id = claimed(specialist, backend)
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    assert close(colleague, lead_id, outcome="lost", reason="price").status_code == 403
    closed = close(supervisor, lead_id, outcome="lost", reason="corporate")
    assert closed.status_code == 200
    assert closed.get_json()["owner"] == "li.na" and closed.get_json()["closed_by"] == "wang.boss"


def test_only_a_supervisor_reopens_and_only_a_closed_lead(specialist, supervisor, backend):
    """Specialist → 403; open lead → 409; reopened lead goes back to its owner's desk."""
    lead_id = claimed(specialist, backend)
    assert post(supervisor, f"/api/staff/leads/{lead_id}/reopen").status_code == 409
    close(specialist, lead_id, outcome="lost", reason="telesales")
    assert post(specialist, f"/api/staff/leads/{lead_id}/reopen").status_code == 403
    reopened = post(supervisor, f"/api/staff/leads/{lead_id}/reopen").get_json()
    assert reopened["status"] == "claimed" and reopened["holder"] == "li.na"
    assert reopened["reason"] is None
    mine = specialist.get("/api/staff/leads?mine=1").get_json()["leads"]
    assert [lead["lead_id"] for lead in mine] == [lead_id]


def test_a_lead_of_a_disabled_owner_reopens_into_the_queue(specialist, supervisor, backend):
    """Nobody to give it to: it waits in the queue."""
    lead_id = claimed(specialist, backend)
    close(specialist, lead_id, outcome="lost", reason="price")
    backend.staff.accounts.set_disabled("li.na", True)
    reopened = post(supervisor, f"/api/staff/leads/{lead_id}/reopen").get_json()
    assert reopened["status"] == "queued" and reopened["holder"] is None


def test_a_referral_can_be_won_without_a_premium(specialist, backend):
    """Referrals for a new car or service have no policy premium."""
    lead_id = claimed(specialist, backend, lead_type="referral")
    assert close(specialist, lead_id, outcome="won").status_code == 200
