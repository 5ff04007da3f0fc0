"""POST /api/renewals: what a car owner's phone sends and what it gets back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

VALID = {"name": "张伟", "phone": "138 0013 8000", "plate": "粤b 12345", "consent": True}


def test_a_renewal_request_is_stored_once_as_a_queued_lead_with_its_consent(
    client, backend, stored
):
    answer = client.post(
        "/api/renewals",
        json={**VALID, "expiry_date": "2026-12-20", "contact_time": "evening", "note": "下午有空"},
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["duplicate"] is False
    lead = backend.stores.leads.get_lead(body["lead_id"])
    assert lead.status == "queued" and lead.type == "renewal"
    assert (lead.name, lead.phone, lead.plate) == ("张伟", "+8613800138000", "粤B12345")
    assert lead.expiry_date == "2026-12-20" and lead.contact_time == "evening"
    assert lead.consent_version == backend.public.consent.version == "2026-11-01"
    assert lead.consent_at == lead.created_at
    [item] = [i for i in stored()["lead"] if i["sk"] == "LEAD"]
    assert item["ready_pk"].endswith("#READY")


@pytest.mark.parametrize(
    "phone", ["+86 138-0013-8000", "8613800138000", "138-0013-8000", " 13800138000 "]
)
def test_phone_numbers_are_accepted_in_common_spellings_and_stored_with_plus86(
    client, backend, phone
):
    answer = client.post("/api/renewals", json={**VALID, "phone": phone})
    assert answer.status_code == 201
    assert backend.stores.leads.get_lead(answer.get_json()["lead_id"]).phone == "+8613800138000"


@pytest.mark.parametrize(
    "plate,stored_as",
    [("粤b·12345", "粤B12345"), ("京 AD12345", "京AD12345"), ("沪a-8f3k2", "沪A8F3K2")],
)
def test_plates_are_normalised_and_new_energy_plates_accepted(client, backend, plate, stored_as):
    answer = client.post("/api/renewals", json={**VALID, "plate": plate})
    assert answer.status_code == 201
    assert backend.stores.leads.get_lead(answer.get_json()["lead_id"]).plate == stored_as


def test_every_bad_field_is_reported_at_once_in_chinese(client, stored):
    answer = client.post(
        "/api/renewals",
        json={
            "name": "  ",
            "phone": "12345",
            "plate": "ABC123",
            "consent": False,
            "expiry_date": "2026-02-30",
            "contact_time": "midnight",
            "note": "长" * 501,
            "fax": "1",
        },
    )
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error"] == "invalid"
    codes = {field: v["code"] for field, v in body["fields"].items()}
    assert codes == {
        "name": "required",
        "phone": "invalid",
        "plate": "invalid",
        "consent": "must_accept",
        "expiry_date": "invalid_date",
        "contact_time": "invalid_choice",
        "note": "too_long",
        "fax": "unknown_field",
    }
    assert body["fields"]["name"]["message"] == "请填写姓名"
    assert "手机号码" in body["fields"]["phone"]["message"]
    assert "fax" in body["fields"]["fax"]["message"]
    assert stored() == {}


def test_messages_are_english_when_the_client_asks_for_english(client):
    answer = client.post(
        "/api/renewals",
        json={**VALID, "phone": "1"},
        headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"},
    )
    assert answer.get_json()["fields"]["phone"]["message"].startswith("Enter an 11-digit")


@pytest.mark.parametrize("missing", ["name", "phone", "plate", "consent"])
def test_required_fields_are_named_when_missing(client, missing):
    body = {k: v for k, v in VALID.items() if k != missing}
    answer = client.post("/api/renewals", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["fields"][missing]["code"] in ("required", "must_accept")


@pytest.mark.parametrize(
    "name,code",
    [
        ("张" * 41, "too_long"),
        ("张\x07伟", "control_characters"),
        ("张\u200b伟", "control_characters"),
        (42, "invalid"),
    ],
)
def test_names_are_one_to_forty_plain_characters(client, name, code):
    answer = client.post("/api/renewals", json={**VALID, "name": name})
    assert answer.get_json()["fields"]["name"]["code"] == code


def test_a_name_is_trimmed_and_forty_characters_are_allowed(client, backend):
    answer = client.post("/api/renewals", json={**VALID, "name": "  " + "张" * 40 + " "})
    assert answer.status_code == 201
    assert backend.stores.leads.get_lead(answer.get_json()["lead_id"]).name == "张" * 40


def test_a_plain_form_post_redirects_to_the_thank_you_page_with_the_lead_id_only(
    client, backend, settings
):
    form = {
        "name": "张伟",
        "phone": "13800138000",
        "plate": "粤B12345",
        "consent": "on",
        "expiry_date": "",
        "contact_time": "",
        "note": "",
        "website": "",
    }
    answer = client.post("/api/renewals", data=form)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == settings.site_origin
    assert location.path == "/thanks/"
    query = parse_qs(location.query)
    assert set(query) == {"lead"}
    assert backend.stores.leads.get_lead(query["lead"][0]).plate == "粤B12345"
    for personal in ("张伟", "13800138000", "粤B12345", "%E5%BC%A0"):
        assert personal not in answer.headers["Location"]


def test_a_duplicate_form_post_says_so_on_the_thank_you_page(client):
    form = {"name": "张伟", "phone": "13800138000", "plate": "粤B12345", "consent": "1"}
    first = client.post("/api/renewals", data=form)
    again = client.post("/api/renewals", data=form)
    assert parse_qs(urlsplit(again.headers["Location"]).query) == {
        "lead": parse_qs(urlsplit(first.headers["Location"]).query)["lead"],
        "duplicate": ["1"],
    }


@pytest.mark.parametrize("consent", ["true", "on", "1"])
def test_a_form_consent_box_counts_when_ticked(client, consent):
    form = {"name": "张伟", "phone": "13800138000", "plate": "粤B12345", "consent": consent}
    assert urlsplit(client.post("/api/renewals", data=form).headers["Location"]).path == "/thanks/"


def test_a_form_with_errors_redirects_to_the_error_page_with_field_codes(client, stored):
    form = {"name": "", "phone": "110", "plate": "粤B12345", "consent": "yes", "fax": "x"}
    answer = client.post("/api/renewals", data=form)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/form-error/"
    query = parse_qs(location.query)
    assert query["form"] == ["renewal"]
    assert set(query["errors"][0].split(",")) == {
        "name:required",
        "phone:invalid",
        "consent:must_accept",
        "fax:unknown_field",
    }
    assert "110" not in answer.headers["Location"]
    assert stored() == {}


def test_a_body_over_16_kib_is_refused_with_413(client, stored):
    answer = client.post("/api/renewals", json={**VALID, "note": "x" * 17000})
    assert answer.status_code == 413
    assert answer.get_json()["error"] == "too_large"
    assert stored() == {}


def test_other_content_types_are_refused_with_415(client):
    answer = client.post("/api/renewals", data="name=张伟", content_type="text/plain")
    assert answer.status_code == 415
    assert answer.get_json()["error"] == "unsupported_media_type"


def test_a_json_body_that_is_not_an_object_is_a_400(client):
    for raw in ("[1, 2]", "not json", "null"):
        answer = client.post("/api/renewals", data=raw, content_type="application/json")
        assert answer.status_code == 400
        assert answer.get_json()["error"] == "not_json_object"


def test_the_wrong_method_is_refused_with_405_and_allow(client):
    answer = client.get("/api/renewals")
    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"]
    assert answer.get_json()["error"] == "method_not_allowed"


def test_a_renewal_link_token_is_refused_until_links_are_issued(client, stored):
    answer = client.post("/api/renewals", json={"token": "abc.def", "consent": True})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_token"
    assert stored() == {}


def test_the_same_vehicle_can_ask_again_once_its_lead_is_closed_and_30_days_old(
    client, backend, settings
):
    first = client.post("/api/renewals", json=VALID).get_json()["lead_id"]
    guard_key = {
        "pk": {"S": f"ST#{settings.store_id}#DEDUPE#renewal#粤B12345"},
        "sk": {"S": "DEDUPE"},
    }
    # Closed, but only 10 days ago: still a duplicate.
    backend.client.update_item(
        TableName=settings.table_name,
        Key=guard_key,
        UpdateExpression="SET is_open = :f, created_at = :t",
        ExpressionAttributeValues={":f": {"BOOL": False}, ":t": {"S": "2099-01-01T00:00:00.000Z"}},
    )
    assert client.post("/api/renewals", json=VALID).get_json() == {
        "lead_id": first,
        "duplicate": True,
    }
    backend.client.update_item(
        TableName=settings.table_name,
        Key=guard_key,
        UpdateExpression="SET created_at = :t",
        ExpressionAttributeValues={":t": {"S": "2020-01-01T00:00:00.000Z"}},
    )
    answer = client.post("/api/renewals", json=VALID)
    assert answer.status_code == 201
    assert answer.get_json()["lead_id"] != first


def test_an_open_lead_blocks_a_new_one_however_old_it_is(client, backend, settings):
    first = client.post("/api/renewals", json=VALID).get_json()["lead_id"]
    backend.client.update_item(
        TableName=settings.table_name,
        Key={"pk": {"S": f"ST#{settings.store_id}#DEDUPE#renewal#粤B12345"}, "sk": {"S": "DEDUPE"}},
        UpdateExpression="SET created_at = :t",
        ExpressionAttributeValues={":t": {"S": "2020-01-01T00:00:00.000Z"}},
    )
    assert client.post("/api/renewals", json=VALID).get_json() == {
        "lead_id": first,
        "duplicate": True,
    }
