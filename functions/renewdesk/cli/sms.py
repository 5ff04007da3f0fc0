"""`renewdesk sms replies FILE`: the SMS platform's export of customers' replies."""

from __future__ import annotations

from pathlib import Path

import click

from renewdesk.cli import common


@click.group()
def sms() -> None:
    """Reminder SMS: customers' replies."""


@sms.command("replies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default=None, help="XLSX: the sheet to read.")
def sms_replies(file: Path, sheet: str | None) -> None:
    """Import replies (mobile, text, time): TD, R, 退订 and the like opt the number out; any
    other reply becomes a follow-up task on the customer's open lead. Importing the same file
    again changes nothing."""
    from renewdesk.services.roster_files import RosterFileError, read_table
    from renewdesk.services.sms_replies import REPLY_COLUMNS

    try:
        table = read_table(file.read_bytes(), file.name, REPLY_COLUMNS, sheet)
    except RosterFileError as error:
        message = common.text(f"roster.file.{error.code}", detail=error.detail)
        raise click.ClickException(message) from None
    report = common.services().roster.replies.import_replies(table)
    click.echo(
        common.text(
            "sms.replies.summary",
            opted_out=report.opted_out,
            tasks=report.tasks,
            already=report.already,
            no_lead=len(report.no_lead),
            unreadable=len(report.unreadable),
        )
    )
    for phone in report.no_lead:
        click.echo(common.text("sms.replies.no_lead", phone=common.masked(phone)), err=True)
    for row in report.unreadable:
        click.echo(common.text("sms.replies.unreadable", row=row), err=True)
