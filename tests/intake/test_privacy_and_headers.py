"""No personal data or link token in any log line; security headers and CORS on every answer."""

from __future__ import annotations

import logging

import pytest
from botocore.stub import Stubber

from renewdesk.services.records import Policy

NAME, PHONE, PLATE, TOKEN = "欧阳娜娜", "13812345678", "浙A8B8C8", "tok.SECRET-LINK-TOKEN"
BODY = {"name": NAME, "phone": PHONE, "plate": PLATE, "consent": True}
# A roster policy whose renewal links the paths below open (a vehicle of its own).
ROSTER_PHONE, ROSTER_PLATE, ROSTER_ID = "13812340000", "浙A7C7D7", "rosterIdOfThePolicy1"
PERSONAL = (
    NAME,
    PHONE,
    "+86" + PHONE,
    PLATE,
    TOKEN,
    "SECRET-LINK-TOKEN",
    ROSTER_PHONE,
    "+86" + ROSTER_PHONE,
    ROSTER_PLATE,
    ROSTER_ID,
)
LINK_TOKENS: list[str] = []  # the genuine tokens every_path used


def link_tokens(backend) -> tuple[str, str]:
    """A genuine token for the roster policy, and one issued 46 days ago."""
    from renewdesk.secrets import read_secret
    from renewdesk.services.links import LinkTokens

    s = backend.settings
    backend.stores.roster.add_policies(
        [
            Policy(
                plate=ROSTER_PLATE,
                name=NAME,
                phone="+86" + ROSTER_PHONE,
                expiry_date="2030-01-20",
                grade="A",
                row_hash="h",
                roster_id=ROSTER_ID,
            )
        ]
    )
    old = LinkTokens(
        read_secret(s, "link-signing-key"),
        s.store_id,
        s.link_token_days,
        clock=lambda: backend.now().timestamp() - 46 * 86400,
    )
    tokens = (backend.roster.links.issue(ROSTER_ID), old.issue(ROSTER_ID))
    LINK_TOKENS.extend(tokens)
    return tokens


def every_path(client, backend):
    """Drive every answer the public API gives; yields each response."""
    code = backend.referrals.referrers.issue(NAME + "的朋友", "+8613700000000").code
    yield client.post("/api/renewals", json=BODY)  # accepted
    yield client.post("/api/renewals", json=BODY)  # duplicate
    yield client.post("/api/renewals", data={**BODY, "consent": "on"})  # form duplicate
    yield client.post("/api/renewals", json={**BODY, "phone": PHONE + "9", "plate": PLATE + "?"})
    yield client.post("/api/renewals", data={**BODY, "consent": "no"})  # form invalid
    yield client.post("/api/renewals", json={"token": TOKEN, "consent": True})
    yield client.post("/api/renewals", json={**BODY, "website": "x"})  # honeypot
    yield client.post(
        "/api/referrals",
        json={"code": code, "name": NAME, "phone": PHONE, "interest": "club", "consent": True},
    )
    yield client.post(
        "/api/referrals",
        json={
            "code": code,
            "name": NAME,
            "phone": "13700000000",
            "interest": "club",
            "consent": True,
        },
    )  # self-referral
    genuine, expired = link_tokens(backend)
    yield client.get(f"/api/renewals/link?t={genuine}")  # preview
    yield client.get(f"/api/renewals/link?t={genuine}x")  # altered
    yield client.get(f"/api/renewals/link?t={expired}")  # 410
    yield client.post("/api/renewals", json={"token": genuine, "consent": True})  # one tap
    yield client.post("/api/renewals", json={"token": genuine, "consent": True})  # second tap
    yield client.post("/api/renewals", data={"token": genuine, "consent": "on"})  # form tap
    yield client.post("/api/renewals", data={"token": expired, "consent": "on"})  # form 410
    yield client.post("/api/renewals", json={"token": genuine})  # no consent
    yield client.post("/api/renewals/optout", json={"token": genuine})
    yield client.post("/api/renewals/optout", data={"token": expired})
    yield client.post("/api/renewals", data="x", content_type="text/plain")
    yield client.get("/api/renewals")
    yield client.get("/api/health")
    yield client.get("/api/openapi.json")
    yield client.get("/api/nothing-here")
    with Stubber(backend.client) as stub:
        for _ in range(backend.settings.storage_attempts):
            stub.add_client_error("transact_write_items", "ThrottlingException")
        yield client.post("/api/renewals", json={**BODY, "plate": "浙A12345"})  # 503
    with Stubber(backend.client) as stub:
        stub.add_client_error(
            "transact_write_items",
            "ValidationException",
            service_message=f"bad item {NAME} {PHONE}",
        )
        yield client.post("/api/renewals", json={**BODY, "plate": "浙A54321"})  # 500


def test_no_log_line_carries_a_name_phone_plate_or_token(client, backend, caplog):
    caplog.set_level(logging.DEBUG, logger="renewdesk")
    caplog.set_level(logging.INFO)
    statuses = [answer.status_code for answer in every_path(client, backend)]
    assert {200, 201, 303, 400, 404, 405, 410, 415, 500, 503} <= set(statuses)
    assert caplog.records, "the paths above log their outcomes"
    for record in caplog.records:
        line = record.getMessage() + str(record.exc_info or "")
        for value in (*PERSONAL, *LINK_TOKENS):
            assert value not in line, f"{value!r} logged by {record.name}: {line}"


def test_every_api_answer_has_the_security_headers(client, backend):
    for answer in every_path(client, backend):
        headers = answer.headers
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_a_server_error_is_generic(client, backend):
    *_, server_error = every_path(client, backend)
    assert server_error.status_code == 500
    body = server_error.get_json()
    assert body["error"] == "internal"
    assert NAME not in server_error.get_data(as_text=True)


@pytest.mark.parametrize("method", ["POST", "OPTIONS"])
def test_cors_allows_only_the_configured_site_origin(client, settings, method):
    def ask(origin):
        headers = {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
        return client.open("/api/renewals", method=method, json=BODY, headers=headers)

    allowed = ask(settings.site_origin)
    assert allowed.headers["Access-Control-Allow-Origin"] == settings.site_origin
    refused = ask("https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "*" not in allowed.headers.get("Access-Control-Allow-Origin", "")
