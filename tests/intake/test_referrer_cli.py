"""`renewdesk referrers add/list`: codes for existing customers, on the same database."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from renewdesk.cli import main
from renewdesk.services.referrers import CODE_ALPHABET


@pytest.fixture
def run(settings):
    env = {
        "DYNAMODB_ENDPOINT": settings.dynamodb_endpoint,
        "TABLE_NAME": settings.table_name,
        "STORE_ID": settings.store_id,
        "SITE_ORIGIN": settings.site_origin,
    }

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), env=env)

    return invoke


def test_adding_a_referrer_prints_an_unambiguous_code_and_the_signup_url(run, settings):
    result = run("referrers", "add", "--name", "李娜", "--phone", "139 0013 9000")
    assert result.exit_code == 0, result.output
    code, url = result.output.strip().split("\t")
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", code)
    assert not set(code) & set("0O1I")
    assert url == f"{settings.site_origin}/join/?code={code}"


def test_the_same_customer_keeps_one_code(run):
    first = run("referrers", "add", "--name", "李娜", "--phone", "13900139000").output
    again = run("referrers", "add", "--name", "李娜", "--phone", "+86 139-0013-9000").output
    assert first.split("\t")[0] == again.split("\t")[0]


def test_listing_shows_every_code_with_a_masked_phone(run):
    codes = {
        run("referrers", "add", "--name", n, "--phone", p).output.split("\t")[0]
        for n, p in (("李娜", "13900139000"), ("赵敏", "13600136000"))
    }
    listing = run("referrers", "list")
    assert listing.exit_code == 0
    lines = listing.output.strip().splitlines()
    assert {line.split("\t")[0] for line in lines} == codes
    assert "+86139****9000" in listing.output and "13900139000" not in listing.output


def test_a_code_from_the_cli_lets_a_friend_sign_up(run, client):
    code = run("referrers", "add", "--name", "李娜", "--phone", "13900139000").output.split("\t")[0]
    answer = client.post(
        "/api/referrals",
        json={
            "code": code,
            "name": "王强",
            "phone": "13700137000",
            "interest": "new_car",
            "consent": True,
        },
    )
    assert answer.status_code == 201


def test_a_bad_phone_is_refused_in_chinese_naming_the_option(run):
    result = run("referrers", "add", "--name", "李娜", "--phone", "12345")
    assert result.exit_code == 2
    assert "手机号码" in result.output
