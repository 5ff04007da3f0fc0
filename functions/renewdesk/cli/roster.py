"""`renewdesk roster ...` and `renewdesk reminders ...`: the policy roster, daily reminders."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from renewdesk.cli import common

SHOWN_REJECTIONS = 100
PROGRESS_FROM_ROWS = 1000


def _text(key: str, **values) -> str:
    return common.text(key, **values)


def _phone(value: str) -> str:
    return common.phone(value)


@click.group()
def roster() -> None:
    """The policy roster exported from the dealer management system."""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--sheet", default=None, help="XLSX: the sheet to read (default: the first with a header)."
)
@click.option("--check", is_flag=True, help="Only check the rows; write nothing.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the rejected rows, as the file has them plus the reasons, to this CSV (or "
    ".xlsx) file: correct them there and import that file.",
)
def roster_import(file: Path, sheet: str | None, check: bool, rejects: Path | None) -> None:
    """Import a roster (CSV or XLSX, as DMS export it; Chinese or English column names).
    Re-importing the same file changes nothing; a newer file updates the records it changes
    and the open leads of those vehicles."""
    from renewdesk.services import clock, roster_report
    from renewdesk.services.roster import ImportSummary, check_rows
    from renewdesk.services.roster_files import RosterFileError, read_table

    language = common.lang()
    try:
        table = read_table(
            file.read_bytes(), file.name, sheet=sheet, dropped=roster_report.dropped_columns()
        )
    except RosterFileError as error:
        message = _text(f"roster.file.{error.code}", detail=error.detail)
        raise click.ClickException(message) from None
    for line in roster_report.notices(roster_report.SheetReading.of(table), language):
        click.echo(line, err=True)
    checked = check_rows(table, clock.local_date(clock.now()))
    _show(
        [roster_report.warning(w, language) for w in checked.warnings]
        + [roster_report.located(r, language) for r in checked.rejections]
    )
    if rejects is not None:
        _write_rejects(
            rejects,
            roster_report.rejects_table(
                table.header, checked.rejected, checked.rejections, language
            ),
        )
    if check:
        click.echo(
            _text("roster.checked", good=len(checked.records), rejected=checked.rejected_rows)
        )
        return
    summary = ImportSummary(rejections=checked.rejections)
    importer = common.services().roster.imports
    if len(checked.records) >= PROGRESS_FROM_ROWS:
        with click.progressbar(
            length=len(checked.records), label=_text("roster.importing"), file=sys.stderr
        ) as bar:
            importer.import_records(checked.records, summary, bar.update)
    else:
        importer.import_records(checked.records, summary)
    click.echo(
        _text(
            "roster.summary",
            added=summary.added,
            updated=summary.updated,
            unchanged=summary.unchanged,
            rejected=summary.rejected_rows,
        )
        + "；"
        + _text(
            "imports.summary_more",
            warnings=len(checked.warnings),
            leads=summary.leads_updated,
            owners=summary.owners_changed,
        )
    )


def _show(lines: list[str]) -> None:
    for line in lines[:SHOWN_REJECTIONS]:
        click.echo(line, err=True)
    if len(lines) > SHOWN_REJECTIONS:
        click.echo(f"… +{len(lines) - SHOWN_REJECTIONS}", err=True)


def _write_rejects(path: Path, table: list[list]) -> None:
    from renewdesk.services.exports import write_csv, xlsx_bytes

    if path.suffix.lower() == ".xlsx":
        path.write_bytes(xlsx_bytes({_text("imports.rejects.sheet"): table}))
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            write_csv(out, table)
    click.echo(_text("roster.rejects_written", path=path), err=True)


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
    click.echo(_text("sms.billed", **counts))
    for size in report.sizes:
        click.echo(
            _text(
                "sms.sizes",
                template=size.template.template_id,
                length=size.length,
                segments=size.segments,
                max_segments=size.template.max_segments,
            )
        )
    if report.sms_postponed:
        click.echo(_text("sms.postponed", **counts))
    if report.sms_deferred:
        click.echo(_text("sms.deferred", **counts))
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
