"""Staff sign-in: cookies, CSRF, expiry, revocation, lockout and one-time codes."""

from __future__ import annotations

import pyotp

from renewdesk.app import create_app
from tests.staff.conftest import PASSWORD, HttpsClient, add_staff, post, sign_in


def test_login_sets_a_host_only_secure_httponly_lax_cookie_and_returns_csrf(app, backend):
    """The cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Lax; the CSRF token comes back."""
    add_staff(backend, "li.na")
    answer = app.test_client().post(
        "/api/staff/session", json={"username": "li.na", "password": PASSWORD}
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["user"] == "li.na" and body["role"] == "specialist" and len(body["csrf_token"]) > 30
    cookie = next(
        c for c in answer.headers.getlist("Set-Cookie") if c.startswith("__Host-renewdesk_staff=")
    )
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain" not in cookie


def test_plain_localhost_uses_unprefixed_cookies_without_secure(settings, backend):
    """On plain-http localhost browsers refuse __Host-/Secure, so the local server drops them."""
    local_app = create_app(settings.with_(local=True))
    add_staff(local_app.extensions["renewdesk"], "li.na")
    answer = local_app.test_client().post(
        "/api/staff/session", json={"username": "li.na", "password": PASSWORD}
    )
    cookie = next(
        c for c in answer.headers.getlist("Set-Cookie") if c.startswith("renewdesk_staff=")
    )
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_calls_without_a_session_are_401(app):
    """No cookie, no staff API."""
    client = app.test_client()
    assert client.get("/api/staff/leads?mine=1").status_code == 401
    assert client.post("/api/staff/leads/claim", json={}).status_code == 401


def test_wrong_password_and_unknown_user_are_401(app, backend):
    """Both answer the same, so usernames cannot be probed."""
    add_staff(backend, "li.na")
    client = app.test_client()
    wrong = client.post("/api/staff/session", json={"username": "li.na", "password": "nope-nope"})
    unknown = client.post("/api/staff/session", json={"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["error"] == unknown.get_json()["error"] == "bad_credentials"


def test_state_changing_calls_need_the_csrf_token(specialist):
    """Missing or wrong X-CSRF-Token → 403; the right one passes."""
    assert specialist.post("/api/staff/leads/claim", json={}).status_code == 403
    wrong = specialist.post("/api/staff/leads/claim", json={}, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "csrf_failed"
    assert post(specialist, "/api/staff/leads/claim").status_code == 204


def test_cross_site_requests_are_refused_even_with_the_token(specialist):
    """A browser-declared foreign Origin is refused before anything else."""
    answer = specialist.post(
        "/api/staff/leads/claim",
        json={},
        headers={"X-CSRF-Token": specialist.csrf, "Origin": "https://evil.example"},
    )
    assert answer.status_code == 403 and answer.get_json()["error"] == "cross_origin"


def test_each_login_gets_a_new_session_id_and_ends_the_old_one(app, backend):
    """Signing in again from the same browser replaces the session (no fixation)."""
    client = sign_in(app, add_staff(backend, "li.na"))
    first = client.get_cookie("__Host-renewdesk_staff").value
    client.post("/api/staff/session", json={"username": "li.na", "password": PASSWORD})
    second = client.get_cookie("__Host-renewdesk_staff").value
    assert first != second
    stale = HttpsClient(app)
    stale.set_cookie("__Host-renewdesk_staff", first, domain="localhost")
    assert stale.get("/api/staff/session").status_code == 401


def test_logout_ends_the_session_server_side(app, backend):
    """A copy of the cookie is useless after logout."""
    client = sign_in(app, add_staff(backend, "li.na"))
    copied = client.get_cookie("__Host-renewdesk_staff").value
    assert (
        client.delete("/api/staff/session", headers={"X-CSRF-Token": client.csrf}).status_code
        == 204
    )
    replay = HttpsClient(app)
    replay.set_cookie("__Host-renewdesk_staff", copied, domain="localhost")
    assert replay.get("/api/staff/session").status_code == 401


def test_disabling_an_account_ends_its_sessions_at_once(app, backend):
    """The next request after `staff disable` is 401."""
    client = sign_in(app, add_staff(backend, "li.na"))
    assert client.get("/api/staff/session").status_code == 200
    backend.staff.accounts.set_disabled("li.na", True)
    assert client.get("/api/staff/session").status_code == 401
    refused = app.test_client().post(
        "/api/staff/session", json={"username": "li.na", "password": PASSWORD}
    )
    assert refused.get_json()["error"] == "account_disabled"


def test_session_expires_after_30_idle_minutes(app, backend, fake_clock):
    """Idle for 30 minutes → 401 session_expired."""
    client = sign_in(app, add_staff(backend, "li.na"))
    fake_clock.advance(minutes=29)
    assert client.get("/api/staff/session").status_code == 200
    fake_clock.advance(minutes=30)
    answer = client.get("/api/staff/session")
    assert answer.status_code == 401 and answer.get_json()["error"] == "session_expired"


def test_activity_keeps_a_session_alive_until_the_12_hour_limit(app, backend, fake_clock):
    """Requests every 20 minutes renew the idle timer, but not past 12 hours."""
    client = sign_in(app, add_staff(backend, "li.na"))
    for _ in range(35):  # 11 h 40 min of steady work
        fake_clock.advance(minutes=20)
        assert client.get("/api/staff/session").status_code == 200
    fake_clock.advance(minutes=20)
    assert client.get("/api/staff/session").status_code == 401


def test_totp_accounts_need_a_fresh_code_that_works_only_once(app, backend, fake_clock):
    """Without the code → otp_required; a used code cannot be replayed."""
    add_staff(backend, "li.na")
    uri = backend.staff.accounts.enable_totp("li.na", issuer="RenewDesk")
    totp = pyotp.parse_uri(uri)
    client = app.test_client()
    body = {"username": "li.na", "password": PASSWORD}
    assert client.post("/api/staff/session", json=body).get_json()["error"] == "otp_required"
    code = totp.at(fake_clock())
    assert client.post("/api/staff/session", json={**body, "otp": code}).status_code == 200
    replay = client.post("/api/staff/session", json={**body, "otp": code})
    assert replay.status_code == 401 and replay.get_json()["error"] == "bad_otp"


def test_login_errors_are_in_chinese_unless_english_is_asked_for(app, backend):
    """Messages come from the catalogs."""
    client = app.test_client()
    body = {"username": "x", "password": "y"}
    assert (
        client.post("/api/staff/session", json=body)
        .get_json()["message"]
        .startswith("用户名或密码不正确")
    )
    english = client.post("/api/staff/session", json=body, headers={"Accept-Language": "en"})
    assert english.get_json()["message"].startswith("Wrong username or password")


def test_staff_api_answers_are_not_cached(specialist):
    """Lead data never sits in a cache."""
    assert specialist.get("/api/staff/leads?mine=1").headers["Cache-Control"] == "no-store"


def test_an_unknown_page_under_staff_is_an_html_page_not_json(specialist):
    answer = specialist.get("/staff/no-such-page")
    assert answer.status_code == 404
    assert answer.mimetype == "text/html"
    assert "<html" in answer.get_data(as_text=True).lower()
    assert specialist.get("/api/staff/no-such-thing").get_json()["error"] == "not_found"
