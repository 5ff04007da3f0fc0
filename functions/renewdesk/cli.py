"""`renewdesk`: the operations command line, a thin layer over the services."""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path

import click

from renewdesk import i18n
from renewdesk.backend import Backend
from renewdesk.config import Settings


def _lang() -> str:
    return i18n.negotiate(os.environ.get("RENEWDESK_LANG") or "zh")


def _backend(create_table: bool = True) -> Backend:
    """The same database `make run` uses: DYNAMODB_ENDPOINT, the running one, or start it; the
    table is created if it is missing, unless the caller does that itself."""
    from renewdesk import localdb

    settings = Settings.from_env()
    if not settings.dynamodb_endpoint:
        endpoint = localdb.running_endpoint()
        if endpoint is None:
            db = localdb.start(db_path=localdb.LOCAL_DIR / "dynamodb")
            atexit.register(db.stop)
            endpoint = db.endpoint
        settings = settings.with_(dynamodb_endpoint=endpoint)
    backend = Backend(settings)
    if create_table:
        backend.ensure_table()
    return backend


def _field(normalize, field: str, value: str) -> str:
    from pydantic_core import PydanticCustomError

    try:
        return normalize(value)
    except PydanticCustomError as error:
        raise click.BadParameter(i18n.field_error(_lang(), field, error.type)) from None


@click.group()
def main() -> None:
    """RenewDesk operations: local server, database, site, staff, roster, reminders, referrals."""


@main.command()
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "8000")),
    show_default="8000 or $PORT",
)
@click.option(
    "--site-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Built site to serve at / (default build/site).",
)
def serve(port: int, site_dir: Path | None) -> None:
    """Run DynamoDB Local and serve site + API + staff console until Ctrl-C."""
    from renewdesk import devserver, localdb

    try:
        devserver.run(port, site_dir or devserver.default_site_dir())
    except localdb.LocalDbError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


@main.group()
def db() -> None:
    """The DynamoDB table."""


@db.command("init")
def db_init() -> None:
    """Create the table (with its indexes and TTL) if it is missing."""
    created = _backend(create_table=False).ensure_table()
    click.echo("table created" if created else "table already exists")


@main.command()
@click.option("--stage", required=True, help="Stage of zappa_settings.json (dev, prod).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Zip to write (default build/lambda-<stage>.zip).",
)
def package(stage: str, output: Path | None) -> None:
    """Build the Lambda zip offline with `zappa package`, from a runtime-only venv."""
    from renewdesk import packaging

    try:
        path = packaging.build(stage, output, log=lambda line: click.echo(line, err=True))
    except packaging.PackagingError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"{path}\t{path.stat().st_size / 1e6:.1f} MB")


def _add_staff_commands() -> None:
    from renewdesk.staff_cli import staff

    main.add_command(staff)


_add_staff_commands()


@main.group()
def referrers() -> None:
    """Referral codes of existing customers."""


@referrers.command("add")
@click.option("--name", required=True, help="The customer's name.")
@click.option("--phone", required=True, help="The customer's mobile number.")
def referrers_add(name: str, phone: str) -> None:
    """Issue a referral code for a customer (the same code again for the same phone)."""
    from renewdesk.services import referrers as service
    from renewdesk.services.fields import normalize_name, normalize_phone

    name = _field(normalize_name, "name", name)
    phone = _field(normalize_phone, "phone", phone)
    backend = _backend()
    referrer = service.issue_code(backend.referrer_store, name, phone)
    url = service.signup_url(backend.settings.site_origin, referrer.code)
    click.echo(f"{referrer.code}\t{url}")


@referrers.command("list")
def referrers_list() -> None:
    """Every referral code with its customer and sign-up URL."""
    from renewdesk.services import referrers as service

    backend = _backend()
    for r in backend.referrer_store.list_referrers():
        masked = r.phone[:6] + "****" + r.phone[-4:]
        url = service.signup_url(backend.settings.site_origin, r.code)
        click.echo(f"{r.code}\t{r.name}\t{masked}\t{r.created_at[:10]}\t{url}")


def _add_site_commands() -> None:
    # `renewdesk site build|publish` live with their logic in renewdesk.publish.
    from renewdesk.publish.commands import site

    main.add_command(site)


_add_site_commands()


def _add_roster_commands() -> None:
    from renewdesk.roster_cli import reminders, roster

    main.add_command(roster)
    main.add_command(reminders)


_add_roster_commands()


def _add_privacy_commands() -> None:
    from renewdesk.privacy_cli import customers

    main.add_command(customers)


_add_privacy_commands()


if __name__ == "__main__":
    main()
