"""`renewdesk serve`, `renewdesk db init`, `renewdesk package`: the local server, the table, the
Lambda zip."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from renewdesk.cli import common


@click.command()
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


@click.group()
def db() -> None:
    """The DynamoDB table."""


@db.command("init")
def db_init() -> None:
    """Create the table (with its indexes and TTL) if it is missing."""
    created = common.services(create_table=False).ensure_table()
    click.echo("table created" if created else "table already exists")


@click.command()
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
