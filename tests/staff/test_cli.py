"""`renewdesk staff ...` against DynamoDB Local."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from renewdesk.cli import main
from renewdesk.wiring import Services


@pytest.fixture
def run(settings, monkeypatch):
    """Run the CLI on this test's store, in Chinese."""
    monkeypatch.setenv("DYNAMODB_ENDPOINT", settings.dynamodb_endpoint)
    monkeypatch.setenv("TABLE_NAME", settings.table_name)
    monkeypatch.setenv("STORE_ID", settings.store_id)
    monkeypatch.setenv("RENEWDESK_LANG", "zh")

    def invoke(*args: str, stdin: str | None = None):
        return CliRunner().invoke(main, ["staff", *args], input=stdin)

    return invoke


def test_staff_add_reads_the_password_from_stdin_and_the_account_can_sign_in(run, settings):
    """The password never appears on the command line."""
    added = run("add", "li.na", "--role", "supervisor", stdin="a long enough secret\n")
    assert added.exit_code == 0, added.output
    assert "已创建账户 li.na（保险主管）" in added.output
    member = Services(settings).staff.accounts.authenticate(
        "li.na", "a long enough secret", None, "127.0.0.1"
    )
    assert member.role == "supervisor"


def test_staff_add_refuses_short_passwords_and_taken_names(run):
    """Clear messages, non-zero exit."""
    short = run("add", "li.na", "--role", "specialist", stdin="short\n")
    assert short.exit_code != 0 and "密码至少10位" in short.output
    run("add", "li.na", "--role", "specialist", stdin="a long enough secret\n")
    taken = run("add", "li.na", "--role", "specialist", stdin="a long enough secret\n")
    assert taken.exit_code != 0 and "用户名已存在" in taken.output


def test_staff_disable_and_totp(run, settings):
    """disable marks the account; totp prints an otpauth URI and a QR code."""
    run("add", "li.na", "--role", "specialist", stdin="a long enough secret\n")
    totp = run("totp", "li.na")
    assert totp.exit_code == 0 and "otpauth://totp/RenewDesk:li.na?secret=" in totp.output
    assert "█" in totp.output or "▀" in totp.output
    assert run("disable", "li.na").exit_code == 0
    assert Services(settings).staff.accounts.get("li.na").disabled
    assert run("disable", "ghost").exit_code != 0
    listing = run("list")
    assert "li.na\tspecialist\t已停用\tTOTP" in listing.output
