"""`renewdesk customers export PHONE`: everything stored about a customer (PIPL access);
`renewdesk customers erase PHONE`: forget a customer who asked to be deleted (PIPL);
`renewdesk customers purge`: erase what is past the retention limit (the daily job, by hand).

Erase and purge print only the masked phone and counts by kind, never a name, plate or note;
export prints the customer's own data, for handing to them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from renewdesk.cli import common

KINDS = (
    "open_leads",
    "closed_leads",
    "event_notes",
    "dedupe_guards",
    "policies",
    "referral_codes",
    "optouts",
    "spam",
)


def _text(key: str, **values: str) -> str:
    return common.text(f"cli.privacy.{key}", **values)


def _phone(value: str) -> str:
    """The phone as intake stores it, or a Chinese error naming the problem."""
    from renewdesk.errors import InvalidFields
    from renewdesk.services import privacy

    try:
        return privacy.parse_phone(value)
    except InvalidFields as error:
        code = error.fields["phone"]
        key = f"phone_{code}" if code in ("invalid", "required") else "phone_invalid"
        raise click.ClickException(_text(key)) from None


def _counts(counts: dict[str, int], kinds: tuple[str, ...] = KINDS) -> str:
    return "\n".join(f"  {_text('kind.' + kind)}: {counts[kind]}" for kind in kinds if counts[kind])


@click.group()
def customers() -> None:
    """Customers' personal data: erase on request, purge past retention."""


@customers.command("erase")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Erase without showing what and asking first.")
def erase(phone: str, yes: bool) -> None:
    """Erase everything stored about the customer with this mobile number."""
    from renewdesk.services import privacy

    phone = _phone(phone)
    masked = privacy.mask_phone(phone)
    erasure = common.services().privacy.erasure
    if not yes:
        counts = erasure.survey(phone).counts()
        if not any(counts.values()):
            click.echo(_text("nothing", phone=masked))
            return
        click.echo(_text("will_erase", phone=masked))
        click.echo(_counts(counts))
        if not click.confirm(_text("confirm")):
            click.echo(_text("cancelled"))
            raise click.exceptions.Exit(1)
    counts = erasure.erase(phone)
    if not any(counts.values()):
        click.echo(_text("nothing", phone=masked))
        return
    click.echo(_text("erased", phone=masked))
    click.echo(_counts(counts))


@customers.command("export")
@click.argument("phone")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the summary.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the JSON to this file (readable by its owner only).",
)
def export(phone: str, as_json: bool, output: Path | None) -> None:
    """Everything stored about the customer with this mobile number (an access request)."""
    import json

    from renewdesk.services import privacy

    phone = _phone(phone)
    records = common.services().privacy.access.export(phone)
    document = json.dumps(records.as_json(), ensure_ascii=False, indent=2, default=str)
    if output is not None:
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as out:
            out.write(document + "\n")
    if as_json:
        click.echo(document)
        return
    from renewdesk.cli.summary import Summary

    click.echo(Summary(common.lang()).of(records, privacy.mask_phone(phone)))
    if output is not None:
        click.echo(_text("export.written", path=str(output)))


@customers.command("purge")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Purge as at the start of this day (China time); a later day only with --dry-run.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be purged; write nothing.")
def purge(as_of: dt.datetime | None, dry_run: bool) -> None:
    """Erase personal data kept longer than LEAD_RETENTION_DAYS (the daily job does this)."""
    from renewdesk.errors import InvalidFields
    from renewdesk.services import clock
    from renewdesk.services.privacy import PURGE_KINDS

    moment = as_of.replace(tzinfo=clock.CHINA) if as_of else None
    try:
        report = common.services().privacy.purge.run(moment, dry_run=dry_run)
    except InvalidFields:
        raise click.ClickException(_text("purge.future")) from None
    key = "purge.would" if dry_run else "purge.done"
    if not any(report.counts.values()):
        key = "purge.nothing"
    click.echo(_text(key, as_of=clock.local_date(clock.parse_iso(report.as_of)).isoformat()))
    click.echo(_counts(report.counts, PURGE_KINDS))
    if report.incomplete:
        click.echo(_text("purge.incomplete"))
