"""`renewdesk staff ...`: staff accounts from the command line (passwords from standard input)."""

from __future__ import annotations

import sys

import click

from renewdesk.cli import common


def _text(key: str, **values: str) -> str:
    return common.text(f"cli.staff.{key}", **values)


def _accounts():
    return common.services().staff.accounts


def _read_password() -> str:
    """The password: typed twice, hidden, on a terminal; else the first line of standard input."""
    if sys.stdin.isatty():
        return click.prompt(_text("password_prompt"), hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException(_text("no_password"))
    return password


def _fail(code: str) -> click.ClickException:
    return click.ClickException(_text(code))


@click.group()
def staff() -> None:
    """Staff accounts: add, disable, enable, password, unlock, totp, list."""


@staff.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["specialist", "supervisor"]), required=True)
def add(username: str, role: str) -> None:
    """Create an account; the password is read from standard input."""
    from renewdesk.services.staff import AccountError

    password = _read_password()
    try:
        _accounts().add(username, role, password)
    except AccountError as error:
        raise _fail(error.code) from None
    click.echo(_text("added", user=username, role=common.text(f"role.{role}")))


@staff.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account: its sessions end at once."""
    _set_disabled(username, True)
    click.echo(_text("disabled", user=username))


@staff.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    _set_disabled(username, False)
    click.echo(_text("enabled", user=username))


@staff.command("password")
@click.argument("username")
def password(username: str) -> None:
    """Set a new password (from standard input) and lift a lockout."""
    from renewdesk.errors import NotFound
    from renewdesk.services.staff import AccountError

    new_password = _read_password()
    try:
        _accounts().set_password(username, new_password)
    except AccountError as error:
        raise _fail(error.code) from None
    except NotFound:
        raise _fail("not_found") from None
    click.echo(_text("password_set", user=username))


@staff.command("unlock")
@click.argument("username")
def unlock(username: str) -> None:
    """Let an account sign in again after the daily ceiling of failed logins stopped it."""
    from renewdesk.errors import NotFound

    try:
        _accounts().unlock(username)
    except NotFound:
        raise _fail("not_found") from None
    click.echo(_text("unlocked", user=username))


@staff.command("totp")
@click.argument("username")
def totp(username: str) -> None:
    """Turn on one-time codes: prints the provisioning URI and a QR code to scan."""
    import segno

    from renewdesk.errors import NotFound

    try:
        uri = _accounts().enable_totp(username, issuer="RenewDesk")
    except NotFound:
        raise _fail("not_found") from None
    click.echo(_text("totp_enabled", user=username))
    click.echo(uri)
    segno.make(uri, error="m").terminal(compact=True)


@staff.command("list")
def list_accounts() -> None:
    """Every account with its role and state."""
    for member in _accounts().list_all():
        state = _text("state_disabled") if member.disabled else _text("state_active")
        totp_state = "TOTP" if member.totp_enabled else "-"
        click.echo(f"{member.username}\t{member.role}\t{state}\t{totp_state}")


def _set_disabled(username: str, disabled: bool) -> None:
    from renewdesk.errors import NotFound

    try:
        _accounts().set_disabled(username, disabled)
    except NotFound:
        raise _fail("not_found") from None
