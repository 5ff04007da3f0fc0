"""GET /api/openapi.json documents the public API from the models that validate it."""

from __future__ import annotations

from openapi_spec_validator import validate

from renewdesk.services.submissions import ReferralSignup, RenewalRequest


def test_the_document_is_valid_openapi_3_1_with_every_public_endpoint(client):
    doc = client.get("/api/openapi.json").get_json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {
        "/api/renewals",
        "/api/referrals",
        "/api/health",
        "/api/openapi.json",
        "/api/renewals/link",
        "/api/renewals/optout",
    }
    renewals = doc["paths"]["/api/renewals"]["post"]
    assert set(renewals["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    assert {"201", "200", "303", "400", "410", "413", "415", "429", "503"} <= set(
        renewals["responses"]
    )


def test_the_documented_fields_are_the_validated_fields(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    for model in (RenewalRequest, ReferralSignup):
        schema = schemas[model.__name__]
        assert set(schema["properties"]) == set(model.model_fields)
        assert set(schema["required"]) == {
            n for n, f in model.model_fields.items() if f.is_required()
        }
        assert schema["additionalProperties"] is False
    contact_time = schemas["RenewalRequest"]["properties"]["contact_time"]
    assert {"morning", "afternoon", "evening", "anytime"} <= set(contact_time["anyOf"][0]["enum"])
    assert schemas["ReferralSignup"]["properties"]["interest"]["enum"] == [
        "insurance",
        "new_car",
        "service",
        "club",
    ]
