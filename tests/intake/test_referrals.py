"""POST /api/referrals: a referred person signs up with an existing customer's code."""

from __future__ import annotations

import pytest


@pytest.fixture
def code(backend) -> str:
    """A referral code issued to an existing customer."""
    return backend.referrals.referrers.issue("李娜", "+8613900139000").code


def signup(code: str, **changes) -> dict:
    return {
        "code": code,
        "name": "王强",
        "phone": "13700137000",
        "interest": "insurance",
        "consent": True,
        **changes,
    }


def test_a_referred_person_signs_up_as_a_queued_referral_lead(client, backend, code):
    answer = client.post("/api/referrals", json=signup(code.lower(), plate="苏E 6789A"))
    assert answer.status_code == 201
    lead = backend.stores.leads.get_lead(answer.get_json()["lead_id"])
    assert lead.type == "referral" and lead.source == "referral"
    assert lead.referral_code == code
    assert (lead.name, lead.phone, lead.plate) == ("王强", "+8613700137000", "苏E6789A")
    assert lead.interest == "insurance"


def test_the_same_phone_signing_up_again_gets_the_existing_lead(client, code):
    first = client.post("/api/referrals", json=signup(code)).get_json()
    again = client.post("/api/referrals", json=signup(code, name="王小强", interest="club"))
    assert again.status_code == 200
    assert again.get_json() == {"lead_id": first["lead_id"], "duplicate": True}


@pytest.mark.parametrize("bad_code", ["ZZZZZZ", "0O1I00", "", "TOO-LONG-CODE"])
def test_an_unknown_referral_code_is_a_field_error(client, stored, code, bad_code):
    answer = client.post("/api/referrals", json=signup(bad_code))
    assert answer.status_code == 400
    error = answer.get_json()["fields"]["code"]
    assert error["code"] in ("unknown", "required")
    assert "推荐码" in error["message"]
    assert "lead" not in stored()


def test_a_referrer_cannot_refer_their_own_phone(client, stored, code):
    answer = client.post("/api/referrals", json=signup(code, phone="+86 139 0013 9000"))
    assert answer.status_code == 400
    assert answer.get_json()["fields"] == {
        "phone": {
            "code": "self_referral",
            "message": "不能使用自己的推荐码，请填写被推荐人的手机号码",
        }
    }
    assert "lead" not in stored()


def test_interest_is_required_and_must_be_one_of_the_listed_services(client, code):
    missing = client.post(
        "/api/referrals", json={k: v for k, v in signup(code).items() if k != "interest"}
    )
    assert missing.get_json()["fields"]["interest"]["code"] == "required"
    wrong = client.post("/api/referrals", json=signup(code, interest="loan"))
    assert wrong.get_json()["fields"]["interest"]["code"] == "invalid_choice"


def test_a_referral_form_post_with_an_unknown_code_goes_to_the_error_page(client, code):
    form = {
        "code": "ZZZZZZ",
        "name": "王强",
        "phone": "13700137000",
        "interest": "service",
        "consent": "on",
    }
    answer = client.post("/api/referrals", data=form)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/form-error/?form=referral&errors=code%3Aunknown")


def test_a_referral_without_a_token_field_rejects_token_as_unknown(client, code):
    answer = client.post("/api/referrals", json=signup(code, token="x"))
    assert answer.get_json()["fields"]["token"]["code"] == "unknown_field"
