"""Honeypot and rate limits: bots are kept apart, floods are slowed, spoofing changes nothing."""

from __future__ import annotations

import pytest

from renewdesk.app import create_app
from renewdesk.config import Settings

BODY = {"name": "张伟", "phone": "13800138000", "plate": "粤B12345", "consent": True}


def app_with_env(settings: Settings, env: dict[str, str]):
    """The app configured the way Lambda configures it: from environment variables."""
    base = {
        "TABLE_NAME": settings.table_name,
        "DYNAMODB_ENDPOINT": settings.dynamodb_endpoint,
        "STORE_ID": settings.store_id,
        "SITE_ORIGIN": settings.site_origin,
    }
    return create_app(Settings.from_env({**base, **env}))


def test_a_filled_honeypot_looks_accepted_but_is_stored_apart_and_never_queued(
    client, backend, stored
):
    answer = client.post("/api/renewals", json={**BODY, "website": "http://spam.example"})
    assert answer.status_code == 201
    assert answer.get_json()["duplicate"] is False
    assert backend.stores.leads.get_lead(answer.get_json()["lead_id"]) is None
    items = stored()
    assert "lead" not in items and "dedupe" not in items
    [spam] = items["spam"]
    assert spam["fields"]["website"] == "http://spam.example"
    assert spam["expires_at"] > 0


def test_a_honeypot_form_post_is_sent_to_the_thank_you_page(client, stored):
    answer = client.post("/api/referrals", data={"website": "x", "name": "bot"})
    assert answer.status_code == 303
    assert "/thanks/?lead=" in answer.headers["Location"]
    assert set(stored()) == {"spam", "rate"}  # counted against the address, never queued


def test_one_phone_is_limited_per_day_by_the_environment_setting(settings, stored):
    app = app_with_env(settings, {"RATE_LIMIT_PER_PHONE_PER_DAY": "2"})
    client = app.test_client()
    for plate in ("粤B11111", "粤B22222"):
        assert client.post("/api/renewals", json={**BODY, "plate": plate}).status_code == 201
    limited = client.post("/api/renewals", json={**BODY, "plate": "粤B33333"})
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 86400
    assert limited.get_json()["error"] == "rate_limited"
    assert len(stored()["lead"]) == 2


def test_a_duplicate_over_the_limit_still_gets_its_lead_back(settings):
    client = app_with_env(settings, {"RATE_LIMIT_PER_PHONE_PER_DAY": "1"}).test_client()
    first = client.post("/api/renewals", json=BODY).get_json()
    assert client.post("/api/renewals", json=BODY).get_json() == {**first, "duplicate": True}


def test_one_client_address_is_limited_per_hour_whatever_x_forwarded_for_says(settings, stored):
    client = app_with_env(settings, {"RATE_LIMIT_PER_ADDRESS_PER_HOUR": "3"}).test_client()
    statuses = []
    for i in range(5):
        answer = client.post(
            "/api/renewals",
            json={**BODY, "plate": f"粤B1000{i}", "phone": f"1380013800{i}"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
        statuses.append(answer.status_code)
    assert statuses == [201, 201, 201, 429, 429]
    counters = [c for c in stored()["rate"] if "#address#" in c["pk"]]
    assert [c["pk"].split("#")[4] for c in counters] == ["203.0.113.7"]
    other = client.post(
        "/api/renewals",
        json={**BODY, "plate": "粤B99999", "phone": "13900000000"},
        environ_base={"REMOTE_ADDR": "203.0.113.8"},
    )
    assert other.status_code == 201


def test_a_rate_limited_form_post_goes_to_the_error_page(settings):
    client = app_with_env(settings, {"RATE_LIMIT_PER_PHONE_PER_DAY": "1"}).test_client()
    client.post("/api/renewals", data={**BODY, "consent": "on"})
    answer = client.post("/api/renewals", data={**BODY, "plate": "粤B99999", "consent": "on"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("errors=form%3Arate_limited")
    assert int(answer.headers["Retry-After"]) > 0


@pytest.mark.parametrize("value", ["0", "-3", "five"])
def test_a_bad_rate_limit_setting_is_refused_with_its_name(settings, value):
    with pytest.raises(ValueError, match="RATE_LIMIT_PER_PHONE_PER_DAY"):
        app_with_env(settings, {"RATE_LIMIT_PER_PHONE_PER_DAY": value})
