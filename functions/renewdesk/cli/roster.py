"""`renewdesk roster ...` and `renewdesk reminders ...`: the policy roster, daily reminders."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from renewdesk import i18n
from renewdesk.cli import common

SHOWN_REJECTIONS = 100
PROGRESS_FROM_ROWS = 1000


def _text(key: str, **values) -> str:
    return common.text(key, **values)


def _phone(value: str) -> str:
    return common.phone(value)


def _reason(rejection) -> str:
    specific = f"roster.reason.{rejection.code}.{rejection.field}"
    if specific in i18n.catalog(common.lang()):
        return _text(specific)
    return _text(f"roster.reason.{rejection.code}", first_row=rejection.first_row or "")


@click.group()
def roster() -> None:
    """The policy roster exported from the dealer management system."""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default=None, help="XLSX: the sheet to read (default: the first).")
@click.option("--check", is_flag=True, help="Only check the rows; write nothing.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the rejected rows (row, column, reason) to this CSV file.",
)
def roster_import(file: Path, sheet: str | None, check: bool, rejects: Path | None) -> None:
    """Import a roster (CSV or XLSX; Chinese or English column names). Re-importing the same
    file changes nothing; a newer file updates the records it changes."""
    from renewdesk.services import clock
    from renewdesk.services.roster import ImportSummary, check_rows
    from renewdesk.services.roster_files import COLUMNS, RosterFileError, read_roster

    try:
        table = read_roster(file, sheet)
    except RosterFileError as error:
        message = _text(f"roster.file.{error.code}", detail=error.detail)
        raise click.ClickException(message) from None
    if table.ignored:
        click.echo(_text("roster.ignored_columns", columns="、".join(table.ignored)), err=True)
    if table.missing_optional:
        names = "、".join(COLUMNS[f][1][0] for f in table.missing_optional)
        click.echo(_text("roster.missing_optional", columns=names), err=True)
    records, rejections = check_rows(table, clock.local_date(clock.now()))
    _report_rejections(rejections, rejects)
    rejected_rows = len({r.row for r in rejections})
    if check:
        click.echo(_text("roster.checked", good=len(records), rejected=rejected_rows))
        return
    summary = ImportSummary(rejections=rejections)
    importer = common.services().roster.imports
    if len(records) >= PROGRESS_FROM_ROWS:
        with click.progressbar(
            length=len(records), label=_text("roster.importing"), file=sys.stderr
        ) as bar:
            importer.import_records(records, summary, bar.update)
    else:
        importer.import_records(records, summary)
    click.echo(
        _text(
            "roster.summary",
            added=summary.added,
            updated=summary.updated,
            unchanged=summary.unchanged,
            rejected=summary.rejected_rows,
        )
    )


def _report_rejections(rejections, rejects: Path | None) -> None:
    lines = [
        _text("roster.rejected_row", row=r.row, column=r.column, reason=_reason(r))
        for r in rejections
    ]
    for line in lines[:SHOWN_REJECTIONS]:
        click.echo(line, err=True)
    if len(lines) > SHOWN_REJECTIONS:
        click.echo(f"… +{len(lines) - SHOWN_REJECTIONS}", err=True)
    if rejects is not None:
        from renewdesk.services.exports import write_csv

        with rejects.open("w", encoding="utf-8-sig", newline="") as out:
            write_csv(
                out,
                [["row", "column", "reason"], *((r.row, r.column, _reason(r)) for r in rejections)],
            )
        click.echo(_text("roster.rejects_written", path=rejects), err=True)


@roster.command("columns")
def roster_columns() -> None:
    """The column names an import understands (any one of each line), required ones first."""
    from renewdesk.services.roster_files import COLUMNS

    mark = _text("roster.columns.required")
    for required, names in sorted(COLUMNS.values(), key=lambda c: not c[0]):
        click.echo(f"{names[0]}\t{mark if required else ''}\t{' / '.join(names)}")


@roster.command("optout")
@click.argument("phones", nargs=-1, required=True)
@click.option(
    "--via",
    type=click.Choice(["phone_call", "sms_reply", "staff"]),
    default="sms_reply",
    show_default=True,
    help="How the customer asked.",
)
def roster_optout(phones: tuple[str, ...], via: str) -> None:
    """Stop reminder SMS to these mobile numbers (a reply TD, or a phone call)."""
    checked = [_phone(p) for p in phones]
    optouts = common.services().roster.optouts
    for phone in checked:
        optouts.add(phone, via)
        click.echo(_text("roster.optout.done", phone=phone))


@roster.command("optin")
@click.argument("phone")
def roster_optin(phone: str) -> None:
    """Undo an opt-out (the customer asked for reminders again)."""
    phone = _phone(phone)
    removed = common.services().roster.optouts.remove(phone)
    click.echo(_text("roster.optin.done" if removed else "roster.optin.none", phone=phone))


@roster.command("sample")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rows", type=click.IntRange(1, 200000), default=200, show_default=True)
@click.option("--english", is_flag=True, help="English column names.")
def roster_sample(file: Path, rows: int, english: bool) -> None:
    """Write a made-up roster (CSV or XLSX by the file name) to try the import with."""
    from renewdesk.roster_sample import sample_rows, write_roster
    from renewdesk.services import clock

    today = clock.local_date(clock.now())
    write_roster(file, sample_rows(rows, today), "en" if english else "zh")
    click.echo(str(file))


@click.group()
def reminders() -> None:
    """Renewal reminders: leads at N-90, SMS with one-click links at N-60."""


@reminders.command("run")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day to run for (default: today, China time).",
)
@click.option("--no-file", is_flag=True, help="Do not write build/sms/<day>.csv.")
def reminders_run(as_of: dt.datetime | None, no_file: bool) -> None:
    """Create the day's renewal leads and reminder SMS, and mark the renewal cycles 30 days past
    expiry as lapsed (running it again changes nothing)."""
    services = common.services()
    report = services.roster.reminders.run(as_of.date() if as_of else None, write_file=not no_file)
    lapses = services.renewals.lapses.run(as_of.date() if as_of else None)
    counts = report.counts()
    click.echo(_text("reminders.leads", **counts))
    click.echo(_text("reminders.sms", **counts))
    if report.sms_file is not None:
        click.echo(_text("reminders.sms_file", path=report.sms_file))
    if report.sms_sent or report.sms_failed:
        click.echo(_text("reminders.sent", **counts))
    click.echo(_text("lapses.cli_done", **lapses.counts()))


@reminders.command("due")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True)
def reminders_due(as_of: dt.datetime | None, days: int) -> None:
    """The due list: policies expiring within DAYS, with where their lead and SMS stand."""
    due = common.services().roster.reminders.due(as_of.date() if as_of else None, days)
    if not due:
        click.echo(_text("reminders.due_none", days=days))
        return
    click.echo(_text("reminders.due_header"))
    for entry in due:
        policy = entry.policy
        click.echo(
            "\t".join(
                [
                    policy.expiry_date,
                    policy.plate,
                    policy.name,
                    common.masked(policy.phone),
                    policy.grade or "-",
                    _text(f"reminders.step.{entry.lead_state}"),
                    _text(f"reminders.step.{entry.sms_state}"),
                ]
            )
        )
