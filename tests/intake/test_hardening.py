"""What an attacker or a fuzzer sends: one spelling per person, a clear 4xx for every bad body."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

VALID = {"name": "张伟", "phone": "13800138000", "plate": "粤B12345", "consent": True}
FULL_WIDTH_PHONE = "13８００１３８０００"


def _error_page_codes(answer) -> dict[str, str]:
    assert answer.status_code == 303
    target = urlsplit(answer.headers["Location"])
    assert target.path == "/form-error/"
    errors = parse_qs(target.query)["errors"][0]
    return dict(part.split(":") for part in errors.split(","))


# -- digits are digits ------------------------------------------------------------------------


def test_full_width_digits_are_the_same_phone_for_dedupe_limits_and_referrals(
    client, backend, stored
):
    first = client.post(
        "/api/referrals",
        json={
            "code": backend.referrals.referrers.issue("李娜", "+8613900139000").code,
            "name": "张伟",
            "phone": FULL_WIDTH_PHONE,
            "interest": "club",
            "consent": True,
        },
    )
    again = client.post(
        "/api/referrals",
        json={
            "code": backend.referrals.referrers.issue("王芳", "+8613700137000").code,
            "name": "张伟",
            "phone": "13800138000",
            "interest": "club",
            "consent": True,
        },
    )
    assert first.status_code == 201
    assert again.status_code == 200 and again.get_json()["lead_id"] == first.get_json()["lead_id"]
    [lead] = stored()["lead"]
    assert lead["phone"] == "+8613800138000"
    own = backend.referrals.referrers.issue("张伟", "+8613800138000").code
    refused = client.post(
        "/api/referrals",
        json={
            "code": own,
            "name": "张伟",
            "phone": "１３８ ００１３ ８０００",
            "interest": "club",
            "consent": True,
        },
    )
    assert refused.get_json()["fields"]["phone"]["code"] == "self_referral"


def test_a_full_width_plate_and_a_no_break_space_are_the_same_vehicle(client):
    first = client.post("/api/renewals", json={**VALID, "plate": "粤Ｂ１２３４５"})
    second = client.post("/api/renewals", json={**VALID, "plate": "粤b\u00a012345"})
    assert first.status_code == 201
    assert second.get_json() == {**first.get_json(), "duplicate": True}


@pytest.mark.parametrize(
    "field,value",
    [
        ("phone", "١٣٨٠٠١٣٨٠٠٠"),  # Arabic-Indic digits
        ("phone", "𝟏𝟑𝟖00138000"),  # mathematical bold digits (NFKC would make them ASCII)
        ("plate", "粤B١٢٣٤٥"),
        ("expiry_date", "२०२७-०१-०५"),  # Devanagari digits
    ],
)
def test_digits_of_another_script_are_a_field_error_not_a_new_spelling(
    client, stored, field, value
):
    answer = client.post("/api/renewals", json={**VALID, field: value})
    assert answer.status_code == 400
    error = answer.get_json()["fields"][field]
    assert error["code"] == "foreign_digits"
    assert "0-9" in error["message"]
    assert "lead" not in stored()


# -- every malformed body is a 4xx ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/renewals", "/api/referrals", "/api/staff/session"])
def test_deeply_nested_json_is_refused_before_it_is_parsed(client, path):
    answer = client.post(path, data="[" * 2000 + "]" * 2000, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "too_deep"


def test_a_key_sent_twice_is_a_field_error_in_json_and_in_forms(client, stored):
    body = (
        '{"name": "张伟", "name": "李娜", "phone": "13800138000", "plate": "粤B12345", '
        '"consent": true}'
    )
    answer = client.post("/api/renewals", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["fields"]["name"]["code"] == "duplicate_key"
    form = client.post(
        "/api/renewals",
        data="name=a&name=b&consent=on",
        content_type="application/x-www-form-urlencoded",
    )
    assert _error_page_codes(form)["name"] == "duplicate_key"
    assert "lead" not in stored()


def test_invalid_utf8_in_a_form_is_refused_not_stored_as_escapes(client, stored):
    answer = client.post(
        "/api/renewals",
        data=b"name=%FF%FE&phone=13800138000&plate=%E7%B2%A4B12345&consent=on",
        content_type="application/x-www-form-urlencoded",
    )
    assert _error_page_codes(answer) == {"name": "invalid_characters"}
    assert "lead" not in stored()


def test_a_lone_surrogate_gets_a_sentence_not_a_message_key(client):
    body = (
        '{"name": "\\ud800", "phone": "13800138000", "plate": "粤B12345", "consent": true,'
        ' "contact_time": "\\udc00"}'
    )
    answer = client.post("/api/renewals", data=body, content_type="application/json")
    fields = answer.get_json()["fields"]
    assert {f: e["code"] for f, e in fields.items()} == {
        "name": "invalid_characters",
        "contact_time": "invalid_characters",
    }
    assert all("error." not in e["message"] for e in fields.values())


@pytest.mark.parametrize(
    "name,code",
    [
        ("\u3164", "invisible_characters"),
        ("张\u3164伟", "invisible_characters"),
        ("张\u2028伟", "control_characters"),
        ("张\u2029", "control_characters"),
        ("---", "invalid"),
    ],
)
def test_a_name_that_shows_nothing_or_breaks_lines_is_refused(client, name, code):
    answer = client.post("/api/renewals", json={**VALID, "name": name})
    assert answer.get_json()["fields"]["name"]["code"] == code


def test_an_empty_expiry_date_or_token_means_absent_in_json_and_in_forms(client, backend):
    json_answer = client.post("/api/renewals", json={**VALID, "expiry_date": "", "token": ""})
    assert json_answer.status_code == 201
    form_answer = client.post(
        "/api/renewals",
        data={
            "name": "李娜",
            "phone": "13900139000",
            "plate": "粤B54321",
            "consent": "on",
            "expiry_date": "",
            "token": "",
        },
    )
    assert urlsplit(form_answer.headers["Location"]).path == "/thanks/"
    lead = backend.stores.leads.get_lead(json_answer.get_json()["lead_id"])
    assert lead.expiry_date is None


def test_the_openapi_document_names_every_error_body(client):
    doc = client.get("/api/openapi.json").get_json()
    renewals = doc["paths"]["/api/renewals"]["post"]["responses"]
    body_errors = renewals["400"]["content"]["application/json"]["schema"]["anyOf"][1]
    assert {"not_json_object", "too_deep", "invalid_encoding", "invalid_token"} <= set(
        body_errors["properties"]["error"]["enum"]
    )
    optout = doc["paths"]["/api/renewals/optout"]["post"]["responses"]
    assert {"200", "303", "400", "405", "410", "413", "415", "503"} <= set(optout)
    assert optout["415"]["content"]["application/json"]["schema"]["properties"]["error"][
        "enum"
    ] == ["unsupported_media_type"]


def test_the_opt_out_refuses_other_content_types_and_unknown_fields(client):
    assert (
        client.post("/api/renewals/optout", data="t", content_type="text/plain").status_code == 415
    )
    answer = client.post("/api/renewals/optout", json={"token": "x", "phone": "13800138000"})
    assert answer.get_json()["fields"]["phone"]["code"] == "unknown_field"


# -- honeypot and the same plate from someone else --------------------------------------------


def test_honeypot_submissions_count_against_the_address_limit(settings, stored):
    from renewdesk.app import create_app

    client = create_app(settings.with_(rate_limit_per_address_per_hour=3)).test_client()
    answers = [
        client.post("/api/renewals", json={**VALID, "website": "http://spam.example"})
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert len(stored()["spam"]) == 3


def test_the_same_plate_from_another_phone_is_not_given_the_first_customers_reference(client):
    first = client.post("/api/renewals", json=VALID).get_json()
    other = client.post("/api/renewals", json={**VALID, "phone": "13900139000", "name": "李娜"})
    assert other.get_json() == {
        "lead_id": first["lead_id"],
        "duplicate": True,
        "same_customer": False,
    }
    same = client.post("/api/renewals", json=VALID).get_json()
    assert same == {"lead_id": first["lead_id"], "duplicate": True}
    form = client.post("/api/renewals", data={**VALID, "phone": "13900139000", "consent": "on"})
    assert form.headers["Location"].endswith("/thanks/?duplicate=1&other=1")
    assert first["lead_id"] not in form.headers["Location"]


def test_locally_a_get_on_a_post_route_answers_405_as_on_lambda(settings, tmp_path):
    from renewdesk.app import create_app

    (tmp_path / "index.html").write_text("<p>site</p>")
    client = create_app(settings.with_(site_dir=tmp_path)).test_client()
    answer = client.get("/api/renewals")
    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"]
    assert answer.get_json()["error"] == "method_not_allowed"
    assert client.get("/").status_code == 200
    assert client.get("/api/nothing-here").status_code == 404
