"""Logins reveal nothing and cannot be used to lock someone out (OWASP ASVS 5, level 2)."""

from __future__ import annotations

import logging

import pytest

from tests.staff.conftest import PASSWORD, add_staff

HOME, ATTACKER, OTHER = "10.1.1.1", "10.6.6.6", "10.2.2.2"


def login(app, username: str, password: str, address: str):
    client = app.test_client()
    return client.post(
        "/api/staff/session",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


class CountingHasher:
    """The real argon2 hasher, counting the expensive calls."""

    def __init__(self, real):
        self.real, self.runs = real, 0

    def hash(self, password):
        self.runs += 1
        return self.real.hash(password)

    def verify(self, stored, password):
        self.runs += 1
        return self.real.verify(stored, password)

    def check_needs_rehash(self, stored):
        return self.real.check_needs_rehash(stored)


def test_unknown_user_wrong_password_and_throttled_answer_exactly_alike(app, backend):
    add_staff(backend, "li.na")
    unknown = login(app, "nobody.here", "wrong-password", ATTACKER)
    wrong = login(app, "li.na", "wrong-password", ATTACKER)
    for _ in range(4):
        login(app, "li.na", "wrong-password", ATTACKER)
    throttled = login(app, "li.na", PASSWORD, ATTACKER)  # the right password, throttled
    answers = [
        (a.status_code, a.get_json(), a.headers.get("Retry-After"))
        for a in (unknown, wrong, throttled)
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][:2] == (
        401,
        {"error": "bad_credentials", "message": answers[0][1]["message"]},
    )


def test_every_attempt_costs_one_argon2_run_known_or_not(app, backend):
    add_staff(backend, "li.na")
    accounts = backend.staff.accounts
    login(app, "li.na", "warm-up-password", OTHER)  # the dummy hash is made once per process
    counting = CountingHasher(accounts._hasher)
    accounts.__dict__["_hasher"] = counting
    runs = []
    for username in ("nobody.here", "li.na", "Not A Username!"):
        counting.runs = 0
        login(app, username, "wrong-password", ATTACKER)
        runs.append(counting.runs)
    assert runs == [1, 1, 1]


def test_failures_from_one_address_never_stop_the_owner_at_another(app, backend):
    add_staff(backend, "li.na")
    for _ in range(10):
        assert login(app, "li.na", "wrong-password", ATTACKER).status_code == 401
    assert login(app, "li.na", PASSWORD, ATTACKER).status_code == 401
    assert login(app, "li.na", PASSWORD, HOME).status_code == 200


def test_one_address_guessing_many_accounts_is_throttled_for_all(app, backend, settings):
    add_staff(backend, "li.na")
    for number in range(settings.login_address_max_failures):
        login(app, f"guess.{number}", "wrong-password", ATTACKER)
    assert login(app, "li.na", PASSWORD, ATTACKER).status_code == 401
    assert login(app, "li.na", PASSWORD, HOME).status_code == 200


def test_a_guess_spread_over_many_addresses_hits_a_ceiling_a_supervisor_can_clear(
    settings, cli_run
):
    from renewdesk.app import create_app

    app = create_app(settings)  # on the real clock, as the CLI is
    add_staff(app.extensions["renewdesk"], "li.na")
    ceiling = settings.login_account_daily_ceiling
    for number in range(ceiling):
        login(app, "li.na", "wrong-password", f"10.9.{number // 200}.{number % 200}")
    assert login(app, "li.na", PASSWORD, HOME).status_code == 401
    assert cli_run("unlock", "li.na").exit_code == 0
    assert login(app, "li.na", PASSWORD, HOME).status_code == 200


def test_a_successful_login_clears_the_failures_at_that_address(app, backend):
    add_staff(backend, "li.na")
    for _ in range(4):
        login(app, "li.na", "wrong-password", HOME)
    assert login(app, "li.na", PASSWORD, HOME).status_code == 200
    for _ in range(4):
        login(app, "li.na", "wrong-password", HOME)
    assert login(app, "li.na", PASSWORD, HOME).status_code == 200


def test_login_events_are_logged_without_addresses_or_attempted_names(app, backend, caplog):
    add_staff(backend, "li.na")
    caplog.set_level(logging.INFO)
    login(app, "li.na", "wrong-password", ATTACKER)
    login(app, "s3cret-typed-as-name", "x", ATTACKER)
    for _ in range(6):
        login(app, "li.na", "wrong-password", ATTACKER)
    text = caplog.text
    assert "staff login failed: account=li.na" in text
    assert "staff login throttled: account=li.na" in text
    assert "account=unknown" in text
    assert ATTACKER not in text and "s3cret-typed-as-name" not in text


def test_a_cross_site_post_does_not_log_the_staff_member_out(app, specialist):
    # SameSite=Lax: the browser sends no session cookie with a cross-site POST.
    stranger = app.test_client()
    answer = stranger.post(
        "/staff/claim",
        data={"csrf_token": "x"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 303
    assert not answer.headers.getlist("Set-Cookie")
    assert specialist.get("/api/staff/session").status_code == 200


@pytest.fixture
def cli_run(settings):
    """`renewdesk staff ...` against this test's store."""
    from click.testing import CliRunner

    from renewdesk.cli import main

    env = {
        "DYNAMODB_ENDPOINT": settings.dynamodb_endpoint,
        "TABLE_NAME": settings.table_name,
        "STORE_ID": settings.store_id,
        "RENEWDESK_LANG": "zh",
    }

    def run(*args: str):
        return CliRunner().invoke(main, ["staff", *args], env=env, catch_exceptions=False)

    return run
